"""Executors of the container roles: what `start <role>` / `logs <role>` and commands inside a container do."""

from __future__ import annotations

import codecs
import threading
import time
from typing import Callable

from ..parsers._text import decode_output
from ..hosts.executors import OUTPUT_CAP
from ..hosts.records import CommandRecord
from ..parsers.apps import jupyter_token_name, parse_jupyter_url
from ..redact import redact
from .engine import DockerUnavailable, explain_engine_error
from .manager import ContainerManager


def jupyter_ready(log: str) -> bool:
    """Jupyter printed its token URL: the server listens (both guide images run Jupyter)."""
    return parse_jupyter_url(log) is not None


def follow_logs(container, ready: Callable[[str], bool], timeout: float) -> tuple[bool, str, bool]:
    """Read the container's log as it is written until `ready(log)`, the container exits, the deadline, or
    OUTPUT_CAP bytes (then `cut`: a container flooding its log must not fill the suite's memory).

    Readiness is asked of each piece's complete lines (with the unfinished line before them), not of
    the whole log again, so a long log costs its length once.
    """
    stream = container.logs(stream=True, follow=True, stdout=True, stderr=True)
    chunks: list[str] = []
    state = {"cut": False}
    found, finished = threading.Event(), threading.Event()

    def pump():
        decoder, size, pending = codecs.getincrementaldecoder("utf-8")(errors="replace"), 0, ""
        try:
            for chunk in stream:
                if size + len(chunk) > OUTPUT_CAP:
                    chunks.append(decoder.decode(chunk[:OUTPUT_CAP - size], final=True))
                    state["cut"] = True
                    return
                size += len(chunk)
                text = decoder.decode(chunk)
                chunks.append(text)
                complete, _, pending = (pending + text).rpartition("\n")  # a URL cut mid-token is not one
                if complete and ready(complete):
                    found.set()
                    return
                pending = pending[-_LINE_WINDOW:]
            if pending and ready(pending):  # the log ended without a final newline
                found.set()
        except Exception:  # the stream was closed under us at the deadline
            pass
        finally:
            finished.set()

    threading.Thread(target=pump, daemon=True, name="wslgpu-follow-logs").start()
    finished.wait(timeout)
    stream.close()
    return found.is_set(), "".join(chunks), state["cut"]


_LINE_WINDOW = 64 * 1024  # characters of an unfinished log line kept for the readiness test


def capped_exec(container, argv: list[str]) -> tuple[int | None, bytes, bytes, bool]:
    """`docker exec` read as a stream, at most OUTPUT_CAP bytes of each of stdout and stderr.

    (exit code, stdout, stderr, cut): past the cap reading stops and the exit code is not asked
    (None); the command itself ends under the `timeout` it runs in (ContainerExec).
    """
    api = container.client.api
    exec_id = api.exec_create(container.id, argv, stdout=True, stderr=True)["Id"]
    kept = {0: bytearray(), 1: bytearray()}
    for pieces in api.exec_start(exec_id, stream=True, demux=True):
        for index, piece in enumerate(pieces):
            if not piece:
                continue
            if len(kept[index]) + len(piece) > OUTPUT_CAP:
                kept[index] += piece[:OUTPUT_CAP - len(kept[index])]
                return None, bytes(kept[0]), bytes(kept[1]), True
            kept[index] += piece
    return api.exec_inspect(exec_id)["ExitCode"], bytes(kept[0]), bytes(kept[1]), False


class DockerRecords:
    """Executor for host role "docker": `start <role>` and `logs <role>` as recorded commands."""

    def __init__(self, manager: ContainerManager, on_secret: Callable[[str, str], None] = redact.learn):
        self.manager = manager
        self.on_secret = on_secret

    def __call__(self, command: str, timeout: float) -> CommandRecord:
        started = time.monotonic()
        verb, _, role = command.partition(" ")
        if verb == "start":
            record = self.manager.start(role)
            exit_status, out, err, cut = 0 if record.started else 1, record.to_text(), record.error or "", False
        elif verb == "logs":
            exit_status, out, err, cut = self._logs(role, timeout)
        else:
            exit_status, out, err, cut = 2, "", f"unknown docker record command: {command}", False
        return CommandRecord(command, exit_status, out, err, round(time.monotonic() - started, 3),
                             cut_at=OUTPUT_CAP if cut else 0)

    def _logs(self, role: str, timeout: float) -> tuple[int, str, str, bool]:
        """The container log once Jupyter printed its token URL (exit 1 when it never did), and whether it
        was cut at OUTPUT_CAP."""
        try:
            container = self.manager.container(role)
        except DockerUnavailable as exc:
            return 1, "", str(exc), False
        deadline = min(timeout, self.manager.ready_timeout)
        ready, log, cut = follow_logs(container, jupyter_ready, deadline)
        url = parse_jupyter_url(log)
        if url:
            # before the log passes the runner's redaction: checks read `?token=<REDACTED>` from it and
            # get the real token back by this name (container_checks.jupyter_url)
            self.on_secret(jupyter_token_name(role), url.token)
        if cut:
            return 1, log, f"the container log passed {OUTPUT_CAP // 2**20} MB before Jupyter printed its URL", True
        if ready:
            return 0, log, "", False
        container.reload()
        return 1, log, (f"no Jupyter URL in the container log within {deadline:g} s "
                        f"(container {container.status}, exit code {container.attrs['State'].get('ExitCode')})"), False


class ContainerExec:
    """Executor for host role "container:<role>": `/bin/sh -c CMD` inside the role's container.

    `exec_run` has no timeout, so the command runs under coreutils `timeout` inside the
    container (which kills it there) and the call itself in a thread with a deadline
    (in case the engine stops answering).
    """

    GRACE = 15  # seconds after `timeout` should have killed the command

    def __init__(self, manager: ContainerManager, role: str):
        self.manager = manager
        self.role = role

    def __call__(self, command: str, timeout: float) -> CommandRecord:
        started = time.monotonic()
        try:
            container = self.manager.container(self.role)
        except DockerUnavailable as exc:
            return CommandRecord(command, 125, "", str(exc), 0.0)
        argv = ["timeout", "-k", "5", str(int(timeout)), "/bin/sh", "-c", command]
        outcome: dict = {}

        def run():
            try:
                outcome["result"] = capped_exec(container, argv)
            except Exception as exc:  # the container died, the engine went away
                outcome["error"] = explain_engine_error(exc)

        worker = threading.Thread(target=run, daemon=True, name=f"wslgpu-exec-{self.role}")
        worker.start()
        worker.join(timeout + self.GRACE)
        duration = round(time.monotonic() - started, 3)
        if worker.is_alive():
            return CommandRecord(command, None, "", "", duration, timed_out=True)
        if "error" in outcome:
            return CommandRecord(command, 126, "", f"docker exec failed: {outcome['error']}", duration)
        exit_code, out, err, cut = outcome["result"]
        # timeout(1) exits 124 (TERM) or 137 (KILL after -k) when it had to stop the command
        timed_out = exit_code in (124, 137) and duration >= timeout
        return CommandRecord(command, None if timed_out else exit_code, decode_output(out), decode_output(err),
                             duration, timed_out=timed_out, cut_at=OUTPUT_CAP if cut else 0)
