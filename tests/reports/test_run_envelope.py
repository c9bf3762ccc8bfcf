"""results.json's run envelope: who was certified in which run, when, how the run ended, and its facts.

A run leaves "started and died" (state running, complete false) when it is killed outright, and
"interrupted" with what stopped it when it is stopped; the exit status is the process's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from suite_run import REPO, SNAPSHOTS

HEALTHY = SNAPSHOTS / "documented-healthy.json"
BROKEN = SNAPSHOTS / "broken-wsl1.json"

# A plugin the suite is run with: `WSLGPU_TEST_STOP=<how>` stops the run in the first check of the
# docker layer (after the windows and wsl layers ran), as a signal handler, Ctrl-C or a hang would.
STOPPER = '''
import os, time, pytest

@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    how = os.environ.get("WSLGPU_TEST_STOP")
    if not how or "test_docker.py" not in item.nodeid:
        return
    if how == "sigterm":  # what the containers' SIGTERM handler does
        pytest.exit("terminated by signal SIGTERM", returncode=143)
    if how == "ctrl-c":
        raise KeyboardInterrupt
    if how == "hang":
        open(os.environ["WSLGPU_TEST_MARK"], "w").close()
        time.sleep(120)
'''


def _env(tmp_path: Path, **extra: str) -> dict:
    (tmp_path / "stopper_plugin.py").write_text(STOPPER)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PYTEST_") and k not in ("GITHUB_RUN_ID", "CI_PIPELINE_ID")}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), env.get("PYTHONPATH", "")])
    return {**env, **extra}


def _command(reports: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "stopper_plugin",
            "-q", "--reports-dir", str(reports), *args]


def _run(tmp_path: Path, *args: str, **env: str) -> tuple[int, str, list[Path]]:
    reports = tmp_path / "reports"
    proc = subprocess.run(_command(reports, *args), cwd=REPO, capture_output=True, text=True, timeout=120,
                          env=_env(tmp_path, **env), stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout + proc.stderr, _run_folders(reports)


def _run_folders(reports: Path) -> list[Path]:
    return sorted(p for p in reports.glob("*") if p.is_dir() and p.name != "latest") if reports.is_dir() else []


def _results(folder: Path) -> dict:
    return json.loads((folder / "results.json").read_text(encoding="utf-8"))


def test_a_finished_run_says_who_which_run_when_its_exit_status_and_facts(tmp_path):
    code, output, folders = _run(tmp_path, f"--snapshot={HEALTHY}", "--run-id", "nightly-42")
    assert code == 0, output
    doc = _results(folders[0])
    assert doc["format"] == "wslgpu-certify-results/3"
    run = doc["run"]
    assert run["machine_id"] == "gpu-workstation"  # the snapshot's recorded hostname
    assert run["run_id"] == "nightly-42" and run["state"] == "finished" and run["complete"] is True
    assert run["exit_status"] == code and run["interrupted_by"] is None
    assert run["started_at"] <= run["finished_at"] == doc["finished_at"]
    assert folders[0].name.endswith("-gpu-workstation-nightly-42")
    # the facts: the figures the checks published
    figures = {}
    for check in doc["checks"]:  # the lowest layer's value of each figure, as the facts take it
        for key, value in check["figures"].items():
            figures.setdefault(key, value)
    facts = doc["facts"]
    assert set(facts) == {"windows_build", "wsl_version", "kernel", "driver", "cuda", "docker", "toolkit",
                          "distribution", "gpu", "nbody_gflops", "nbody_baseline_gflops"}
    assert facts["driver"] == figures["driver"] and facts["kernel"] == figures["kernel"]
    assert facts["toolkit"] == figures["nvidia-container-toolkit"] and facts["wsl_version"] == figures["wsl"]
    assert facts["nbody_gflops"] == figures["nbody_gflops"] > 0
    assert facts["gpu"] == "GeForce RTX 2070" and figures["gpu"].startswith("GeForce RTX 2070 (compute")
    assert None not in facts.values()


@pytest.mark.parametrize("env, expected", [
    ({"GITHUB_RUN_ID": "9001", "CI_PIPELINE_ID": "77"}, "9001"),
    ({"CI_PIPELINE_ID": "77"}, "77"),
    ({}, None),
])
def test_the_run_id_defaults_to_the_ci_run(monkeypatch, env, expected):
    from wslgpu_certify.reports.envelope import RUN_ID_VARIABLES, default_run_id

    for name in RUN_ID_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert default_run_id() == expected


def test_the_ci_run_id_and_a_machine_id_name_the_run_and_its_folder(tmp_path):
    _, output, folders = _run(tmp_path, f"--snapshot={HEALTHY}", "--layer", "windows", "--machine-id", "lab-07",
                              GITHUB_RUN_ID="9001")
    run = _results(folders[0])["run"]
    assert run["machine_id"] == "lab-07" and run["run_id"] == "9001", output
    assert folders[0].name.endswith("-lab-07-9001")
    assert _results(folders[0])["machine"]["hostname"] == "gpu-workstation"  # what the machine recorded
    facts = _results(folders[0])["facts"]  # only the windows layer ran: what it did not see is null
    assert facts["windows_build"] and facts["driver"]
    assert facts["docker"] is None and facts["nbody_gflops"] is None and facts["toolkit"] is None


@pytest.mark.parametrize("option, value", [("--machine-id", "a/b"), ("--run-id", "x y")])
def test_an_unusable_id_is_a_one_line_usage_error(tmp_path, option, value):
    code, output, folders = _run(tmp_path, f"--snapshot={HEALTHY}", option, value)
    assert code == 4 and f"{option} {value!r}" in output and "Traceback" not in output
    assert folders == []


def test_a_run_killed_outright_leaves_running_and_incomplete(tmp_path):
    """SIGKILL in the middle of the run: no hook runs, the provisional document of session start remains."""
    mark = tmp_path / "in-the-docker-layer"
    reports = tmp_path / "reports"
    proc = subprocess.Popen(_command(reports, f"--snapshot={HEALTHY}"), cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                            env=_env(tmp_path, WSLGPU_TEST_STOP="hang", WSLGPU_TEST_MARK=str(mark)))
    try:
        deadline = time.monotonic() + 60
        while not mark.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert mark.exists(), "the run never reached the docker layer"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    doc = _results(_run_folders(reports)[0])
    assert doc["run"]["state"] == "running" and doc["run"]["complete"] is False and doc["complete"] is False
    assert doc["run"]["finished_at"] is None and doc["run"]["exit_status"] is None and doc["finished_at"] is None
    assert doc["verdict"] == "NOT CERTIFIED" and "has not finished" in doc["headline"]
    assert not list(_run_folders(reports)[0].glob(".results.json.*"))  # no half-written temporary left


@pytest.mark.parametrize("args, env, code, interrupted_by", [
    (("-x", f"--snapshot={BROKEN}"), {}, 1, "-x/maxfail"),
    ((f"--snapshot={HEALTHY}",), {"WSLGPU_TEST_STOP": "sigterm"}, 143, "SIGTERM"),
    ((f"--snapshot={HEALTHY}",), {"WSLGPU_TEST_STOP": "ctrl-c"}, 2, "KeyboardInterrupt"),
])
def test_a_stopped_run_is_interrupted_naming_what_stopped_it(tmp_path, args, env, code, interrupted_by):
    returncode, output, folders = _run(tmp_path, *args, **env)
    assert returncode == code, output
    doc = _results(folders[0])
    assert doc["run"]["state"] == "interrupted" and doc["run"]["interrupted_by"] == interrupted_by
    assert doc["run"]["exit_status"] == code and doc["run"]["complete"] is False and doc["complete"] is False
    assert doc["verdict"] == "NOT CERTIFIED" and doc["run"]["finished_at"]


def test_the_exit_status_is_the_processes_also_when_not_certified(tmp_path):
    code, _, folders = _run(tmp_path, f"--snapshot={HEALTHY}", "--check", "windows.build")  # PARTIAL: exit 1
    doc = _results(folders[0])
    assert code == 1 and doc["verdict"] == "PARTIAL" and doc["run"]["exit_status"] == 1
    assert doc["run"]["state"] == "finished" and doc["run"]["complete"] is True


def test_results_are_replaced_atomically(tmp_path, monkeypatch):
    from wslgpu_certify import atomic_file
    from wslgpu_certify.results_format import write_results_file  # how reports/results_json.py writes it

    target = tmp_path / "results.json"
    write_results_file(target, {"old": True})
    assert json.loads(target.read_text()) == {"old": True}

    def fail(*args):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(atomic_file.os, "replace", fail)
    with pytest.raises(OSError):
        write_results_file(target, {"new": True})
    assert json.loads(target.read_text()) == {"old": True}  # the reader sees the old document, whole
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]  # and no temporary is left behind


def test_run_folders_of_one_machine_and_run_never_collide(tmp_path):
    from wslgpu_certify.reports.run_folder import new_run_dir

    folders = [new_run_dir(tmp_path, "box", "17") for _ in range(3)] + [new_run_dir(tmp_path, "box")]
    assert len(set(folders)) == 4 and all(f.is_dir() for f in folders)
    assert folders[0].name.endswith("-box-17") and folders[1].name.endswith("-box-17-2")
