"""Side effects written with the change that causes them, drained to arq on Redis."""
