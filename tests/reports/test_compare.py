"""The nightly drift alarm between two results.json files."""

import json
import os
import subprocess
import sys

import pytest

from suite_run import SNAPSHOTS
from wslgpu_certify.compare import main


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


def _document(**change):
    document = {"format": "wslgpu-certify-results/3", "verdict": "CERTIFIED", "machine": {"hostname": "ws-1"},
                "checks": [{"id": "gpu.nbody.performance", "outcome": "passed", "message": "",
                            "figures": {"nbody_gflops": 4000.0, "nbody_tolerance": 0.2}}]}
    document.update(change)
    return json.dumps(document).encode()


ODD = {
    "missing file": None,
    "empty": b"",
    "not JSON": b"{'checks': []}",
    "a list": b"[1, 2]",
    "no checks": b'{"verdict": "CERTIFIED"}',
    "checks a string": _document(checks="passed"),
    "a check a number": _document(checks=[1]),
    "check id a list": _document(checks=[{"id": ["a"], "outcome": "passed"}]),
    "outcome missing": _document(checks=[{"id": "a"}]),
    "message a dict": _document(checks=[{"id": "a", "outcome": "failed", "message": {"a": 1}}]),
    "figures a list": _document(checks=[{"id": "a", "outcome": "passed", "figures": [1]}]),
    "verdict missing": _document(verdict=None),
    "hostname a list": _document(machine={"hostname": ["ws"]}),
    "deep": b"[" * 100_000,
    "deep but closed": b"[" * 200 + b"]" * 200,
    "not UTF-8": b"\xff\xfe\xfa",
    "huge": "sparse",
}


@pytest.mark.parametrize("case", ODD)
def test_odd_input_is_one_line_and_exit_2_never_1(tmp_path, capsys, case):
    good, odd = tmp_path / "good.json", tmp_path / "odd.json"
    good.write_bytes(_document())
    if ODD[case] == "sparse":
        odd.write_bytes(b"")
        os.truncate(odd, 300 * 2**20)
    elif ODD[case] is not None:
        odd.write_bytes(ODD[case])
    for args in ([str(odd), str(good)], [str(good), str(odd)]):
        assert main(args) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "is not a readable results.json" in err and str(odd) in err


@pytest.mark.parametrize("change", [
    lambda d: d["checks"][0].update(message="\ud800 bad"),  # a lone surrogate: printed as U+FFFD
    lambda d: d["checks"][0]["figures"].update(nbody_gflops="fast"),  # a figure of another type: no arithmetic
    lambda d: d["checks"][0]["figures"].update(nbody_tolerance="lots"),
    lambda d: d["checks"][0]["figures"].update(nbody_gflops=float("nan")),
    lambda d: d["checks"][0]["figures"].update(driver=["x"] * 100_000),  # a long figure: one clipped line
    lambda d: d["checks"][0].update(message="line\nbreak " * 1000, outcome="failed"),
])
def test_odd_values_in_a_results_json_are_drift_lines_not_a_traceback(tmp_path, capsys, change):
    document = json.loads(_document())
    change(document)
    (tmp_path / "old.json").write_bytes(_document())
    (tmp_path / "new.json").write_text(json.dumps(document))
    code = main([str(tmp_path / "old.json"), str(tmp_path / "new.json")])
    out = capsys.readouterr().out
    assert code in (0, 1) and len(out) < 2_000
    out.encode("utf-8")  # no lone surrogate reaches the terminal


@pytest.mark.parametrize("args", [[], ["one"], ["a", "b", "c"], ["--nope", "a", "b"]])
def test_bad_usage_is_exit_4(capsys, args):
    with pytest.raises(SystemExit) as stopped:
        main(args)
    assert stopped.value.code == 4 and "usage: wslgpu-compare" in capsys.readouterr().err
