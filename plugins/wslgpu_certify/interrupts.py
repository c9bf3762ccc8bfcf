"""SIGTERM ends a run the way Ctrl-C does: what ran is reported, marked incomplete, never certified.

Python's default for SIGTERM (a CI job cancelled, a `timeout`, `kill`) ends the process at once:
no results.json, nothing to tell "died" from "never started". Here it becomes `pytest.exit` with
exit status 128+15, so the session still finishes: plugin.py's sessionfinish writes results.json
with `complete: false` (NOT CERTIFIED), the containers are removed (containers/fixtures.py, which
installs its own handler doing the same after its cleanup), and every command still running is
killed (hosts/executors.py). A second SIGTERM while that happens ends the process at once.
"""

from __future__ import annotations

import os
import signal
import threading

import pytest


class TerminationEndsTheRun:
    """A pytest plugin of the process that owns the reports: SIGTERM -> pytest.exit(143)."""

    def __init__(self) -> None:
        self._previous = None
        self._finished = False
        if threading.current_thread() is threading.main_thread():  # signals reach the main thread only
            self._previous = signal.signal(signal.SIGTERM, self._on_sigterm)

    def _on_sigterm(self, signum, frame) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second one: stop at once
        if self._finished:  # left installed after its run (another handler restored it): the default action
            os.kill(os.getpid(), signal.SIGTERM)
            return
        pytest.exit("terminated by signal SIGTERM", returncode=128 + signal.SIGTERM)

    def pytest_unconfigure(self, config) -> None:
        self._finished = True
        if self._previous is not None and signal.getsignal(signal.SIGTERM) == self._on_sigterm:
            signal.signal(signal.SIGTERM, self._previous)
