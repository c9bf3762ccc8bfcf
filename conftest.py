"""Root conftest: the certification plugin itself is the installed `wslgpu_certify` package.

It is loaded through its pytest11 entry point (so its options work however pytest is
invoked). Put site-specific fixtures or extra checks of your own here or under checks/.
"""

import pytest


def pytest_configure(config):
    if not config.pluginmanager.has_plugin("wslgpu_certify") and not config.pluginmanager.has_plugin(
        "wslgpu_certify.plugin"
    ):
        raise pytest.UsageError(
            "wslgpu-certify is not installed in this Python: run `python -m pip install -e \".[dev]\"` first"
        )
