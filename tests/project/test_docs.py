"""Docs generated from data stay in step with it; the README stays short; links between the pages resolve."""

import re
import sys
from pathlib import Path

import pytest

from wslgpu_certify.catalog import REGISTRY
from wslgpu_certify.catalog_doc import load_checks, render
from wslgpu_certify.findings import LAYERS

from suite_run import REPO


def test_checks_md_is_fresh():
    load_checks(REPO / "checks")
    assert (REPO / "docs" / "checks.md").read_text() == render(), \
        "docs/checks.md is stale: python -m wslgpu_certify.catalog_doc checks > docs/checks.md"


def test_catalog_has_at_least_45_checks_over_the_seven_layers():
    load_checks(REPO / "checks")
    assert len(REGISTRY) >= 45
    assert {spec.layer for spec in REGISTRY.values()} == set(LAYERS)


def test_every_check_has_a_remediation_with_commands():
    load_checks(REPO / "checks")
    for spec in REGISTRY.values():
        assert spec.title and spec.remediation.why, spec.id
        assert spec.remediation.commands, f"{spec.id} has no fix commands"


# ---- the README of two commands (issue 21) and the links between the pages -----------------------------

README = REPO / "README.md"
PAGES = [README, *sorted((REPO / "docs").glob("*.md"))]
LINK = re.compile(r"(?<!!)\[[^\]\n]*\]\(([^()\s]+)\)")


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation but `-` and `_` dropped, spaces to `-`."""
    text = re.sub(r"(?ms)^```.*?^```", "", page.read_text(encoding="utf-8"))
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
            for h in re.findall(r"(?m)^#{1,6} (.+)$", text)}


def broken_links(page: Path) -> list[str]:
    text = re.sub(r"(?ms)^```.*?^```", "", page.read_text(encoding="utf-8"))
    broken = []
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target):
            continue  # https:, mailto:
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.is_relative_to(REPO):
            continue  # the setup guide beside the checkout (../shared/reference/)
        if not linked.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and linked.suffix == ".md" and anchor not in _anchors(linked):
            broken.append(f"{target} (no such heading)")
    return broken


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_link_between_the_pages_resolves(page):
    assert broken_links(page) == []


def test_the_link_checker_sees_a_missing_file_and_a_missing_heading(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text("# A page\n\n## Some heading, with words\n")
    page = tmp_path / "README.md"
    page.write_text("[ok](docs/a.md) [ok](docs/a.md#some-heading-with-words) [ok](#top) [web](https://x.invalid/y)\n"
                    "[gone](docs/b.md) [gone](docs/a.md#another-heading) [gone](#nowhere) ![img](docs/a.md)\n"
                    "```\n[in code](docs/c.md)\n```\n# Top\n")
    assert broken_links(page) == ["docs/b.md (no such file)", "docs/a.md#another-heading (no such heading)",
                                  "#nowhere (no such heading)"]


def test_the_readme_is_two_commands_and_the_tests():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 120
    blocks = re.findall(r"(?ms)^```\n(.*?)^```", text)
    assert any("pip install ." in b and "\nwslgpu-certify\n" in f"\n{b}" for b in blocks)  # set-up, the main job
    assert "wslgpu-certify --snapshot documented-healthy\n" in blocks  # off WSL, a full run by name
    assert "bash .ci/run\n" in blocks
    # CI runs the README's test command: the same line, as .ci/run spells it
    assert "python -m pytest tests -q -n 2\n" in blocks
    assert "\npython3 -m pytest tests -q -n 2\n" in (REPO / ".ci" / "run").read_text()
