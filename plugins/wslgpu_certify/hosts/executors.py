"""How a command string reaches a host: each executor is a tiny callable.

The command string is what a probe wrote and what a snapshot stores; an executor
only wraps it into an argv (or answers it from a snapshot).
"""

from __future__ import annotations

import atexit
import os
import signal
import subprocess
import threading
import time

from ..parsers._text import decode_output
from .records import CommandRecord


class NotRecorded(LookupError):
    """A replayed command that the snapshot does not hold."""

    def __init__(self, role: str, command: str):
        self.role = role
        self.command = command
        super().__init__(f"not recorded in snapshot: {command}")


class SubprocessExecutor:
    """Runs `prefix + [command]` locally, killing the whole process group on timeout.

    >>> SubprocessExecutor(["/bin/sh", "-c"])("echo hi", timeout=5).stdout
    'hi\\n'
    """

    def __init__(self, prefix: list[str], env: dict[str, str] | None = None):
        self.prefix = prefix
        self.env = env

    def __call__(self, command: str, timeout: float) -> CommandRecord:
        started = time.monotonic()
        env = {**os.environ, **self.env} if self.env else None
        try:
            proc = subprocess.Popen(
                [*self.prefix, command],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
                env=env,
            )
        except OSError as exc:  # the shell or interop binary itself is missing
            return CommandRecord(command, 127, "", str(exc), 0.0)
        with _RUNNING_LOCK:
            _RUNNING.add(proc)
        out, err = CappedStream(proc, proc.stdout), CappedStream(proc, proc.stderr)
        try:
            try:
                proc.wait(timeout=timeout)
                timed_out = False
            except subprocess.TimeoutExpired:
                _kill_group(proc)
                proc.wait()
                timed_out = True
            out.join(), err.join()
        except BaseException:  # Ctrl-C or SIGTERM while it runs: its processes end with the run
            _kill_group(proc)
            proc.wait()
            raise
        finally:
            with _RUNNING_LOCK:
                _RUNNING.discard(proc)
        cut = out.cut or err.cut
        return CommandRecord(
            command=command,
            exit_status=None if timed_out or cut else proc.returncode,
            stdout=decode_output(bytes(out.data)),
            stderr=decode_output(bytes(err.data)),
            duration=round(time.monotonic() - started, 3),
            timed_out=timed_out,
            cut_at=OUTPUT_CAP if cut else 0,
        )


OUTPUT_CAP = 8 * 1024 * 1024  # bytes kept of each stream; a command printing more is killed, its output cut
_CHUNK = 64 * 1024
_DRAIN_GRACE = 5.0  # seconds to wait for a pipe to close once its command ended (a child that escaped the group)


class CappedStream:
    """Reads one pipe of a command in a thread, keeping at most OUTPUT_CAP bytes.

    Past the cap the command's process group is killed (a program flooding its output must not fill
    the suite's memory, nor run on for the rest of its timeout) and `cut` is set: the record says the
    output was cut, and no check passes on it (probes/probe.py).
    """

    def __init__(self, proc: subprocess.Popen, pipe):
        self.proc = proc
        self.data = bytearray()
        self.cut = False
        self._thread = threading.Thread(target=self._read, args=(pipe,), daemon=True, name="wslgpu-output")
        self._thread.start()

    def _read(self, pipe) -> None:
        try:
            while chunk := pipe.read1(_CHUNK):
                room = OUTPUT_CAP - len(self.data)
                if len(chunk) > room:
                    if not self.cut:
                        self.cut = True
                        _kill_group(self.proc)
                    chunk = chunk[:max(room, 0)]
                self.data += chunk  # past the cap: drained and dropped until the pipe closes
        except (OSError, ValueError):  # the pipe closed under us
            pass
        finally:
            pipe.close()

    def join(self) -> None:
        self._thread.join(_DRAIN_GRACE)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        proc.kill()


# Commands running now (each in a process group of its own, out of reach of the terminal's Ctrl-C).
# A run interrupted while prefetch threads wait on some kills them on its way out.
_RUNNING: set[subprocess.Popen] = set()
_RUNNING_LOCK = threading.Lock()


@atexit.register
def kill_running() -> None:
    """Kill every command still running (their process groups): nothing the suite started outlives it."""
    with _RUNNING_LOCK:
        running = list(_RUNNING)
    for proc in running:
        _kill_group(proc)


class ReplayExecutor:
    """Answers commands from one role of a snapshot."""

    replaying = True  # what probes.probe.read asks (a wrapper around an executor passes it on)

    def __init__(self, role: str, commands: dict[str, CommandRecord]):
        self.role = role
        self.commands = commands

    def __call__(self, command: str, timeout: float) -> CommandRecord:
        try:
            return self.commands[command]
        except KeyError:
            raise NotRecorded(self.role, command) from None


# Windows executables reached from inside the distro through WSL interop.
# WSL_UTF8 makes wsl.exe write UTF-8; decode_output copes either way.
INTEROP_ENV = {"WSL_UTF8": "1"}


def local_shell() -> SubprocessExecutor:
    return SubprocessExecutor(["/bin/sh", "-c"])


def windows_via_interop() -> SubprocessExecutor:
    """From inside WSL: Windows commands such as `cmd.exe /c ver` run through interop."""
    return SubprocessExecutor(["/bin/sh", "-c"], env=INTEROP_ENV)


def windows_native() -> SubprocessExecutor:
    """On Windows itself: the same command strings run under cmd."""
    return SubprocessExecutor(["cmd.exe", "/d", "/c"])


def distro_via_wsl_exe(distro: str, user: str | None) -> SubprocessExecutor:
    """From Windows: reach the distro with `wsl.exe -d DISTRO -u USER -- sh -c CMD`."""
    prefix = ["wsl.exe", "-d", distro]
    if user:
        prefix += ["-u", user]
    return SubprocessExecutor([*prefix, "--", "/bin/sh", "-c"], env=INTEROP_ENV)
