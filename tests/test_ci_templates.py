"""The shipped pipeline files parse and only run commands the README documents."""

import re

import pytest
import yaml

from suite_run import REPO

README = (REPO / "README.md").read_text()
TEMPLATES = sorted((REPO / "ci-templates").glob("*-nightly.yml"))  # per machine; the fleet files: test_fleet_templates.py


def _commands(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("run", "script") and isinstance(value, str):
                yield from value.splitlines()
            elif key == "script" and isinstance(value, list):
                yield from value
            else:
                yield from _commands(value)
    elif isinstance(node, list):
        for value in node:
            yield from _commands(value)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: p.name)
def test_template_parses_and_uses_documented_commands(path):
    document = yaml.safe_load(path.read_text())
    assert isinstance(document, dict) and document
    used = [c.strip() for c in _commands(document) if c.strip()]
    assert any(c.startswith("pytest --env=wsl") for c in used)
    assert any("wslgpu-compare" in c for c in used)
    for command in used:
        for documented in ("python -m pip install -e \".[dev]\"", "pytest --env=wsl"):
            if command.startswith(documented.split()[0]) and documented.split()[1] in command:
                assert documented in README
    assert re.search(r"wslgpu-compare", (REPO / "docs" / "ci.md").read_text())
