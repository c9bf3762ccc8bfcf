"""docs/adding-a-check.md, followed literally: its marked blocks added to a copy of the project make a check that
passes and fails as the page promises, and leave every other check's outcome as it was.

Each `<!-- howto: append FILE -->` block is appended to FILE in a copy of the tracked files; each
`<!-- howto: create FILE -->` block is written as FILE (the page's snapshots). Then ONE replay of the copy's own code
(`PYTHONPATH=<copy>/plugins`: the plugin finds the copy's checks/ through catalog.bundled_checks_dir()) runs the
page's two snapshots and two untouched healthy ones (`--snapshot FOLDER`); then the page's `<!-- howto: run -->`
commands (the catalog doc, and the tests that hold docs, rooms and fix steps) run in the copy.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from suite_run import REPO, STRICT

PAGE = REPO / "docs" / "adding-a-check.md"
CHECK_ID = "wsl.interop.binfmt"
# A marker, then the fenced block right under it.
BLOCK = re.compile(r"<!-- howto: (append|create) (\S+) -->\n```[a-z]*\n(.*?)```\n", re.S)


RUN = re.compile(r"<!-- howto: run -->\n```\n(.*?)```\n", re.S)


def page_blocks() -> list[tuple[str, str, str]]:
    return BLOCK.findall(PAGE.read_text(encoding="utf-8"))


def page_commands() -> list[str]:
    return [line for block in RUN.findall(PAGE.read_text(encoding="utf-8")) for line in block.splitlines() if line]


def test_the_page_marks_a_parser_a_probe_a_check_its_entry_and_two_snapshots():
    appended = {path for how, path, _ in page_blocks() if how == "append"}
    assert appended == {"plugins/wslgpu_certify/parsers/distro.py", "plugins/wslgpu_certify/probes/distro.py",
                        "checks/test_wsl.py", "checks/wsl.toml"}
    created = [path for how, path, _ in page_blocks() if how == "create"]
    assert created == ["my-snapshots/interop-on.json", "my-snapshots/interop-off.json"]
    assert f'["{CHECK_ID}"]' not in (REPO / "checks/wsl.toml").read_text()


def bound_names(source: str) -> set[str]:
    """The names a module's top level binds (assignments, defs, classes)."""
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        for target in getattr(node, "targets", [getattr(node, "target", None)]):
            names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)} if target else set()
    return names


def test_the_pages_python_binds_only_new_names():
    """Rebinding a name a check already reads (the old page's WSL_CONF) silently changes that check."""
    for how, path, text in page_blocks():
        if path.endswith(".py"):
            added = bound_names(text)
            assert added, path
            assert not added & bound_names((REPO / path).read_text(encoding="utf-8")), (path, added)


@pytest.fixture(scope="module")
def followed(tmp_path_factory):
    """The page followed in a copy of the project, then one replay: machine id -> its results.json."""
    copy = tmp_path_factory.mktemp("project")
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        source = REPO / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, copy / name)
    for how, path, text in page_blocks():
        target = copy / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if how == "append":
            with target.open("a", encoding="utf-8") as out:
                out.write(text)
        else:
            target.write_text(text, encoding="utf-8")
    # the untouched healthy machines: the outcomes the page must not change (documented), and a machine whose
    # wsl.systemd.boot reads /etc/wsl.conf (current: the old page's WSL_CONF rebinding turned it to error)
    for name, base in (("healthy", "documented-healthy.json"), ("current", "current-healthy.json")):
        (copy / "my-snapshots" / f"{name}.json").write_text(json.dumps(
            {"format": "wslgpu-certify-snapshot/1", "extends": base, "metadata": {"hostname": name}, "hosts": {}}),
            encoding="utf-8")
    reports = copy / "reports"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = str(copy / "plugins")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:html",
                           *STRICT, "-q", "--reports-dir", str(reports), "--snapshot", str(copy / "my-snapshots")],
                          cwd=copy, capture_output=True, text=True, timeout=300, env=env, stdin=subprocess.DEVNULL)
    docs = [json.loads(p.read_text(encoding="utf-8")) for p in reports.glob("*/results.json")]
    machines = {doc["run"]["machine_id"]: doc for doc in docs}
    assert set(machines) == {"interop-on", "interop-off", "healthy", "current"}, proc.stdout[-4000:] + proc.stderr[-4000:]
    return copy, machines, env


def test_the_pages_commands_pass_in_the_copy(followed):
    """Step 7 as written: the catalog doc regenerated, then the tests that hold docs, rooms and fix steps."""
    copy, _, env = followed
    commands = page_commands()
    assert commands[0].startswith("python -m wslgpu_certify.catalog_doc") and len(commands) == 2
    for command in commands:
        assert command.startswith("python -m ")
        proc = subprocess.run(shlex.quote(sys.executable) + command[len("python"):], shell=True, cwd=copy, env=env,
                              capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, (command, proc.stdout[-4000:], proc.stderr[-2000:])
    assert CHECK_ID in (copy / "docs" / "checks.md").read_text(encoding="utf-8")


def outcomes(doc: dict) -> dict[str, str]:
    return {c["id"]: c["outcome"] for c in doc["checks"]}


def test_the_copy_runs_its_own_code(followed):
    copy, machines, _ = followed
    assert CHECK_ID in outcomes(machines["interop-on"])  # only the copy's checks/ holds it


def test_the_new_check_passes_on_the_pages_healthy_answer(followed):
    _, machines, _ = followed
    assert outcomes(machines["interop-on"])[CHECK_ID] == "passed"


def test_the_new_check_fails_with_the_pages_message_and_fix(followed):
    _, machines, _ = followed
    found = next(c for c in machines["interop-off"]["checks"] if c["id"] == CHECK_ID)
    assert found["outcome"] == "failed"
    text = json.dumps(found)
    assert "WSLInterop is missing" in text and "sudoedit /etc/wsl.conf" in text, text[:3000]


def test_no_other_check_changes_and_none_of_its_layer_errs(followed):
    _, machines, _ = followed
    healthy = outcomes(machines["healthy"])
    assert healthy[CHECK_ID] == "skipped"  # not recorded in the bundled snapshot: a gap, as the page says
    for name in ("interop-on", "interop-off"):
        others = {k: v for k, v in outcomes(machines[name]).items() if k != CHECK_ID}
        assert others == {k: v for k, v in healthy.items() if k != CHECK_ID}, name
        erring = [k for k, v in outcomes(machines[name]).items() if k.startswith("wsl.") and v == "error"]
        assert not erring, (name, erring)
    current = outcomes(machines["current"])
    assert current["wsl.systemd.boot"] == "passed"
    assert not [k for k, v in current.items() if k.startswith("wsl.") and v == "error"]
