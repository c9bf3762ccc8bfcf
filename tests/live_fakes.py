"""Fake Windows and distro programs first on PATH, for the live fault tests (test_live_faults.py).

`install(bin_dir, ...)` writes one sh wrapper per program name; each execs this file
(`python -S live_fakes.py MARKER NAME ARGS...`), so every fake process, and the child a hanging
fake starts, carries the run's MARKER in its command line: /proc shows any left behind.

What each fake answers when it is not the faulted one ("plain"), from the healthy snapshot:
- `cmd.exe /d /c S` (the --env=windows executor): the snapshot's Windows answer to S, or, when
  S starts another fake (`wsl.exe ...`, `nvidia-smi.exe`), that fake's answer, as cmd runs it;
- `wsl.exe -d DISTRO [-u USER] -- CMD...` stands in for the distro: the snapshot's distro answer
  when it recorded CMD, this machine's (`sh -c CMD`) otherwise, and another fake's when CMD starts
  one (`docker`, `pgrep`, and the driver's `/usr/lib/wsl/lib/nvidia-smi`, which is the fake
  `nvidia-smi`); `wsl.exe --status` and the others: the snapshot's Windows answer;
- `docker`, `nvidia-smi`, `nvidia-smi.exe`, `powershell.exe`, `pgrep`: the snapshot's answer to
  the same command (`pgrep` stands in for a running dockerd, so the docker layer is reached).
The faulted program (FAKE_FAULT=program:mode) computes that answer, then damages it: `hang`
(half the output, then a child and itself sleep 600 s), `garbage` (2 KB of random bytes), `utf16`
(UTF-16LE with a BOM, as Windows programs write), `empty` (nothing, exit 0), `flood` (the answer,
then `x` without a newline, 64 KB at a time, until the reader stops it); `plain` is the control.
A fake started by another fake's command runs in that process (a 20 ms Python start each is most
of a live run's cost), its fault applied the same way.

This file is both the test side (install, leftovers) and the fake; the fake imports only what
it uses, late, to start fast.
"""

from __future__ import annotations

import os
import sys

FAKES = ("docker", "nvidia-smi", "nvidia-smi.exe", "wsl.exe", "cmd.exe", "powershell.exe", "pgrep")
MODES = ("plain", "hang", "garbage", "utf16", "empty", "flood")
DRIVER_NVIDIA_SMI = "/usr/lib/wsl/lib/nvidia-smi"  # how the distro's probes name it (probes/distro.py)
ROLE = {"cmd.exe": "windows", "wsl.exe": "windows", "nvidia-smi.exe": "windows", "powershell.exe": "windows"}


# ---- the test side ------------------------------------------------------------------------------

def install(bin_dir, marker: str, snapshot, fault: str, log) -> dict[str, str]:
    """Write the wrappers and the answers; returns the environment a suite run needs to find them first."""
    import json
    import marshal
    import shlex

    bin_dir.mkdir(parents=True, exist_ok=True)
    answers = {}  # (role, command string) and (role, argv tuple) -> (exit status, stdout, stderr)
    for role, commands in json.loads(snapshot.read_text())["hosts"].items():
        for command, record in commands.items():
            if record is None:
                continue
            answer = (record.get("exit_status", 0), record.get("stdout", "").encode(), record.get("stderr", "").encode())
            answers[(role, command)] = answer
            try:
                answers.setdefault((role, tuple(shlex.split(command))), answer)
            except ValueError:  # a heredoc with an unbalanced quote: never one of the fakes' commands
                pass
    (bin_dir / "answers.marshal").write_bytes(marshal.dumps(answers))
    for name in FAKES:
        wrapper = bin_dir / name
        wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} -S {shlex.quote(__file__)} '
                           f'{shlex.quote(marker)} {name} "$@"\n')
        wrapper.chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "FAKE_FAULT": fault,
            "FAKE_ANSWERS": str(bin_dir / "answers.marshal"), "FAKE_LOG": str(log)}


def suite_run(tmp_path, env: str, fault: str, timeout: float, repo, snapshot) -> tuple[list[str], dict, str]:
    """(argv, environment, marker) of a live suite run with the fakes first on PATH: no container engine
    (DOCKER_HOST names a socket that does not exist), the guide's profile also accepting this machine's
    distro (the distro of --env=linux), reports under tmp_path/reports, calls logged to tmp_path/calls."""
    import uuid

    marker = f"wslgpu-live-fake-{uuid.uuid4().hex[:12]}"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "WSL_"))}
    environ.update(install(tmp_path / "bin", marker, snapshot, fault, tmp_path / "calls"))
    environ["DOCKER_HOST"] = f"unix://{tmp_path}/no-engine.sock"
    environ["PYTHONPATH"] = os.pathsep.join([str(repo / "plugins"), environ.get("PYTHONPATH", "")])
    with open("/etc/os-release") as f:
        release = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
    here = release.get("ID", "").strip('"') + release.get("VERSION_ID", "").strip('"')
    profile = tmp_path / "here.toml"
    profile.write_text(f'extends = "documented"\nname = "live-faults"\n[wsl]\n'
                       f'distributions = ["ubuntu18.04", "ubuntu20.04", "{here}"]\n')
    argv = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", "-q", f"--env={env}",
            f"--probe-timeout={timeout:g}", f"--cert-profile={profile}", f"--reports-dir={tmp_path / 'reports'}"]
    return argv, environ, marker


def calls(log) -> list[str]:
    """The fake programs called, in order (one name per call, nested ones included)."""
    return log.read_text().split() if log.exists() else []


def leftovers(marker: str) -> list[str]:
    """Command lines of live processes carrying the marker (the fakes and their children)."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{pid}/stat") as f:
                state = f.read().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            continue  # gone while we looked
        if marker in cmdline and state != "Z":
            found.append(f"{pid}: {cmdline.strip()}")
    return found


# ---- the fake -----------------------------------------------------------------------------------

_ANSWERS: dict = {}
Answer = tuple  # (exit status, stdout bytes, stderr bytes)


def _lookup(role: str, command: str | None, argv: list[str]) -> Answer | None:
    """The healthy snapshot's answer to a command (by its string, or by its argv), None if not recorded."""
    if not _ANSWERS:
        import marshal
        with open(os.environ["FAKE_ANSWERS"], "rb") as f:
            _ANSWERS.update(marshal.load(f))
    return _ANSWERS.get((role, command)) or _ANSWERS.get((role, tuple(argv)))


def _unknown(what: str) -> Answer:
    return 1, b"", f"fake: {what}: not in the healthy snapshot\n".encode()


def _shell(command: str) -> Answer:
    import subprocess
    proc = subprocess.run(["/bin/sh", "-c", command], capture_output=True, stdin=subprocess.DEVNULL)
    return proc.returncode, proc.stdout, proc.stderr


def _nested(command: str) -> Answer | None:
    """Another fake's answer when `command` starts one (run here, as that fake would), else None."""
    if command.startswith(DRIVER_NVIDIA_SMI):
        command = "nvidia-smi" + command[len(DRIVER_NVIDIA_SMI):]
    words = command.split()
    if not words or words[0] not in FAKES:
        return None
    if "'" in command or '"' in command:  # quoted arguments: let sh split them, as it would
        return _shell(command)
    return answer(words[0], words[1:], command)


def _distro(argv: list[str]) -> Answer:
    """The distro behind the fake wsl.exe: another fake, the snapshot's answer, or this machine's."""
    command = argv[2] if argv[:2] == ["/bin/sh", "-c"] and len(argv) == 3 else " ".join(argv)
    nested = _nested(command)
    if nested is not None:
        return nested
    return _lookup("wsl", command, []) or _shell(command)


def plain_answer(name: str, args: list[str], command: str | None = None) -> Answer:
    if name == "cmd.exe" and args[:2] == ["/d", "/c"] and len(args) == 3:  # cmd.exe /d /c S
        nested = None if args[2].startswith("cmd.exe ") else _nested(args[2])
        return nested or _lookup("windows", args[2], []) or _unknown(args[2])
    if name == "wsl.exe" and args[:1] == ["-d"] and "--" in args and not _lookup("windows", command, [name, *args]):
        return _distro(args[args.index("--") + 1:])
    program = DRIVER_NVIDIA_SMI if name == "nvidia-smi" else name
    if command is not None and name == "nvidia-smi":
        command = DRIVER_NVIDIA_SMI + command[len(name):]
    return _lookup(ROLE.get(name, "wsl"), command, [program, *args]) or _unknown(" ".join([program, *args]))


def damaged(mode: str, answer: Answer, marker: str, seed: str) -> Answer:
    rc, out, err = answer
    if mode == "garbage":
        import random
        import zlib
        rng = random.Random(zlib.crc32(seed.encode()))
        return rc, bytes(rng.getrandbits(8) for _ in range(2048)), b""
    if mode == "utf16":
        def utf16(raw: bytes) -> bytes:
            return b"\xff\xfe" + raw.decode(errors="replace").encode("utf-16-le") if raw else b""
        return rc, utf16(out), utf16(err)
    if mode == "empty":
        return 0, b"", b""
    if mode == "flood":
        sys.stdout.buffer.write(out)
        chunk = b"x" * 65536
        try:
            while True:
                sys.stdout.buffer.write(chunk)
        except (BrokenPipeError, OSError):
            os._exit(141)
    if mode == "hang":
        import subprocess
        import time
        sys.stdout.buffer.write(out[: len(out) // 2])
        sys.stdout.flush()
        subprocess.Popen([sys.executable, "-S", "-c", "import time; time.sleep(600)", marker])
        time.sleep(600)
    return answer


def answer(name: str, args: list[str], command: str | None = None) -> Answer:
    """This fake's answer: the plain one, damaged when this is the faulted program."""
    with open(os.environ["FAKE_LOG"], "a") as log:
        log.write(name + "\n")
    faulted, _, mode = os.environ["FAKE_FAULT"].partition(":")
    plain = plain_answer(name, args, command)
    return damaged(mode, plain, sys.argv[1], f"{name} {args}") if name == faulted and mode != "plain" else plain


def main(argv: list[str]) -> int:
    rc, out, err = answer(argv[1], argv[2:])
    sys.stdout.buffer.write(out)
    sys.stderr.buffer.write(err)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
