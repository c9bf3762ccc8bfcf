"""Fixtures of the project's own tests, and the path that lets a test module of one room import another's."""

import sys
from pathlib import Path

import pytest

# The tests live in one folder per room (tests/hosts/, tests/checks/, ...) beside the shared helpers here. A test
# module may import another by its file name (`from test_each_check_fails import out`), as pytest's default import
# mode names them, whichever room either is in: every room's folder is on the path, after everything else.
TESTS = Path(__file__).resolve().parent
sys.path.extend(str(room) for room in sorted(TESTS.iterdir())
                if room.is_dir() and any(room.glob("test_*.py")) and str(room) not in sys.path)

# The helpers' own assertions (a row whose machine wrote no results.json) explained as a test's are.
pytest.register_assert_rewrite("suite_run", "catalog_facts")

from suite_run import make_runner  # noqa: E402 - after the rewrite is registered


@pytest.fixture
def certify(tmp_path):
    """Run the certification suite in a subprocess; returns a SuiteRun with its results."""
    return make_runner(tmp_path)
