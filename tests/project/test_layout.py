"""The package's rooms and the one-way flow between them, held by its imports.

host runner -> probe (command + parser) -> check -> finding -> reports: each room may only
import the rooms before it, directly or through any other module (a lower room that imports a
top-level module which imports a higher room still reaches it). The rules below are read off every
module's import statements (function-level imports included: a late import is still a dependency).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from suite_run import REPO

PACKAGE = REPO / "plugins" / "wslgpu_certify"
MAX_LINES = 300  # a module a newcomer reads in one sitting


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(name: str) -> set[str]:
    """Absolute names of everything the module imports (relative imports resolved)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module
            found.add(stem)
            # `from . import evidence` imports a module, not a name
            found.update(f"{stem}.{a.name}" for a in node.names if f"{stem}.{a.name}" in MODULES)
    return found


def internal_imports(name: str) -> set[str]:
    return {imp for imp in imports_of(name) if imp in MODULES and imp != name}


# Every module's own imports: the edges of the package's import graph (the package's __init__ imports lazily).
GRAPH = {name: internal_imports(name) - {"wslgpu_certify"} for name in MODULES}


def room_of(name: str) -> str:
    """`wslgpu_certify.hosts.runner` -> `hosts`; a top-level module is a room of its own."""
    return name.split(".")[1] if "." in name else name


def test_the_package_is_found():
    assert "wslgpu_certify.plugin" in MODULES and "wslgpu_certify.parsers.docker" in MODULES


def test_no_import_cycle():
    state: dict[str, str] = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == "open":
                cycle = path[path.index(nxt):] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = "done"

    for name in sorted(GRAPH):
        if name not in state:
            visit(name, [name])


def test_nothing_imports_the_plugin_glue():
    importers = [name for name in MODULES if "wslgpu_certify.plugin" in internal_imports(name)]
    assert importers == []


@pytest.mark.parametrize("name", [n for n in MODULES if n.startswith("wslgpu_certify.parsers.")])
def test_parsers_use_only_the_standard_library_and_each_other(name):
    # tomli: the 3.10 backport of 3.11's tomllib, imported only where tomllib is missing; lazy_regex: re.compile
    # on first use, itself standard library only (below)
    outside = {imp for imp in imports_of(name)
               if not imp.startswith("wslgpu_certify.parsers") and imp.split(".")[0] not in sys.stdlib_module_names
               and imp not in ("__future__", "tomli", "tomllib", "wslgpu_certify.lazy_regex")}
    assert outside == set(), f"{name} imports {outside}"


@pytest.mark.parametrize("path", sorted((REPO / "checks").glob("*.py")), ids=lambda p: p.name)
def test_checks_fail_by_raising_never_by_a_bare_assert(path):
    """A check fails with CheckFailed and its own words (the fix, the evidence); the command runs them with
    --assert=plain (tool_plugins.py), where a bare assert would say nothing."""
    asserts = [node.lineno for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))) if isinstance(node, ast.Assert)]
    assert asserts == [], f"{path.name}: assert on lines {asserts}"


def test_lazy_regex_uses_only_the_standard_library():
    assert {imp.split(".")[0] for imp in imports_of("wslgpu_certify.lazy_regex")} <= set(sys.stdlib_module_names) | {"__future__"}


FORBIDDEN = {  # room -> rooms it must not reach, directly or through other modules
    "reports": ("hosts", "probes", "parsers", "containers", "session"),  # session builds what reports read
    "fleet": ("hosts", "probes", "parsers", "containers"),  # reads results folders; never reaches a machine
    "hosts": ("containers", "probes", "reports"),
    "parsers": ("hosts", "probes", "containers", "reports"),
    "probes": ("containers", "reports"),
    "signatures": ("hosts", "probes", "containers", "reports", "diagnose", "fleet"),  # text in, causes out
}

def forbidden_path(graph: dict[str, set[str]], start: str, forbidden: tuple[str, ...]) -> list[str] | None:
    """The shortest import chain from `start` to a module of a forbidden room, or None when there is none."""
    came_from = {start: None}
    queue = [start]
    for current in queue:  # breadth first: the path reported is the shortest, the one to cut
        for nxt in sorted(graph.get(current, ())):
            if nxt in came_from:
                continue
            came_from[nxt] = current
            if room_of(nxt) in forbidden:
                path = [nxt]
                while came_from[path[-1]] is not None:
                    path.append(came_from[path[-1]])
                return path[::-1]
            queue.append(nxt)
    return None


def test_the_reachability_check_finds_an_indirect_import():
    # parsers.x -> redact -> hosts.y: no direct import of hosts, still a parser that reaches a host
    graph = {"wslgpu_certify.parsers.x": {"wslgpu_certify.redact"}, "wslgpu_certify.redact": {"wslgpu_certify.hosts.y"},
             "wslgpu_certify.hosts.y": set()}
    assert forbidden_path(graph, "wslgpu_certify.parsers.x", FORBIDDEN["parsers"]) == [
        "wslgpu_certify.parsers.x", "wslgpu_certify.redact", "wslgpu_certify.hosts.y"]
    graph["wslgpu_certify.redact"] = {"wslgpu_certify.parsers.z"}
    assert forbidden_path(graph, "wslgpu_certify.parsers.x", FORBIDDEN["parsers"]) is None


@pytest.mark.parametrize("name", [n for n in MODULES if n.split(".")[1:2] and n.split(".")[1] in FORBIDDEN])
def test_rooms_reach_only_what_comes_before_them(name):
    mine = room_of(name)
    path = forbidden_path(GRAPH, name, FORBIDDEN[mine])
    assert path is None, f"{mine}/ reaches a room after it: " + " -> ".join(path)


@pytest.mark.parametrize("name", [n for n in MODULES if n == "wslgpu_certify.judges" or n.startswith("wslgpu_certify.judges.")])
def test_judges_sit_after_parsers_and_the_profile(name):
    """judges/ (one comparison per check, called by the check and by diagnose) reads parsers' records and the
    profile, nothing higher: checks/ and diagnose/ come after it."""
    allowed = ("wslgpu_certify.judges", "wslgpu_certify.parsers", "wslgpu_certify.profile", "wslgpu_certify.lazy_regex")
    higher = {imp for imp in internal_imports(name) if not imp.startswith(allowed)}
    assert higher == set(), f"{name} imports {sorted(higher)}"
    assert not {imp for imp in imports_of(name) if imp.split(".")[0] in ("pytest", "_pytest", "testinfra", "docker")}


@pytest.mark.parametrize("name", [n for n in MODULES if n == "wslgpu_certify.fleet" or n.startswith("wslgpu_certify.fleet.")])
def test_the_fleet_room_does_not_import_pytest(name):
    # wslgpu-fleet runs in an aggregation job that has no machine to certify: it stays a small, fast reader
    assert not {imp for imp in imports_of(name) if imp.split(".")[0] in ("pytest", "_pytest", "testinfra", "docker")}


def test_only_the_containers_room_imports_the_docker_sdk():
    users = sorted(name for name in MODULES if any(imp == "docker" or imp.startswith("docker.")
                                                   for imp in imports_of(name)))
    assert users and all(name.startswith("wslgpu_certify.containers.") for name in users), users


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_small(name):
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines: split it along what it does"


def test_the_architecture_page_names_every_module():
    page = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = page[page.index("## Every module"):]
    table = table[: table.index("\n## ", 1)]
    missing = [str(p.relative_to(PACKAGE)) for p in MODULES.values()
               if p.name != "__init__.py" and f"`{p.relative_to(PACKAGE)}`" not in table]
    assert missing == [], f"docs/architecture.md's \"Every module\" table does not name {missing}"


def test_pyproject_packages_every_subpackage():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib

    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {module_name(p) for p in PACKAGE.rglob("__init__.py")} | {"wslgpu_certify.checks", "wslgpu_certify.snapshots"}
    assert found == listed, f"pyproject.toml [tool.setuptools] packages: add {found - listed}, drop {listed - found}"
