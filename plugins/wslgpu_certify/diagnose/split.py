"""A paste -> its parts: one per command it shows, cut at the prompt lines that typed them.

Tickets hold what a terminal showed: prompts (`$ `, `user@host:~$ `, `PS C:\\...> `,
`C:\\...>`) before each command, CRLF, UTF-16 from Windows tools, colour codes. The
bytes are decoded once (parsers/_text.py's decode_output); a paste longer than SCAN_LIMIT is cut there,
and the cut is said.

>>> [(p.command, p.text) for p in split("$ wsl -l -v\\n  NAME STATE VERSION\\n$ ver\\nx\\n")]
[('wsl -l -v', '  NAME STATE VERSION'), ('ver', 'x')]
>>> [p.command for p in split("Linux version 5.15.90.1-microsoft-standard-WSL2\\n")]
[None]
"""

from __future__ import annotations

from dataclasses import dataclass

from ..lazy_regex import regex
from ..parsers._text import clean, decode_output, is_prompt
from ..redact import redact

SCAN_LIMIT = 1_000_000  # characters read from a paste; tickets rarely hold more, noise is cut here
MAX_PARTS = 200  # prompt lines past this many are read as text of the last part

# The prompts parsers/_text.py's is_prompt knows, less what output itself prints: a bare "# "
# (comments in ~/.bashrc or wsl.conf) and "> " before words (nbody's "> Compute 7.5 CUDA device").
# Corpus forms: "PS C:\Users\<USER>> ", "C:\Windows\system32>", "system32>wsl",
# "<USER>@<HOST>:~$ ", "root@<HOST>:~# ", "$ ", "~$ ".
_PROMPT = regex(
    r"^\s*(?:PS\s+[A-Za-z]:\\[^\n]*?>"
    r"|[A-Za-z]:\\[^\n>]*>"
    r"|\w+>(?=\S)"
    r"|(?P<user>[\w.-]+)@[\w.-]+:[^\s$#]*[$#]\s"
    r"|\S*\$(?:\s|$)"
    r"|\S+#\s"
    r"|(?P<bare>>)\s)"
)
_COMMAND_START = regex(r"^[\w./~\[(\"'-]")  # what a typed command begins with
# After a bare "> " only a lower-case program name: nbody's own "> Compute 7.5 CUDA device" is not one.
_BARE_COMMAND = regex(r"^[a-z./~][\w.-]*(?:\s|$)(?!.*:\s*$)")


@dataclass(frozen=True)
class Paste:
    text: str  # decoded, cleaned, cut to SCAN_LIMIT
    size: int  # characters before the cut
    truncated: bool


@dataclass(frozen=True)
class Part:
    index: int  # 1-based, in paste order
    command: str | None  # what the prompt line typed; None: no prompt
    prompt_line: str | None
    text: str  # the output below the prompt line (or the whole paste)
    user: str | None = None  # from a user@host prompt

    @property
    def first_line(self) -> str:
        line = next((l.strip() for l in self.text.split("\n") if l.strip()), "")
        return printable(line)[:80]


def printable(text: str) -> str:
    """Text with control and undecodable characters shown as '?' (binary pasted by mistake)."""
    return "".join(c if c.isprintable() and c != "\ufffd" else "?" for c in text)


def read_paste(raw: bytes | str) -> Paste:
    """Decode once (UTF-8 / UTF-16LE with or without BOM), clean colour codes and NULs, cut at SCAN_LIMIT,
    and mask secrets (a Jupyter token, a PASSWORD=...): nothing diagnose prints can hold one."""
    text = clean(decode_output(raw))
    size = len(text)
    if size > SCAN_LIMIT:
        text = text[: text.rfind("\n", 0, SCAN_LIMIT) + 1 or SCAN_LIMIT]
    return Paste(redact(text), size, size > len(text))


# IPython's and Jupyter's input prompt: "In [2]: torch.cuda.is_available()" (its answer follows as "Out[2]: False")
_IPYTHON = regex(r"^\s*In \[\d{0,6}\]:\s+(?=\S)")
_ENV_PREFIX = regex(r"^\s*\([\w.@-]{1,60}\)\s+(?=\S+@\S+:|PS |\S*\$)")


def prompt_command(line: str) -> tuple[str, str | None] | None:
    """(command typed, user) when the line is a prompt followed by a command, else None."""
    cell = _IPYTHON.match(line)
    if cell:
        return line[cell.end():].strip(), None
    line = _ENV_PREFIX.sub("", line, count=1)  # "(base) user@host:~$ ": conda's or a venv's name before the prompt
    if not is_prompt(line):
        return None
    found = _PROMPT.match(line)
    if not found:
        return None
    command = line[found.end():].strip()
    if not command or not _COMMAND_START.match(command):
        return None
    if found.group("bare") and not _BARE_COMMAND.match(command):
        return None
    return command, found.group("user")


def split(text: str, is_command=None) -> list[Part]:
    """Parts at prompt lines; text before the first prompt (or all of it, with none) is a part of its own.

    `is_command(line)` says whether a line is a bare command someone pasted above its output
    ("sudo dpkg -l | grep nvidia" with no prompt): only the paste's first line is asked.
    """
    parts: list[Part] = []
    current: tuple[str | None, str | None, str | None] = (None, None, None)
    body: list[str] = []

    def close():
        content = "\n".join(body).strip("\n")
        if current[0] is not None or content.strip():
            parts.append(Part(len(parts) + 1, current[0], current[1], content, current[2]))

    asked = is_command is None  # the paste's first non-blank line is the only one asked
    for line in text.split("\n"):
        found = prompt_command(line) if len(parts) < MAX_PARTS and len(line) < 2000 else None
        if found is None and not asked and line.strip():
            asked = True
            if len(line) < 300 and is_command(line.strip()):
                found = (line.strip(), None)
        if found is None:
            body.append(line)
            continue
        asked = True
        close()
        current, body = (found[0], line.strip(), found[1]), []
    close()
    return parts
