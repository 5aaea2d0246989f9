"""HTTP controllers of the JSON API (thin: parse, call a service, shape the answer)."""
