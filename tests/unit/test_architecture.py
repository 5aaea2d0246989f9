"""The shape of the code: Litestar only at the edge, a pure routing kernel, no import cycles,
domain packages under service/, and imports that write nothing."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("routing", "service", "workers")
SERVICE_TOP_LEVEL = {"__init__.py", "app.py", "settings.py", "cli.py"}


def _modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield name, path


def _imports(path: Path) -> set[str]:
    """Every module the file imports, wherever the import stands (TYPE_CHECKING too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


MODULES = dict(_modules())


def _is_edge(name: str) -> bool:
    parts = name.split(".")
    return (
        name == "service.app"
        or parts[:2] in (["service", "http"], ["service", "web"])
        or parts[-1] == "controllers"
    )


@pytest.mark.parametrize("name", sorted(MODULES))
def test_litestar_is_imported_only_at_the_http_edge(name: str) -> None:
    uses_litestar = any(m.split(".")[0] == "litestar" for m in _imports(MODULES[name]))
    assert not uses_litestar or _is_edge(name), f"{name} imports Litestar outside the edge"


@pytest.mark.parametrize("name", sorted(n for n in MODULES if n.startswith("routing")))
def test_routing_is_pure(name: str) -> None:
    roots = {m.split(".")[0] for m in _imports(MODULES[name])}
    assert not roots & {"service", "workers", "litestar", "sqlalchemy", "redis", "arq"}


def test_service_top_level_holds_only_the_entry_modules() -> None:
    top_level = {path.name for path in (ROOT / "service").glob("*.py")}
    assert top_level == SERVICE_TOP_LEVEL


def test_no_import_cycles() -> None:
    graph = {
        name: {m for m in _imports(path) if m in MODULES and m != name}
        for name, path in MODULES.items()
    }
    # A package's __init__ re-exporting its own modules is not a cycle between modules.
    graph = {
        name: {m for m in deps if not (name != m and m.startswith(name + "."))}
        for name, deps in graph.items()
    }
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(name: str) -> None:
        state[name] = 1
        stack.append(name)
        for dep in sorted(graph[name]):
            if state.get(dep) == 1:
                cycle = [*stack[stack.index(dep) :], dep]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[name] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)


def test_importing_the_entry_points_writes_nothing(tmp_path: Path) -> None:
    var = tmp_path / "var"
    subprocess.run(
        [sys.executable, "-c", "import service.app, service.cli, workers.settings"],
        cwd=ROOT,
        env={"MERIDIAN_VAR_DIR": str(var), "PATH": "/usr/bin:/bin"},
        check=True,
        timeout=120,
    )
    assert not var.exists()
