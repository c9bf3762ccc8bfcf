"""A non-editable install, run from a directory far from the checkout, certifies with the whole catalog.

The wheel is built from the checkout and installed into a fresh venv of the oldest supported
Python (3.10, Ubuntu 22.04's python3, when pyenv has it); the checks and their catalogs ship
inside it (wslgpu_certify/checks/).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from suite_run import REPO, SNAPSHOTS

OLDEST = Path(os.path.expanduser("~/.pyenv/versions")).glob("3.10.*/bin/python")


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
