"""Faults of the run itself: a signal in the middle of a layer, a full disk, a reports folder it may not write.

- Ctrl-C (SIGINT) or SIGTERM while any layer's checks run leaves results.json marked
  `complete: false`, NOT CERTIFIED, each check that did not run saying the run was interrupted,
  no traceback, and no process of a command that was running (its fake hangs, with a child);
  the exit status says which: 2 (pytest's interrupted) or 143 (128 + SIGTERM). Replayed for every
  layer (a plugin of this test sends the signal as the layer's first check starts), and live from
  outside while a faked command hangs. The live-container case is in test_containers_live.py.
- A disk that fills (a small tmpfs this test mounts, as root; skipped where mounting fails) while
  results.json, junit.xml / report.html or the reports/latest copy is written: one line naming what
  could not be written and why, no traceback, a non-zero exit, no half copy in latest/.
- A reports folder that cannot be written (a read-only mount, or mode 555 for a non-root user):
  one line, exit 4. `--collect-only`, `--fixtures` and the like create no run folder (test_cli.py).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

import live_fakes
from suite_run import REPO, SNAPSHOTS
from wslgpu_certify.findings import LAYERS

HEALTHY = SNAPSHOTS / "documented-healthy.json"
EXIT = {signal.SIGINT: 2, signal.SIGTERM: 128 + signal.SIGTERM}

# Sends the signal to its own process as the first check of a layer starts (its call phase).
SELF_SIGNAL = '''
import os, signal
def pytest_runtest_call(item):
    layer, name = os.environ["SELF_SIGNAL"].split(":")
    marker = item.get_closest_marker("check")
    if marker is not None and marker.args[0].split(".")[0] == layer:
        os.kill(os.getpid(), getattr(signal, name))
'''


def _environ(*pythonpath: Path) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    environ["PYTHONPATH"] = os.pathsep.join([str(REPO / "plugins"), *map(str, pythonpath), environ.get("PYTHONPATH", "")])
    return environ


def _replay(reports: Path, *extra: str, environ: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", "-q",
                           "--snapshot", str(HEALTHY), "--reports-dir", str(reports), *extra],
                          cwd=REPO, env=environ or _environ(), capture_output=True, text=True, timeout=240,
                          stdin=subprocess.DEVNULL)


def _assert_interrupted(results_path: Path, signum: int, layer: str, returncode: int, output: str) -> None:
    assert returncode == EXIT[signum], output[-3000:]
    assert "Traceback (most recent call last)" not in output, output[-3000:]
    results = json.loads(results_path.read_text())
    assert results["complete"] is False and results["verdict"] == "NOT CERTIFIED", results["headline"]
    assert "the run was interrupted" in results["headline"]
    ran = {c["id"].split(".")[0] for c in results["checks"] if c["outcome"] != "not_applicable"}
    assert not ran & set(LAYERS[LAYERS.index(layer) + 1:]), f"checks after {layer} ran: {ran}"
    not_run = results["coverage"]["not_run"]
    assert any(c["layer"] == layer for c in not_run), f"every {layer} check ran"
    assert all("interrupted" in c["reason"] for c in not_run), not_run[:2]
    assert results["layers"][layer]["state"] not in ("passed", "not applicable"), results["layers"][layer]


# every layer once, the two signals taking turns
SIGNAL_IN_LAYER = [(layer, (signal.SIGINT, signal.SIGTERM)[i % 2]) for i, layer in enumerate(LAYERS)]


@pytest.mark.parametrize("layer, signum", SIGNAL_IN_LAYER, ids=[f"{l}-{s.name}" for l, s in SIGNAL_IN_LAYER])
def test_a_signal_in_the_middle_of_a_layer_leaves_an_incomplete_uncertified_run(layer, signum, tmp_path):
    (tmp_path / "self_signal.py").write_text(SELF_SIGNAL)
    environ = {**_environ(tmp_path), "SELF_SIGNAL": f"{layer}:{signum.name}"}
    proc = _replay(tmp_path / "reports", "-p", "self_signal", environ=environ)
    _assert_interrupted(tmp_path / "reports" / "latest" / "results.json", signum, layer, proc.returncode,
                        proc.stdout + proc.stderr)


# (layer, the program that hangs there, signal): live under --env=windows with the fakes of live_fakes.py
HANGS = [("windows", "cmd.exe", signal.SIGTERM), ("wsl", "pgrep", signal.SIGINT), ("gpu", "nvidia-smi", signal.SIGTERM)]


@pytest.mark.parametrize("layer, program, signum", HANGS, ids=[f"{l}-{p}-{s.name}" for l, p, s in HANGS])
def test_a_signal_while_a_command_hangs_ends_the_run_and_the_command(layer, program, signum, tmp_path):
    argv, environ, marker = live_fakes.suite_run(tmp_path, "windows", f"{program}:hang", 120, REPO, HEALTHY)
    # --distro and --wsl-user: otherwise the distro and its user are read (`wsl -l -v`, `id -un`) as the run starts
    # (probes/identity.py), before any layer runs (a signal there ends the run before its folder exists: nothing
    # was certified, nothing is written)
    argv += ["--distro", "Ubuntu", "--wsl-user", "analyst"]
    proc = subprocess.Popen(argv, cwd=REPO, env=environ, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            stdin=subprocess.DEVNULL,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # Python's Ctrl-C handler
    deadline = time.monotonic() + 60
    while not any("time.sleep(600)" in p for p in live_fakes.leftovers(marker)):  # the hanging fake's child is up
        assert proc.poll() is None and time.monotonic() < deadline, "the faked command never hung"
        time.sleep(0.1)
    proc.send_signal(signum)
    signalled = time.monotonic()
    output, _ = proc.communicate(timeout=60)
    assert time.monotonic() - signalled < 20, "the run did not end promptly after the signal"
    _assert_interrupted(tmp_path / "reports" / "latest" / "results.json", signum, layer, proc.returncode, output)
    # a killed group's processes are reaped by init: on a loaded machine that can take more than a moment
    gone_by = time.monotonic() + 10
    while live_fakes.leftovers(marker) and time.monotonic() < gone_by:
        time.sleep(0.1)
    assert live_fakes.leftovers(marker) == []


# ---- disks and folders --------------------------------------------------------------------------

@contextmanager
def _mounted(path: Path, options: str):
    """A tmpfs at `path` (root only); skips where it cannot be mounted (a container without CAP_SYS_ADMIN)."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def run_folder_bytes(tmp_path_factory) -> int:
    """What one healthy replay writes into its run folder (latest/ aside)."""
    reports = tmp_path_factory.mktemp("sizing") / "reports"
    assert _replay(reports).returncode == 0
    return _folder_bytes(next(p for p in reports.iterdir() if p.name != "latest"))


# where the disk fills -> its size in bytes, from one run folder's size
DISKS = {"before results.json": lambda size: 16 * 1024, "while latest/ is copied": lambda size: int(size * 1.5)}


@pytest.mark.parametrize("where", sorted(DISKS))
def test_a_full_disk_is_one_line_and_a_failed_exit(where, tmp_path, run_folder_bytes):
    size = DISKS[where](run_folder_bytes)
    with _mounted(tmp_path / "disk", f"size={size}") as disk:
        proc = _replay(disk / "reports")
        output = proc.stdout + proc.stderr
        lines = [line for line in output.splitlines() if line.startswith("wslgpu-certify: could not write")]
        assert proc.returncode == 3, output[-3000:]
        assert len(lines) == 1 and lines[0].endswith(": No space left on device"), output[-3000:]
        assert "Traceback" not in output and "Error" not in output.replace(lines[0], ""), output[-3000:]
        latest = disk / "reports" / "latest"
        if where == "while latest/ is copied":
            assert lines[0].endswith("latest: No space left on device"), lines
            assert not latest.exists()  # never a half copy
        else:
            assert "results.json" in lines[0]


def test_an_unwritable_reports_folder_is_one_line(tmp_path):
    folder = tmp_path / "read-only"
    if os.geteuid() == 0:
        with _mounted(folder, "ro,size=64k"):
            proc = _replay(folder / "reports")
    else:
        folder.mkdir()
        folder.chmod(0o555)
        proc = _replay(folder / "reports")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 4, output[-3000:]
    assert f"cannot create a run folder under {folder / 'reports'}: " in output and "Traceback" not in output
    assert len([line for line in output.splitlines() if "cannot create a run folder" in line]) == 1
