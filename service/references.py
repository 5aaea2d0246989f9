"""Public case references (MRD-7K3F92) and customer access tokens."""

from __future__ import annotations

import hmac
import secrets

from service.teams import hash_secret

# Crockford's base32 without I, L, O, U: nothing a customer can misread on the phone.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_reference() -> str:
    return "MRD-" + "".join(secrets.choice(ALPHABET) for _ in range(6))


def new_access_token() -> str:
    return secrets.token_urlsafe(24)


def token_matches(token: str | None, token_hash: str) -> bool:
    return token is not None and hmac.compare_digest(hash_secret(token), token_hash)
