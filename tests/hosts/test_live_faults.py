"""Live runs with a faulty program first on PATH: bounded, named, nothing left behind, never a pass.

The replay half of the fault matrix (test_fault_matrix.py) damages recorded outputs; this half
runs the suite live, under --env=linux and --env=windows, with fake `docker`, `nvidia-smi`,
`nvidia-smi.exe`, `wsl.exe` and `cmd.exe` first on PATH (tests/live_fakes.py: a fake `cmd.exe`
and `wsl.exe` stand in for Windows and the distro, answering as the healthy snapshot does). One
program at a time hangs (after printing half its output, with a child of its own), prints 2 KB of
garbage, prints UTF-16 or prints nothing, and each run must end:

- bounded: every command that hung was cut at --probe-timeout, and its check names the command
  and the setting ("`docker version` did not finish within 1 s (--probe-timeout)");
- with no process of the fakes left (a /proc scan for the run's marker), no traceback, no
  `error` outcome, exit code 1 (not certified), and no container (no engine: DOCKER_HOST points
  at a socket that does not exist);
- with no check passing on what the faulted program printed; UTF-16 is decoded
  (parsers/_text.py), so there every check keeps the verdict of the plain run.

`powershell.exe` is not in the matrix: its one probe (jupyter.server.windows_localhost) needs a
started container, driven from the distro under --env=wsl only; the plain run proves that no
check calls it under these envs (and tells when one starts to, so it joins the matrix).
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

import live_fakes
from suite_run import REPO, SNAPSHOTS
from wslgpu_certify.probes.programs import program_of

HEALTHY = SNAPSHOTS / "documented-healthy.json"
TIMEOUT = 1.0  # --probe-timeout: a plain fake answers in ~50 ms, so 20x headroom on a loaded runner
SETTING = f"did not finish within {TIMEOUT:g} s (--probe-timeout)"
FAULTS = ("hang", "garbage", "utf16", "empty")

# env -> the programs faulted there. Under --env=linux the distro is this machine's shell, so only
# `docker` is reached by PATH (its nvidia-smi is read at /usr/lib/wsl/lib, which the fake distro of
# --env=windows maps to the fake nvidia-smi).
PROGRAMS = {"linux": ("docker",), "windows": ("docker", "nvidia-smi", "nvidia-smi.exe", "wsl.exe", "cmd.exe")}
CASES = [(env, program, fault) for env, programs in PROGRAMS.items() for program in programs for fault in FAULTS]


def faulted(env: str, program: str, role: str, command: str) -> bool:
    """Whether the command's output went through the faulted program (cmd.exe and wsl.exe are also
    the transports of --env=windows: every Windows, resp. distro, command goes through them)."""
    if env == "windows" and (program, role) in (("cmd.exe", "windows"), ("wsl.exe", "wsl")):
        return True
    if program == "nvidia-smi":
        return role == "wsl" and command.startswith(live_fakes.DRIVER_NVIDIA_SMI)
    return role == live_fakes.ROLE.get(program, "wsl") and program_of(command) == program


def certify_live(tmp_path: Path, env: str, fault: str) -> dict:
    """One live run with the fakes on PATH; what it printed, wrote, called and left behind."""
    argv, environ, marker = live_fakes.suite_run(tmp_path, env, fault, TIMEOUT, REPO, HEALTHY)
    started = time.monotonic()
    proc = subprocess.run(argv, cwd=REPO, env=environ, capture_output=True, text=True, timeout=240,
                          stdin=subprocess.DEVNULL)
    results = tmp_path / "reports" / "latest" / "results.json"
    return {"rc": proc.returncode, "output": proc.stdout + proc.stderr, "wall": time.monotonic() - started,
            "results": json.loads(results.read_text()) if results.exists() else None,
            "calls": live_fakes.calls(tmp_path / "calls"), "left": live_fakes.leftovers(marker)}


_PLAIN: dict[str, dict] = {}


@pytest.fixture
def plain(tmp_path_factory):
    """The control run of an env: every fake answers as the healthy machine does (once per worker)."""
    def get(env: str) -> dict:
        if env not in _PLAIN:
            _PLAIN[env] = certify_live(tmp_path_factory.mktemp(f"plain-{env}"), env, "none:plain")
        return _PLAIN[env]
    return get


def reads(check: dict, env: str, program: str) -> list[str]:
    return [e["command"] for e in check.get("evidence") or [] if faulted(env, program, e["role"], e["command"])]


def _healthy_end(run: dict) -> list[str]:
    """What every run must end with, damaged or not."""
    problems = []
    if run["results"] is None or "Traceback" in run["output"] or "INTERNALERROR" in run["output"]:
        return [f"traceback or no results.json:\n{run['output'][-3000:]}"]
    if run["rc"] != 1:  # not certified (linux: no GPU; windows: no container), never an error exit
        problems.append(f"exit code {run['rc']}")
    if run["left"]:
        problems.append(f"processes left behind: {run['left']}")
    for check in run["results"]["checks"]:
        if check["outcome"] == "error":
            problems.append(f"{check['id']} is an error: {check['message'][:300]}")
        for evidence in check.get("evidence") or []:  # a command cut at the timeout was cut there
            if evidence.get("exit_status") is None and evidence.get("duration", 0) > TIMEOUT + 2:
                problems.append(f"{check['id']}: {evidence['command']!r} ran {evidence['duration']} s")
    return problems


@pytest.mark.parametrize("env", sorted(PROGRAMS))
def test_the_plain_fakes_stand_in_for_a_healthy_machine(env, plain):
    """The control: with nothing faulted, the checks that read the fakes pass (so a fault that fails
    them is the fault's doing), and every faulted program of the matrix is really called."""
    run = plain(env)
    assert _healthy_end(run) == []
    for program in PROGRAMS[env]:
        assert program in run["calls"], f"no check calls {program} under --env={env}: drop it from PROGRAMS"
        passing = [c["id"] for c in run["results"]["checks"] if reads(c, env, program) and c["outcome"] == "passed"]
        assert passing, f"no check reading {program} passes in the plain run"
    assert "powershell.exe" not in run["calls"], "a check now calls powershell.exe here: add it to PROGRAMS"


@pytest.mark.parametrize("env, program, fault", CASES)
def test_a_faulty_program_is_bounded_named_and_never_a_pass(env, program, fault, tmp_path, plain):
    run = certify_live(tmp_path, env, f"{program}:{fault}")
    problems = _healthy_end(run)
    assert program in run["calls"], f"the faulted {program} was never called"
    checks = run["results"]["checks"] if run["results"] else []
    if fault == "utf16":  # decoded: the plain run's verdicts, check by check
        expected = {c["id"]: c["outcome"] for c in plain(env)["results"]["checks"]}
        problems += [f"{c['id']} is {c['outcome']}, {expected.get(c['id'])} in the plain run: {c['message'][:300]}"
                     for c in checks if c["outcome"] != expected.get(c["id"])]
    else:
        problems += [f"{c['id']} passed on {reads(c, env, program)} ({fault})"
                     for c in checks if c["outcome"] == "passed" and reads(c, env, program)]
    if fault == "hang":
        named = [c["id"] for c in checks if SETTING in c["message"] and any(f"`{cmd}`" in c["message"]
                                                                            for cmd in reads(c, env, program))]
        if not named:
            problems.append(f"no check names a command of {program} and the timeout ({SETTING})")
    assert not problems, f"--env={env}, {program} {fault} ({run['wall']:.1f} s):\n" + "\n".join(problems)


def test_the_fakes_damage_what_they_answer():
    """The fault kinds themselves: each differs from the plain answer as its name says."""
    answer = (0, b"Client: Docker Engine - Community\n Version: 19.03.13\n", b"")
    assert live_fakes.damaged("utf16", answer, "m", "s")[1].startswith(b"\xff\xfeC\x00l\x00")
    assert live_fakes.damaged("empty", answer, "m", "s") == (0, b"", b"")
    garbage = live_fakes.damaged("garbage", answer, "m", "s")[1]
    assert len(garbage) == 2048 and garbage == live_fakes.damaged("garbage", answer, "m", "s")[1]  # seeded
    assert live_fakes.damaged("plain", answer, "m", "s") == answer
