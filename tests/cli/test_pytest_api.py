"""The plugin uses pytest's public API only: nothing deprecated, nothing private, so a plain run prints no warnings.

pytest 9 deprecates Config.inicfg (PytestRemovedIn10Warning); its private `_inicache` and `_pytest.*` modules
may change in any release. The suite's runs in these tests fail on that warning (suite_run.STRICT), and a
run under a pytest without inicfg (a plugin here makes this pytest one) is the same run, with no warnings.
"""

from __future__ import annotations

import ast
import html
import json
import os
import re
import subprocess
import sys

import pytest

from suite_run import REPO, SNAPSHOTS, STRICT
from wslgpu_certify.options import selects_slow

PACKAGE = REPO / "plugins" / "wslgpu_certify"
# What a later pytest drops or may change: the deprecated attribute, the private caches, the private modules.
# machine_reports.py builds one junit.xml per machine with pytest's LogXML, which has no public constructor.
PRIVATE_ATTRIBUTES = {"inicfg", "_inicache", "_inicfg", "_store", "_override_ini"}
PRIVATE_MODULES_ALLOWED = {"wslgpu_certify/reports/machine_reports.py": {"_pytest.junitxml"}}


def _uses(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    attributes = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    modules |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    return attributes & PRIVATE_ATTRIBUTES, {m for m in modules if m.split(".")[0] == "_pytest"}


@pytest.mark.parametrize("path", sorted([*PACKAGE.rglob("*.py"), *(REPO / "checks").glob("*.py"), REPO / "conftest.py"]),
                         ids=lambda p: str(p.relative_to(REPO)))
def test_no_deprecated_or_private_pytest_api(path):
    attributes, modules = _uses(path)
    allowed = PRIVATE_MODULES_ALLOWED.get(str(path.relative_to(REPO / "plugins")) if PACKAGE in path.parents else "", set())
    assert attributes == set() and modules - allowed == set(), f"{path.name}: {attributes | (modules - allowed)}"


def test_the_scan_sees_what_it_forbids(tmp_path):
    sample = tmp_path / "sample.py"
    for line, found in (("x = config.inicfg", "inicfg"), ("config._inicache['a'] = 1", "_inicache"),
                        ("from _pytest.mark.expression import Expression", "_pytest.mark.expression"),
                        ("import _pytest.junitxml", "_pytest.junitxml")):
        sample.write_text(line + "\n")
        attributes, modules = _uses(sample)
        assert found in attributes | modules


# pytest 10, as far as this plugin could notice: Config.inicfg is gone (9 only warns, and by default says
# nothing outside a test); the plugin module makes this pytest one.
LATER_PYTEST = '''
import pytest


def _removed(self):
    raise AttributeError("Config.inicfg was removed in pytest 10: use config.getini")


pytest.Config.inicfg = property(_removed)
'''


@pytest.mark.skipif(not STRICT, reason="this pytest has no PytestRemovedIn10Warning")
@pytest.mark.parametrize("extra", [(), ("-o", "render_collapsed=all")], ids=["default", "user-set"])
def test_a_plain_replay_prints_no_warnings_summary_and_respects_the_users_setting(tmp_path, extra):
    (tmp_path / "later_pytest.py").write_text(LATER_PYTEST)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONPATH"] = os.pathsep.join([str(tmp_path), env.get("PYTHONPATH", "")])
    reports = tmp_path / "reports"
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "later_pytest", "-p", "no:cacheprovider", *STRICT,
                           f"--snapshot={SNAPSHOTS / 'broken-toolkit-missing.json'}", f"--reports-dir={reports}",
                           *extra], cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output[-3000:]  # NOT CERTIFIED, never an error from a warning
    assert "warnings summary" not in output and "Warning" not in output, output[-3000:]
    page = (reports / "latest" / "log.html").read_text()  # pytest-html's page (report.html is the suite's own)
    blob = json.loads(html.unescape(re.search(r'data-jsonblob="([^"]*)"', page).group(1)))
    assert blob["renderCollapsed"] == (["passed", "skipped", "xfailed"] if not extra else ["all"])


@pytest.mark.parametrize("markexpr, selected", [
    ("slow", True), ("(slow)", True), ("slow or gpu", True), ("gpu or slow", True), ('slow(reason="x")', True),
    ("not slow", False), ("gpu and slow", False), ("gpu", False), ("not (gpu or slow)", False), ("", False),
    (None, False), ("not not slow", True), ("a-b or slow", True),  # `a-b`: not Python, the plain reading
])
def test_selects_slow_reads_m_without_pytests_private_evaluator(markexpr, selected):
    assert selects_slow(markexpr) is selected
