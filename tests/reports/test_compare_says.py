"""wslgpu-compare says what it compares: the machines' ids, a warning when machines or profiles differ,
a cascade under its root cause, and exit 1 only for a real regression."""

from __future__ import annotations

import json

import pytest

from wslgpu_certify.compare import compare, main, warnings_between


def document(machine_id="ws-1", hostname="host-1", profile="current", legacy=False, **outcomes):
    """A results.json; `outcomes`: check id (dots as __) -> outcome or (outcome, blocked_by)."""
    checks = []
    for key, value in outcomes.items():
        state, blocked_by = value if isinstance(value, tuple) else (value, None)
        checks.append({"id": key.replace("__", "."), "outcome": state, "message": f"{key} is {state}",
                       "blocked_by": blocked_by})
    doc = {"format": "wslgpu-certify-results/3", "verdict": "CERTIFIED", "run": {"machine_id": machine_id},
           "machine": {"hostname": hostname, "profile": profile}, "checks": checks}
    if not legacy:
        doc["profile"] = {"name": profile, "reason": "", "chosen_by": "auto", "warning": None}
    return doc


def run_main(tmp_path, capsys, old, new):
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new))
    code = main([str(tmp_path / "old.json"), str(tmp_path / "new.json")])
    return code, capsys.readouterr().out.splitlines()


def test_the_header_names_the_machine_id_not_the_hostname(tmp_path, capsys):
    code, out = run_main(tmp_path, capsys, document(a="passed"), document(a="passed", hostname="renamed"))
    assert (code, out) == (0, ["ws-1: CERTIFIED -> CERTIFIED", "no drift"])
    legacy = {k: v for k, v in document(a="passed").items() if k != "run"}  # no run envelope: the hostname
    code, out = run_main(tmp_path, capsys, legacy, legacy)
    assert out[0] == "host-1: CERTIFIED -> CERTIFIED"


@pytest.mark.parametrize("old, new, words", [
    (document(), document(machine_id="ws-2"), "warning: two different machines (ws-1, ws-2)"),
    (document(profile="documented"), document(profile="current"),
     "warning: judged under different profiles (documented -> current)"),
    (document(profile="documented", legacy=True), document(profile="current-desktop"),
     "warning: judged under different profiles (documented -> current-desktop)"),
])
def test_different_machines_or_profiles_are_warned_about(old, new, words):
    assert [line for line in warnings_between(old, new) if words in line]
    assert warnings_between(old, old) == []


def test_a_hostile_machine_id_is_one_bounded_line(tmp_path, capsys):
    for hostile in ("ws\x1b[2J-1", "a" * 5000, "ws\r\nCERTIFIED"):
        code, out = run_main(tmp_path, capsys, document(), document(machine_id=hostile))
        assert all(len(line) <= 400 for line in out) and "\x1b" not in "".join(out) and "\r" not in "".join(out)


def test_a_cascade_is_one_line_for_its_cause_then_the_count():
    blocked = {f"gpu__c{i}": ("skipped", "docker.runtime") for i in range(21)}
    old = document(docker__runtime="passed", other="failed", **{k: "passed" for k in blocked},
                   later=("passed"))
    new = document(docker__runtime="failed", other="failed", **blocked, later=("skipped", "other"))
    lines, regressed = compare(old, new)
    assert regressed and lines[0].startswith("REGRESSED docker.runtime: passed -> failed")
    assert lines[1].startswith("    and 21 check(s) it took with it: gpu.c0, gpu.c1, gpu.c2, gpu.c3, gpu.c4 and 16 more")
    # blocked by a check that did not change (it failed already): said on its own
    assert "changed later: passed -> skipped (later is skipped)" in lines
    assert len(lines) == 3


@pytest.mark.parametrize("was, now, label, regressed", [
    ("not_applicable", "warning", "changed", False),
    ("passed", "warning", "changed", False),
    ("passed", "skipped", "changed", False),
    ("not_applicable", "passed", "changed", False),
    ("passed", "failed", "REGRESSED", True),
    ("not_applicable", "failed", "REGRESSED", True),
    ("failed", "error", "REGRESSED", True),
    ("failed", "passed", "changed", False),
])
def test_exit_1_only_for_a_real_regression(tmp_path, capsys, was, now, label, regressed):
    code, out = run_main(tmp_path, capsys, document(a=was), document(a=now))
    assert out[1].startswith(f"{label} a: {was} -> {now}") and code == (1 if regressed else 0)
