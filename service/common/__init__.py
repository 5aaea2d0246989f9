"""What every package shares: domain errors, the caller, input checks, secrets, logging."""
