"""RFC 9457 problem details for every error the API returns: the one place that turns domain
errors (and Litestar's own) into HTTP responses."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_500_INTERNAL_SERVER_ERROR

from service.common.errors import (
    BadRequest,
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    TooLarge,
    TooManyAttempts,
    Unauthenticated,
    Unavailable,
    UnsupportedFormat,
)
from service.web.pages import refused_page

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://meridian.example/problems/"
log = logging.getLogger("meridian.errors")
_NAMED_FIELD = re.compile(r"(?:missing required|unknown) field `([^`]+)`")


STATUS_OF: dict[type[DomainError], int] = {
    BadRequest: 400,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    TooLarge: 413,
    UnsupportedFormat: 415,
    InvalidInput: 422,
    TooManyAttempts: 429,
    Unavailable: 503,
}


def status_of(error: DomainError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS_OF:
            return STATUS_OF[kind]
    return HTTP_500_INTERNAL_SERVER_ERROR


def _body(
    request: Request[Any, Any, Any], status: int, kind: str, title: str, detail: str
) -> dict[str, Any]:
    return {
        "type": PROBLEM_BASE + kind,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }


def _response(body: dict[str, Any], headers: dict[str, str] | None = None) -> Response[Any]:
    return Response(body, status_code=body["status"], media_type=PROBLEM_JSON, headers=headers)


def domain_error_handler(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    body = _body(request, status_of(exc), exc.kind, exc.title, exc.detail)
    if exc.errors:
        body["errors"] = exc.errors
    headers: dict[str, str] = {}
    if isinstance(exc, Unauthenticated) and exc.challenge:
        headers["WWW-Authenticate"] = exc.challenge
    if isinstance(exc, Unavailable | TooManyAttempts) and exc.retry_after is not None:
        headers["Retry-After"] = str(exc.retry_after)
    return _response(body, headers or None)


def validation_handler(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """Schema violations in a parsed body are 422 with the fields; unreadable bodies are 400."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors = [
        {"field": _field_of(item), "message": str(item.get("message", "invalid"))}
        for item in extra
        if isinstance(item, dict) and item.get("key")
    ]
    if errors:
        return domain_error_handler(request, InvalidInput(errors))
    body = _body(request, HTTP_400_BAD_REQUEST, "bad-request", "Bad request", _readable(exc))
    return _response(body)


def _field_of(item: dict[str, Any]) -> str:
    """The body field an error is about; `data` (the whole body) is narrowed by the message."""
    key = str(item["key"])
    named = _NAMED_FIELD.search(str(item.get("message", "")))
    if named and key in ("data", ""):
        return named.group(1)
    if named:
        return f"{key}.{named.group(1)}"
    return "body" if key == "data" else key


def _readable(exc: HTTPException) -> str:
    extra = exc.extra if isinstance(exc.extra, list) else []
    messages = [str(item.get("message")) for item in extra if isinstance(item, dict)]
    return "; ".join(messages) or exc.detail or "the request body could not be read"


def http_handler(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    kind = {
        400: "bad-request",
        401: "unauthorized",
        403: "forbidden",
        404: "not-found",
        405: "method-not-allowed",
        413: "body-too-large",
        415: "unsupported-media-type",
        429: "rate-limited",
    }.get(status, "http-error")
    title = kind.replace("-", " ").capitalize()
    headers = dict(exc.headers or {})
    if status == 429 and "Retry-After" not in headers and (reset := headers.get("RateLimit-Reset")):
        headers["Retry-After"] = str(reset)
    if status == 429 and not request.url.path.startswith("/api/"):  # a customer's form
        page = refused_page(request, status, "rate_limited")
        page.headers.update(headers)
        return page
    return _response(_body(request, status, kind, title, exc.detail or title), headers or None)


def internal_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    status = HTTP_500_INTERNAL_SERVER_ERROR
    return _response(
        _body(request, status, "internal-error", "Internal error", "an unexpected error occurred")
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: domain_error_handler,
    ValidationException: validation_handler,
    HTTPException: http_handler,
    Exception: internal_handler,
}
