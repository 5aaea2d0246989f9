"""Team webhooks against a real HTTP server on loopback; backoff sleeps are recorded, not slept."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from service.notify.webhook import Delivery, deliver, encode_payload, sign, verify

SECRET = b"team-tokyo-webhook-secret"
PAYLOAD = {"event": "case.routed", "reference": "MRD-7K3F92", "team": "tokyo", "note": "返品"}


@dataclass
class Recorded:
    headers: dict[str, str]
    body: bytes


@dataclass
class Script:
    """What the receiver answers, one response per request; 200 once the list runs out."""

    responses: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    received: list[Recorded] = field(default_factory=list)
    hang: threading.Event | None = None
    """When set up, requests wait on this event (so the client times out) before answering."""


class ScriptedReceiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, script: Script) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = script
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: ScriptedReceiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        script = self.server.script
        with self.server.lock:
            script.received.append(Recorded(dict(self.headers.items()), body))
            status, headers = script.responses.pop(0) if script.responses else (200, {})
        if script.hang is not None:
            script.hang.wait()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def receiver_url(script: Script) -> Iterator[str]:
    server = ScriptedReceiver(script)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hooks/meridian"
    finally:
        if script.hang is not None:
            script.hang.set()
        server.shutdown()
        server.server_close()
        thread.join()


@dataclass
class SleepRecorder:
    delays: list[float] = field(default_factory=list)

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


async def deliver_to(url: str, sleep: SleepRecorder, **options: object) -> Delivery:
    async with httpx.AsyncClient(timeout=5.0, trust_env=False) as client:
        return await deliver(
            url,
            PAYLOAD,
            secret=SECRET,
            idempotency_key="case-MRD-7K3F92:routed",
            client=client,
            sleep=sleep,
            **options,  # type: ignore[arg-type]
        )


def assert_signed(recorded: Recorded) -> None:
    timestamp = int(recorded.headers["X-Meridian-Timestamp"])
    signature = recorded.headers["X-Meridian-Signature"]
    assert verify(SECRET, signature, timestamp, recorded.body, now=int(time.time()))


async def test_success_sends_signed_compact_json(script: Script, receiver_url: str) -> None:
    sleep = SleepRecorder()
    delivery = await deliver_to(receiver_url, sleep)
    assert delivery == Delivery(status=200, attempts=1, ok=True, error=None)
    (request,) = script.received
    assert_signed(request)
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "Meridian-Webhook/1"
    assert request.headers["Idempotency-Key"] == "case-MRD-7K3F92:routed"
    assert (
        request.body
        == (
            '{"event":"case.routed","note":"返品","reference":"MRD-7K3F92","team":"tokyo"}'
        ).encode()
    )
    assert json.loads(request.body) == PAYLOAD
    assert sleep.delays == []


async def test_success_after_two_503s(script: Script, receiver_url: str) -> None:
    script.responses = [(503, {}), (503, {})]
    sleep = SleepRecorder()
    delivery = await deliver_to(receiver_url, sleep, base_delay=0.5)
    assert delivery == Delivery(status=200, attempts=3, ok=True, error=None)
    assert len(script.received) == 3
    assert {r.headers["Idempotency-Key"] for r in script.received} == {"case-MRD-7K3F92:routed"}
    assert {r.body for r in script.received} == {encode_payload(PAYLOAD)}
    for request in script.received:
        assert_signed(request)
    first, second = sleep.delays
    assert 0.25 <= first <= 0.5  # exponential backoff with jitter: half to all of 0.5·2^n
    assert 0.5 <= second <= 1.0


async def test_retry_after_is_honoured_and_capped(script: Script, receiver_url: str) -> None:
    script.responses = [(503, {"Retry-After": "7"}), (429, {"Retry-After": "3600"})]
    sleep = SleepRecorder()
    delivery = await deliver_to(receiver_url, sleep)
    assert delivery.ok
    assert sleep.delays == [7.0, 60.0]


async def test_retry_after_as_http_date(script: Script, receiver_url: str) -> None:
    script.responses = [(503, {"Retry-After": "Tue, 24 Nov 2026 03:00:30 GMT"})]
    sleep = SleepRecorder()
    clock_at = 1_795_489_200.0  # Tue, 24 Nov 2026 03:00:00 UTC
    delivery = await deliver_to(receiver_url, sleep, now=lambda: clock_at)
    assert delivery.ok
    assert sleep.delays == [30.0]
    assert script.received[0].headers["X-Meridian-Timestamp"] == str(int(clock_at))


async def test_client_error_gives_up_at_once(script: Script, receiver_url: str) -> None:
    script.responses = [(400, {})]
    sleep = SleepRecorder()
    delivery = await deliver_to(receiver_url, sleep)
    assert delivery == Delivery(status=400, attempts=1, ok=False, error="HTTP 400 Bad Request")
    assert len(script.received) == 1
    assert sleep.delays == []


async def test_server_errors_until_attempts_run_out(script: Script, receiver_url: str) -> None:
    script.responses = [(500, {})] * 3
    sleep = SleepRecorder()
    delivery = await deliver_to(receiver_url, sleep, attempts=3)
    assert delivery == Delivery(
        status=500, attempts=3, ok=False, error="HTTP 500 Internal Server Error"
    )
    assert len(sleep.delays) == 2


async def test_connection_refused_returns_failure_after_all_attempts() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    sleep = SleepRecorder()
    delivery = await deliver_to(f"http://127.0.0.1:{closed_port}/hook", sleep)
    assert not delivery.ok
    assert delivery.status is None
    assert delivery.attempts == 4
    assert delivery.error is not None and "ConnectError" in delivery.error
    assert len(sleep.delays) == 3
    assert sleep.delays == sorted(sleep.delays)  # backoff grows (jitter stays within doubling)


async def test_timeout_is_retried(script: Script, receiver_url: str) -> None:
    script.hang = threading.Event()
    sleep = SleepRecorder()
    async with httpx.AsyncClient(timeout=0.2, trust_env=False) as client:
        delivery = await deliver(
            receiver_url,
            PAYLOAD,
            secret=SECRET,
            idempotency_key="k",
            client=client,
            attempts=2,
            sleep=sleep,
        )
    assert not delivery.ok
    assert delivery.attempts == 2
    assert delivery.error is not None and "Timeout" in delivery.error


async def test_bad_url_gives_up_without_raising() -> None:
    sleep = SleepRecorder()
    delivery = await deliver_to("ftp://127.0.0.1/hook", sleep)
    assert (delivery.ok, delivery.attempts, delivery.status) == (False, 1, None)
    assert sleep.delays == []


async def test_own_client_when_none_is_given(script: Script, receiver_url: str) -> None:
    delivery = await deliver(receiver_url, PAYLOAD, secret=SECRET, idempotency_key="k")
    assert delivery.ok
    assert_signed(script.received[0])


def test_sign_matches_reference_hmac() -> None:
    # echo -n '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
    assert sign(b"secret", 1_700_000_000, b'{"a":1}') == (
        "sha256=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686"
    )


@pytest.mark.parametrize(
    ("secret", "header", "timestamp", "body", "now", "valid"),
    [
        (SECRET, None, 1000, b"{}", 1000, True),
        (SECRET, None, 1000, b"{}", 1300, True),
        (SECRET, None, 1000, b"{}", 1301, False),  # stale
        (SECRET, None, 1000, b"{}", 700, True),
        (SECRET, None, 1000, b"{}", 699, False),  # from the future
        (b"other-secret", None, 1000, b"{}", 1000, False),
        (SECRET, None, 1000, b'{"x":1}', 1000, False),  # body tampered
        (SECRET, "sha256=ü", 1000, b"{}", 1000, False),  # non-ASCII header
        (SECRET, "", 1000, b"{}", 1000, False),
    ],
)
def test_verify(
    secret: bytes, header: str | None, timestamp: int, body: bytes, now: int, valid: bool
) -> None:
    signed = sign(SECRET, 1000, b"{}")
    assert verify(secret, signed if header is None else header, timestamp, body, now=now) is valid
