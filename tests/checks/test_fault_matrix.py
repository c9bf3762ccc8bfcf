"""Damaged evidence is never a pass and never the wrong cause: the fault matrix.

Every recorded command of documented-healthy.json is damaged one at a time, in every way a
real output gets damaged (an empty answer, a bare exit code, a program that is not there, binary
garbage, UTF-16 from Windows, a cut-off, CRLF, a runaway output), written as a snapshot that
`extends` the healthy one overriding that one command (docs/snapshots.md), and replayed:

- no traceback and no `error` outcome, whatever the damage;
- no check whose evidence lists the damaged command passes on it, except where the damage is
  one the suite handles (UTF-16 decoded by parsers/_text.py, CRLF): there every check keeps its
  healthy verdict;
- a program that could not be started (exit 127, "sh: 1: X: not found", dash's words) is named
  as such ("could not run"), never read as the fact being absent.

The ~450 replays run as the machines of one run of the product per fault kind (`--snapshot FOLDER`,
tests/suite_run.py's replay_rows: each damaged snapshot is a machine with its own results.json), so
start-up and collection are paid once per kind, and the kinds spread over xdist workers.
"""

from __future__ import annotations

import json
import random
import zlib
from pathlib import Path

import pytest

from suite_run import SNAPSHOTS, Machine, mutated, replay_rows
from wslgpu_certify.parsers._text import decode_output
from wslgpu_certify.probes.programs import program_of

HEALTHY_PATH = SNAPSHOTS / "documented-healthy.json"
HEALTHY = json.loads(HEALTHY_PATH.read_text())
COMMANDS = [(role, command) for role, commands in HEALTHY["hosts"].items() for command in commands]

# Today's machine (current-healthy.json, profile current): the commands only it records, i.e. what the
# current profile's own probes read (the toolkit's view, systemd, the modern apt list and image); the
# commands it shares with the guide's machine are damaged above.
CURRENT_PATH = SNAPSHOTS / "current-healthy.json"
CURRENT = json.loads(CURRENT_PATH.read_text())
CURRENT_COMMANDS = [(role, command) for role, commands in CURRENT["hosts"].items() for command in commands
                    if command not in HEALTHY["hosts"].get(role, {})]
# Docker Desktop's machine (current-desktop-healthy.json, profile current-desktop): the answers it records over
# today's machine (Desktop's docker version/info, docker-desktop in wsl -l -v, Desktop's Docker Engine JSON).
DESKTOP_PATH = SNAPSHOTS / "current-desktop-healthy.json"
DESKTOP = json.loads(DESKTOP_PATH.read_text())
DESKTOP_COMMANDS = [(role, command) for role, commands in DESKTOP["hosts"].items()
                    for command, record in commands.items() if record is not None]

# The runaway output is sampled: a handful of commands whose parsers read long outputs.
BIG_SAMPLE = {("docker", "logs tensorflow"), ("wsl", "docker info"), ("wsl", "/sbin/ldconfig -p"),
              ("windows", "wsl.exe --list --verbose"), ("wsl", "cat ~/.bashrc")}
BIG_SIZE = 5 * 1024 * 1024


def _seeded(role: str, command: str, kind: str) -> random.Random:
    return random.Random(zlib.crc32(f"{kind}\0{role}\0{command}".encode()))


def _utf16(text: str, bom: bool) -> str:
    """What parsers/_text.py makes of the UTF-16LE bytes wsl.exe writes (with or without a BOM)."""
    return decode_output((b"\xff\xfe" if bom else b"") + text.encode("utf-16-le")) if text else ""


def damage(kind: str, role: str, command: str, snapshot: dict = HEALTHY) -> dict:
    healthy = snapshot["hosts"][role][command]
    stdout, stderr = healthy.get("stdout", ""), healthy.get("stderr", "")
    record = {"exit_status": healthy.get("exit_status", 0), "stdout": stdout, "stderr": stderr,
              "duration": healthy.get("duration", 0.01)}
    if kind == "empty":
        record.update(exit_status=0, stdout="", stderr="")
    elif kind == "rc1_silent":
        record.update(exit_status=1, stdout="", stderr="")
    elif kind == "rc127":
        record.update(exit_status=127, stdout="", stderr=f"sh: 1: {program_of(command)}: not found\n")
    elif kind == "garbage":
        rng = _seeded(role, command, kind)
        garbage = lambda: bytes(rng.getrandbits(8) for _ in range(2048)).decode("latin-1")  # noqa: E731
        record.update(stdout=garbage(), stderr=garbage() if stderr else "")
    elif kind in ("utf16_bom", "utf16_nobom"):
        record.update(stdout=_utf16(stdout, kind == "utf16_bom"), stderr=_utf16(stderr, kind == "utf16_bom"))
    elif kind == "truncated":
        record.update(stdout=stdout[: len(stdout) // 2], stderr=stderr[: len(stderr) // 2])
    elif kind == "crlf":
        record.update(stdout=stdout.replace("\n", "\r\n"), stderr=stderr.replace("\n", "\r\n"))
    elif kind == "big":
        rng = _seeded(role, command, kind)
        line = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789 .:-/") for _ in range(99)) + "\n"
        record.update(stdout=line * (BIG_SIZE // len(line)), stderr="")
    else:
        raise ValueError(kind)
    return record


KINDS = ("empty", "rc1_silent", "rc127", "garbage", "utf16_bom", "utf16_nobom", "truncated", "crlf", "big")
HANDLED = {"utf16_bom", "utf16_nobom", "crlf"}  # decoded or normalised by parsers/_text.py: healthy verdicts hold

# Cases that cannot be decided honestly from the output itself: (kind, role, command) -> why. Empty today.
# What no parser can tell and this matrix does not generate: an apt list (or any line-oriented file) cut
# exactly at a line end reads as a shorter whole file; parse_apt_list refuses only a cut last line.
# An entry here must still misbehave (the test says when one is no longer needed).
UNDECIDABLE: dict[tuple[str, str, str], str] = {}
# The same limit on today's machine: its apt list's second line is a commented-out one, so the cut at
# half leaves the first `deb` line whole and a bare "#", a shorter file no reader can tell from a cut.
CURRENT_UNDECIDABLE = {("truncated", "wsl", "cat /etc/apt/sources.list.d/nvidia-container-toolkit.list"):
                       "cut after the whole deb line: a comment-only remainder"}


def cases(kind: str, snapshot: dict = HEALTHY, commands: list = COMMANDS) -> list[tuple[str, str]]:
    commands = [c for c in commands if kind != "big" or c in BIG_SAMPLE]
    out = []
    for role, command in commands:
        healthy = snapshot["hosts"][role][command]
        if kind == "truncated" and not (healthy.get("stdout") or healthy.get("stderr")):
            continue  # nothing to cut: the same as the healthy record
        out.append((role, command))
    return out


# ---- the replays: one run of the product per fault kind (suite_run.replay_rows), each damaged snapshot a machine

def _run_kind(kind: str, tmp_path: Path, base: Path = HEALTHY_PATH, profile: str = "documented",
              commands: list = COMMANDS) -> tuple[str, dict[tuple[str, str], Machine]]:
    """The batch's output, and each damaged command's machine."""
    source = json.loads(base.read_text())
    damaged = cases(kind, source, commands)
    rows = {f"{kind}-{i}": (mutated(base, {role: {command: damage(kind, role, command, source)}}),
                            ("--cert-profile", profile)) for i, (role, command) in enumerate(damaged)}
    machines = replay_rows(tmp_path, rows)
    output = next(iter(machines.values())).output if machines else ""
    return output, {case: machines[f"{kind}-{i}"] for i, case in enumerate(damaged)}


def _healthy_outcomes(tmp_path_factory, path: Path, profile: str) -> dict[str, str]:
    run = replay_rows(tmp_path_factory.mktemp("healthy"), {"healthy": (path, ("--cert-profile", profile))})["healthy"]
    outcomes = run.outcomes()
    assert set(outcomes.values()) <= {"passed", "not_applicable", "warning"}, outcomes  # warning: advisory only
    return outcomes


@pytest.fixture(scope="module")
def healthy_outcomes(tmp_path_factory) -> dict[str, str]:
    return _healthy_outcomes(tmp_path_factory, HEALTHY_PATH, "documented")


@pytest.fixture(scope="module")
def current_outcomes(tmp_path_factory) -> dict[str, str]:
    return _healthy_outcomes(tmp_path_factory, CURRENT_PATH, "current")


def _reads(check: dict, role: str, command: str) -> bool:
    return any(e.get("role") == role and e.get("command") == command for e in check.get("evidence") or [])


def crashed(kind: str, output: str) -> list[str]:
    """A traceback anywhere in a kind's run: every replay of it is suspect."""
    if "Traceback" in output or "INTERNALERROR" in output:
        return [f"[{kind}]: traceback in the run\n{output[-2000:]}"]
    return []


def violations(kind: str, role: str, command: str, run: Machine, healthy: dict[str, str]) -> list[str]:
    where = f"[{kind}] {role}: {command!r}"
    if run.written is None:
        return [f"{where}: no results\n{run.output[-2000:]}"]
    found = []
    for check in run.results["checks"]:
        cid, outcome = check["id"], check["outcome"]
        if outcome == "error":
            found.append(f"{where}: {cid} is an error: {check['message'][:300]}")
        if kind in HANDLED:
            if outcome != healthy.get(cid):
                found.append(f"{where}: {cid} is {outcome}, healthy {healthy.get(cid)}: {check['message'][:300]}")
            continue
        if not _reads(check, role, command):
            continue
        if outcome == "passed":
            found.append(f"{where}: {cid} passed on damaged evidence")
        if kind == "rc127" and outcome in ("failed", "warning") and "could not run" not in check["message"]:
            found.append(f"{where}: {cid} concludes from a missing program: {check['message'][:300]}")
    return found


def _never_a_pass_nor_the_wrong_cause(kind, output, runs, outcomes, undecidable, undecidable_name):
    """Every replay of one damage KIND against the machine's OUTCOMES; UNDECIDABLE rows must still be undecidable."""
    assert runs, kind
    found = crashed(kind, output)
    for (role, command), run in runs.items():
        problems = violations(kind, role, command, run, outcomes)
        if (kind, role, command) in undecidable:
            assert problems, f"no longer undecidable, remove it from {undecidable_name}: {(kind, role, command)}"
            continue
        found += problems
    assert not found, f"{len(found)} of {len(runs)} replays:\n" + "\n".join(found)


@pytest.mark.parametrize("kind", KINDS)
def test_damaged_evidence_is_never_a_pass_nor_the_wrong_cause(kind, tmp_path, healthy_outcomes):
    output, runs = _run_kind(kind, tmp_path)
    _never_a_pass_nor_the_wrong_cause(kind, output, runs, healthy_outcomes, UNDECIDABLE, "UNDECIDABLE")


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "big"])
def test_damaged_evidence_of_todays_machine_is_never_a_pass_nor_the_wrong_cause(kind, tmp_path, current_outcomes):
    output, runs = _run_kind(kind, tmp_path, CURRENT_PATH, "current", CURRENT_COMMANDS)
    _never_a_pass_nor_the_wrong_cause(kind, output, runs, current_outcomes, CURRENT_UNDECIDABLE, "CURRENT_UNDECIDABLE")


@pytest.fixture(scope="module")
def desktop_outcomes(tmp_path_factory) -> dict[str, str]:
    return _healthy_outcomes(tmp_path_factory, DESKTOP_PATH, "current-desktop")


@pytest.mark.parametrize("kind", [k for k in KINDS if k != "big"])
def test_damaged_evidence_of_a_docker_desktop_machine_is_never_a_pass_nor_the_wrong_cause(kind, tmp_path,
                                                                                          desktop_outcomes):
    output, runs = _run_kind(kind, tmp_path, DESKTOP_PATH, "current-desktop", DESKTOP_COMMANDS)
    assert runs, kind
    found = crashed(kind, output) + [p for (role, command), run in runs.items()
                                     for p in violations(kind, role, command, run, desktop_outcomes)]
    assert not found, f"{len(found)} of {len(runs)} replays:\n" + "\n".join(found)


def test_desktop_commands_include_its_own_probes():
    assert {c for _, c in DESKTOP_COMMANDS} >= {"docker version", "docker info", "wsl.exe --list --verbose"}
    assert any("daemon.json" in c and c.startswith("cmd.exe") for _, c in DESKTOP_COMMANDS)


def test_todays_commands_are_the_current_profiles_own():
    assert {c for _, c in CURRENT_COMMANDS} >= {"nvidia-ctk --version", "nvidia-container-cli -k -d /dev/stdout info",
                                                "cat /etc/nvidia-container-runtime/config.toml", "cat /etc/wsl.conf",
                                                "systemctl is-active docker"}


def test_every_recorded_command_is_damaged():
    assert len(COMMANDS) == 55 and {r for r, _ in COMMANDS} == {"windows", "wsl", "docker", "container:tensorflow",
                                                                 "container:rstudio"}
    assert BIG_SAMPLE <= set(COMMANDS)
    # each fault really differs from the healthy record (or is a handled re-encoding of it)
    for role, command in COMMANDS:
        healthy = HEALTHY["hosts"][role][command]
        for kind in ("empty", "rc1_silent", "rc127", "garbage"):
            assert damage(kind, role, command) != {**healthy, "duration": healthy.get("duration", 0.01)} or \
                (kind == "empty" and not healthy.get("stdout") and not healthy.get("stderr"))
    assert damage("rc127", "wsl", "pgrep -a dockerd")["stderr"] == "sh: 1: pgrep: not found\n"
    assert len(damage("garbage", "wsl", "docker info")["stdout"]) == 2048
    assert damage("utf16_bom", "wsl", "docker info")["stdout"] == HEALTHY["hosts"]["wsl"]["docker info"]["stdout"]

