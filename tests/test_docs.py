"""Docs generated from data stay in step with it."""

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
