"""A non-editable install, run from a directory far from the checkout, certifies with the whole catalog.

The wheel is built from the checkout and installed into a fresh venv of the oldest supported
Python (3.10, Ubuntu 22.04's python3, when pyenv has it); the checks and their catalogs ship
inside it (wslgpu_certify/checks/), and so do the example snapshots (wslgpu_certify/snapshots/): every hint the
tool prints is run here as printed, from the installed copy.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from suite_run import REPO, SNAPSHOTS

OLDEST = Path(os.path.expanduser("~/.pyenv/versions")).glob("3.10.*/bin/python")

# One worker builds the wheel once: two workers building from the checkout at once share its build/ folder.
pytestmark = pytest.mark.xdist_group("install")


def _python() -> str:
    return str(next(iter(sorted(OLDEST)), None) or sys.executable)


def _run(argv, cwd, timeout=600):
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                          env={k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "PYTHONPATH"))})


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(venv bin folder, an empty working folder): the wheel installed with its dependencies."""
    root = tmp_path_factory.mktemp("install")
    wheel_dir, venv = root / "wheel", root / "venv"
    built = _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheel_dir), str(REPO)], root)
    assert built.returncode == 0, built.stderr[-3000:]
    made = _run([_python(), "-m", "venv", str(venv)], root)
    assert made.returncode == 0, made.stderr
    pip = _run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", *wheel_dir.glob("*.whl")], root)
    if pip.returncode != 0:
        if os.environ.get("CI") == "true":
            pytest.fail(f"pip install of the wheel failed: {pip.stderr[-2000:]}")
        pytest.skip(f"pip install of the wheel failed (no package index?): {pip.stderr[-300:]}")
    work = root / "elsewhere"
    work.mkdir()
    return venv / "bin", work


def test_the_wheel_carries_the_checks_and_their_catalogs(installed):
    bin_dir, work = installed
    found = _run([str(bin_dir / "python"), "-c", "import wslgpu_certify.catalog as c; d = c.bundled_checks_dir(); "
                  "print(d); print(len(list(d.glob('test_*.py'))), len(list(d.glob('*.toml'))))"], work)
    folder, counts = found.stdout.split("\n")[:2]
    assert "site-packages" in folder and str(REPO) not in folder
    assert counts == "7 7"


def test_version_and_list_checks(installed):
    bin_dir, work = installed
    version = _run([str(bin_dir / "wslgpu-certify"), "--version"], work)
    assert version.returncode == 0 and version.stdout.startswith("wslgpu-certify ")
    listed = _run([str(bin_dir / "wslgpu-certify"), "--list-checks"], work)
    assert listed.returncode == 0 and len(listed.stdout.splitlines()) >= 62
    assert any(line.startswith("gpu.nbody.runs ") for line in listed.stdout.splitlines())


@pytest.mark.parametrize("how", ["console script", "pytest --pyargs"])
def test_installed_copy_certifies_the_healthy_snapshot_with_the_full_catalog(installed, how, tmp_path):
    bin_dir, work = installed
    snapshot = tmp_path / "healthy.json"
    shutil.copy(SNAPSHOTS / "documented-healthy.json", snapshot)
    reports = tmp_path / "reports"
    ours = [f"--snapshot={snapshot}", "--reports-dir", str(reports), "-q"]
    argv = ([str(bin_dir / "wslgpu-certify"), *ours] if how == "console script" else
            [str(bin_dir / "python"), "-m", "pytest", "--pyargs", "wslgpu_certify.checks", "-p", "no:cacheprovider", *ours])
    run = _run(argv, work)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    results = json.loads((reports / "latest" / "results.json").read_text())
    assert results["verdict"] == "CERTIFIED" and len(results["checks"]) >= 62
    assert "wslgpu-certify: CERTIFIED" in run.stdout
    assert not (work / "reports").exists() and not any(work.iterdir())  # nothing written where it ran


def test_installed_wslgpu_fleet_console_script_collects(installed, tmp_path):
    bin_dir, work = installed
    (tmp_path / "R" / "ws-1").mkdir(parents=True)
    (tmp_path / "list.txt").write_text("ws-1\n")
    proc = _run([str(bin_dir / "wslgpu-fleet"), "collect", str(tmp_path / "R"), "--expected", str(tmp_path / "list.txt"),
                 "--out", str(tmp_path / "fleet")], work)
    assert proc.returncode == 1 and "NO REPORT" in proc.stdout, proc.stderr
    assert (tmp_path / "fleet" / "fleet.html").is_file()


# ---- hints that work where they are printed (issue 21): from the installed copy, as printed --------------

def _hint_argv(bin_dir: Path, command: str) -> list[str]:
    words = shlex.split(command)
    assert words[0] == "wslgpu-certify", command  # never `pytest` (pipx puts none on PATH) nor a repo path
    return [str(bin_dir / "wslgpu-certify"), *words[1:]]


def test_the_bundled_snapshots_replay_by_name(installed, tmp_path):
    bin_dir, work = installed
    listed = _run([str(bin_dir / "wslgpu-certify"), "--list-snapshots"], work)
    names = sorted(p.stem for p in SNAPSHOTS.glob("*.json"))
    assert listed.returncode == 0 and listed.stdout.split() == names, listed.stdout + listed.stderr
    # every name resolves inside the installed copy and loads (the broken ones `extends` a bundled one)
    loaded = _run([str(bin_dir / "python"), "-c", "import sys; from wslgpu_certify.hosts.snapshot import load_snapshot, "
                   "snapshot_path\nfor n in sys.argv[1:]: p = snapshot_path(n); assert load_snapshot(p).hosts; "
                   "print(p)", *names], work)
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    paths = loaded.stdout.split()
    assert len(paths) == len(names) and all("site-packages" in p and str(REPO) not in p for p in paths)
    run = _run(_hint_argv(bin_dir, "wslgpu-certify --snapshot documented-healthy") + ["--reports-dir", str(tmp_path), "-q"],
               work)
    assert run.returncode == 0 and "wslgpu-certify: CERTIFIED" in run.stdout, run.stdout[-3000:] + run.stderr[-2000:]
    assert not any(work.iterdir())


def _catalog_commands(node):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from ([value] if key == "run" and isinstance(value, str) else _catalog_commands(value))
    elif isinstance(node, list):
        for value in node:
            yield from _catalog_commands(value)


def test_every_printed_hint_runs_from_the_installed_copy(installed, tmp_path):
    bin_dir, work = installed
    certify = str(bin_dir / "wslgpu-certify")
    hints = []
    # a live run on this (not WSL) machine points to a full run
    live = _run([certify, "--env=linux", "--check", "wsl.os.release", "--reports-dir", str(tmp_path / "live")], work)
    hints += re.findall(r"To see a full run: (wslgpu-certify [^\n]+)", live.stdout)
    assert len(hints) == 1, live.stdout[-3000:] + live.stderr[-2000:]
    # a usage error names the option that fixes it; an unknown snapshot name, the listing
    replay = _run([certify, "--env=replay"], work)
    assert replay.returncode == 4 and "try --snapshot documented-healthy" in replay.stdout + replay.stderr
    hints.append("wslgpu-certify --env=replay --snapshot documented-healthy")
    typo = _run([certify, "--snapshot", "documented-helthy"], work)
    assert typo.returncode == 4 and "did you mean documented-healthy" in typo.stdout + typo.stderr
    hints += re.findall(r"(wslgpu-certify --list-snapshots)", typo.stdout + typo.stderr)[:1]
    for command in hints:
        run = _run(_hint_argv(bin_dir, command) + (["--reports-dir", str(tmp_path / "r"), "-q"] if "--snapshot" in command
                                                   else []), work)
        assert run.returncode == 0, (command, run.stdout[-2000:], run.stderr[-2000:])
    # the fix steps that run the suite itself, in the installed catalogs: each takes its options and finds the
    # checks (collected only: `--pull` would pull several GB, `--env=linux` certify this machine)
    catalog = Path(_run([str(bin_dir / "python"), "-c", "import wslgpu_certify as w; print(w.__file__)"],
                        work).stdout.strip()).parent
    commands = {c for path in catalog.rglob("*.toml") for c in _catalog_commands(tomllib.loads(path.read_text()))}
    suite = sorted(c for c in commands if re.match(r"(python\S* -m )?(pytest|wslgpu-certify)\b", c))
    assert suite and not [c for c in suite if not c.startswith("wslgpu-certify ")], suite
    for command in suite:
        run = _run(_hint_argv(bin_dir, command.replace("{distro}", "Ubuntu")) + ["--collect-only", "-q"], work)
        said = run.stdout + run.stderr
        if "--env=windows" in command:  # for Windows: taken, and refused on this Linux machine in one line
            assert run.returncode == 4 and "cannot be started here (this machine is linux)" in said, (command, said)
            continue
        collected = re.search(r"(\d+) tests collected", run.stdout)
        assert run.returncode == 0 and collected and int(collected[1]) >= 62, (command, said[-2000:])
    assert not any(work.iterdir())  # nothing written where it ran
