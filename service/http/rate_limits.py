"""Abuse limits on what the public can submit (complaints, survey answers, messages): one
budget per client, shared by every API process through Redis (Litestar's rate-limit
middleware). While Redis is away the limit is not enforced rather than refusing complaints."""

from __future__ import annotations

import re
from typing import Any, cast

from litestar import Request
from litestar.middleware.rate_limit import DurationUnit, RateLimitConfig
from litestar.stores.redis import RedisStore
from redis.asyncio import Redis
from redis.exceptions import RedisError

from service.settings import Settings

STORE = "rate_limit"
UNITS: tuple[DurationUnit, ...] = ("second", "minute", "hour", "day")
PUBLIC_SUBMISSIONS = re.compile(
    r"^(?:/|/api/v1/cases/?|(?:/api/v1)?/cases/[^/]+/(?:survey|messages|attachments))$"
)


class FailOpenStore(RedisStore):
    """The Redis store, answering "nothing counted yet" while Redis cannot be reached."""

    async def get(self, key: str, renew_for: Any = None) -> bytes | None:
        try:
            return await super().get(key, renew_for)
        except (RedisError, OSError):
            return None

    async def set(self, key: str, value: str | bytes, expires_in: Any = None) -> None:
        try:
            await super().set(key, value, expires_in)
        except (RedisError, OSError):
            return


def parse_rate(text: str) -> tuple[DurationUnit, int] | None:
    """ "30/minute" as ("minute", 30); "0" (or "off") as None: no limit."""
    text = text.strip().lower()
    if text in ("0", "off", ""):
        return None
    count, _, unit = text.partition("/")
    if not count.isdigit() or unit not in UNITS or int(count) < 1:
        raise ValueError(f"a rate limit reads like 30/minute (units: {', '.join(UNITS)}): {text!r}")
    return cast(DurationUnit, unit), int(count)


def _is_public_submission(request: Request[Any, Any, Any]) -> bool:
    return request.method == "POST" and PUBLIC_SUBMISSIONS.match(request.url.path) is not None


def client_of(trusted_proxies: frozenset[str]) -> Any:
    """The client a request counts against: the peer's address, or the first address of
    X-Forwarded-For when the peer is one of `trusted_proxies`."""

    def identify(request: Request[Any, Any, Any]) -> str:
        peer = request.client.host if request.client else "unknown"
        forwarded = request.headers.get("x-forwarded-for")
        if peer in trusted_proxies and forwarded:
            return forwarded.split(",", 1)[0].strip()
        return peer

    return identify


def rate_limit_config(settings: Settings) -> RateLimitConfig | None:
    rate = parse_rate(settings.intake_rate_limit)
    if rate is None:
        return None
    return RateLimitConfig(
        rate_limit=rate,
        check_throttle_handler=_is_public_submission,
        identifier_for_request=client_of(settings.trusted_proxies),
        store=STORE,
    )


def rate_limit_store(settings: Settings) -> FailOpenStore:
    redis = Redis.from_url(settings.redis_url_or_default, socket_connect_timeout=1)
    return FailOpenStore(redis=redis, namespace="meridian:rate", handle_client_shutdown=True)
