"""What a test needs from the machine (a Docker Engine, an image, Chromium, PyPI): skipped without it on a
developer's machine, failed under CI=true, where .ci/run installs it, so CI never passes by skipping."""

import os

import pytest


def unavailable(reason: str, guaranteed: str):
    """Skip for `reason`; under CI=true fail instead, naming what CI guarantees."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true guarantees {guaranteed})")
    pytest.skip(reason)
