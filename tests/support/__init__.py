"""Test and benchmark tooling: a throwaway PostgreSQL, synthetic cases."""
