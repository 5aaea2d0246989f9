"""RFC 9457 problem details for every error the API returns."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_400_BAD_REQUEST, HTTP_500_INTERNAL_SERVER_ERROR

PROBLEM_JSON = "application/problem+json"
PROBLEM_BASE = "https://meridian.example/problems/"
log = logging.getLogger("meridian.errors")
_NAMED_FIELD = re.compile(r"(?:missing required|unknown) field `([^`]+)`")


class Problem(HTTPException):
    """An error with a stable problem type, e.g. Problem(409, "illegal-transition", "...")."""

    def __init__(
        self,
        status: int,
        kind: str,
        detail: str,
        *,
        title: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail=detail, status_code=status, headers=headers)
        self.kind = kind
        self.title = title or kind.replace("-", " ").capitalize()
        self.errors = errors


class InvalidInput(Problem):
    """422 naming the offending fields."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        fields = ", ".join(e["field"] for e in errors)
        super().__init__(
            422,
            "invalid-input",
            f"invalid value for: {fields}",
            title="Invalid input",
            errors=errors,
        )


def invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput([{"field": field, "message": message}])


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


def problem_handler(request: Request[Any, Any, Any], exc: Problem) -> Response[Any]:
    body = _body(request, exc.status_code, exc.kind, exc.title, exc.detail)
    if exc.errors:
        body["errors"] = exc.errors
    return _response(body, exc.headers)


def validation_handler(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """Schema violations in a parsed body are 422 with the fields; unreadable bodies are 400."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    errors = [
        {"field": _field_of(item), "message": str(item.get("message", "invalid"))}
        for item in extra
        if isinstance(item, dict) and item.get("key")
    ]
    if errors:
        return problem_handler(request, InvalidInput(errors))
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
    return _response(_body(request, status, kind, title, exc.detail or title), exc.headers)


def internal_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    status = HTTP_500_INTERNAL_SERVER_ERROR
    return _response(
        _body(request, status, "internal-error", "Internal error", "an unexpected error occurred")
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    Problem: problem_handler,
    ValidationException: validation_handler,
    HTTPException: http_handler,
    Exception: internal_handler,
}
