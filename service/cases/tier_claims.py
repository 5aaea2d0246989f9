"""Tier claims signed by the company's own site: the only way a complaint gets a VIP tier.

A claim reads ``v1.<tier>.<expires, Unix seconds>.<signature>``; the signature is the hex
HMAC-SHA256, keyed with ``MERIDIAN_TIER_CLAIM_SECRET``, of ``v1|<tier>|<e-mail, lower
case>|<expires>``. It holds only for the contact e-mail it names, until it expires.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import cast

from routing.model import TIERS, Tier

VERSION = "v1"
UNTRUSTED: Tier = "standard"


def _signature(tier: str, email: str, expires: int, secret: str) -> str:
    message = f"{VERSION}|{tier}|{email.strip().lower()}|{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign_tier_claim(tier: Tier, email: str, expires: datetime, secret: str) -> str:
    """A claim as the company's site makes it (also what the tests send)."""
    stamp = int(expires.timestamp())
    return f"{VERSION}.{tier}.{stamp}.{_signature(tier, email, stamp, secret)}"


def trusted_tier(claim: str | None, email: str, secret: str | None, now: datetime) -> Tier:
    """The tier a valid, unexpired claim for `email` names; standard for anything else."""
    if not claim or not secret:
        return UNTRUSTED
    parts = claim.split(".")
    if len(parts) != 4 or parts[0] != VERSION or parts[1] not in TIERS or not parts[2].isdigit():
        return UNTRUSTED
    _, tier, stamp, signature = parts
    if int(stamp) <= now.timestamp():
        return UNTRUSTED
    if not hmac.compare_digest(signature, _signature(tier, email, int(stamp), secret)):
        return UNTRUSTED
    return cast(Tier, tier)
