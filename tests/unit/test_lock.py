"""The environment the tests run in holds exactly what requirements.lock pins."""

from __future__ import annotations

import re
from importlib.metadata import distributions
from pathlib import Path

from packaging.utils import canonicalize_name

LOCK = Path(__file__).resolve().parents[2] / "requirements.lock"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.MULTILINE)
# The venv's own installer and this project (installed editable from the checkout).
NOT_LOCKED = {"pip", "meridian"}


def test_every_installed_distribution_is_the_locked_version_and_nothing_else() -> None:
    locked = {canonicalize_name(name): version for name, version in PIN.findall(LOCK.read_text())}
    installed = {
        canonicalize_name(dist.metadata["Name"]): dist.version
        for dist in distributions()
        if canonicalize_name(dist.metadata["Name"]) not in NOT_LOCKED
    }
    assert installed == locked, "run `make install` (it installs from the lock) or `make lock`"
