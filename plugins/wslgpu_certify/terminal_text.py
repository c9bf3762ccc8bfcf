"""Untrusted text made safe to print on a terminal: control characters shown, never obeyed.

A hostname, a kernel release, a check's reason or evidence, a pasted ticket, a fleet member's
results.json: any of them may carry bytes a terminal acts on instead of showing. ECMA-48
(https://ecma-international.org/publications-and-standards/standards/ecma-48/) makes ESC
(0x1B) and the C1 set (0x80-0x9F; 0x9B is a one-byte CSI, 0x9D a one-byte OSC) the start of
commands: a screen clear (`ESC [2J`), a window title (`ESC ]0;...BEL`), a hyperlink whose text
lies about its target (OSC 8), SGR 8 that hides the text after it. CR returns to the line's
start and lets later text overwrite it ("... CERTIFIED"), BS erases, BEL rings. Unicode's bidi
controls (UAX #9, https://www.unicode.org/reports/tr9/: U+202A-U+202E, U+2066-U+2069, the
marks U+200E, U+200F, U+061C) reorder what follows (CVE-2021-42574, "Trojan Source"), and
U+2028/U+2029 break lines in some terminals. A lone surrogate cannot be encoded at all: print()
would raise.

`for_terminal` writes each such character as its Python escape (`\\x1b`, `\\r`, `\\u202e`):
visible, searchable, and reversible by eye. `\\n` (where the text is meant to hold several
lines) and `\\t` stay. It is applied where text is written to the terminal (the suite's
summary and the reports pytest prints, `diagnose`, `wslgpu-compare`, `wslgpu-fleet`), before
the suite adds colours of its own, so those still work. A backslash is left as it is: Windows
paths in evidence read as they were.

`json_for_terminal` is for `--json`: JSON already escapes C0, but not DEL, C1, bidi controls or
lone surrogates (with ensure_ascii=False); they become `\\uXXXX`, which decodes to the exact
same text.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Callable

from .lazy_regex import regex

# C0 but \t and \n, DEL and C1, the bidi controls and marks, the line/paragraph separators, lone surrogates
_UNSAFE = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff"
_UNSAFE_LINES = regex(f"[{_UNSAFE}]")  # several lines: \n stays
_UNSAFE_ONE_LINE = regex(f"[{_UNSAFE}\n]")  # one line: a \n in it is shown too
# what json.dumps leaves unescaped (it escapes every C0 itself)
_UNSAFE_IN_JSON = regex("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _shown(match: re.Match) -> str:
    return ascii(match.group())[1:-1]  # '\x1b' -> \x1b, '\r' -> \r, '\u202e' -> \u202e


def for_terminal(text, one_line: bool = False) -> str:
    """`text` (any value: str() of it) with every character a terminal would obey written as its escape."""
    text = text if isinstance(text, str) else str(text)
    return (_UNSAFE_ONE_LINE if one_line else _UNSAFE_LINES).sub(_shown, text)


def json_for_terminal(document: str) -> str:
    """A JSON text (from json.dumps) with the characters it left raw escaped as \\uXXXX: the same data."""
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", document)


class _ClosedPipeGuard:
    """sys.stdout, until the reader closes the pipe; then os.devnull, so the command goes on to its own end."""

    def __init__(self, stream):
        self._stream = stream

    def _closed(self) -> None:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, self._stream.fileno())
        finally:
            os.close(devnull)

    def write(self, text):
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._closed()
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._closed()
            self._stream.flush()  # what was buffered goes to os.devnull now

    def __getattr__(self, name):
        return getattr(self._stream, name)


def closed_pipe_ends_quietly(command: Callable[[], int]) -> int:
    """Run a command (`wslgpu-certify`, `wslgpu-compare`, `wslgpu-fleet`) whose reader may close the pipe early
    (`... | head -1`): no "Broken pipe" traceback, and the exit status the command returns, as if read to the end.

    Python's docs, "Note on SIGPIPE" (https://docs.python.org/3/library/signal.html#note-on-sigpipe): once the
    pipe is closed, point stdout at os.devnull, so later writes and the flush at exit go nowhere.
    """
    original = sys.stdout
    if original is None or not hasattr(original, "fileno"):
        return command()
    sys.stdout = _ClosedPipeGuard(original)
    try:
        code = command()
        sys.stdout.flush()
        return code
    finally:
        if isinstance(sys.stdout, _ClosedPipeGuard):
            sys.stdout = original


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, the cut shown: `...` ends a shortened line, so nobody reads it as whole."""
    return text if len(text) <= limit else text[:limit - 3].rstrip() + "..."
