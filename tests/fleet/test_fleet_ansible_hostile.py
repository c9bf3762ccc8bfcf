"""The Ansible playbook (ci-templates/ansible/certify.yml) against hostile values and files, end to end.

One run of the playbook on machines of 127.0.0.1 (`ansible_connection=local`, the stand-in suite of
tests/fleet_fake_suite.py), each with something an attacker or an accident puts in its way:
- a reports path holding shell syntax (`;`, `$( )`, backquotes, a quote, `&&`, `|`, `${IFS}`): a value, never a
  command: no file is created by it, and the suite writes into the folder of that literal name;
- a reports path under `~/` (expanded by the remote shell as "$HOME"/, the rest quoted);
- a results.json over the fetch cap, and one that is a link to /dev/zero: neither is fetched, the
  machine is NO REPORT with the reason in its status.json;
- a suite printing a token-shaped secret: it is not in the playbook's output, even under -v.
Skipped when ansible-core is not installed, like tests/fleet/test_fleet_ansible.py.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from suite_run import REPO

PLAYBOOK = REPO / "ci-templates" / "ansible" / "certify.yml"
FAKE = REPO / "tests" / "fleet_fake_suite.py"
SECRET = "ghp_" + "Q7x" * 12  # a GitHub token's shape (ghp_ + 36 characters)
pytestmark = pytest.mark.ansible

def injections(target: Path) -> dict[str, str]:
    """host -> its reports folder's name, each of which would create target/PWNED-<host> if run by a shell."""
    return {
        "inj-semicolon": f"r;touch {target}/PWNED-inj-semicolon",
        "inj-subshell": f"r$(touch {target}/PWNED-inj-subshell)",
        "inj-backquote": f"r`touch {target}/PWNED-inj-backquote`",
        "inj-quote": f"it's'$(touch {target}/PWNED-inj-quote)'",
        "inj-and": f"r && touch {target}/PWNED-inj-and #",
        "inj-pipe": f"r|touch {target}/PWNED-inj-pipe",
        "inj-ifs": f"r;touch${{IFS}}{target}/PWNED-inj-ifs",
    }


def _host(name, python, **settings):
    values = " ".join(f"{key}={json.dumps(value)}" for key, value in settings.items())
    return f"{name} ansible_connection=local ansible_python_interpreter={python} {values}"


def test_hostile_values_and_files_stay_data(tmp_path):
    binary = shutil.which("ansible-playbook") or shutil.which("ansible-playbook", path=str(Path(sys.executable).parent))
    if not binary:
        pytest.skip("ansible-core is not installed (pip install ansible-core)")
    machines, home = tmp_path / "machines", tmp_path / "home"
    machines.mkdir()
    home.mkdir()
    suite = f"{sys.executable} {FAKE} healthy"
    hosts = [_host(name, sys.executable, remote_reports=f"{machines}/{folder}", suite_command=suite)
             for name, folder in injections(tmp_path).items()]
    hosts += [
        _host("tilde", sys.executable, remote_reports="~/wslgpu reports", suite_command=suite),
        _host("over-cap", sys.executable, remote_reports=f"{machines}/over-cap", suite_command=suite, fetch_max_bytes=200),
        _host("dev-zero", sys.executable, remote_reports=f"{machines}/dev-zero",
              suite_command=f"mkdir -p {machines}/dev-zero/latest && ln -s /dev/zero {machines}/dev-zero/latest/results.json && true"),
        _host("secret", sys.executable, remote_reports=f"{machines}/secret", suite_command=f"echo token={SECRET}; {suite}"),
    ]
    inventory = tmp_path / "inventory.ini"
    inventory.write_text("[gpu]\n" + "\n".join(hosts) + "\n")
    fleet_tool = tmp_path / "wslgpu-fleet"
    fleet_tool.write_text(f"#!/bin/sh\nPYTHONPATH={REPO / 'plugins'} exec {sys.executable} -m wslgpu_certify.fleet \"$@\"\n")
    fleet_tool.chmod(0o755)
    env = {**os.environ, "HOME": str(home), "ANSIBLE_CONFIG": str(PLAYBOOK.parent / "ansible.cfg"),
           "ANSIBLE_LOCAL_TEMP": str(tmp_path / "ansible-tmp"), "ANSIBLE_NOCOLOR": "1"}
    proc = subprocess.run([binary, "-v", "-i", str(inventory), str(PLAYBOOK), "-f", "10",
                           "-e", f"run_id=night-9 results_dir={tmp_path}/results fleet_dir={tmp_path}/fleet",
                           "-e", f"certify_timeout=60 fetch_timeout=20 fleet_command={fleet_tool}"],
                          env=env, capture_output=True, text=True, timeout=240, cwd=machines)
    fleet = {m["machine"]: m for m in json.loads((tmp_path / "fleet" / "fleet.json").read_text())["machines"]}

    assert not list(tmp_path.glob("PWNED*")), proc.stdout[-3000:]  # the literal folders hold PWNED only deeper down
    for name, folder in injections(tmp_path).items():  # the literal folder holds the run, which was fetched
        assert (machines / folder / "latest" / "results.json").is_file(), name
        assert fleet[name]["verdict"] == "CERTIFIED", (name, fleet[name]["reason"])
    assert (home / "wslgpu reports" / "latest" / "results.json").is_file()
    assert fleet["tilde"]["verdict"] == "CERTIFIED", fleet["tilde"]["reason"]
    assert fleet["over-cap"]["verdict"] == "NO REPORT" and "over the 200-byte fetch cap" in fleet["over-cap"]["reason"]
    assert fleet["dev-zero"]["verdict"] == "NO REPORT" and "not a regular file" in fleet["dev-zero"]["reason"]
    assert not (tmp_path / "results" / "dev-zero" / "latest" / "results.json").exists()
    assert fleet["secret"]["verdict"] == "CERTIFIED"
    assert SECRET not in proc.stdout + proc.stderr and "censored" in proc.stdout  # the suite's own output is not logged
    assert proc.returncode == 2  # the fleet is not certified (two machines did not report)
