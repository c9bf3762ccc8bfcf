"""A run folder's report.html, written from the results.json beside it (the page shows what the document says)."""

from __future__ import annotations

import json
import platform

import pytest

from .report_page import report_page
from .results_json import write_atomically

LOG_NAME = "log.html"  # pytest-html's page: the detailed log beside report.html, where pytest-html is installed


def about_this_process(config: pytest.Config) -> dict[str, str]:
    """Where the suite itself ran (on a replay, not the certified machine): for the page's 'about this run'."""
    plugins = sorted({f"{dist.project_name} {dist.version}" for _, dist in config.pluginmanager.list_plugin_distinfo()})
    return {"ran on": platform.platform(), "Python": f"{platform.python_implementation()} {platform.python_version()}",
            "pytest": pytest.__version__, "pytest plugins": ", ".join(plugins)}


def write_run_page(run, config: pytest.Config) -> None:
    """`run`: a session.RunState whose results.json is written; an OSError goes to the caller (one line)."""
    folder = run.run_directory
    document = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    log = LOG_NAME if config.pluginmanager.has_plugin("html") else None
    write_atomically(folder / "report.html", report_page(document, folder, about_this_process(config), log))
