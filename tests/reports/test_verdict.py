"""A verdict never says more than the run saw: CERTIFIED only when every applicable check ran and passed.

Subsets (-k, -m, --check, a node id), snapshots that lack commands and all-skipped runs are
PARTIAL and never exit 0; --layer certifies one layer on purpose, labelled as such; layer
states tell passed / failed / blocked / partial / not applicable / not selected apart.
"""

import json
import xml.etree.ElementTree as ET

import pytest

from catalog_facts import never_applicable
from suite_run import SNAPSHOTS, replay_rows

HEALTHY = SNAPSHOTS / "documented-healthy.json"


def junit_properties(run) -> dict:
    tree = ET.parse(run.reports / "latest" / "junit.xml")
    return {p.get("name"): p.get("value") for p in tree.getroot().iter("property")
            if p.get("name", "").startswith("wslgpu_")}


@pytest.mark.parametrize("selection", [
    ["-k", "gpu"],
    ["-k", "windows or gpu"],
    ["-m", "slow"],
    ["--check", "gpu.nbody.runs"],
    ["checks/test_gpu.py::test_nbody_runs"],
    ["checks/test_wsl.py"],
])
def test_a_subset_is_never_certified(certify, selection):
    run = certify("--snapshot", str(HEALTHY), *selection)
    results = run.results
    assert results["verdict"] == "PARTIAL", results["headline"]
    assert run.returncode != 0
    coverage = results["coverage"]
    assert coverage["ran"] < coverage["applicable"] and coverage["not_run"]
    assert results["headline"] == (f"PARTIAL: {coverage['ran']} of {coverage['applicable']} applicable checks ran; "
                                   f"not a certification")
    assert "wslgpu-certify: PARTIAL" in run.output and "CERTIFIED" not in run.output.replace("NOT CERTIFIED", "")
    assert junit_properties(run)["wslgpu_verdict"] == "PARTIAL"


def test_the_whole_catalog_certifies_the_healthy_machine(certify):
    run = certify("--snapshot", str(HEALTHY))
    results = run.results
    assert results["verdict"] == "CERTIFIED" and run.returncode == 0
    assert results["coverage"]["not_run"] == [] and results["counts"]["skipped"] == 0
    # opt-in and unconfigured checks are not applicable, neither a pass nor a gap (which: from the catalog)
    assert results["counts"]["not_applicable"] == len(never_applicable("documented"))
    assert {c["id"] for c in results["checks"] if c["outcome"] == "not_applicable"} == never_applicable("documented")
    assert all(layer["state"] == "passed" for layer in results["layers"].values())
    assert junit_properties(run)["wslgpu_verdict"] == "CERTIFIED"


def test_commands_missing_from_a_snapshot_make_it_partial(certify, tmp_path):
    partial = tmp_path / "partial.json"
    partial.write_text(json.dumps({"format": "wslgpu-certify-snapshot/1", "extends": str(HEALTHY),
                                   "hosts": {"windows": {"cmd.exe /c ver": None}}}))
    run = certify("--snapshot", str(partial))
    assert run.results["verdict"] == "PARTIAL" and run.returncode != 0
    assert run.results["layers"]["windows"]["state"] == "partial"
    assert run.check("windows.build")["outcome"] == "skipped"


def test_a_profile_the_snapshot_was_not_recorded_for_is_partial_not_certified(certify):
    """The stand-in profile names images the documented machine never inspected: 27 checks cannot run."""
    run = certify("--snapshot", str(HEALTHY), "--cert-profile", "standin")
    results = run.results
    assert results["verdict"] == "PARTIAL" and run.returncode != 0
    assert results["layers"]["docker"]["state"] == "partial"
    assert results["layers"]["gpu"]["state"] == "blocked"
    assert results["layers"]["gpu"]["blocked_by"] == "docker.image.nbody.present"
    assert results["layers"]["gpu"]["blocked_by_failure"] is False
    assert "blocked by docker.image.nbody.present, which did not run" in run.output


def test_one_layer_on_purpose_is_labelled_as_such(certify):
    run = certify("--snapshot", str(HEALTHY), "--layer", "gpu")
    results = run.results
    assert results["verdict"] == "CERTIFIED" and results["scope"] == "layer gpu" and run.returncode == 0
    assert results["headline"] == "layer gpu: CERTIFIED"
    assert {c["layer"] for c in results["checks"]} == {"gpu"}
    assert {name for name, layer in results["layers"].items() if layer["state"] == "not_selected"} == \
        {"windows", "wsl", "docker", "jupyter", "rstudio", "rpy2"}
    assert "wslgpu-certify: layer gpu: CERTIFIED" in run.output


def test_one_layer_blocked_by_a_lower_layer_that_fails_is_not_certified(certify):
    run = certify("--snapshot", str(SNAPSHOTS / "broken-toolkit-missing.json"), "--layer", "gpu")
    results = run.results
    assert results["verdict"] == "NOT CERTIFIED" and run.returncode != 0
    assert results["layers"]["gpu"]["state"] == "blocked" and results["layers"]["gpu"]["blocked_by_failure"]
    assert "blocked by docker.apt.repositories, which failed" in results["headline"]


# Layer states of broken machines: the failing layer, what it blocks, what still passes.
LAYER_STATES = {
    "broken-toolkit-missing": {"windows": "passed", "wsl": "passed", "docker": "failed", "gpu": "blocked",
                               "jupyter": "failed", "rstudio": "blocked", "rpy2": "passed"},
    "broken-no-dxg": {"windows": "passed", "wsl": "failed", "docker": "passed", "gpu": "blocked",
                      "jupyter": "failed", "rstudio": "blocked", "rpy2": "passed"},
    "broken-wsl1": {"windows": "failed", "wsl": "failed"},
    "broken-nbody-slow": {"windows": "passed", "wsl": "passed", "docker": "passed", "gpu": "failed",
                          "jupyter": "passed", "rstudio": "passed", "rpy2": "passed"},
    "broken-reticulate-missing": {"jupyter": "passed", "rstudio": "failed", "rpy2": "passed"},
}


BROKEN = sorted(p.stem for p in SNAPSHOTS.glob("broken-*.json"))


@pytest.fixture(scope="module")
def broken_machines(tmp_path_factory):
    """Every broken snapshot under the default profile, each a machine of one run (suite_run.replay_rows)."""
    return replay_rows(tmp_path_factory.mktemp("broken"), {name: (SNAPSHOTS / f"{name}.json", ()) for name in BROKEN})


@pytest.mark.xdist_group("broken-machines")  # one worker replays the batch (tests/pytest.ini: --dist loadgroup)
@pytest.mark.parametrize("snapshot", BROKEN)
def test_layer_states_of_each_broken_machine(broken_machines, snapshot):
    run = broken_machines[snapshot]
    results = run.results
    states = {name: layer["state"] for name, layer in results["layers"].items()}
    assert results["verdict"] == "NOT CERTIFIED" and run.returncode != 0
    for layer, expected in LAYER_STATES.get(snapshot, {}).items():
        assert states[layer] == expected, (layer, states)
    by_layer = {}
    for check in results["checks"]:
        by_layer.setdefault(check["layer"], []).append(check)
    for name, layer in results["layers"].items():
        mine = by_layer.get(name, [])
        failed = [c for c in mine if c["outcome"] in ("failed", "error")]
        skipped = [c for c in mine if c["outcome"] == "skipped"]
        if failed:  # a failing layer names its first failure, never green
            assert layer["state"] == "failed" and layer["first_failure"] == failed[0]["id"]
        elif not skipped:
            assert layer["state"] == "passed", (name, layer)
        else:  # never 'passed' with checks that did not run
            assert layer["state"] in ("blocked", "partial"), (name, layer)
            if layer["state"] == "blocked":
                assert all(c["blocked_by"] and by_layer_of(results, c["blocked_by"]) != name for c in skipped)


def by_layer_of(results, check_id):
    return next((c["layer"] for c in results["checks"] if c["id"] == check_id), None)


def test_native_linux_without_containers_is_never_certified(certify):
    """This CI host: no WSL, no GPU, maybe no images: whatever runs, the verdict is not CERTIFIED."""
    run = certify("--env=linux", "-k", "gpu")
    assert run.results["verdict"] != "CERTIFIED" and run.returncode != 0
    assert run.results["layers"]["windows"]["state"] in ("not_applicable", "not_selected")
