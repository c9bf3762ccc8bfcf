"""Several recorded machines in one pytest process (many_machines.py): each its own run folder and verdict,
the same verdict as that machine alone, and whole machines per xdist worker."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from suite_run import REPO, SNAPSHOTS

FIXTURES = sorted(SNAPSHOTS.glob("*.json"))


def _pytest(reports: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("PYTEST_") and k not in ("GITHUB_RUN_ID", "CI_PIPELINE_ID")}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly",
                           "--reports-dir", str(reports), *args],
                          cwd=REPO, capture_output=True, text=True, timeout=300, env=env, stdin=subprocess.DEVNULL)


def _by_machine(reports: Path) -> dict[str, tuple[Path, dict]]:
    found = {}
    for path in sorted(reports.glob("*/results.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        found[doc["run"]["machine_id"]] = (path.parent, doc)
    return found


def _verdict(doc: dict) -> tuple:
    """What must not depend on how many machines ran beside it."""
    return (doc["verdict"], doc["headline"], doc["counts"], doc["layers"], doc["facts"],
            [(c["id"], c["outcome"], c["message"], c.get("blocked_by")) for c in doc["checks"]])


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    """Every fixture snapshot in one process (`--snapshot FOLDER`), -v to see each test's id."""
    reports = tmp_path_factory.mktemp("fleet")
    proc = _pytest(reports, f"--snapshot={SNAPSHOTS}", "-q")
    return proc, _by_machine(reports), reports


@pytest.mark.parametrize("snapshot", FIXTURES, ids=[p.stem for p in FIXTURES])
def test_each_machine_of_a_fleet_run_has_the_verdict_it_has_alone(fleet, tmp_path, snapshot):
    # alone, its results.json is what is compared: pytest-html (half of a lone run's start-up) is left out
    alone = _pytest(tmp_path, f"--snapshot={snapshot}", "-q", "-p", "no:html")
    _, single = next(iter(_by_machine(tmp_path).values()))
    proc, machines, _ = fleet
    folder, doc = machines[single["run"]["machine_id"]]
    assert _verdict(doc) == _verdict(single), proc.stdout[-3000:]
    assert doc["machine"]["snapshot"] == str(snapshot) and doc["run"]["state"] == "finished"
    # its junit.xml holds its own checks only, with its verdict; its report.html is its own
    junit = (folder / "junit.xml").read_text(encoding="utf-8")
    assert junit.count("<testcase ") == len(single["checks"])
    assert f'name="wslgpu_verdict" value="{single["verdict"]}"' in junit
    others = [m for m in machines if m != single["run"]["machine_id"]]
    assert not any(f"[{other}]" in junit for other in others)
    report = (folder / "report.html").read_text(encoding="utf-8")
    assert single["verdict"] in report and alone.returncode in (0, 1)


def test_a_fleet_run_writes_a_folder_per_machine_and_no_latest(fleet):
    proc, machines, reports = fleet
    assert sorted(machines) == sorted(json.loads(p.read_text())["metadata"]["hostname"] for p in FIXTURES)
    assert not (reports / "latest").exists()  # no one machine is "the latest" of a fleet
    for machine_id, (folder, doc) in machines.items():
        assert folder.name.endswith(f"-{machine_id}") and {"results.json", "junit.xml", "report.html"} <= {
            p.name for p in folder.iterdir()}
    # some machines are not certified: the process is not
    counted = re.search(r"(\d+) of (\d+) machines CERTIFIED", proc.stdout)
    assert proc.returncode == 1 and counted, proc.stdout[-2000:]
    certified = sum(doc["verdict"] == "CERTIFIED" for _, doc in machines.values())
    assert (int(counted.group(1)), int(counted.group(2))) == (certified, len(FIXTURES)) and 1 <= certified < len(FIXTURES)
    assert "gpu-workstation: CERTIFIED" in proc.stdout


def test_xdist_runs_whole_machines_per_worker_with_the_same_verdicts(fleet, tmp_path):
    chosen = [SNAPSHOTS / f"{name}.json" for name in
              ("documented-healthy", "broken-wsl1", "broken-tf-no-gpu", "broken-nbody-slow", "broken-dockerd-down")]
    proc = _pytest(tmp_path, *[f"--snapshot={p}" for p in chosen], "-n", "2", "-v")
    workers: dict[str, set[str]] = {}
    for worker, params in re.findall(r"^\[(gw\d+)\] .*?(?:PASSED|FAILED|WARNING|BLOCKED|NOT RUN|NOT APPLICABLE)\S* \S+\[([^\]]+)\]", proc.stdout, re.M):
        machine = next((m for m in ("gpu-workstation", *[p.stem for p in chosen]) if params.endswith(m)), None)
        workers.setdefault(machine, set()).add(worker)
    assert None not in workers and len(workers) == len(chosen), proc.stdout[-2000:]
    assert all(len(ran_on) == 1 for ran_on in workers.values()), workers  # never split between workers
    assert len(set().union(*workers.values())) == 2  # and both workers had machines to certify
    _, alone, _ = fleet
    by_xdist = _by_machine(tmp_path)
    assert {m: _verdict(d) for m, (_, d) in by_xdist.items()} == {m: _verdict(alone[m][1]) for m in by_xdist}


def test_x_under_xdist_interrupts_every_machine_of_the_run(tmp_path):
    proc = _pytest(tmp_path, f"--snapshot={SNAPSHOTS / 'broken-wsl1.json'}",
                   f"--snapshot={SNAPSHOTS / 'documented-healthy.json'}", "-n", "2", "-x", "-p", "no:html")
    runs = {m: doc["run"] for m, (_, doc) in _by_machine(tmp_path).items()}
    assert sorted(runs) == ["broken-wsl1", "gpu-workstation"], proc.stdout[-2000:]
    assert all(r["state"] == "interrupted" and r["interrupted_by"] == "-x/maxfail" for r in runs.values()), runs
    assert all(r["exit_status"] == proc.returncode != 0 for r in runs.values())


@pytest.mark.parametrize("args, message", [
    ([f"--snapshot={FIXTURES[0]}", f"--snapshot={FIXTURES[0]}"],
     f"both record machine {json.loads(FIXTURES[0].read_text())['metadata']['hostname']!r}"),
    ([f"--snapshot={FIXTURES[0]}", f"--snapshot={FIXTURES[1]}", "--machine-id", "x"], "--machine-id names one machine"),
])
def test_two_snapshots_of_one_name_are_a_usage_error_never_dropped(tmp_path, args, message):
    proc = _pytest(tmp_path / "reports", *args)
    assert proc.returncode == 4 and message in proc.stderr and "Traceback" not in proc.stderr + proc.stdout
    assert not (tmp_path / "reports").exists()


def test_a_renamed_copy_is_a_machine_of_its_own(tmp_path):
    copy = json.loads((SNAPSHOTS / "documented-healthy.json").read_text())
    copy["metadata"]["hostname"] = "gpu-workstation-2"
    (tmp_path / "copy.json").write_text(json.dumps(copy))
    proc = _pytest(tmp_path / "reports", f"--snapshot={SNAPSHOTS / 'documented-healthy.json'}",
                   f"--snapshot={tmp_path / 'copy.json'}", "--layer", "windows", "-v")
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "test_build[gpu-workstation] PASSED" in proc.stdout and "test_build[gpu-workstation-2] PASSED" in proc.stdout
    assert sorted(_by_machine(tmp_path / "reports")) == ["gpu-workstation", "gpu-workstation-2"]


def test_an_empty_snapshot_folder_is_a_usage_error(tmp_path):
    proc = _pytest(tmp_path / "reports", f"--snapshot={tmp_path}")
    assert proc.returncode == 4 and "holds no *.json snapshot" in proc.stderr


@pytest.mark.parametrize("nodeid, expected", [
    ("checks/test_gpu.py::test_nbody_runs[box-17]", "box-17"),
    ("checks/test_docker.py::test_package[nvidia-docker2-box-17]", "box-17"),
    ("checks/test_docker.py::test_package[nvidia-docker2-17]", "17"),
    ("checks/test_gpu.py::test_nbody_runs", None),
    ("checks/test_gpu.py::test_nbody_runs[other]", None),
])
def test_the_scheduler_reads_the_machine_from_the_end_of_a_node_id(nodeid, expected):
    from wslgpu_certify.many_machines import machine_of_nodeid

    assert machine_of_nodeid(nodeid, ["17", "box-17"]) == expected
