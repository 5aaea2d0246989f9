"""Schemathesis fuzzes every operation of the OpenAPI document against `meridian run` on a
throwaway database: no server error, every response as documented (status, content type, body),
without credentials and with a full set of them; the fuzzer must reach a filed complaint (201)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from service.app import create_app
from service.outbox.embedded_redis import free_port
from service.settings import Settings
from tests.integration.cli.test_cli import MERIDIAN, ROOT

EXAMPLES = int(os.environ.get("MERIDIAN_FUZZ_EXAMPLES", "25"))
OPS_KEY = "fuzz-ops-key-0123456789"
TRANSLATOR_KEY = "fuzz-translator-key-0123456789"
RELAY_SECRET = "fuzz-relay-secret-0123456789"
ADMIN = "fuzz-admin@example.com"

# A raw e-mail and a team file travel as text, as schemathesis sends text/plain.
schemathesis.serializer.alias(["message/rfc822", "application/toml"], "text/plain")

SEEN: Counter[tuple[str, int]] = Counter()
"""(operation, status) of every fuzzed response, for the reachability check at the end."""


class Meridian:
    """`meridian run` in a private var directory, with the credentials every scheme takes."""

    def __init__(self, var_dir: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = var_dir / "run.log"
        self.env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith("MERIDIAN_") and key != "REDIS_URL"
        }
        self.env.update(
            MERIDIAN_VAR_DIR=str(var_dir),
            MERIDIAN_PORT=str(self.port),
            MERIDIAN_OPS_KEY=OPS_KEY,
            MERIDIAN_TRANSLATOR_KEY=TRANSLATOR_KEY,
            MERIDIAN_INBOUND_EMAIL_SECRET=RELAY_SECRET,
            MERIDIAN_INTAKE_RATE_LIMIT="0",
        )
        self.credentials: dict[str, str] = {}

    def meridian(self, *args: str, stdin: str = "") -> str:
        done = subprocess.run(
            [MERIDIAN, *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=self.env,
            cwd=ROOT,
            timeout=120,
            check=True,
        )
        return done.stdout.strip()

    def start(self) -> subprocess.Popen[bytes]:
        with self.log.open("wb") as log:
            process = subprocess.Popen(
                [MERIDIAN, "run"], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base_url}/health").json()["status"] == "ok":
                    return process
            except (httpx.HTTPError, ValueError):
                pass
            time.sleep(0.3)
        process.kill()
        raise AssertionError(f"meridian run did not start:\n{self.log.read_text()}")

    def sign_in_everyone(self) -> None:
        self.meridian("users", "add", ADMIN, "--role", "admin", "--password-stdin", stdin="p" * 16)
        token = self.meridian("tokens", "create", ADMIN, "--name", "fuzz")
        team_key = httpx.post(
            f"{self.base_url}/api/v1/ops/teams/tokyo/rotate-key", headers={"X-Ops-Key": OPS_KEY}
        ).json()["api_key"]
        self.credentials = {
            "Authorization": f"Bearer {token}",
            "X-Ops-Key": OPS_KEY,
            "X-Translator-Key": TRANSLATOR_KEY,
            "X-Inbound-Secret": RELAY_SECRET,
            "X-Api-Key": team_key,
        }


@pytest.fixture(scope="module")
def meridian(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Meridian]:
    server = Meridian(tmp_path_factory.mktemp("fuzz"))
    process = server.start()
    try:
        server.sign_in_everyone()
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=60)
    assert "Traceback" not in server.log.read_text()


def _document() -> dict[str, Any]:
    """The OpenAPI document the app serves, built here so the operations can be collected."""
    settings = Settings(database_url="sqlite+aiosqlite://", secret_key="k", webhook_secret="w")
    return dict(create_app(settings, drain_outbox=False).openapi_schema.to_schema())


DOCUMENT = _document()
CONFIG = SchemathesisConfig.from_dict(
    # Invalid data is refused with a documented 4xx; 413 (a body over the size limit) among them.
    {
        "checks": {
            "negative_data_rejection": {
                "expected-statuses": [400, 401, 403, 404, 409, 413, 415, 422, 429]
            }
        }
    }
)
OPERATIONS = {
    operation.label: operation
    for operation in (
        result.ok()
        for result in schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG).get_all_operations()
    )
}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
"""A valid request may still be refused (a 422 for an unknown zone, say): the document lists
that refusal, so schemathesis' positive-data check, which forbids it, is not among these."""
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
    database=None,
)


def _fuzz(label: str, base_url: str, credentials: dict[str, str]) -> None:
    operation = OPERATIONS[label]
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @FUZZ
    @given(case=cases)
    def call(case: Any) -> None:
        headers = {**credentials, **(case.headers or {})}
        response = case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS)
        SEEN[(label, response.status_code)] += 1

    call()


def test_the_document_is_the_one_served(meridian: Meridian) -> None:
    served = httpx.get(f"{meridian.base_url}/schema/openapi.json").json()
    assert served == DOCUMENT


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_without_credentials(label: str, meridian: Meridian) -> None:
    _fuzz(label, meridian.base_url, {})


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_with_credentials(label: str, meridian: Meridian) -> None:
    _fuzz(label, meridian.base_url, meridian.credentials)


def test_the_fuzzer_filed_complaints() -> None:
    """Runs after the fuzzing above: a document too strict or too loose never reaches 201."""
    assert SEEN[("POST /api/v1/cases", 201)] > 0, sorted(SEEN)
