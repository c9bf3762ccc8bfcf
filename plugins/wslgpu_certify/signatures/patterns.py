"""The catalog's patterns as the matcher runs them, and the command lines signatures are written for.

Patterns are matched lower-cased over lower-cased text (a plain pattern keeps the regex engine's literal-prefix
search, which IGNORECASE loses); the bundled catalog's are compiled on their first search (parsers/_regex.py:
most never reach the regex engine: their literal words, anchors.py, are absent).
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..lazy_regex import LazyRegex, regex

_ENV_ASSIGNMENT = regex(r"[A-Za-z_][A-Za-z0-9_]*=\S*")


def checked(pattern: str, bad) -> str:
    """The pattern lower-cased (lower_pattern), once both it and the lowered one compile; else bad(why)."""
    try:
        re.compile(pattern)
        lowered = lower_pattern(pattern)
        re.compile(lowered, re.MULTILINE)
    except re.error as exc:
        raise bad(f"{pattern!r} does not compile: {exc}") from None
    return lowered


def compiled(lowered: str, strict: bool) -> re.Pattern | LazyRegex:
    """A checked, lower-cased pattern, compiled now (strict: a catalog named by its path) or on its first search.

    Plain (case-sensitive) patterns keep the regex engine's literal-prefix search,
    which IGNORECASE loses; that is what keeps 10 MB of input well under a second.
    """
    return re.compile(lowered, re.MULTILINE) if strict else LazyRegex(lowered, re.MULTILINE)


@lru_cache(maxsize=4096)
def spells_newline(pattern: str) -> bool:
    """True when the pattern has a \\n outside a character class (so it may span lines)."""
    in_class = escaped = False
    for index, char in enumerate(pattern):
        if escaped:
            if char == "n" and not in_class:
                return True
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class and pattern[index - 1] not in "[^":
            in_class = False
    return False


def lower_pattern(pattern: str) -> str:
    """Lower-case a regex's literal characters, leaving escapes (\\S, \\D, \\B ...) as written."""
    out, escaped = [], False
    for char in pattern:
        out.append(char if escaped else char.lower())
        escaped = not escaped and char == "\\"
    return "".join(out)


def _normalise_command(part: str) -> str:
    """`sudo /usr/bin/nvidia-smi -q` -> `nvidia-smi -q`; `wsl.exe -l -v` -> `wsl -l -v`."""
    words = part.strip().split()
    while words and (words[0] in ("sudo", "time", "command", "env") or words[0].startswith("-")
                     or _ENV_ASSIGNMENT.fullmatch(words[0])):
        words = words[1:]
    if not words:
        return ""
    words[0] = re.sub(r"\.exe$", "", words[0].replace("\\", "/").rsplit("/", 1)[-1], flags=re.I)
    return " ".join(words).lower()


def has_prefix(command: str, prefix: str) -> bool:
    """`docker run --gpus all` has prefix `docker run`; `python3 -c` has prefix `python`."""
    prefix = prefix.lower()
    if not command.startswith(prefix):
        return False
    rest = command[len(prefix):]
    return not rest or rest[0] in " 0123456789." or not prefix[-1].isalnum()


@lru_cache(maxsize=1024)
def command_parts(command: str) -> tuple[str, ...]:
    """Each command of a line (`a; b && c | d`), normalised once: every signature asks of the same line."""
    return tuple(_normalise_command(part) for part in re.split(r";|&&|\|\||\|", command))
