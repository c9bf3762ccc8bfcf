"""Shared clean-up for raw command output: bytes -> text, stray NULs, CRLF, BOMs and shell prompts.

`decode_output` turns a command's raw bytes into text, whatever Windows or Linux wrote:
`wsl.exe` writes UTF-16LE (with no BOM unless WSL_UTF8=1 is set), PowerShell may
write a BOM, `cmd.exe` writes CRLF. The host runners decode every output here, once.
"""

from __future__ import annotations

import codecs
import re

from .errors import UnreadableOutput
from ..lazy_regex import regex

# Bytes -> text, before any clean-up: what the runners and diagnose's paste reader do first.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def _looks_like_utf16le(raw: bytes) -> bool:
    """ASCII text in UTF-16LE has a NUL in nearly every odd byte."""
    if len(raw) < 4:
        return len(raw) == 2 and raw[1] == 0 and raw[0] != 0
    odd = raw[1::2]
    return odd.count(0) >= 0.4 * len(odd) and raw[0::2].count(0) < 0.1 * len(odd)


def decode_output(raw: bytes | str | None) -> str:
    """Decode UTF-8 / UTF-16LE (BOM or not) output, normalise line ends, drop NULs."""
    if raw is None:
        return ""
    if isinstance(raw, str):
        text = raw
    else:
        for bom, encoding in _BOMS:
            if raw.startswith(bom):
                text = raw[len(bom):].decode(encoding, errors="replace")
                break
        else:
            encoding = "utf-16-le" if _looks_like_utf16le(raw) else "utf-8"
            if encoding == "utf-16-le" and len(raw) % 2:
                raw = raw + b"\x00"
            text = raw.decode(encoding, errors="replace")
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")


# Prompts seen in the corpus: "PS C:\Users\<USER>> ", "C:\Windows\system32>", "system32>wsl",
# "<USER>@<HOST>:~$ ", "root@<HOST>:~# ", "$ ", "~$ ", "> ".
_PROMPT = regex(
    r"^\s*(?:PS\s+[A-Za-z]:\\[^\n]*?>"
    r"|[A-Za-z]:\\[^\n>]*>"
    r"|\w+>(?=\S)"
    r"|\S*[$#](?:\s|$)"
    r"|>(?:\s|$))"
)


_ANSI_SGR = regex(r"\x1b\[[0-9;]*m")  # colour/bold codes, e.g. from `python -m rpy2.situation`


def clean(text: str | bytes | None) -> str:
    """Return text with NULs, BOMs and terminal colour codes removed and all line endings as '\\n'."""
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    # UTF-16 output decoded as UTF-8 elsewhere leaves NULs between characters.
    text = _ANSI_SGR.sub("", text.replace("\x00", "").replace("\ufeff", ""))
    return text.replace("\r\n", "\n").replace("\r", "\n")


def lines(text: str | bytes | None) -> list[str]:
    """Cleaned lines, right-stripped."""
    return [line.rstrip() for line in clean(text).split("\n")]


def is_prompt(line: str) -> bool:
    """True when the line starts with a shell prompt (the echo of a typed command)."""
    return bool(_PROMPT.match(line))


def content_lines(text: str | bytes | None) -> list[str]:
    """Non-blank lines that are not prompt echoes, stripped."""
    return [line.strip() for line in lines(text) if line.strip() and not is_prompt(line)]


def evidence(text: str, pattern: str = r"error|fail|exiting|denied|not found", limit: int = 400) -> str:
    """Lines that look like errors (or the tail) so an UnreadableOutput excerpt shows the cause."""
    hits = [line for line in lines(text) if re.search(pattern, line, re.I)]
    return "\n".join(hits)[:limit] if hits else clean(text).strip()[-limit:]


# Random bytes decoded as UTF-8 with errors="replace" come out as U+FFFD and C0 control
# characters in about half of their characters; real command output, even mis-decoded
# localized text, holds a few at most. Tab, newline, ESC (colour codes) and backspace are text.
_NOT_TEXT = regex(r"[\ufffd\x01-\x07\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]")
NOISE_SHARE = 0.05


# The commands these parsers read answer in a few KB (a big `dpkg -l` or `ldconfig -p`: some
# hundred KB); megabytes are output repeated or run away, not an answer.
MAX_OUTPUT = 1_000_000


def require_text(what: str, text: str | bytes | None, most: int | None = MAX_OUTPUT) -> str:
    """clean(text), or UnreadableOutput when it is binary noise or, past `most` characters,
    more than the command ever prints (most=None: no bound, for logs)."""
    body = clean(text)
    if most is not None and len(body) > most:
        raise UnreadableOutput(f"{what} ({len(body)} characters, more than {most} is not plausible)", body[:400])
    noise = len(_NOT_TEXT.findall(body))
    if noise >= 4 and noise > NOISE_SHARE * len(body):
        raise UnreadableOutput(f"{what} (binary noise, not text)", repr(body[:200]))
    return body


# No workstation has more: a count above this is output repeated or corrupted, not GPUs.
MAX_GPUS = 64


def plausible_count(what: str, items, text: str, limit: int = MAX_GPUS):
    """items, or UnreadableOutput when there are more than `limit` of them."""
    if len(items) > limit:
        raise UnreadableOutput(f"{what} ({len(items)} listed, more than {limit} is not plausible)", text)
    return items


VERSION = r"\d+(?:\.\d+)+"  # 460.20, 19.03.13, 10.0.20201.1000
