"""Debian's Chromium, headless, driven by Playwright (its bundled browsers are never downloaded or used):
the one browser fixture of the report tests (test_report_in_browser.py, test_fleet_in_browser.py)."""

from __future__ import annotations

import shutil

import pytest

import ci_guarantees

try:
    from playwright.sync_api import sync_playwright
except ImportError:
    sync_playwright = None

FLAGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-dev-shm-usage",
         "--disable-component-update", "--disable-sync", "--no-first-run"]


def unavailable(reason: str):
    """Skipped on a developer's machine; under CI=true a missing browser fails: the reports must be seen there."""
    ci_guarantees.unavailable(reason, "Chromium and Playwright: the reports must be checked in a browser there")


@pytest.fixture(scope="module")
def browser():
    binary = shutil.which("chromium")
    if binary is None:
        unavailable("Chromium is not installed (apt-get install chromium; CI: .ci/setup-browser.sh)")
    if sync_playwright is None:
        unavailable("Playwright is not installed (pip install playwright; never `playwright install`)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=binary, args=FLAGS, headless=True, timeout=20_000)
        yield browser
        browser.close()
