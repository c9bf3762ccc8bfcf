"""A machine's distro, user and profile are read once as the run starts (probes/identity.py), never later.

Parsing the options runs no command (a counting runner sees none); the run's `machine.user` is the same
from the first check to the last finding, the distro's default user when no one named one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import pytest

from suite_run import REPO, SNAPSHOTS, SNAPSHOT_FORMAT

from wslgpu_certify.hosts.runner import CommandRunner
from wslgpu_certify.options import DEFAULTS, machines_from_options
from wslgpu_certify.probes.identity import resolve_identity, start_machines

ID_UN = "wsl.exe -d Ubuntu -- id -un"
WSL_LIST = "wsl.exe --list --verbose"


def from_windows(tmp_path, windows: dict, metadata: dict | None = None):
    """A snapshot recorded from Windows (no --wsl-user), with these Windows answers added."""
    path = tmp_path / "from-windows.json"
    path.write_text(json.dumps({
        "format": SNAPSHOT_FORMAT, "extends": str(SNAPSHOTS / "broken-not-in-docker-group.json"),
        "metadata": {"env": "windows", "user": None, **(metadata or {})},
        "hosts": {"windows": {cmd: {"exit_status": 0, "stdout": out, "stderr": ""} for cmd, out in windows.items()}}}))
    return path


def options(**given):
    return SimpleNamespace(option=SimpleNamespace(**{**DEFAULTS, "probe_timeout": "60", **given}))


@pytest.fixture
def commands_run(monkeypatch):
    """Every command any runner is asked for (run or prefetch), in order."""
    asked: list[str] = []
    run, prefetch = CommandRunner.run, CommandRunner.prefetch
    monkeypatch.setattr(CommandRunner, "run", lambda self, command, *a, **k: (asked.append(command), run(self, command, *a, **k))[1])
    monkeypatch.setattr(CommandRunner, "prefetch", lambda self, commands, *a, **k: (asked.extend(commands), prefetch(self, commands, *a, **k))[1])
    return asked


@pytest.mark.parametrize("given, left_open", [
    ({"env": "linux"}, True),  # live, auto profile: the facts are read at start, not here
    ({"snapshot": ["FROM_WINDOWS"]}, True),  # from Windows, no --distro, none recorded: the default distro, at start
    ({"snapshot": ["FROM_WINDOWS"], "cert_profile": "current", "wsl_user": "bob"}, True),
    ({"snapshot": [str(SNAPSHOTS / "documented-healthy.json")], "distro": "Debian"}, False),  # all recorded or said
])
def test_parsing_the_options_runs_no_command(tmp_path, commands_run, given, left_open):
    path = from_windows(tmp_path, {ID_UN: "ana\n"}, {"distro": None})
    given = {k: [str(path) if v == "FROM_WINDOWS" else v for v in value] if k == "snapshot" else value
             for k, value in given.items()}
    machines = machines_from_options(options(**given))
    assert machines and commands_run == []
    start_machines(machines, given.get("cert_profile", "auto"), {})
    assert bool(commands_run) is left_open, commands_run  # the same counter sees what the start reads


def test_the_start_reads_the_default_distro_and_its_user_once(tmp_path, commands_run):
    listing = "  NAME      STATE      VERSION\n* Debian    Running    2\n  Ubuntu    Stopped    2\n"
    path = from_windows(tmp_path, {WSL_LIST: listing, "wsl.exe -d Debian -- id -un": "ana\n"}, {"distro": None})
    [machine] = start_machines(machines_from_options(options(snapshot=[str(path)])), "auto", {})
    assert (machine.distro, machine.user, machine.distro_is_fallback) == ("Debian", "ana", False)
    before = list(commands_run)
    resolve_identity(machine)  # resolved: a second call reads nothing and changes nothing
    assert commands_run == before and (machine.distro, machine.user) == ("Debian", "ana")


@pytest.mark.parametrize("answer", ["", "ana bob\n", "$(reboot)\n", "-rf\n"])
def test_a_user_the_distro_cannot_name_stays_unnamed(tmp_path, answer):
    path = from_windows(tmp_path, {ID_UN: answer})
    [machine] = start_machines(machines_from_options(options(snapshot=[str(path)])), "auto", {})
    assert machine.user is None and machine.names()["user"] == "<USER_NAME>"


def test_a_named_user_is_never_asked_for(tmp_path, commands_run):
    path = from_windows(tmp_path, {ID_UN: "ana\n"})
    [machine] = start_machines(machines_from_options(options(snapshot=[str(path)], wsl_user="bob")), "auto", {})
    assert machine.user == "bob" and ID_UN not in commands_run


WATCH = """
import json, sys
import pytest
from wslgpu_certify.session import STATE

class Watch:
    users = []

    def see(self, config, when):
        for run in config.stash[STATE].by_id.values():
            self.users.append((when, run.machine.user))

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config):
        self.config = config
        self.see(config, "start")

    def pytest_runtest_logreport(self, report):
        self.see(self.config, report.when)  # after the finding was built from the report

    def pytest_sessionfinish(self, session):
        self.see(session.config, "finish")

watch = Watch()
rc = pytest.main(["-q", "-p", "no:cacheprovider", "--snapshot", sys.argv[1], "--reports-dir", sys.argv[2],
                  "-k", "docker_group or wsl.distro"], plugins=[watch])
print(json.dumps({"rc": int(rc), "users": watch.users}))
"""


def test_a_runs_user_never_changes_after_the_start(tmp_path):
    path = from_windows(tmp_path, {ID_UN: "ana\n"})
    proc = subprocess.run([sys.executable, "-c", WATCH, str(path), str(tmp_path / "reports")], cwd=REPO,
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO / "plugins")})
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(seen["users"]) > 3 and {user for _, user in seen["users"]} == {"ana"}, seen
    results = json.loads((tmp_path / "reports" / "latest" / "results.json").read_text())
    fix = next(c for c in results["checks"] if c["id"] == "wsl.user.docker_group")["remediation"]
    assert any("usermod -a -G docker ana" in step for step in fix["commands"]), fix
