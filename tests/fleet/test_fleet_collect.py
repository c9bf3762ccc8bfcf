"""`wslgpu-fleet collect` on a simulated night: every machine's fleet verdict, and the exit code.

The fleet comes from tests/fleet_sim.py (seeded); each test plants what a real night does (damage,
a swapped folder, a previous night with regressions) and asserts the verdict each machine must
get by construction, never a hard-coded list.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

import fleet_sim as sim
from wslgpu_certify.fleet.cli import main

RUN = "4711"
NOW = "2026-11-30T06:00:00+00:00"
LAYOUTS = ("github", "gitlab", "ansible")
DAMAGE = ("missing folder", "truncated file", "wrong format", "old timestamp", "another run", "complete false")


def collect(tmp_path, results, *args, out="fleet"):
    code = main(["collect", str(results), "--run-id", RUN, "--max-age", "26h", "--now", NOW,
                 "--out", str(tmp_path / out), *args])
    return code, json.loads((tmp_path / out / "fleet.json").read_text())


def verdicts(document) -> dict[str, str]:
    return {m["machine"]: m["verdict"] for m in document["machines"]}


def expected_file(tmp_path, machines, extra=()):
    path = tmp_path / "expected.json"
    path.write_text(json.dumps([{"machine": m.name, "labels": ["self-hosted", m.name]} for m in machines] + list(extra)))
    return path


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_machine_gets_the_verdict_its_night_earned(tmp_path, layout):
    machines = sim.make_fleet(40, seed=3)
    sim.write_fleet(tmp_path / "results", machines, RUN, layout)
    want = {m.name: "CERTIFIED" if m.certified else "NOT CERTIFIED" for m in machines}
    for m, kind in zip(machines[1::3], DAMAGE):
        want[m.name] = sim.damage(tmp_path / "results", m.name, kind, layout)
    a, b = machines[-1].name, machines[-2].name
    sim.swap_ids(tmp_path / "results", a, b, layout)
    want[a] = want[b] = "INVALID"
    code, document = collect(tmp_path, tmp_path / "results", "--expected", str(expected_file(tmp_path, machines)))
    assert verdicts(document) == want
    assert code == 1
    assert len(set(want.values())) >= 6  # the night exercised every verdict but REGRESSED
    reasons = {m["machine"]: m["reason"] for m in document["machines"]}
    assert f"machine '{b}'" in reasons[a]  # the swapped folder names whose results it holds
    assert "not tonight's run 4711" in reasons[machines[13].name]  # "another run"


def test_a_clean_night_exits_0_and_fail_on_narrows_the_exit(tmp_path):
    machines = [m for m in sim.make_fleet(30, seed=5) if m.certified]
    sim.write_fleet(tmp_path / "results", machines, RUN)
    assert collect(tmp_path, tmp_path / "results", "--expected", str(expected_file(tmp_path, machines)))[0] == 0
    # one machine never reported: the night fails, unless --fail-on leaves NO REPORT out
    expected = expected_file(tmp_path, machines, extra=[{"machine": "ws-offline"}])
    code, document = collect(tmp_path, tmp_path / "results", "--expected", str(expected))
    assert (code, verdicts(document)["ws-offline"]) == (1, "NO REPORT")
    assert collect(tmp_path, tmp_path / "results", "--expected", str(expected), "--fail-on", "regressed,not-certified")[0] == 0


def test_regressions_since_the_previous_night(tmp_path):
    machines = sim.make_fleet(30, seed=11)
    healthy = [m for m in machines if m.certified]
    broken = [m for m in machines if not m.certified]
    sim.write_fleet(tmp_path / "night1", machines, "4710")
    expected = str(expected_file(tmp_path, machines))
    main(["collect", str(tmp_path / "night1"), "--expected", expected, "--out", str(tmp_path / "last"), "--now", NOW])
    newly_broken, slower, fixed, still_broken = healthy[0], healthy[1], broken[0], broken[1]
    newly_broken.broken = [("docker.runtime.registered", "`docker info` lists runtimes runc, without nvidia")]
    slower.gflops = round(slower.gflops * 0.7, 1)  # still above the model's tolerance? no matter: it dropped 30 %
    fixed.broken = []
    sim.write_fleet(tmp_path / "night2", machines, RUN)
    code, document = collect(tmp_path, tmp_path / "night2", "--expected", expected, "--previous", str(tmp_path / "last" / "fleet.json"))
    got = verdicts(document)
    assert (got[newly_broken.name], got[slower.name]) == ("REGRESSED", "REGRESSED")
    assert (got[fixed.name], got[still_broken.name]) == ("CERTIFIED", "NOT CERTIFIED")
    assert all(got[m.name] == "CERTIFIED" for m in healthy[2:])
    assert document["machines"][0]["verdict"] == "REGRESSED"  # worst first
    lines = {m["machine"]: m["regressions"] for m in document["machines"]}
    assert lines[newly_broken.name] == ["docker.runtime.registered: passed -> failed"]
    assert "nbody GFLOP/s" in lines[slower.name][0] and "-30%" in lines[slower.name][0]
    # a 10 % tolerance-free drop is no regression at the default tolerance
    slower.gflops = round(slower.gflops / 0.7 * 0.9, 1)
    sim.write_fleet(tmp_path / "night3", machines, RUN)
    _, document = collect(tmp_path, tmp_path / "night3", "--expected", expected, "--previous", str(tmp_path / "last" / "fleet.json"))
    assert verdicts(document)[slower.name] == "CERTIFIED"


def test_a_ci_status_names_why_a_machine_did_not_report(tmp_path):
    machines = sim.make_fleet(5, seed=1)
    sim.write_fleet(tmp_path / "results", machines[:3], RUN)
    status = tmp_path / "ci-status.jsonl"
    status.write_text(json.dumps({"machine": machines[3].name, "status": "queued", "reason": "no runner picked the job up by the deadline",
                                  "url": "javascript:alert(1)"}) + "\n")
    code, document = collect(tmp_path, tmp_path / "results", "--expected", str(expected_file(tmp_path, machines)), "--ci-status", str(status))
    entry = {m["machine"]: m for m in document["machines"]}
    assert entry[machines[3].name]["reason"] == "queued: no runner picked the job up by the deadline"
    assert entry[machines[3].name]["ci_status"]["url"] is None  # only web links reach fleet.html
    assert entry[machines[4].name]["reason"] == "no results.json (no folder)"
    html = (tmp_path / "fleet" / "fleet.html").read_text()
    assert "no runner picked the job up by the deadline" in html and "javascript:" not in html


def test_junit_has_one_testsuite_per_machine_and_markdown_stays_bounded(tmp_path):
    machines = sim.make_fleet(80, seed=2)
    sim.write_fleet(tmp_path / "results", machines, RUN)
    collect(tmp_path, tmp_path / "results", "--expected", str(expected_file(tmp_path, machines)))
    suites = ET.parse(tmp_path / "fleet" / "fleet-junit.xml").getroot().findall("testsuite")
    assert sorted(s.get("name") for s in suites) == sorted(m.name for m in machines)
    for suite, m in ((s, next(m for m in machines if m.name == s.get("name"))) for s in suites):
        failed = {c.get("name") for c in suite.findall("testcase") if c.find("failure") is not None}
        assert failed == ({"fleet verdict"} | {cid for cid, _ in m.broken} if m.broken else set())
    markdown = (tmp_path / "fleet" / "fleet-summary.md").read_text()
    assert markdown.startswith("## Fleet: NOT CERTIFIED") and markdown.count("\n- **") <= 3 * 25


def test_without_an_expected_list_the_fleet_is_what_was_found(tmp_path):
    machines = sim.make_fleet(6, seed=4)
    sim.write_fleet(tmp_path / "results", machines, RUN, "github")
    code, document = collect(tmp_path, tmp_path / "results")
    assert set(verdicts(document)) == {m.name for m in machines}
    assert any("never reported is not seen" in note for note in document["notes"])


@pytest.mark.parametrize("change, verdict, words", [
    (lambda d: d.update(verdict="PARTIAL", headline="PARTIAL: 9 of 57 applicable checks ran; not a certification"),
     "NOT CERTIFIED", "PARTIAL: 9 of 57"),
    (lambda d: d.update(scope="layer gpu"), "NOT CERTIFIED", "certifies one layer"),
    (lambda d: d["run"].update(state="running", finished_at=None, exit_status=None), "INCOMPLETE", "still running"),
    (lambda d: d["run"].update(run_id=None), "STALE", "from run (none)"),
    (lambda d: d["run"].update(started_at=None, finished_at=None), "STALE", "carries no time"),
    (lambda d: d["run"].update(machine_id=None), "INVALID", "is machine None's"),
    (lambda d: None, "CERTIFIED", "CERTIFIED"),
], ids=["partial", "one-layer", "running", "no-run-id", "no-time", "no-machine-id", "unchanged"])
def test_what_a_document_says_of_itself(tmp_path, change, verdict, words):
    machine = next(m for m in sim.make_fleet(10, seed=8) if m.certified)
    path = sim.write_machine(tmp_path / "results", machine, RUN)
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))
    code, fleet = collect(tmp_path, tmp_path / "results", "--expected", str(expected_file(tmp_path, [machine])))
    entry = fleet["machines"][0]
    assert (entry["verdict"], code) == (verdict, 0 if verdict == "CERTIFIED" else 1)
    assert words in entry["reason"]
