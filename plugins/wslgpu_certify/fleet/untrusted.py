"""What a machine sends the fleet is data, never trusted: read with a size cap, parsed with a depth cap, shown clipped.

A results.json, a status.json, last night's fleet.json or a CI status file may be of any size, any
depth, hold lone surrogates or NaN (issue 20, class 3). Each limit here ends as one line (`Unusable`:
a machine's INVALID reason, a note in every output), never a traceback or unbounded memory:
- the size is read from the open file (fstat) before a byte is read, and at most cap + 1 bytes are
  read (a file that grows, or a device such as /dev/zero, is caught by the + 1);
- nesting deeper than MAX_DEPTH is refused (json's own RecursionError near 1,000 levels included), and
  so is a document of more than MAX_CONTAINERS objects and arrays (counted before parsing);
- NaN, Infinity and numbers beyond a float (1e999) are read as null: fleet.json stays strict JSON;
- a lone surrogate (`"\\ud800"`, which no UTF-8 file can hold) becomes U+FFFD, so every output encodes;
- text shown in an output is clipped to a named cap, with an ellipsis saying so.
wslgpu-compare reads its two documents through the same door.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
from pathlib import Path

from ..lazy_regex import regex

# The suite's own results.json is about 100 KB (63 checks, evidence excerpts of a few hundred bytes each)
MAX_RESULTS_BYTES = 16 * 2**20
MAX_STATUS_BYTES = 1 * 2**20  # a machine's status.json is one small object; a CI status file lists the fleet
MAX_CI_STATUS_BYTES = 16 * 2**20  # --ci-status: about 300 bytes per machine
MAX_PREVIOUS_BYTES = 32 * 2**20  # --previous: a fleet.json is about 3.5 KB a machine (7 MB for 2,000)
MAX_DEPTH = 64  # results.json is about 6 levels deep (checks > known_causes > remediation > steps)
# Parsed, an empty object or array costs about 80 bytes of memory for its 3 bytes of JSON (`{},`): 16 MB of
# them would be 450 MB. A results.json has about 1,300 (20 per check), a fleet.json about 10 per machine;
# counted before parsing (every `{` and `[`, those inside strings too: it can only over-count).
MAX_CONTAINERS = 1_000_000
MAX_TEXT = 300  # characters of one machine-sent string shown in an output
ELLIPSIS = "\u2026"

_SURROGATE = regex("[\ud800-\udfff]")


class Unusable(ValueError):
    """A document that cannot be read within the limits: the message is one line, completing '<path> ...'."""


def read_capped(path: Path, cap: int, follow: bool = True) -> bytes:
    """The file's bytes, or Unusable when it is larger than `cap` (refused before reading); OSError as is.

    follow=False: a symbolic link is refused (ELOOP), for files inside a results tree, which anyone may have made."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)  # NONBLOCK: a FIFO does not hang
    handle = os.open(path, flags if follow else flags | getattr(os, "O_NOFOLLOW", 0))
    with open(handle, "rb") as stream:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise Unusable("is not a regular file")
        if info.st_size > cap:
            raise Unusable(f"is {info.st_size:,} bytes, more than the {cap:,} read (not read)")
        raw = stream.read(cap + 1)
    if len(raw) > cap:
        raise Unusable(f"is more than the {cap:,} bytes read (it grew while read)")
    return raw


def parse_json(raw: bytes | str):
    """The document, checked and cleaned (see the module's doc), or Unusable."""
    size = len(raw)
    brackets = raw.count(b"{" if isinstance(raw, bytes) else "{") + raw.count(b"[" if isinstance(raw, bytes) else "[")
    if brackets > MAX_CONTAINERS:
        raise Unusable(f"holds {brackets:,} objects and arrays, more than the {MAX_CONTAINERS:,} read")
    try:
        document = json.loads(raw, parse_constant=lambda name: None, parse_float=_finite)
    except RecursionError:
        raise Unusable(f"is nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as error:  # UnicodeDecodeError included
        raise Unusable(f"is not JSON ({size:,} bytes; {one_line(str(error).split(':')[0], 80)})") from None
    return clean_tree(document)


def read_json(path: Path, cap: int, follow: bool = True):
    """read_capped + parse_json; OSError as is."""
    return parse_json(read_capped(path, cap, follow))


def _finite(text: str) -> float | None:
    value = float(text)
    return value if math.isfinite(value) else None


def clean_text(text: str) -> str:
    """A lone surrogate (half of a UTF-16 pair, unencodable in UTF-8) -> U+FFFD."""
    return text if text.isascii() or not _SURROGATE.search(text) else _SURROGATE.sub("\ufffd", text)


def clean_tree(document):
    """Refuse nesting beyond MAX_DEPTH and clean every string (keys too) in place; iterative, one pass."""
    if isinstance(document, str):
        return clean_text(document)
    stack = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise Unusable(f"is nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, dict):
            for key in [k for k in node if clean_text(k) is not k]:
                node[clean_text(key)] = node.pop(key)
            pairs = node.items()
        elif isinstance(node, list):
            pairs = enumerate(node)
        else:
            continue
        for key, value in pairs:  # a value replaced under an existing key: the dict's size does not change
            if isinstance(value, str):
                cleaned = clean_text(value)
                if cleaned is not value:
                    node[key] = cleaned
            elif isinstance(value, (dict, list)):
                stack.append((value, depth + 1))
    return document


def clip(text: str, cap: int = MAX_TEXT) -> str:
    """At most `cap` characters; a longer text ends in an ellipsis, so the cut shows."""
    return text if len(text) <= cap else text[: cap - 1] + ELLIPSIS


def one_line(text: str, cap: int = MAX_TEXT) -> str:
    """Clipped, on one line (line breaks and tabs become spaces)."""
    return clip(re.sub(r"[\r\n\t\v\f\x85\u2028\u2029]+", " ", text[: cap * 4]), cap)


def text(value, cap: int = MAX_TEXT) -> str | None:
    """A non-empty string, clipped; anything else None."""
    return clip(value, cap) if isinstance(value, str) and value else None


def is_number(value) -> bool:
    return (isinstance(value, int) and not isinstance(value, bool)) or (isinstance(value, float) and math.isfinite(value))
