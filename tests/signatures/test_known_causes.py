"""Known causes applied to every check: a failure leads with the cause its error text names; a pass gets a note.

results.json, JUnit and the HTML row carry the signature's id and public source.
"""

import html
import xml.etree.ElementTree as ET

from suite_run import SNAPSHOTS


def test_a_failure_leads_with_the_known_cause_and_its_fix(certify):
    run = certify("--snapshot", str(SNAPSHOTS / "broken-toolkit-missing.json"))
    check = run.check("jupyter.container.gpu")
    assert check["outcome"] == "failed"
    cause = check["known_causes"][0]
    assert cause["id"] == "toolkit.no-gpu-driver-selected" and not cause["advisory"]
    assert cause["source"].startswith("https://github.com/")
    assert 'could not select device driver "" with capabilities: [[gpu]]' in cause["line"]
    # the terminal's one-line fix is the cause's, the check's own remediation still follows in full
    assert "known cause (toolkit.no-gpu-driver-selected)" in run.output
    assert check["first_step"]["run"] == cause["remediation"]["summary"]
    assert f"fix {check['first_step']['where']}: {cause['remediation']['summary']}" in run.output
    assert check["remediation"]["steps"]
    # JUnit: the signature id and its source as properties of the testcase
    tree = ET.parse(run.reports / "latest" / "junit.xml")
    case = next(c for c in tree.getroot().iter("testcase") if any(
        p.get("name") == "check_id" and p.get("value") == "jupyter.container.gpu" for p in c.iter("property")))
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["known_cause"] == "toolkit.no-gpu-driver-selected" and props["known_cause_source"] == cause["source"]
    assert "Known cause (toolkit.no-gpu-driver-selected" in case.find("failure").get("message") + case.find("failure").text
    # HTML: the row's extra names the signature
    report = html.unescape((run.reports / "latest" / "report.html").read_text()).replace('\\"', '"')
    assert 'data-signature="toolkit.no-gpu-driver-selected"' in report


def test_a_failure_without_known_error_text_keeps_its_own_fix(certify):
    run = certify("--snapshot", str(SNAPSHOTS / "broken-not-in-docker-group.json"))
    check = run.check("wsl.user.docker_group")
    assert check["outcome"] == "failed" and check["known_causes"] == []
    assert check["first_step"]["run"] == check["remediation"]["summary"]
    assert f"fix {check['first_step']['where']}: {check['remediation']['summary']}" in run.output


def test_a_known_cause_in_a_passing_check_is_a_note_not_a_failure(certify):
    """The guide's machine has no systemd: under `current` (systemd or the .bashrc block) `systemctl` says so,
    and the .bashrc block starts dockerd: wsl.autostart passes, with the signature as a note."""
    run = certify("--snapshot", str(SNAPSHOTS / "documented-healthy.json"), "--cert-profile", "current")
    check = run.check("wsl.autostart")
    assert check["outcome"] == "passed"
    assert [(c["id"], c["advisory"]) for c in check["known_causes"]] == [("docker.systemd-not-pid1", True)]
    assert "known cause (docker.systemd-not-pid1)" not in run.output  # notes never reach the FAIL lines
    assert all(not c["known_causes"] or c["outcome"] != "passed" or all(k["advisory"] for k in c["known_causes"])
               for c in run.results["checks"])
