"""The nightly drift alarm between two results.json files."""

import subprocess
import sys

from suite_run import SNAPSHOTS


def _compare(old, new):
    proc = subprocess.run([sys.executable, "-m", "wslgpu_certify.compare", str(old), str(new)],
                          capture_output=True, text=True)
    return proc.returncode, proc.stdout + proc.stderr


def test_regression_in_checks_and_gflops_fails_the_comparison(certify, tmp_path):
    healthy = certify("--snapshot", str(SNAPSHOTS / "documented-healthy.json"))
    (tmp_path / "old.json").write_bytes((healthy.reports / "latest" / "results.json").read_bytes())
    slow = certify("--snapshot", str(SNAPSHOTS / "broken-nbody-slow.json"))
    code, out = _compare(tmp_path / "old.json", slow.reports / "latest" / "results.json")
    assert code == 1
    assert "REGRESSED gpu.nbody.performance: passed -> failed" in out
    assert "REGRESSED nbody GFLOP/s: 4023.3 -> 2414.0 (-40.0%)" in out


def test_same_machine_twice_is_no_drift_and_bad_input_is_one_line(certify, tmp_path):
    run = certify("--snapshot", str(SNAPSHOTS / "documented-healthy.json"))
    results = run.reports / "latest" / "results.json"
    assert _compare(results, results) == (0, "gpu-workstation: CERTIFIED -> CERTIFIED\nno drift\n")
    (tmp_path / "junk.json").write_text("{")
    code, out = _compare(tmp_path / "junk.json", results)
    assert code == 2 and out.strip().count("\n") == 0 and "is not a readable results.json" in out
