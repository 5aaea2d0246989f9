"""What every package shares: domain errors and logging."""
