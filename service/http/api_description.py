"""The OpenAPI document says what the API really does: the problem responses each route can
give (RFC 9457, `application/problem+json`) and the credentials it takes. Derived once, at
start-up, from each route's guards, path and method, so a new route is described the same way.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Litestar
from litestar.openapi.spec import (
    Components,
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    Reference,
    RequestBody,
    Schema,
    SecurityScheme,
)
from litestar.openapi.spec.enums import OpenAPIType

from service.http.clean_input import CLEAN_TEXT_PATTERN
from service.http.guards import authenticated, ops_only, team_in_path, translators_only
from service.http.problems import PROBLEM_JSON
from service.http.rate_limits import PUBLIC_SUBMISSIONS
from service.http.uploads import UPLOAD_FIELD

PROBLEM = "Problem"
SECURITY_SCHEMES = {
    "personalToken": SecurityScheme(
        type="http", scheme="bearer", description="A person's token (mrd_pat_…) from My account"
    ),
    "caseToken": SecurityScheme(
        type="http",
        scheme="bearer",
        description="The customer's case token (or a status link's); also as ?token=",
    ),
    "teamKey": SecurityScheme(type="apiKey", name="X-Api-Key", security_scheme_in="header"),
    "opsKey": SecurityScheme(type="apiKey", name="X-Ops-Key", security_scheme_in="header"),
    "translatorKey": SecurityScheme(
        type="apiKey", name="X-Translator-Key", security_scheme_in="header"
    ),
    "relaySecret": SecurityScheme(
        type="apiKey", name="X-Inbound-Secret", security_scheme_in="header"
    ),
}
WHY = {
    400: "The body cannot be read (not JSON, or nested more than 32 levels)",
    401: "No credentials this route accepts",
    403: "The credentials do not reach this team or role",
    404: "No such case or team for these credentials",
    409: "Not possible in the case's current state",
    413: "The body is too large",
    415: "The body is not in the format this route reads (or a file is of a refused type)",
    422: "A field is wrong (each named in `errors`), or holds control characters",
    429: "Too many submissions from this client; see Retry-After",
    503: "A dependency is not available or not configured; see Retry-After",
}
_CUSTOMER_ROUTE = re.compile(r"^/api/v1/cases/\{reference\}(?:/(?:survey|messages|export|erase))?$")


def _problem_schema() -> Schema:
    text = Schema(type=OpenAPIType.STRING)
    field_error = Schema(
        type=OpenAPIType.OBJECT,
        properties={"field": text, "message": text},
    )
    return Schema(
        type=OpenAPIType.OBJECT,
        required=["type", "title", "status", "detail"],
        properties={
            "type": Schema(type=OpenAPIType.STRING, format="uri"),  # type: ignore[arg-type]
            "title": text,
            "status": Schema(type=OpenAPIType.INTEGER),
            "detail": text,
            "instance": text,
            "errors": Schema(type=OpenAPIType.ARRAY, items=field_error),
        },
        description="RFC 9457 problem details",
    )


def _codes(path: str, method: str, guards: list[Any]) -> tuple[set[int], list[dict[str, Any]]]:
    """The problem status codes of one operation and the credentials it accepts."""
    codes: set[int] = {422}
    security: list[dict[str, list[str]]] = []
    if method in ("POST", "PUT", "PATCH"):
        codes |= {400, 413}
    if any(hasattr(guard, "media_types") for guard in guards):  # require_json and its kind
        codes.add(415)
    if authenticated in guards or team_in_path in guards:
        codes |= {401, 403, 404}
        security = [{"personalToken": []}, {"teamKey": []}, {"opsKey": []}]
    if ops_only in guards:
        codes |= {401, 403, 404}
        security = [{"opsKey": []}, {"personalToken": []}]
    if translators_only in guards:
        codes |= {401, 403}
        security = [{"translatorKey": []}, {"opsKey": []}, {"personalToken": []}]
    if _CUSTOMER_ROUTE.match(path) and not security:
        codes.add(404)
        security = [{"caseToken": []}]
    if path.startswith("/api/v1/cases/{reference}/attachments"):
        codes |= {401, 403, 404}  # a customer's token, or staff credentials of the case's team
        security = [{"caseToken": []}, {"personalToken": []}, {"teamKey": []}, {"opsKey": []}]
        if method == "POST":
            codes.add(415)
    if path == "/api/v1/cases" and method == "POST":
        codes.add(401)  # phone, chat and social complaints come with an agent's credentials
        security = [{}, {"personalToken": []}, {"teamKey": []}, {"opsKey": []}]
    if path == "/api/v1/inbound/email":
        codes |= {401, 503}
        security = [{"relaySecret": []}]
    if method == "POST" and "{reference}" in path and path != "/api/v1/cases/{reference}/export":
        codes.add(409)
    if method == "DELETE":
        codes.add(409)
    if method == "POST" and PUBLIC_SUBMISSIONS.match(path.replace("{reference}", "MRD-000000")):
        codes.add(429)
    if path.startswith("/api/v1/ops/") and method == "GET" and "{key}" not in path:
        codes.discard(404)
    return codes, security


def _clean_text(schema: Schema | Reference | None) -> None:
    """Say of every free string under `schema` that it holds no control characters."""
    if not isinstance(schema, Schema):
        return
    if schema.type == OpenAPIType.STRING and not (schema.pattern or schema.format or schema.enum):
        schema.pattern = CLEAN_TEXT_PATTERN
    for part in (
        *(schema.properties or {}).values(),
        *(schema.one_of or ()),
        *(schema.any_of or ()),
        *(schema.all_of or ()),
        schema.items,
        schema.additional_properties,
    ):
        _clean_text(part)  # type: ignore[arg-type]


_CARRIED_KEYWORDS = {
    "format": "format",
    "minLength": "min_length",
    "maxLength": "max_length",
    "pattern": "pattern",
}


def _describe_bodies(app: Litestar, document: Any) -> None:
    """Litestar's schemas of msgspec request bodies drop `forbid_unknown_fields` and each
    field's `extra_json_schema`; msgspec's own JSON Schema of the same structs carries them
    over (additionalProperties: false, format, lengths, pattern)."""
    bodies = {
        data.annotation
        for route in app.routes
        for handler in getattr(route, "route_handlers", ())
        if (data := handler.parsed_fn_signature.parameters.get("data")) is not None
        and isinstance(data.annotation, type)
        and issubclass(data.annotation, msgspec.Struct)
    }
    _, described = msgspec.json.schema_components(sorted(bodies, key=lambda t: t.__name__))
    schemas = document.components.schemas or {}
    for name, source in described.items():
        target = schemas.get(name)
        if not isinstance(target, Schema):
            continue
        if source.get("additionalProperties") is False:
            target.additional_properties = False
        for field, spec in source.get("properties", {}).items():
            property_schema = (target.properties or {}).get(field)
            if not isinstance(property_schema, Schema):
                continue
            for keyword, attribute in _CARRIED_KEYWORDS.items():
                if keyword in spec:
                    setattr(property_schema, attribute, spec[keyword])


def _describe_inputs(document: Any) -> None:
    """Every string a request carries (path, query, body) is described as clean text."""
    for schema in (document.components.schemas or {}).values():
        _clean_text(schema)
    for path_item in (document.paths or {}).values():
        for method in ("get", "post", "put", "patch", "delete"):
            operation: Operation | None = getattr(path_item, method, None)
            if operation is None:
                continue
            for parameter in operation.parameters or ():
                _clean_text(getattr(parameter, "schema", None))
            body = operation.request_body
            for media in (getattr(body, "content", None) or {}).values():
                _clean_text(media.schema)


def _raw_body(guards: list[Any]) -> RequestBody | None:
    """The body of a route that reads it raw (an e-mail, a team file): the media types its guard
    accepts, as text."""
    for guard in guards:
        media_types = getattr(guard, "media_types", None)
        if media_types and "application/json" not in media_types:
            text = Schema(type=OpenAPIType.STRING, description=guard.description)
            return RequestBody(
                content={media: OpenAPIMediaType(schema=text) for media in sorted(media_types)},
                required=True,
                description=f"The {guard.description}",
            )
    return None


def _upload_body(path: str, method: str) -> RequestBody | None:
    """The attachments route reads its multipart body itself (once the caller may add files)."""
    if method != "POST" or not path.endswith("/attachments"):
        return None
    binary = Schema(type=OpenAPIType.STRING, format="binary")  # type: ignore[arg-type]
    files = Schema(
        type=OpenAPIType.OBJECT,
        required=[UPLOAD_FIELD],
        properties={UPLOAD_FIELD: Schema(type=OpenAPIType.ARRAY, items=binary, min_items=1)},
    )
    return RequestBody(
        content={"multipart/form-data": OpenAPIMediaType(schema=files)},
        required=True,
        description="One or more files, each in a part named `file`",
    )


def describe_errors(app: Litestar) -> None:
    """Add the problem responses and security schemes to the app's OpenAPI document."""
    document = app.openapi_schema
    document.components = document.components or Components()
    _describe_bodies(app, document)
    _describe_inputs(document)  # before the Problem schema, which only responses use
    document.components.schemas = {
        **(document.components.schemas or {}),
        PROBLEM: _problem_schema(),
    }
    document.components.security_schemes = SECURITY_SCHEMES  # type: ignore[assignment]
    problem = {
        PROBLEM_JSON: OpenAPIMediaType(schema=Reference(ref=f"#/components/schemas/{PROBLEM}"))
    }
    for route in app.routes:
        path_item = (document.paths or {}).get(route.path_format)
        if path_item is None:
            continue
        for handler in getattr(route, "route_handlers", ()):
            for method in handler.http_methods:
                operation: Operation | None = getattr(path_item, method.lower(), None)
                if operation is None:
                    continue
                guards = [getattr(g, "func", g) for g in handler.resolve_guards()]  # unwrapped
                codes, security = _codes(route.path_format, method, guards)
                responses = dict(operation.responses or {})
                for code in sorted(codes):  # Litestar's own 400 says JSON; it is a problem
                    responses[str(code)] = OpenAPIResponse(description=WHY[code], content=problem)
                operation.responses = responses
                if operation.request_body is None:
                    operation.request_body = _upload_body(route.path_format, method) or _raw_body(
                        guards
                    )
                if security:
                    operation.security = security
