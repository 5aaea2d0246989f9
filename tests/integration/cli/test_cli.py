"""The `meridian` console script, run as a customer or ops engineer would run it."""

from __future__ import annotations

import json
import os
import re
import subprocess
from email.message import EmailMessage
from pathlib import Path

from service.notify.mail_drop import drop

ROOT = Path(__file__).resolve().parents[3]
MERIDIAN = str(Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin" / "meridian")
SAMPLE = ROOT / "service" / "data" / "sample_teams.toml"


def service_env(var_dir: Path, port: int, **settings: str) -> dict[str, str]:
    """The environment of a `meridian` server under test: none of this shell's Meridian settings
    or Redis, a var/ and port of its own, intake not rate-limited, and `settings`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("MERIDIAN_") and key != "REDIS_URL"
    }
    env.update(
        MERIDIAN_VAR_DIR=str(var_dir),
        MERIDIAN_PORT=str(port),
        MERIDIAN_INTAKE_RATE_LIMIT="0",
        **settings,
    )
    return env


def meridian(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MERIDIAN, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
    )


def test_detect_prints_one_tag_per_line_and_json_on_request() -> None:
    texts = (
        "我的帳號被鎖住了，請幫我處理\n我的账号被锁住了，请帮我处理\n😡😡 12345\nHello my friend\n"
    )
    plain = meridian("detect", stdin=texts)
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.split() == ["zh-Hant", "zh-Hans", "und", "en"]
    full = meridian("detect", "--json", stdin="Bonjour, ma commande est arrivée cassée.\n")
    detection = json.loads(full.stdout)
    assert detection["language"] == "fr" and detection["script"] == "Latn"


def test_calendar_check_reports_line_numbered_problems(tmp_path: Path) -> None:
    ok = meridian("calendar", "check", str(SAMPLE))
    assert ok.returncode == 0 and "no problems" in ok.stdout
    broken = tmp_path / "teams.toml"
    broken.write_text(
        '[[team]]\nkey = "x"\nname = "X"\nregion = "EMEA"\ntimezone = "Mars/Base"\n'
        'languages = { en = "native" }\n[team.weekly]\nmon = [["09:00", "25:00"]]\n',
        encoding="utf-8",
    )
    failed = meridian("calendar", "check", str(broken))
    assert failed.returncode == 1
    assert f"{broken}:5:" in failed.stderr and "Mars/Base" in failed.stderr
    assert f"{broken}:8:" in failed.stderr


def test_seed_import_and_export_round_trip(tmp_path: Path) -> None:
    env = {
        "MERIDIAN_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'm.db'}",
        "MERIDIAN_VAR_DIR": str(tmp_path / "var"),
    }
    teams = len(re.findall(r"^\[\[team\]\]$", SAMPLE.read_text(encoding="utf-8"), re.MULTILINE))
    upgraded = meridian("db", "upgrade", env=env)
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.startswith("database upgraded: revision (empty) → ")
    again_upgraded = meridian("db", "upgrade", env=env)
    assert again_upgraded.stdout.startswith("database already at revision ")
    seeded = meridian("seed", env=env)
    assert seeded.returncode == 0
    assert seeded.stdout.splitlines()[0] == f"loaded {teams} teams from sample_teams.toml"
    keys = (tmp_path / "var" / "team-keys.txt").read_text(encoding="utf-8").splitlines()
    assert len(keys) == teams
    assert not any(key.split()[1] in seeded.stdout for key in keys)  # keys only in the file
    exported = meridian("calendar", "export", "-", env=env)
    assert exported.returncode == 0 and 'key = "shanghai"' in exported.stdout
    again = tmp_path / "export.toml"
    again.write_text(exported.stdout, encoding="utf-8")
    assert meridian("calendar", "check", str(again)).returncode == 0
    reseeded = meridian("seed", env=env)
    assert reseeded.stdout == f"database already has {teams} teams; nothing loaded\n"

    again.write_text(exported.stdout.replace('name = "Dublin"', 'name = "Dublin City"'))
    imported = meridian("calendar", "import", str(again), env=env)
    assert imported.returncode == 0, imported.stderr
    lines = imported.stdout.splitlines()
    assert "dublin: updated (name)" in lines
    assert "shanghai: unchanged" in lines
    assert lines[-1] == f"0 created, 1 updated, {teams - 1} unchanged"


def test_mail_list_shows_the_newest_dropped_mail(tmp_path: Path) -> None:
    folder = tmp_path / "mail"
    env = {"MERIDIAN_MAIL_DIR": str(folder), "MERIDIAN_VAR_DIR": str(tmp_path / "var")}
    assert meridian("mail", "list", env=env).stdout == f"no e-mail in {folder}\n"
    message = EmailMessage()
    message["To"] = "mei@example.com"
    message["Subject"] = "[MRD-7K3F92] 我們已收到您的投訴"
    message.set_content("您好")
    message["Content-Language"] = "zh-Hant"  # after the body: set_content drops Content-*
    path = drop(folder, message, "00000001-MRD-7K3F92-acknowledgement")
    listed = meridian("mail", "list", env=env)
    assert listed.stdout.split("\t") == [
        "mei@example.com",
        "zh-Hant",
        "[MRD-7K3F92] 我們已收到您的投訴",
        f"{path}\n",
    ]


def test_plan_staffing_says_when_there_is_no_history_and_names_bad_options(
    tmp_path: Path,
) -> None:
    env = {"MERIDIAN_VAR_DIR": str(tmp_path), "MERIDIAN_DATABASE_URL": ""}
    for setup in (("db", "upgrade"), ("seed",)):
        assert meridian(*setup, env=env).returncode == 0
    plan = meridian("plan", "staffing", "--weeks", "2", "--language", "ko", env=env)
    assert plan.returncode == 0, plan.stderr
    assert "target: 80% answered within 20 s" in plan.stdout
    assert "ko: no complaints in the last 2 weeks, nothing to plan from" in plan.stdout
    refused = meridian("plan", "staffing", "--weeks", "0", "--zone", "Mars/X", env=env)
    assert refused.returncode == 1
    assert "weeks: must be a whole number from 1 to 52" in refused.stderr
    assert "zone: unknown time zone 'Mars/X'" in refused.stderr
    bad_handle = meridian("plan", "staffing", "--handle", "account=soon", env=env)
    assert bad_handle.returncode == 2 and "account=soon" in bad_handle.stderr
