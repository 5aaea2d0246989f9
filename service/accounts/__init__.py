"""Accounts: people who sign in, their roles and teams, passwords and sign-in throttling."""
