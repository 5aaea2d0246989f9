"""Public case references (MRD-7K3F92) and customer access tokens."""

from __future__ import annotations

import hashlib
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


def link_token(reference: str, secret_key: str) -> str:
    """The token of links e-mailed to the customer (the issued access token is only hashed)."""
    digest = hmac.new(secret_key.encode(), f"case-link:{reference}".encode(), hashlib.sha256)
    return "L" + digest.hexdigest()[:40]


def may_view(token: str | None, *, reference: str, token_hash: str, secret_key: str) -> bool:
    """The customer's access token, or a link token from one of our e-mails."""
    if token is None:
        return False
    link = link_token(reference, secret_key)
    return hmac.compare_digest(token, link) or token_matches(token, token_hash)
