"""The HTTP edge: dependencies, guards, and domain errors turned into RFC 9457 problems."""
