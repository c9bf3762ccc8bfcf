"""What a person watching the terminal is told while a check waits for a slow command.

pytest's own progress shows which check runs; a container step can take minutes, so
every few seconds of waiting (hosts/runner.py, WAIT_TICK) one line says which step the check
waits for, where it runs, for how long, and what else is running beside it:

    ... rpy2.notebook.png waits 10 s for the guide's rpy2 cell in a headless notebook
        (nbclient) in container:rstudio; also running: rpy2 renders the guide's ggplot2 plot (9 s)
"""

from __future__ import annotations

from typing import Callable

import pytest

from ..terminal_text import for_terminal


class WaitProgress:
    """A pytest plugin (it follows which check runs) and a callable for the runners' `on_wait` callback.

    It never reaches into a runner: the plugin hands it to the machine (Machine.report_waits), which
    gives it to each runner. Until the session starts, and under -qq, it says nothing."""

    def __init__(self, check_of: Callable):
        self.check_of = check_of  # item -> its check (an object with `.id`), or None: handed in by the plugin
        self.terminal = None
        self.capture = None
        self.check = "setup"

    def pytest_sessionstart(self, session) -> None:
        if session.config.option.verbose > -2:  # not with -qq
            self.terminal = session.config.pluginmanager.get_plugin("terminalreporter")
            self.capture = session.config.pluginmanager.get_plugin("capturemanager")

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item) -> None:
        spec = self.check_of(item)
        self.check = spec.id if spec else item.name

    def __call__(self, role: str, awaited: str, running: list) -> None:
        """`running`: the role's hosts.runner.Running commands (label, elapsed)."""
        if self.terminal is None:
            return
        mine = next((r for r in running if r.label == awaited), None)
        others = [r for r in running if r is not mine]
        line = f"... {self.check} waits" + (f" {mine.elapsed:.0f} s" if mine else "") + f" for {awaited} in {role}"
        if others:
            line += "; also running: " + ", ".join(f"{r.label} ({r.elapsed:.0f} s)" for r in others)
        if self.capture is None:
            self._write(line)
            return
        with self.capture.global_and_fixture_disabled():  # the check's output is being captured
            self._write(line)

    def _write(self, line: str) -> None:
        # under -q pytest's dots carry no file path, so write_line would not start a new line
        if getattr(getattr(self.terminal, "_tw", None), "width_of_current_line", 0):
            self.terminal.line("")
        self.terminal.write_line(for_terminal(line, one_line=True))  # a command's label may name the distro
