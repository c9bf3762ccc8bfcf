"""Fixtures of the project's own tests."""

import pytest

from suite_run import make_runner


@pytest.fixture
def certify(tmp_path):
    """Run the certification suite in a subprocess; returns a SuiteRun with its results."""
    return make_runner(tmp_path)
