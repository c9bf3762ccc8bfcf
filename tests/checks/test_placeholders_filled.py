"""No `{name}` placeholder is left in any output: every bundled snapshot x every profile, one run per profile.

The catalogs' fixes hold `{distro}`, `{user}`, `{package}`, ...; the session fills the check's own fix and
every known cause's (placeholders.fill_command, quoted for the step's shell). Each profile replays the whole
fixtures/snapshots folder in ONE run (`--snapshot FOLDER`), then the terminal, report.html, junit.xml and
results.json of every run folder are searched for a placeholder name the catalogs use.
"""

from __future__ import annotations

import re

import pytest

from suite_run import REPO, SNAPSHOTS, make_runner
from wslgpu_certify.placeholders import PLACEHOLDER

CATALOG_TEXT = "".join(p.read_text() for p in [*(REPO / "checks").glob("*.toml"),
                                                REPO / "plugins" / "wslgpu_certify" / "signatures" / "known_causes.toml"])
NAMES = set(PLACEHOLDER.findall(CATALOG_TEXT))  # distro, user, package, image, ...
LEFT = re.compile(r"(?<![{$%])\{(" + "|".join(sorted(NAMES)) + r")\}(?!\})")  # %{http_code}: curl's own format


def unfilled(text: str) -> list[str]:
    return LEFT.findall(text)


def test_the_rule_sees_a_placeholder():
    assert {"distro", "user", "package"} <= NAMES
    for text in ["fix: wsl --set-version {distro} 2", "sudo usermod -aG docker {user}", "&lt;pre&gt;{package}",
                 '"run": "docker pull {image}"']:
        assert unfilled(text), text
    for text in ["curl -w '%{http_code}'", "docker info --format '{{.Runtimes}}'", "echo ${distro}", "Ubuntu"]:
        assert not unfilled(text), text


@pytest.mark.parametrize("profile", ["documented", "current", "current-desktop"])
def test_no_placeholder_is_left_in_any_output(tmp_path, profile):
    run = make_runner(tmp_path)("--snapshot", str(SNAPSHOTS), "--cert-profile", profile, "checks", timeout=600)
    assert run.reports.is_dir(), run.output[-2000:]
    assert unfilled(run.output) == [], [line for line in run.output.splitlines() if unfilled(line)][:5]
    folders = [f for f in run.reports.iterdir() if f.is_dir() and not f.is_symlink()]
    assert len(folders) == len(list(SNAPSHOTS.glob("*.json")))
    left = {f"{folder.name}/{name}": unfilled((folder / name).read_text())
            for folder in folders for name in ("report.html", "junit.xml", "results.json")}
    assert {where: found for where, found in left.items() if found} == {}
