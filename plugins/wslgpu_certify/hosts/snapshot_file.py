"""Reading a snapshot file as untrusted input: bounded, and checked field by field before anything uses it.

A snapshot arrives from anywhere (a customer's ticket, a fleet member, a hand edit), so every way it
can be wrong ends as one `SnapshotError` line (a usage error: exit 4), never a traceback, and never
unbounded reading: the file must be a regular file of at most MAX_SNAPSHOT_BYTES (not a device, a
FIFO or /dev/zero behind a symlink), its JSON no deeper than Python's parser allows, its text free of
lone surrogates (JSON's "\\ud800" loads as a str no report can be written from; no machine printed it:
our recorder writes UTF-8 it decoded itself), and every field of the type docs/snapshots.md gives it.
"""

from __future__ import annotations

import json
import math
import os
import stat
from pathlib import Path

from ..lazy_regex import regex

FORMAT = "wslgpu-certify-snapshot/1"
MAX_SNAPSHOT_BYTES = 64 * 1024 * 1024  # a recorded machine is well under 1 MB; a hand-made one no bigger
MAX_EXTENDS = 8  # snapshots a chain of `extends` may hold (the bundled broken ones use one)
RECORDED_ENVS = ("wsl", "windows", "linux")  # the env of a recorded machine (hosts/machine.py ENVS, less auto/replay)
ROLE = regex(r"windows|wsl|docker|container:[a-z][a-z0-9_-]{0,31}")  # hosts/machine.py ROLES
_SURROGATE = regex(r"[\ud800-\udfff]")
_METADATA_TEXT = ("description", "recorded_at", "profile", "tool_version", "hostname", "distro", "user", "platform")


class SnapshotError(ValueError):
    """A snapshot that cannot be used; the message is one line for the user."""


def read_json(path: Path) -> dict:
    """The snapshot's JSON object, read through the bounds above; raises SnapshotError."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise SnapshotError(f"snapshot {path} is not a regular file (a device, a FIFO or a folder is never one)")
        if info.st_size > MAX_SNAPSHOT_BYTES:
            raise SnapshotError(f"snapshot {path} is {info.st_size} bytes, over the {MAX_SNAPSHOT_BYTES} "
                                f"byte limit (MAX_SNAPSHOT_BYTES)")
        # O_NONBLOCK: should the path turn into a FIFO after the stat, opening it does not wait for a writer
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as file:
            if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
                raise SnapshotError(f"snapshot {path} is not a regular file")
            data = file.read(MAX_SNAPSHOT_BYTES + 1)
    except FileNotFoundError:
        raise SnapshotError(f"snapshot not found: {path}") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
        if isinstance(exc, SnapshotError):
            raise
        raise SnapshotError(f"snapshot {path} cannot be read: {exc}") from None
    if len(data) > MAX_SNAPSHOT_BYTES:
        raise SnapshotError(f"snapshot {path} grew over the {MAX_SNAPSHOT_BYTES} byte limit while read")
    try:
        raw = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise SnapshotError(f"snapshot {path} cannot be read: it is not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise SnapshotError(f"snapshot {path} is not valid JSON (line {exc.lineno}: {exc.msg})") from None
    except RecursionError:
        raise SnapshotError(f"snapshot {path} nests its JSON too deeply to be a snapshot") from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise SnapshotError(f"snapshot {path} is not usable JSON: {str(exc).splitlines()[0][:200]}") from None
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise SnapshotError(f"snapshot {path} is not a {FORMAT} file (missing or wrong \"format\")")
    return raw


def _text(path: Path, where: str, value, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str):
        raise SnapshotError(f"snapshot {path}: {where} must be a string, not {_kind(value)}")
    if _SURROGATE.search(value):
        raise SnapshotError(f"snapshot {path}: {where} holds a lone UTF-16 surrogate (\\ud800-\\udfff), "
                            f"which is no text a machine printed")


def _kind(value) -> str:
    return "null" if value is None else {dict: "an object", list: "a list", bool: "true/false", str: "a string"}.get(
        type(value), "a number")


def check_metadata(path: Path, metadata) -> None:
    if not isinstance(metadata, dict):
        raise SnapshotError(f"snapshot {path}: \"metadata\" and \"hosts\" must be JSON objects")
    for key, value in metadata.items():
        _text(path, "a metadata key", key)
        if key == "env":
            if value not in RECORDED_ENVS:
                raise SnapshotError(f"snapshot {path}: metadata.env must be one of {', '.join(RECORDED_ENVS)}, "
                                    f"not {json.dumps(value)[:60]}")
        elif key in _METADATA_TEXT:  # null: not recorded (a variant unsets its base's distro so)
            _text(path, f"metadata.{key}", value, optional=True)
        elif isinstance(value, (dict, list)):
            raise SnapshotError(f"snapshot {path}: metadata.{key[:40]} must be a string, number, true/false or null")
        elif isinstance(value, str):
            _text(path, f"metadata.{key[:40]}", value)


def check_record(path: Path, where: str, data: dict) -> None:
    """One command's result: types as CommandRecord holds them (hosts/records.py)."""
    for name in ("stdout", "stderr"):
        if name in data:
            _text(path, f"{where}.{name}", data[name])
    status = data.get("exit_status")
    if status is not None and (not isinstance(status, int) or isinstance(status, bool)
                               or not -2**31 <= status < 2**32):  # POSIX and Windows exit codes, a signal's -N
        raise SnapshotError(f"snapshot {path}: {where}.exit_status must be an integer (32 bits) or null, "
                            f"not {_kind(status)}")
    duration = data.get("duration", 0.0)
    if isinstance(duration, bool) or not isinstance(duration, (int, float)) or not math.isfinite(duration) \
            or duration < 0:
        raise SnapshotError(f"snapshot {path}: {where}.duration must be a number of seconds >= 0")
    if not isinstance(data.get("timed_out", False), bool):
        raise SnapshotError(f"snapshot {path}: {where}.timed_out must be true or false")
    cut_at = data.get("cut_at", 0)  # hosts/executors.py's OUTPUT_CAP when the output was cut
    if isinstance(cut_at, bool) or not isinstance(cut_at, int) or not 0 <= cut_at < 2**63:
        raise SnapshotError(f"snapshot {path}: {where}.cut_at must be a number of bytes >= 0")


def check_hosts(path: Path, hosts) -> None:
    if not isinstance(hosts, dict):
        raise SnapshotError(f"snapshot {path}: \"metadata\" and \"hosts\" must be JSON objects")
    for role, commands in hosts.items():
        _text(path, "a host role", role)
        if not ROLE.fullmatch(role):
            raise SnapshotError(f"snapshot {path}: unknown host role {role[:40]!r} (windows, wsl, docker, "
                                f"container:<role>)")
        if not isinstance(commands, dict):
            raise SnapshotError(f"snapshot {path}: hosts.{role} must map commands to results")
        for command, data in commands.items():
            _text(path, f"a command of hosts.{role}", command)
            if data is not None and not isinstance(data, dict):
                raise SnapshotError(f"snapshot {path}: hosts.{role}[{command[:60]!r}] must be an object or null")
            if data is not None:
                check_record(path, f"hosts.{role}[{command[:60]!r}]", data)


def extended_path(path: Path, extends, bundled: Path) -> Path:
    """The file `extends` names: relative to the snapshot's own folder and inside it, else a bundled snapshot
    (fixtures/snapshots/) by name or by its path; never an arbitrary absolute path or a way out of the folder."""
    _text(path, "\"extends\"", extends)
    if not extends or "\x00" in extends:
        raise SnapshotError(f"snapshot {path}: \"extends\" must name a snapshot file")
    try:
        named, bundled = Path(extends), bundled.resolve()
        if named.is_absolute():
            target = named.resolve()
            if target.is_relative_to(bundled) or target.is_relative_to(path.parent):
                return target
        else:
            own = (path.parent / named).resolve()
            if own.is_relative_to(path.parent) and (own.exists() or not bundled.is_dir()):
                return own  # a missing one: read_json says "not found"
            in_bundle = (bundled / named).resolve()
            if in_bundle.is_relative_to(bundled) and in_bundle.exists():
                return in_bundle
            if own.is_relative_to(path.parent):
                return own
    except (OSError, RuntimeError) as exc:  # a name too long, a symlink loop
        raise SnapshotError(f"snapshot {path}: \"extends\" cannot be followed: {exc}") from None
    raise SnapshotError(f"snapshot {path}: \"extends\" {extends[:80]!r} leaves the snapshot's folder: name a "
                        f"snapshot beside it, or a bundled one by name (wslgpu-certify --list-snapshots)")
