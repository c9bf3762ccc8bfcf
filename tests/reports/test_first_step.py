"""One fix per failure: Finding.first_step decides the first step once, and every output shows that step.

The leading known cause's step when the evidence showed a cause, else the check's own; the other fix follows
only under "If that does not help". The outputs of one `--snapshot FOLDER` run (every bundled snapshot) must
agree: results.json's `first_step`, junit.xml's `fix`/`fix_where`/`fix_kind` properties, the report's Fix cell.
"""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET

from suite_run import SNAPSHOTS, make_runner
from wslgpu_certify.findings import OTHERWISE, Finding, FixStep, KnownCause, Remediation

OWN = Remediation("own why", (FixStep("sudo pkill -x dockerd; sudo dockerd > /dev/null 2>&1 &", "bash", key=True),))
CAUSE = Remediation("cause why", (FixStep("docker info", "bash"), FixStep("sudo service docker restart", "bash", key=True)))


def _finding(*causes: KnownCause, remediation=OWN) -> Finding:
    return Finding("wsl.dockerd.running", "wsl", "t", "failed", "no dockerd", remediation, known_causes=list(causes))


def _cause(advisory=False) -> KnownCause:
    return KnownCause("docker.x", "why", "high", "https://example.org/1", "seen", CAUSE, advisory)


def test_the_known_cause_leads_and_the_checks_fix_comes_second():
    finding = _finding(_cause())
    assert finding.first_step.text == "sudo service docker restart"
    text = finding.as_text()
    assert text.index("Its fix") < text.index(f"{OTHERWISE}, the check's own fix") < text.index("sudo pkill")
    assert "The check's own fix" not in text
    assert finding.to_json()["first_step"]["run"] == "sudo service docker restart"
    assert finding.first_step_line == "fix in the distro (bash): sudo service docker restart"


def test_without_a_cause_or_with_a_note_only_the_checks_fix_leads():
    for finding in (_finding(), _finding(_cause(advisory=True))):
        assert finding.first_step.text.startswith("sudo pkill")
        assert OTHERWISE not in finding.as_text()
    assert _finding(remediation=None).first_step is None and _finding(remediation=None).first_step_line == ""


def test_a_step_that_only_looks_is_labelled_a_look():
    for text, shell in [("wsl -l -v", "cmd"), ("wsl.exe --list --verbose", "powershell"), ("docker info", "bash"),
                        ("ls -l /dev/dxg", "bash"), ("ldconfig -p | grep libcuda", "bash")]:
        assert FixStep(text, shell).label == "look", text
    for text, shell in [("wsl --set-version Ubuntu 2", "cmd"), ("sudo ldconfig", "bash"),
                        ("echo x | sudo tee /etc/ld.so.conf.d/a.conf", "bash"), ("cat a | sudo tee b", "bash")]:
        assert FixStep(text, shell).label == "fix", text


def test_every_output_shows_the_same_first_step(tmp_path):
    run = make_runner(tmp_path)("--snapshot", str(SNAPSHOTS), "checks", timeout=600)
    folders = [f for f in run.reports.iterdir() if f.is_dir() and not f.is_symlink()]
    compared = 0
    for folder in folders:
        checks = {c["id"]: c for c in json.loads((folder / "results.json").read_text())["checks"]}
        cases = {}
        for case in ET.parse(folder / "junit.xml").getroot().iter("testcase"):
            props = {p.get("name"): p.get("value") for p in case.iter("property")}
            if "check_id" in props:
                cases[props["check_id"]] = props
        log = html.unescape((folder / "log.html").read_text())  # pytest-html's table: JSON in an HTML attribute
        page = (folder / "report.html").read_text()  # the suite's page: failures and warnings, each with its first step
        for cid, check in checks.items():
            if check["outcome"] not in ("failed", "warning") or not check.get("first_step"):
                continue
            step = check["first_step"]
            text = step.get("run") or step.get("say")
            lead = next((c for c in check["known_causes"] if not c["advisory"]), None)
            assert text == (lead["remediation"] if lead else check["remediation"])["summary"], cid
            assert cases[cid]["fix"] == text and cases[cid]["fix_where"] == step.get("where", "in words"), cid
            label = f"{'look' if step.get('look') else 'fix'} {step.get('where', 'in words')}: "
            cell = html.escape(label) + '<code style="color:#212121">' + html.escape(text) + "</code>"
            assert json.dumps(cell)[1:-1] in log, (folder.name, cid)
            item = page.split(f'data-check="{html.escape(cid)}"')[1].split("</li>")[0]
            assert html.escape(text) in item and ("First, look" in item) == bool(step.get("look")), (folder.name, cid, item)
            compared += 1
    assert compared >= 40


def test_a_cut_line_says_so():
    from wslgpu_certify.terminal_text import clip

    for text in ["x" * 200, "Docker Desktop is not running " * 10, "é" * 161]:
        cut = clip(text, 160)
        assert len(cut) <= 160 and cut.endswith("...") and text.startswith(cut[:-3])
    for text in ["short", "y" * 160, ""]:
        assert clip(text, 160) == text


def test_a_findings_json_is_every_field_as_dataclasses_gives_it_and_reads_back():
    """Finding.to_json is written field by field (no deep copy at every results.json write): the same keys, in
    field order, and values that dataclasses.asdict gives, plus first_step; from_json reads it back whole."""
    from dataclasses import asdict, fields

    from wslgpu_certify.findings import Evidence

    finding = _finding(_cause(), _cause(advisory=True))
    finding.evidence = [Evidence("wsl", "docker info", 1, "Cannot connect", 0.25)]
    finding.figures = {"gflops": 1234.5, "series": [1, 2], "nested": {"a": "b"}}
    finding.duration, finding.blocked_by, finding.blocked_by_failure = 1.5, "wsl.dockerd.running", True
    data = finding.to_json()
    assert list(data) == [f.name for f in fields(Finding)] + ["first_step"]
    expected = asdict(finding)
    expected["remediation"] = finding.remediation.to_json()
    expected["known_causes"] = [c.to_json() for c in finding.known_causes]
    assert {k: v for k, v in data.items() if k != "first_step"} == expected
    assert Finding.from_json(json.loads(json.dumps(data))).to_json() == data
    data["figures"]["series"].append(3)  # a copy: the finding keeps its own figures
    assert finding.figures["series"] == [1, 2]
