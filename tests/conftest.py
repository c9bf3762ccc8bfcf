"""Fixtures of the project's own tests."""

import pytest

# The helpers' own assertions (a row whose machine wrote no results.json) explained as a test's are.
pytest.register_assert_rewrite("suite_run", "catalog_facts")

from suite_run import make_runner  # noqa: E402 - after the rewrite is registered


@pytest.fixture
def certify(tmp_path):
    """Run the certification suite in a subprocess; returns a SuiteRun with its results."""
    return make_runner(tmp_path)
