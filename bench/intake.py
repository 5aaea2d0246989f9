"""Intake throughput over HTTP: Meridian's POST /api/v1/cases against a bare Litestar endpoint.

Both targets run under uvicorn (one worker) in a process of their own, on 127.0.0.1; this
process is the load generator, keeping C requests in flight on C keep-alive connections for a
fixed time, after a warm-up: by default plain HTTP/1.1 on asyncio streams (``--client raw``);
``--client httpx`` (one AsyncClient per connection) costs about a millisecond of CPU per request,
so on a small machine it saturates before the server. uvicorn runs with uvloop and httptools
where installed (they are, from the lock), for both targets alike.

- ``bare``: a Litestar app with one JSON POST endpoint echoing a small msgspec struct (the
  "Figures to beat" baseline of DESIGN.md).
- ``sqlite``: the real app (``service.app:create_app``, outbox drainer on as in production) on a
  fresh, migrated SQLite file with the sample teams and an embedded Redis; the body is one of
  twelve complaints in as many languages and scripts, with a contact e-mail and sometimes an
  Accept-Language header. Every response must be 201; anything else is counted and reported.
- ``postgres`` (with ``--postgres``): the same on a throwaway PostgreSQL cluster.
- ``floor sqlite`` (and ``floor postgres``): the least any intake does on this stack, once per
  database before its Meridian runs: Litestar decodes the same complaint bodies,
  ``routing.language.detect`` reads each text (with its Accept-Language), and one row (text and
  language) is stored through ``service.db``'s engine and group commit, durable before the 201.
  No validation beyond the body's shape, no classification, routing, SLA, events, outbox or
  acknowledgement. Its ratio to bare bounds what the real app can reach here.

Each Meridian target is measured at every backlog of ``--open-cases`` (default 0 and 100,000
open cases spread over the sample teams, inserted before the server starts): intake must cost
the same whatever the backlog.

Prints, per target, requests/s, median, p95 and p99 latency, errors, and the CPU use of the
server (and per request) and of the load generator (a load generator near 100 % means the
figure is the client's limit); then the ratio of each Meridian target's throughput to that of
the bare endpoint measured just before it, and each backlog's requests/s and ratio against
those on the same database without one.

    .venv/bin/python bench/intake.py [--seconds 10] [--warmup 2] [--concurrency 32]
                                     [--client raw|httpx] [--open-cases 0 100000] [--postgres]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script: the project root, not bench/ (whose calendar.py would shadow the stdlib).
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import asyncio  # noqa: E402
import contextlib  # noqa: E402
import importlib.util  # noqa: E402
import math  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Iterator, Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

import httpx  # noqa: E402
import msgspec  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "service" / "data" / "sample_teams.toml"
BENCH_SECRETS = {"MERIDIAN_SECRET_KEY": "bench-secret", "MERIDIAN_WEBHOOK_SECRET": "bench-hook"}
START_TIMEOUT = 90.0  # seconds for a server to accept connections (Meridian preloads its model)
REQUEST_TIMEOUT = 10.0
BACKLOG_TIME = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
"""When the synthetic backlog was filed (the day before the bench's complaints)."""
MAX_REQUESTS = 2_000_000  # per target, warm-up included: a hard stop whatever the duration

# (language, text, Accept-Language or None): ~100-300 characters each.
COMPLAINTS: tuple[tuple[str, str, str | None], ...] = (
    (
        "en",
        "I was charged twice for my annual subscription this month and nobody has answered my "
        "two previous emails. Please refund the duplicate payment and confirm my plan is active.",
        "en-GB,en;q=0.9",
    ),
    (
        "es",
        "Hice un pedido hace tres semanas y todavía no ha llegado. El seguimiento no se actualiza "
        "desde el día 4 y el servicio de atención no contesta. Quiero una solución o el reembolso.",
        None,
    ),
    (
        "pt",
        "Não consigo acessar minha conta desde ontem: o aplicativo diz que a senha está errada, "
        "mas o e-mail de recuperação nunca chega. Preciso dos meus relatórios com urgência.",
        "pt-BR,pt;q=0.9,en;q=0.5",
    ),
    (
        "de",
        "Die gelieferte Waschmaschine ist beim ersten Schleudern undicht geworden und hat den "
        "Boden beschädigt. Ich bitte um einen Techniker-Termin und um Erstattung der Schäden.",
        None,
    ),
    (
        "fr",
        "Ma facture de novembre comporte des frais de résiliation alors que je n'ai jamais demandé "
        "à résilier mon contrat. Merci de corriger la facture et de m'envoyer une confirmation.",
        "fr-FR,fr;q=0.9",
    ),
    (
        "ja",
        "先週注文したノートパソコンが届きましたが、画面に縦線が入っていて使えません。"
        "交換か返金をお願いします。サポートに電話しても繋がらず、とても困っています。",
        None,
    ),
    (
        "zh-Hans",
        "我上个月办理的宽带套餐一直断网，每天晚上都连不上，已经报修三次了还没有解决。"
        "请尽快安排技术人员上门检修，并减免这个月的费用。",
        "zh-CN,zh;q=0.9",
    ),
    (
        "zh-Hant",
        "我在貴公司網站購買的機票被無故取消，退款到現在還沒有收到，客服電話一直佔線。"
        "請儘快處理退款並說明取消的原因，謝謝。",
        None,
    ),
    (
        "ar",
        "تم خصم مبلغ الطلب من بطاقتي مرتين ولم أستلم الشحنة حتى الآن. تواصلت مع خدمة العملاء "
        "ثلاث مرات دون أي رد. أرجو إعادة المبلغ المكرر وإفادتي بموعد التسليم.",
        "ar-EG,ar;q=0.9,en;q=0.4",
    ),
    (
        "ru",
        "Уже две недели не могу получить возврат за отменённый заказ. В личном кабинете статус "
        "«в обработке», а оператор в чате обещает перезвонить и пропадает. Прошу решить вопрос.",
        None,
    ),
    (
        "ko",
        "지난주에 주문한 냉장고가 배송 중 파손되어 도착했습니다. 사진을 첨부해서 문의했는데 "
        "아직 답변이 없습니다. 빠른 교환이나 환불 처리를 부탁드립니다.",
        "ko-KR,ko;q=0.9",
    ),
    (
        "hi",
        "मेरे खाते से पिछले महीने दो बार पैसे कट गए, लेकिन सेवा अभी तक शुरू नहीं हुई है। "
        "कस्टमर केयर पर कई बार शिकायत की, कोई जवाब नहीं मिला। कृपया जल्दी पैसे वापस करें।",
        None,
    ),
)


class Echo(msgspec.Struct):
    """The bare endpoint's body: about the size of a small API request."""

    name: str
    count: int
    tags: list[str]


class FloorComplaint(msgspec.Struct):
    """The floor endpoint's body: the complaint's fields it reads (others are ignored)."""

    text: str
    contact: dict[str, str]


class FloorFiled(msgspec.Struct):
    id: int
    language: str


# ---------------------------------------------------------------------------- servers (children)


def serve_bare(port: int) -> None:
    import uvicorn
    from litestar import Litestar, post

    @post("/echo")
    async def echo(data: Echo) -> Echo:
        return data

    uvicorn.run(Litestar([echo]), host="127.0.0.1", port=port, log_level="warning")


def serve_floor(port: int, database_url: str) -> None:
    import uvicorn
    from litestar import Litestar, post
    from sqlalchemy import Column, Integer, MetaData, Table, Text
    from sqlalchemy.ext.asyncio import AsyncSession

    from routing.language import detect, preload
    from service.db.engine import create_engine, session_factory
    from service.db.group_commit import GroupCommit

    engine = create_engine(database_url)
    metadata = MetaData()
    table = Table(
        "floor_cases",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("text", Text),
        Column("language", Text),
    )
    insert = table.insert().returning(table.c.id)

    async def store(session: AsyncSession, items: Sequence[tuple[str, str]]) -> list[int]:
        ids = []
        for complaint, language in items:
            row = await session.execute(insert, {"text": complaint, "language": language})
            ids.append(row.scalar_one())
        return ids

    writer: GroupCommit[tuple[str, str], int] = GroupCommit(session_factory(engine), store)

    async def start() -> None:
        preload()
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)

    @post("/file")
    async def file(data: FloorComplaint, headers: dict[str, str]) -> FloorFiled:
        accepted = headers.get("accept-language", "").split(",")
        language = detect(data.text, [tag.strip() for tag in accepted if tag.strip()]).language
        return FloorFiled(await writer.submit((data.text, language)), language)

    app = Litestar([file], on_startup=[start])
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def serve_meridian(port: int, database_url: str, redis_url: str, var_dir: str) -> None:
    # service.app builds a module-level app from the environment: keep it off the project's var/.
    os.environ["MERIDIAN_VAR_DIR"] = var_dir
    os.environ.update(BENCH_SECRETS)
    import uvicorn

    from service.app import create_app
    from service.settings import Settings

    settings = Settings(
        database_url=database_url,
        redis_url=redis_url,
        port=port,
        public_base_url=f"http://127.0.0.1:{port}",
        secret_key=BENCH_SECRETS["MERIDIAN_SECRET_KEY"],
        webhook_secret=BENCH_SECRETS["MERIDIAN_WEBHOOK_SECRET"],
    )
    app = create_app(settings, drain_outbox=True, freeze_start_heap=True)  # as service.app:app
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


# ---------------------------------------------------------------------------- process handling


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def server(command: str, *args: str, log: Path) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    """Run `bench/intake.py <command> PORT *args` until it accepts connections; stop it after."""
    port = _free_port()
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), command, str(port), *args],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env={**os.environ, **BENCH_SECRETS},
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                tail = log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{command} exited with {process.returncode}:\n{tail}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"{command} did not listen within {START_TIMEOUT} s"
                    ) from None
                time.sleep(0.1)
        yield port, process
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


# ---------------------------------------------------------------------------- load generator


@dataclass
class Result:
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    expected: int = 201
    server_cpu: float = 0.0
    client_cpu: float = 0.0

    @property
    def ok(self) -> int:
        return self.statuses[str(self.expected)]

    @property
    def errors(self) -> int:
        return sum(self.statuses.values()) - self.ok

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds


@dataclass(frozen=True)
class Request:
    body: bytes
    headers: dict[str, str]


def bare_requests() -> list[Request]:
    body = msgspec.json.encode(Echo(name="complaint", count=3, tags=["billing", "refund", "en"]))
    return [Request(body, {"content-type": "application/json"})]


def meridian_requests() -> list[Request]:
    """Each complaint with and without its Accept-Language, from a few senders."""
    requests = []
    for i, (language, text, accept_language) in enumerate(COMPLAINTS):
        contact: dict[str, str] = {"email": f"customer{i}.{language.lower()}@example.com"}
        if i % 3 == 0:
            contact["name"] = f"Customer {i}"
        body = msgspec.json.encode({"text": text, "contact": contact})
        headers = {"content-type": "application/json"}
        requests.append(Request(body, headers))
        if accept_language:
            requests.append(Request(body, {**headers, "accept-language": accept_language}))
    return requests


class HttpxConnection:
    """One httpx client per connection: httpcore's pool scans all its connections per request."""

    def __init__(self, port: int) -> None:
        self.client = httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}",
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            timeout=REQUEST_TIMEOUT,
        )

    async def post(self, path: str, request: Request) -> str:
        try:
            response = await self.client.post(path, content=request.body, headers=request.headers)
        except httpx.HTTPError as exc:
            return type(exc).__name__
        return str(response.status_code)

    async def aclose(self) -> None:
        await self.client.aclose()


class RawConnection:
    """HTTP/1.1 keep-alive on asyncio streams, for a load generator cheaper than the server."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        self.messages: dict[int, bytes] = {}  # by id() of the (long-lived) Request

    def message(self, path: str, request: Request) -> bytes:
        message = self.messages.get(id(request))
        if message is None:
            head = "".join(f"{name}: {value}\r\n" for name, value in request.headers.items())
            message = (
                f"POST {path} HTTP/1.1\r\nhost: 127.0.0.1:{self.port}\r\n{head}"
                f"content-length: {len(request.body)}\r\n\r\n"
            ).encode() + request.body
            self.messages[id(request)] = message
        return message

    async def post(self, path: str, request: Request) -> str:
        message = self.message(path, request)
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT):
                if self.streams is None:
                    self.streams = await asyncio.open_connection("127.0.0.1", self.port)
                reader, writer = self.streams
                writer.write(message)
                lines = (await reader.readuntil(b"\r\n\r\n")).split(b"\r\n")
                headers = dict(line.lower().split(b": ", 1) for line in lines[1:] if line)
                await reader.readexactly(int(headers.get(b"content-length", b"0")))
                if headers.get(b"connection") == b"close":
                    await self.aclose()
                return lines[0].split(b" ", 2)[1].decode()
        except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
            await self.aclose()
            return type(exc).__name__

    async def aclose(self) -> None:
        if self.streams is not None:
            writer = self.streams[1]
            self.streams = None
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def _load(
    result: Result,
    port: int,
    path: str,
    requests: list[Request],
    args: argparse.Namespace,
    pid: int,
) -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    measure_from, stop_at = start + args.warmup, start + args.warmup + result.seconds
    marks: dict[str, float] = {}
    sent = 0
    kind = RawConnection if args.client == "raw" else HttpxConnection
    connections = [kind(port) for _ in range(args.concurrency)]

    async def worker(connection: HttpxConnection | RawConnection, offset: int) -> None:
        nonlocal sent
        i = offset
        while sent < MAX_REQUESTS:
            began = loop.time()
            if began >= stop_at:
                return
            request = requests[i % len(requests)]
            i += 1
            sent += 1
            status = await connection.post(path, request)
            ended = loop.time()
            if measure_from <= began and ended <= stop_at:
                result.statuses[status] += 1
                if status == str(result.expected):
                    result.latencies.append(ended - began)

    async def sample_cpu() -> None:
        await asyncio.sleep(max(0.0, measure_from - loop.time()))
        marks["server"], marks["client"] = _cpu_seconds(pid), time.process_time()
        await asyncio.sleep(max(0.0, stop_at - loop.time()))
        result.server_cpu = (_cpu_seconds(pid) - marks["server"]) / result.seconds
        result.client_cpu = (time.process_time() - marks["client"]) / result.seconds

    try:
        workers = (worker(c, n * 7) for n, c in enumerate(connections))
        await asyncio.gather(sample_cpu(), *workers)
    finally:
        for connection in connections:
            await connection.aclose()


def run_load(
    name: str,
    port: int,
    pid: int,
    path: str,
    requests: list[Request],
    args: argparse.Namespace,
) -> Result:
    result = Result(name=name, seconds=args.seconds)
    asyncio.run(_load(result, port, path, requests, args, pid))
    return result


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000 if ordered else math.nan


def report(result: Result) -> None:
    lat = sorted(result.latencies)
    median = statistics.median(lat) * 1000 if lat else math.nan
    others = {k: v for k, v in result.statuses.items() if k != str(result.expected)}
    cpu_ms = result.server_cpu / result.rate * 1000 if result.rate else math.nan
    print(
        f"{result.name:15} {result.rate:8,.0f} requests/s  median {median:6.2f} ms"
        f"  p95 {_percentile(lat, 0.95):7.2f} ms  p99 {_percentile(lat, 0.99):7.2f} ms"
        f"  errors {result.errors:>5}  server CPU {result.server_cpu:4.0%}"
        f" ({cpu_ms:5.2f} ms per request), load generator CPU {result.client_cpu:4.0%}",
        flush=True,
    )
    if others:
        print(f"          non-{result.expected} responses: {dict(sorted(others.items()))}")
    if result.client_cpu >= 0.9:
        print("          the load generator is saturated: this is its limit, not the server's")


# ---------------------------------------------------------------------------- Meridian set-up


async def _prepare(url: str, open_cases: int) -> None:
    """Empty the case tables, load the sample teams, and add `open_cases` open cases spread
    over them (the backlog intake must not slow down with)."""
    from sqlalchemy import delete

    from routing.team_file import parse_teams
    from service.db.engine import create_engine, session_factory
    from service.db.models import Attachment, Case, CaseEvent, OutboxMessage
    from service.teams.directory import upsert_teams
    from tests.support.synthetic import insert_open_cases

    engine = create_engine(url)
    async with session_factory(engine)() as session, session.begin():
        for model in (Attachment, CaseEvent, OutboxMessage, Case):
            await session.execute(delete(model))
        teams = parse_teams(SAMPLE.read_text(encoding="utf-8"))
        await upsert_teams(session, teams)
        share = -(-open_cases // len(teams))
        for n, team in enumerate(teams):
            count = max(0, min(share, open_cases - n * share))
            await insert_open_cases(session, count, team.key, BACKLOG_TIME, start=n * share)
    await engine.dispose()


async def _case_count(url: str) -> int:
    from sqlalchemy import func, select

    from service.db.engine import create_engine, session_factory
    from service.db.models import Case

    engine = create_engine(url)
    async with session_factory(engine)() as session:
        count = await session.scalar(select(func.count()).select_from(Case))
    await engine.dispose()
    return int(count or 0)


def measure_meridian(
    name: str,
    database_url: str,
    redis_url: str,
    tmp: Path,
    args: argparse.Namespace,
    open_cases: int,
) -> Result:
    from service.db.migrate import upgrade

    upgrade(database_url)
    asyncio.run(_prepare(database_url, open_cases))
    run = f"{name}-{open_cases}"
    name = f"{name} @{open_cases // 1000}k" if open_cases else name
    log, var_dir = tmp / f"{run}.log", tmp / f"{run}-var"
    with server("serve-meridian", database_url, redis_url, str(var_dir), log=log) as (port, proc):
        result = run_load(name, port, proc.pid, "/api/v1/cases/", meridian_requests(), args)
    report(result)
    stored = asyncio.run(_case_count(database_url)) - open_cases
    print(f"          cases stored {stored:,} (warm-up and in-flight requests included)")
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    if lines:
        print(f"          server log: {len(lines)} lines, last: {lines[-1][:200]}")
    return result


# ---------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="measured time per target")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured load first")
    parser.add_argument("--concurrency", type=int, default=32, help="requests in flight")
    parser.add_argument(
        "--open-cases",
        type=int,
        nargs="+",
        default=[0, 100_000],
        help="backlogs of open cases to measure intake at (each a run of its own)",
    )
    parser.add_argument("--postgres", action="store_true", help="also on a throwaway PostgreSQL")
    parser.add_argument(
        "--client",
        choices=["httpx", "raw"],
        default="raw",
        help="load generator: httpx (one AsyncClient per connection) or raw HTTP/1.1 on asyncio"
        " streams (several times cheaper per request: use it when httpx saturates its CPU)",
    )
    args = parser.parse_args()
    if args.seconds <= 0 or args.warmup < 0 or args.concurrency < 1 or min(args.open_cases) < 0:
        parser.error("--seconds > 0, --warmup >= 0, --concurrency >= 1, --open-cases >= 0")

    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    print(
        f"# bench/intake.py — {args.client} client, {args.concurrency} connections,"
        f" {args.warmup:g} s warm-up +"
        f" {args.seconds:g} s per target; uvicorn 1 worker ({loop} loop, {http});"
        f" {os.cpu_count()} CPUs",
        flush=True,
    )
    from service.outbox.embedded_redis import EmbeddedRedis

    # (database, backlog, bare, Meridian): each Meridian run just after a bare one.
    runs: list[tuple[str, int, Result, Result]] = []
    with tempfile.TemporaryDirectory(prefix="meridian-bench-intake-") as tmp_name:
        tmp = Path(tmp_name)

        def bare() -> Result:
            with server("serve-bare", log=tmp / "bare.log") as (port, proc):
                result = run_load("bare", port, proc.pid, "/echo", bare_requests(), args)
            report(result)
            return result

        def floor(name: str, url: str) -> Result:
            with server("serve-floor", url, log=tmp / f"floor-{name}.log") as (port, proc):
                requests = meridian_requests()
                result = run_load(f"floor {name}", port, proc.pid, "/file", requests, args)
            report(result)
            return result

        floors: list[tuple[Result, Result]] = []
        with EmbeddedRedis(tmp / "redis") as redis_server:
            targets = [("sqlite", f"sqlite+aiosqlite:///{tmp}/intake.db")]
            with contextlib.ExitStack() as stack:
                if args.postgres:
                    from tests.support.throwaway_postgres import throwaway_postgres

                    targets.append(("postgres", stack.enter_context(throwaway_postgres())))
                for name, url in targets:
                    floor_url = f"sqlite+aiosqlite:///{tmp}/floor.db" if name == "sqlite" else url
                    floors.append((bare(), floor(name, floor_url)))
                    for backlog in args.open_cases:
                        baseline = bare()
                        measured = measure_meridian(name, url, redis_server.url, tmp, args, backlog)
                        runs.append((name, backlog, baseline, measured))

    # Each against the bare run just before it: this machine's speed drifts over minutes.
    for baseline, result in [*floors, *((baseline, result) for _, _, baseline, result in runs)]:
        print(
            f"ratio {result.name} / bare: {result.rate / baseline.rate:.3f}"
            f" ({result.rate:,.0f} vs {baseline.rate:,.0f} requests/s;"
            f" bare is {baseline.rate / result.rate:.1f}x faster)"
        )
    empty = {name: (result, baseline) for name, backlog, baseline, result in runs if not backlog}
    for name, backlog, baseline, result in runs:
        if backlog and name in empty:
            none, its_bare = empty[name]
            ratios = (result.rate / baseline.rate) / (none.rate / its_bare.rate)
            print(
                f"{result.name}: {result.rate / none.rate:.2f} of the requests/s with no backlog;"
                f" its ratio to bare {ratios:.2f} of that with no backlog"
            )
    if any(result.errors for _, _, _, result in runs):
        print("NOTE: Meridian answered something other than 201; see the counts above")


def _serve(argv: list[str]) -> None:
    command, port, *rest = argv
    if command == "serve-bare" and not rest:
        serve_bare(int(port))
    elif command == "serve-floor" and len(rest) == 1:
        serve_floor(int(port), *rest)
    elif command == "serve-meridian" and len(rest) == 3:
        serve_meridian(int(port), *rest)
    else:
        raise SystemExit(f"unknown server command: {' '.join(argv)}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1].startswith("serve-"):
        _serve(sys.argv[1:])
    else:
        main()
