"""Small shell facts: does a path exist, which libraries the loader knows, which processes run."""

from __future__ import annotations

import re

from ._text import MAX_OUTPUT, content_lines, plausible_count, require_text
from .distro import LS_LONG
from .errors import UnreadableOutput
from ..lazy_regex import regex

_IMAGE_ID = regex(r"sha256:[0-9a-f]{64}")
_MISSING = regex(r"No such file or directory|No such (?:image|object)|cannot access|not found|does not exist|^missing$", re.I)


def parse_presence(text: str) -> bool:
    """Whether a probe found its path: `present`/`missing` echoes, `ls -la PATH`, `test -e` style output.

    >>> parse_presence("crw-rw-rw- 1 root root 10, 63 Nov 20 10:00 /dev/dxg")
    True
    >>> parse_presence("ls: cannot access '/dev/dxg': No such file or directory")
    False
    """
    body = content_lines(require_text("presence probe", text))
    if not body:
        raise UnreadableOutput("presence probe (no output)", text)
    if any(_MISSING.search(line) for line in body):
        return False
    # Only a whole answer vouches for the path: the `ls -l` row up to its name, the image id with
    # all 64 hex digits (`docker image inspect --format '{{.Id}}'`), the echo's whole word.
    if body[-1] == "present" or LS_LONG.match(body[-1]) or _IMAGE_ID.fullmatch(body[-1]):
        return True
    raise UnreadableOutput("presence probe", text)


_LDCONFIG_ROW = regex(r"^\s*(\S+)\s+\(([^)]*)\)\s+=>\s+(\S+)\s*$")


# glibc's ldconfig prints the count first: "9 libs found in cache `/etc/ld.so.cache'" (or "1 library found").
_LDCONFIG_COUNT = regex(r"^(\d+) (?:libs|library) found in cache")


def parse_ldconfig(text: str) -> dict[str, str]:
    """Library name -> path from `ldconfig -p` (the first entry of a name wins, as the loader's).

    Complete output: when the count line is there, exactly that many rows follow, and each row's
    path ends in the library's own name (the cache maps a soname to DIR/soname), so a row or a
    listing cut short is unreadable rather than a cache without libcuda.
    """
    libraries: dict[str, str] = {}
    count, rows = None, 0
    for line in content_lines(require_text("ldconfig -p", text, most=4 * MAX_OUTPUT)):
        row = _LDCONFIG_ROW.match(line)
        counted = _LDCONFIG_COUNT.match(line)
        if row:
            name, path = row.group(1), row.group(3)
            if not path.startswith("/") or path.rsplit("/", 1)[-1] != name:
                raise UnreadableOutput("ldconfig -p (row cut short)", line)
            rows += 1
            libraries.setdefault(name, path)
        elif counted and count is None:
            count = int(counted.group(1))
        else:
            raise UnreadableOutput("ldconfig -p", line)
    if not libraries:
        raise UnreadableOutput("ldconfig -p (empty cache)", text)
    if count is not None and rows != count:
        raise UnreadableOutput(f"ldconfig -p ({rows} rows where it announced {count})", text)
    return libraries


# Linux's pid_max is at most 2^22 (proc(5), /proc/sys/kernel/pid_max).
_PID_MAX = 4194304
MAX_PROCESSES = 64


def parse_pgrep(text: str, name: str = "dockerd") -> list[str]:
    """Command lines from `pgrep -a NAME` (empty when nothing runs).

    pgrep matches NAME against the process name, and `-a` prints "PID COMMAND-LINE" (the bare
    name for a process without one), so every row's program must carry NAME: a row cut to "312 do"
    or "31" names no such process and is unreadable. Empty output is "nothing runs": real pgrep
    prints nothing then, with exit status 1; the exit status is the probe's to judge.
    """
    rows = []
    for line in content_lines(require_text(f"pgrep -a {name}", text)):
        pid, _, cmdline = line.partition(" ")
        program = cmdline.split(" ", 1)[0].rsplit("/", 1)[-1]
        if not pid.isdigit() or not 0 < int(pid) <= _PID_MAX or name not in program:
            raise UnreadableOutput(f"pgrep -a {name}", text)
        rows.append(cmdline)
    return plausible_count(f"pgrep -a {name} processes", rows, text, MAX_PROCESSES)


def parse_http_status(text: str) -> int:
    """The status code printed by `curl -s -o /dev/null -w '%{http_code}'` or PowerShell's `.StatusCode`."""
    body = content_lines(require_text("HTTP status code", text))
    # 000: nothing answered; otherwise a real status is 100-599 (RFC 9110 §15)
    codes = [line for line in body if re.fullmatch(r"000|[1-5]\d\d", line)]
    if not codes:
        raise UnreadableOutput("HTTP status code", text)
    return int(codes[-1])
