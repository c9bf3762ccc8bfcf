"""Small shell facts: does a path exist, which libraries the loader knows, which processes run."""

from __future__ import annotations

import re

from ._text import content_lines
from .errors import UnreadableOutput

_MISSING = re.compile(r"No such file or directory|No such (?:image|object)|cannot access|not found|does not exist|^missing$", re.I)


def parse_presence(text: str) -> bool:
    """Whether a probe found its path: `present`/`missing` echoes, `ls -la PATH`, `test -e` style output.

    >>> parse_presence("crw-rw-rw- 1 root root 10, 63 Nov 20 10:00 /dev/dxg")
    True
    >>> parse_presence("ls: cannot access '/dev/dxg': No such file or directory")
    False
    """
    body = content_lines(text)
    if not body:
        raise UnreadableOutput("presence probe (no output)", text)
    if any(_MISSING.search(line) for line in body):
        return False
    if body[-1] == "present" or re.match(r"^[-dlcbps][-rwxsStT]{9}", body[-1]) or body[-1].startswith("sha256:"):
        return True
    raise UnreadableOutput("presence probe", text)


_LDCONFIG_ROW = re.compile(r"^\s*(\S+)\s+\(([^)]*)\)\s+=>\s+(\S+)\s*$")


def parse_ldconfig(text: str) -> dict[str, str]:
    """Library name -> path from `ldconfig -p` (the first entry of a name wins, as the loader's)."""
    libraries: dict[str, str] = {}
    for line in content_lines(text):
        row = _LDCONFIG_ROW.match(line)
        if row:
            libraries.setdefault(row.group(1), row.group(3))
        elif not re.match(r"^\d+ libs found in cache", line):
            raise UnreadableOutput("ldconfig -p", line)
    if not libraries:
        raise UnreadableOutput("ldconfig -p (empty cache)", text)
    return libraries


def parse_pgrep(text: str) -> list[str]:
    """Command lines from `pgrep -a NAME` (empty when nothing runs)."""
    rows = []
    for line in content_lines(text):
        pid, _, cmdline = line.partition(" ")
        if not pid.isdigit():
            raise UnreadableOutput("pgrep -a", text)
        rows.append(cmdline)
    return rows


def parse_http_status(text: str) -> int:
    """The status code printed by `curl -s -o /dev/null -w '%{http_code}'` or PowerShell's `.StatusCode`."""
    body = content_lines(text)
    codes = [line for line in body if re.fullmatch(r"\d{3}", line)]
    if not codes:
        raise UnreadableOutput("HTTP status code", text)
    return int(codes[-1])
