"""Input every handler can trust: no C0 control characters (other than tab, line feed and
carriage return) in any string of a JSON body, form, query or path, and JSON nested at most
MAX_JSON_DEPTH deep. Checked before any handler reads its parameters, so a bad request is a
clear 4xx problem (naming the field) and never reaches the database."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from litestar import Request

from service.common.errors import BadRequest, InvalidInput
from service.common.validation import CONTROL_CLASS

MAX_JSON_DEPTH = 32
CONTROL_CHARACTERS = re.compile(f"[{CONTROL_CLASS}]")
CLEAN_TEXT_PATTERN = f"^[^{CONTROL_CLASS}]*$"
"""What the OpenAPI document says of every string the API reads (an ECMA and Python regex)."""
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")
# A JSON text can hold a control character only as itself or as one of these escapes; a body
# without any (nearly every one) is not decoded a second time here.
_MAYBE_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\\[bf]|\\u00(?:[01][0-9a-fA-F]|7[fF])"
)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def json_depth(text: str) -> int:
    """How deeply the arrays and objects of a JSON text nest (strings skipped)."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_JSON_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(field path, string) for every key and string value in a decoded JSON document."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            field = f"{path}.{key}" if path else str(key)
            yield field, str(key)
            yield from _strings(item, field)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def _refuse(fields: list[str]) -> InvalidInput:
    message = "must not contain control characters (NUL and other C0 characters)"
    errors = [{"field": field, "message": message} for field in dict.fromkeys(fields)]
    return InvalidInput(errors, kind="control-characters", title="Control characters")


async def check_input(request: Request[Any, Any, Any]) -> None:
    """Before any handler: refuse control characters and over-deep JSON (see module doc)."""
    bad = [name for name, value in request.path_params.items() if _controls(value)]
    bad += [name for name, value in request.query_params.multi_items() if _controls(value)]
    if request.method in _BODY_METHODS:
        media_type = request.content_type[0]
        if media_type == "application/json" or media_type.endswith("+json"):
            bad += _json_fields(await request.body())
        elif media_type == "application/x-www-form-urlencoded":
            form = parse_qsl((await request.body()).decode("utf-8", "replace"), True)
            bad += [name for name, value in form if _controls(value) or _controls(name)]
    if bad:
        raise _refuse(bad)


def _controls(value: object) -> bool:
    return isinstance(value, str) and CONTROL_CHARACTERS.search(value) is not None


def _json_fields(raw: bytes) -> list[str]:
    """The fields of a JSON body holding control characters; over-deep JSON is a 400."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return []  # the handler's own decoding says what is wrong
    if text.count("[") + text.count("{") > MAX_JSON_DEPTH and json_depth(text) > MAX_JSON_DEPTH:
        raise BadRequest(
            f"JSON nested deeper than {MAX_JSON_DEPTH} levels", kind="too-deep", title="Too deep"
        )
    if not _MAYBE_CONTROL.search(text):
        return []
    try:
        document = json.loads(text)
    except ValueError:
        return []  # not JSON: the handler's own decoding answers 400
    return [field or "body" for field, value in _strings(document, "") if _controls(value)]
