"""Domain errors: what went wrong, in domain terms. `service.http.problems` turns each into an
RFC 9457 problem; services never speak HTTP."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every error a service raises on purpose.

    `kind` is the stable problem type (`…/problems/<kind>`), `detail` says what happened in this
    case, `errors` lists `{field|line, message}` items where the input had several problems.
    """

    default_kind: ClassVar[str] = "error"

    def __init__(
        self,
        detail: str,
        *,
        kind: str | None = None,
        title: str | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.kind = kind or self.default_kind
        self.title = title or self.kind.replace("-", " ").capitalize()
        self.errors = errors


class BadRequest(DomainError):
    """The request cannot be read at all."""

    default_kind = "bad-request"


class Unauthenticated(DomainError):
    """No credentials, or credentials nobody issued; `challenge` names what to send."""

    default_kind = "unauthorized"

    def __init__(self, detail: str, *, challenge: str | None = None, **options: Any) -> None:
        super().__init__(detail, **options)
        self.challenge = challenge


class Forbidden(DomainError):
    """Known caller, not allowed to do this."""

    default_kind = "forbidden"


class NotFound(DomainError):
    default_kind = "not-found"


class Conflict(DomainError):
    """The request does not fit the current state (a transition, a concurrent change)."""

    default_kind = "conflict"


class UnsupportedFormat(DomainError):
    """The body comes in a format this operation does not take."""

    default_kind = "unsupported-media-type"


class TooLarge(DomainError):
    """More bytes than the operation takes."""

    default_kind = "too-large"


class InvalidInput(DomainError):
    """Input that was read but is wrong; `errors` names each field."""

    default_kind = "invalid-input"

    def __init__(
        self,
        errors: list[dict[str, Any]] | None = None,
        *,
        detail: str | None = None,
        **options: Any,
    ) -> None:
        fields = ", ".join(str(error.get("field")) for error in errors or ())
        options.setdefault("title", "Invalid input")
        super().__init__(detail or f"invalid value for: {fields}", errors=errors, **options)


class TooManyAttempts(DomainError):
    """Refused until `retry_after` seconds have passed (sign-in throttling)."""

    default_kind = "rate-limited"

    def __init__(self, detail: str, *, retry_after: int, **options: Any) -> None:
        super().__init__(detail, **options)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """Not possible right now; `retry_after` seconds is when to try again, if known."""

    default_kind = "unavailable"

    def __init__(self, detail: str, *, retry_after: int | None = None, **options: Any) -> None:
        super().__init__(detail, **options)
        self.retry_after = retry_after


def invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput([{"field": field, "message": message}])
