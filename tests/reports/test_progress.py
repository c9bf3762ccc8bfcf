"""The line a person watching is told while a check waits (reports/progress.py), and how it gets there.

Progress reaches the runners only through their callback: the plugin hands it to the machine, the
machine to every runner (made before or after); progress holds no machine, runner or session.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from types import SimpleNamespace

from suite_run import REPO, SNAPSHOTS

from wslgpu_certify.hosts.machine import replay_machine
from wslgpu_certify.hosts.records import CommandRecord
from wslgpu_certify.hosts.runner import CommandRunner, Running
from wslgpu_certify.hosts.snapshot import load_snapshot
from wslgpu_certify.reports.progress import WaitProgress


class Terminal:
    def __init__(self):
        self.lines: list[str] = []

    def write_line(self, line):
        self.lines.append(line)


def progress_on(terminal, check="rpy2.notebook.png") -> WaitProgress:
    progress = WaitProgress(check_of=lambda item: SimpleNamespace(id=check))
    progress.terminal = terminal
    progress.pytest_runtest_setup(SimpleNamespace(name="test_x"))
    return progress


def test_progress_line_names_the_check_the_step_and_what_else_runs():
    terminal = Terminal()
    now = time.monotonic()
    progress_on(terminal)("container:rstudio", "the notebook", [Running("the ggplot", now - 4), Running("the notebook", now - 9)])
    assert terminal.lines == ["... rpy2.notebook.png waits 9 s for the notebook in container:rstudio; "
                              "also running: the ggplot (4 s)"]


def test_a_test_that_is_no_check_is_named_by_its_test_name_and_a_label_is_made_safe():
    terminal = Terminal()
    progress = WaitProgress(check_of=lambda item: None)
    progress.terminal = terminal
    progress.pytest_runtest_setup(SimpleNamespace(name="test_x"))
    progress("wsl", "cat /etc/\x1b[31mwsl.conf", [])
    assert terminal.lines == ["... test_x waits for cat /etc/\\x1b[31mwsl.conf in wsl"]


def test_before_the_session_starts_progress_says_nothing():
    progress = WaitProgress(check_of=lambda item: None)  # no terminal yet (and none under -qq)
    assert progress("windows", "wsl.exe --list --verbose", []) is None


def test_the_machine_hands_the_callback_to_every_runner_made_before_or_after():
    machine = replay_machine(load_snapshot(SNAPSHOTS / "documented-healthy.json"), {}, 5, None, None)
    before = machine.runner("wsl")  # the start's reads make runners before any progress exists
    told = []
    machine.report_waits(lambda role, awaited, running: told.append((role, awaited)))
    after = machine.runner("windows")
    assert before.on_wait is after.on_wait is machine.on_wait
    machine.report_waits(None)
    assert before.on_wait is None and after.on_wait is None


def test_a_slow_command_reaches_progress_through_the_runners_callback(monkeypatch):
    import wslgpu_certify.hosts.runner as runner_module

    monkeypatch.setattr(runner_module, "FIRST_TICK", 0.05)
    terminal = Terminal()
    runner = CommandRunner("wsl", lambda command, timeout: (time.sleep(0.2), CommandRecord(command, 0, "", "", 0.2))[1],
                           timeout=5, on_wait=progress_on(terminal, "docker.gpu.smoke"))
    command = "docker run --rm --gpus all ubuntu nvidia-smi"
    runner.prefetch({command: "the GPU smoke test"})  # started ahead: the check waits for it
    runner.run(command, "the GPU smoke test")
    assert terminal.lines and terminal.lines[0].startswith("... docker.gpu.smoke waits ")
    assert terminal.lines[0].endswith(" for the GPU smoke test in wsl")


WIRED = """
import json, sys
import pytest
from wslgpu_certify.session import STATE

class Look:
    seen = []

    def see(self, config, when):
        progress = config.pluginmanager.get_plugin("wslgpu-wait-progress")
        for run in config.stash[STATE].by_id.values():
            self.seen.append([when, progress is not None, len(run.machine.runners),
                              all(r.on_wait is progress for r in run.machine.runners.values())])

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self, session):
        self.see(session.config, "start")

    def pytest_sessionfinish(self, session):
        self.see(session.config, "finish")

look = Look()
rc = pytest.main(["-p", "no:cacheprovider", "--snapshot", sys.argv[1], "--reports-dir", sys.argv[2],
                  "-k", "distro", *sys.argv[3:]], plugins=[look])
print(json.dumps({"rc": int(rc), "seen": look.seen}))
"""


def test_the_plugin_wires_progress_to_every_runner_of_the_run(tmp_path):
    proc = subprocess.run([sys.executable, "-c", WIRED, str(SNAPSHOTS / "documented-healthy.json"), str(tmp_path)],
                          cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO / "plugins")})
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["rc"] in (0, 1) and [s[0] for s in seen["seen"]] == ["start", "finish"], seen  # 1: a selection
    assert all(wired and runners_wired for _, wired, _, runners_wired in seen["seen"]), seen
    assert seen["seen"][-1][2] >= 2, seen  # the checks made runners after the start: each got the callback
