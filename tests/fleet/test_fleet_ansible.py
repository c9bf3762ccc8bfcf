"""The Ansible playbook (ci-templates/ansible/certify.yml) end to end, against 21 machines on this host.

Every machine is on 127.0.0.1: most are `ansible_connection=local` with a stand-in suite
(tests/fleet_fake_suite.py: healthy or broken results, garbage, a crash, a hang past the task
timeout); one is an ssh host on a 127.0.0.1 port nothing listens on (the connection is refused).
Asserted: every machine accounted for with the verdict its fault earns, the reason recorded for
the ones that did not report, the playbook's exit code, and the whole run within its timeouts.
Skipped when ansible-core is not installed (pip install ansible-core; .ci/run installs it).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from suite_run import REPO

PLAYBOOK = REPO / "ci-templates" / "ansible" / "certify.yml"
FAKE = REPO / "tests" / "fleet_fake_suite.py"
TASK_TIMEOUT = 20  # certify_timeout for the test (the hang host sleeps 45 s); a loaded CI host needs seconds per task
pytestmark = pytest.mark.ansible
WALL_LIMIT = 150  # the playbook's whole run, seconds (the subprocess timeout below is the hard stop)



def _playbook_binary():
    return shutil.which("ansible-playbook") or shutil.which("ansible-playbook", path=str(Path(sys.executable).parent))


def _closed_port() -> int:
    """A 127.0.0.1 port nothing listens on: bound, then released (a refused connection)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _inventory(tmp_path, modes: dict[str, str]) -> Path:
    lines = ["[gpu]"]
    for name, mode in modes.items():
        if mode == "refuse":
            lines.append(f"{name} ansible_connection=ssh ansible_host=127.0.0.1 ansible_port={_closed_port()} ansible_user=nobody")
        else:
            lines.append(f"{name} ansible_connection=local ansible_python_interpreter={sys.executable} "
                         f"remote_reports={tmp_path}/machines/{name} "
                         f"suite_command='{sys.executable} {FAKE} {mode}'")
    path = tmp_path / "inventory.ini"
    path.write_text("\n".join(lines) + "\n")
    return path


def _run(tmp_path, modes):
    binary = _playbook_binary()
    if not binary:
        pytest.skip("ansible-core is not installed (pip install ansible-core)")
    fleet_tool = tmp_path / "wslgpu-fleet"
    fleet_tool.write_text(f"#!/bin/sh\nPYTHONPATH={REPO / 'plugins'} exec {sys.executable} -m wslgpu_certify.fleet \"$@\"\n")
    fleet_tool.chmod(0o755)
    env = {**os.environ, "ANSIBLE_CONFIG": str(PLAYBOOK.parent / "ansible.cfg"), "ANSIBLE_HOST_KEY_CHECKING": "False",
           "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"), "ANSIBLE_NOCOLOR": "1"}
    started = time.monotonic()
    proc = subprocess.run([binary, "-i", str(_inventory(tmp_path, modes)), str(PLAYBOOK), "-f", "25",
                           "-e", f"run_id=night-7 results_dir={tmp_path}/results fleet_dir={tmp_path}/fleet",
                           "-e", f"certify_timeout={TASK_TIMEOUT} fetch_timeout=20 fleet_command={fleet_tool}"],
                          env=env, capture_output=True, text=True, timeout=WALL_LIMIT + 60, cwd=tmp_path)
    wall = time.monotonic() - started
    fleet = json.loads((tmp_path / "fleet" / "fleet.json").read_text())
    return proc, wall, {m["machine"]: m for m in fleet["machines"]}


WANT = {"healthy": "CERTIFIED", "broken": "NOT CERTIFIED", "garbage": "INVALID",
        "crash": "NO REPORT", "hang": "NO REPORT", "refuse": "NO REPORT"}


def test_twenty_one_machines_with_faults_are_all_accounted_for(tmp_path):
    modes = {f"ws-{i:02d}": ("broken" if i % 5 == 0 else "healthy") for i in range(17)}
    modes |= {"ws-garbage": "garbage", "ws-crash": "crash", "ws-hang": "hang", "ws-refuse": "refuse"}
    proc, wall, machines = _run(tmp_path, modes)
    assert {name: m["verdict"] for name, m in machines.items()} == {name: WANT[mode] for name, mode in modes.items()}, proc.stdout[-3000:]
    assert machines["ws-refuse"]["ci_status"]["status"] == "unreachable"
    # ansible-core 2.19 says "Timed out after N second(s)", older ones "failed to execute in the expected time frame"
    assert machines["ws-hang"]["ci_status"]["status"] == "timeout" and "timeout: " in machines["ws-hang"]["reason"]
    assert machines["ws-crash"]["ci_status"]["status"] == "failed" and "non-zero return code" in machines["ws-crash"]["reason"]
    assert machines["ws-garbage"]["reason"].startswith("latest/results.json is not JSON")
    assert proc.returncode == 2, proc.stdout[-3000:]  # the last task fails: the fleet is not certified
    assert "the fleet is not certified" in proc.stdout
    assert wall < WALL_LIMIT, f"the playbook took {wall:.0f} s"
    print(f"ansible end to end: {len(modes)} machines in {wall:.1f} s")


def test_a_healthy_fleet_passes_the_playbook(tmp_path):
    proc, wall, machines = _run(tmp_path, {f"ok-{i}": "healthy" for i in range(3)})
    assert {m["verdict"] for m in machines.values()} == {"CERTIFIED"} and len(machines) == 3
    assert proc.returncode == 0, proc.stdout[-3000:]
