"""Teams: the team file and ops API, the router's cached view, coverage and shifts."""
