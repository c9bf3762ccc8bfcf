"""`wslgpu-certify` is a tool of its own: its usage, its version, one-line answers to a wrong value,
`diagnose` that never waits silently, and a closed pipe that ends the three commands quietly."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import pytest

import fleet_sim
from suite_run import REPO, SNAPSHOTS
from wslgpu_certify import __version__
from wslgpu_certify.catalog import selection_error
from wslgpu_certify.cli import main
from wslgpu_certify.diagnose import main as diagnose_main
from wslgpu_certify.fleet.cli import main as fleet_main
from wslgpu_certify.profile import ProfileError, load_profile

BROKEN = SNAPSHOTS / "broken-toolkit-missing.json"


def tool(*args: str, stdout=subprocess.PIPE, module: str = "wslgpu_certify", cwd=REPO, timeout: float = 300):
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    return subprocess.run([sys.executable, "-m", module, *args], cwd=cwd, env=env, stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


# ---------------------------------------------------------------- usage and version
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_is_the_tools_usage_in_under_40_lines(flag, capsys):
    assert main([flag]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("usage: wslgpu-certify") and len(lines) < 40
    for words in ("diagnose", "--list-checks", "--snapshot", "--env", "--layer", "--check", "--record",
                  "auto (default)", "documented", "current:", "current-desktop", "PATH.toml", "--help-pytest",
                  "wslgpu-compare", "wslgpu-fleet", "-V, --version"):
        assert words in out, words
    assert "positional arguments" not in out and "pytest.main" not in out  # pytest's own help is not shown


def test_pytests_help_is_behind_help_pytest():
    run = tool("--help-pytest")
    assert run.returncode == 0, run.stderr
    assert "positional arguments" in run.stdout and "--cert-profile=NAME|PATH" in run.stdout
    assert "current-desktop" in run.stdout and "auto" in run.stdout  # the option's own help names every profile


@pytest.mark.parametrize("flag", ["-V", "--version"])
def test_version_is_the_tools(flag, capsys):
    assert main([flag]) == 0
    assert capsys.readouterr().out == f"wslgpu-certify {__version__}\n"


# ---------------------------------------------------------------- a wrong value: one line, exit 4, the nearest
@pytest.mark.parametrize("layers, checks, words", [
    (["gpus"], None, "--layer 'gpus' is not a layer: did you mean gpu?"),
    (["dockr"], None, "did you mean docker?"),
    (["Windows"], None, "did you mean windows?"),
    (["nothing-like-it"], None, "is not a layer (the layers: windows, wsl, docker, gpu"),
    (None, ["windows.bulid"], "--check 'windows.bulid' selects no check: did you mean windows.build"),
    (None, ["gpu.nbdy"], "did you mean gpu.nbody"),
    (None, ["docker.packages"], "did you mean docker.package"),
    (None, ["nonexistent.id"], "--check 'nonexistent.id' selects no check (wslgpu-certify --list-checks lists them)"),
    (None, ["gpu", "rpy2.nope"], "--check 'rpy2.nope' selects no check"),
])
def test_an_unknown_layer_or_check_names_the_nearest(layers, checks, words):
    error = selection_error(layers, checks)
    assert words in error and "\n" not in error


@pytest.mark.parametrize("layers, checks", [(["gpu"], None), (None, ["gpu"]), (None, ["gpu."]),
                                             (None, ["docker.image"]), (None, ["windows.build"]), (None, None)])
def test_a_known_layer_or_check_prefix_is_accepted(layers, checks):
    assert selection_error(layers, checks) is None


@pytest.mark.parametrize("args, words", [
    (["--check", "nonexistent.id"], "selects no check"),
    (["--layer", "gpus"], "did you mean gpu?"),
    (["--cert-profile", "missing.toml"], "profile file 'missing.toml' not found"),
])
def test_a_wrong_value_is_one_line_exit_4_and_no_run_folder(tmp_path, args, words):
    run = tool(f"--snapshot={BROKEN}", f"--reports-dir={tmp_path / 'reports'}", *args)
    said = [line for line in (run.stdout + run.stderr).splitlines() if line.strip()]
    assert run.returncode == 4 and len(said) == 1 and words in said[0], run.stdout + run.stderr
    assert not (tmp_path / "reports").exists() or not any((tmp_path / "reports").iterdir())


def test_list_checks_refuses_an_unknown_layer_in_one_line(capsys):
    assert main(["--list-checks", "--layer", "gpus"]) == 4
    out, err = capsys.readouterr()
    assert out == "" and err.strip() == ("wslgpu-certify: --layer 'gpus' is not a layer: did you mean gpu? "
                                         "(the layers: windows, wsl, docker, gpu, jupyter, rstudio, rpy2)")
    assert main(["--list-checks", "--layer=gpu"]) == 0
    assert {line.split()[1] for line in capsys.readouterr().out.splitlines()} == {"gpu"}


def test_a_missing_profile_path_says_not_found(tmp_path):
    for value, words in ((str(tmp_path / "missing.toml"), "not found"), ("site/missing.toml", "not found"),
                         ("./profiles/x", "not found"), (str(tmp_path), "is not a file"),
                         ("nosuch", "unknown profile 'nosuch': use auto, one of current, current-desktop")):
        with pytest.raises(ProfileError) as raised:
            load_profile(value)
        assert words in str(raised.value) and "\n" not in str(raised.value), value
    (tmp_path / "child.toml").write_text('extends = "gone.toml"\n')
    with pytest.raises(ProfileError, match=r"profile file 'gone.toml' not found \(looked in "):
        load_profile(str(tmp_path / "child.toml"))


# ---------------------------------------------------------------- diagnose never waits silently
class _Stdin:
    def __init__(self, data: bytes, tty: bool):
        self.buffer = io.BytesIO(data)
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


def test_diagnose_with_nothing_on_a_terminal_prints_its_usage(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", _Stdin(b"Microsoft Windows [Version 10.0.20231.1000]\n", tty=True))
    assert diagnose_main([]) == 4
    out, err = capsys.readouterr()
    assert out == "" and err.startswith("usage: wslgpu-certify diagnose [FILE|-]") and "standard input" in err
    assert sys.stdin.buffer.tell() == 0  # nothing was read from the terminal
    monkeypatch.setattr(sys, "stdin", _Stdin(b"Microsoft Windows [Version 10.0.20231.1000]\n", tty=False))
    assert diagnose_main([]) == 1  # a pipe is read: the guide's known-bad build
    assert "known to break GPU compute" in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", _Stdin(b"Microsoft Windows [Version 10.0.20231.1000]\n", tty=True))
    assert diagnose_main(["-"]) == 1  # `-` asks for the terminal on purpose (a paste ended with Ctrl-D)


# ---------------------------------------------------------------- a closed pipe: quiet, the normal exit code
def closed_pipe(*args: str, module: str = "wslgpu_certify", cwd=REPO):
    """The command with its stdout a pipe whose reader is already gone (`| head -1`, once head has its line)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return tool(*args, stdout=write_end, module=module, cwd=cwd)
    finally:
        os.close(write_end)


def _quiet(run) -> bool:
    return "Broken pipe" not in run.stderr and "BrokenPipeError" not in run.stderr and "Traceback" not in run.stderr


def test_wslgpu_certify_ends_quietly_on_a_closed_pipe(tmp_path):
    listed = closed_pipe("--list-checks")
    assert listed.returncode == 0 and _quiet(listed), listed.stderr
    certify = closed_pipe(f"--snapshot={BROKEN}", f"--reports-dir={tmp_path / 'reports'}", "-p", "no:html")
    assert certify.returncode == 1 and _quiet(certify), certify.stderr  # NOT CERTIFIED, as when read to the end
    assert json.loads((tmp_path / "reports" / "latest" / "results.json").read_text())["verdict"] == "NOT CERTIFIED"
    diagnosed = closed_pipe("diagnose", str(REPO / "README.md"))
    assert diagnosed.returncode in (0, 1, 2) and _quiet(diagnosed), diagnosed.stderr


def test_wslgpu_compare_ends_quietly_on_a_closed_pipe(tmp_path):
    old = {"format": "wslgpu-certify-results/3", "verdict": "CERTIFIED", "machine": {"hostname": "ws-1"},
           "checks": [{"id": f"gpu.c{i}", "outcome": "passed", "message": ""} for i in range(50)]}
    new = {**old, "verdict": "NOT CERTIFIED",
           "checks": [{"id": f"gpu.c{i}", "outcome": "failed", "message": "x" * 200} for i in range(50)]}
    (tmp_path / "old.json").write_text(json.dumps(old))
    (tmp_path / "new.json").write_text(json.dumps(new))
    args = (str(tmp_path / "old.json"), str(tmp_path / "new.json"))
    read = tool(*args, module="wslgpu_certify.compare")
    assert read.returncode == 1 and "REGRESSED" in read.stdout  # read to the end: a regression
    run = closed_pipe(*args, module="wslgpu_certify.compare")
    assert run.returncode == 1 and _quiet(run), run.stderr


def test_wslgpu_fleet_ends_quietly_on_a_closed_pipe(tmp_path):
    machines = fleet_sim.make_fleet(12, seed=3)
    fleet_sim.write_fleet(tmp_path / "results", machines, "4711")
    args = ["collect", str(tmp_path / "results"), "--run-id", "4711", "--max-age", "26h",
            "--now", "2026-11-30T06:00:00+00:00"]
    normal = fleet_main([*args, "--out", str(tmp_path / "read")])
    assert normal == 1 and not all(m.certified for m in machines)
    run = closed_pipe(*args, "--out", str(tmp_path / "piped"), module="wslgpu_certify.fleet")
    assert run.returncode == normal and _quiet(run), run.stderr
