"""One step of a fix: a command for the shell it names, or words; where it runs, and whether it only looks.

Every output names a command's shell (SHELLS: bash in the distro, cmd or PowerShell on Windows, ...), the
terminal included: `start ms-settings:recovery` pasted into bash fails. A step that only reads (`wsl -l -v`,
`docker info`, `ls -l ...`) is labelled a look, never a fix (`label`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lazy_regex import regex

SHELLS = {"bash": "in the distro (bash)", "cmd": "on Windows (cmd)", "powershell": "on Windows (PowerShell)",
          "r": "in R", "dockerfile": "in the image's Dockerfile"}
# A fix command's own colours and size: pytest-html greys its table text (#999 on white, 2.8:1), too faint to
# copy a command from; dark on light grey is 15:1 (WCAG's minimum is 4.5:1; tests/reports/test_report_in_browser.py).
FIX_STYLE = "color:#212121;background:#f5f5f5;font-size:13px;padding:4px 8px;margin:2px 0;white-space:pre-wrap"


# Commands that only read (a listing, a version, a status, a log); _WRITES: what makes a line more than a look.
_LOOK = regex(r"^\s*(?:wsl(?:\.exe)?\s+(?:-l\b|--list\b|--status\b|--version\b|-d\s+\S+\s+(?:--|-e)\s+cat\b)"
              r"|(?:ls|cat|type|tail|head|grep|uname|which|ver|pgrep|dpkg-query|id|groups)\b"
              r"|docker\s+(?:info|version|ps|images|image\s+(?:ls|inspect)|context\s+(?:ls|show))\b"
              r"|nvidia-smi(?:\.exe)?(?:\s*$|\s+(?:-L|--query))|ldconfig\s+-p\b|dpkg\s+-[lLS]\b"
              r"|systemctl\s+(?:is-active|is-enabled|status)\b|(?:sudo\s+)?journalctl\b|nvidia-ctk\s+(?:--version|cdi\s+list)"
              r"|nvidia-container-cli\b.*\binfo\b|\.\s+/etc/os-release|code\s+--list-extensions|sudo\s+-n\s+-l\b)", re.I)
_WRITES = regex(r"\btee\b|(?<![0-9&])>(?!&)|&&|;|\|\s*sudo\b|\bsed\s+-i\b")


@dataclass(frozen=True)
class FixStep:
    """One step of a fix: a command to paste into the shell it names, or an instruction in words."""

    text: str
    shell: str | None = None  # None: words (a download page, a setting); else a key of SHELLS
    key: bool = False  # the step that actually fixes: the one-line summary the terminal and JUnit show

    @property
    def is_command(self) -> bool:
        return self.shell is not None

    @property
    def where(self) -> str:
        return SHELLS.get(self.shell, self.shell) if self.is_command else "in words"

    @property
    def is_look(self) -> bool:
        """A command that only reads: it shows the state, it changes nothing."""
        return self.is_command and bool(_LOOK.match(self.text)) and not _WRITES.search(self.text)

    @property
    def label(self) -> str:
        return "look" if self.is_look else "fix"

    def as_text(self) -> str:
        return f"    {self.text}   [{self.where}]" if self.is_command else f"    - {self.text}"

    def to_json(self) -> dict:
        return {"run": self.text, "shell": self.shell, "key": self.key, "look": self.is_look, "where": self.where} \
            if self.is_command else {"say": self.text, "key": self.key}

    @classmethod
    def from_json(cls, data: dict | str) -> "FixStep":
        if isinstance(data, str):
            return cls(data, "bash")
        if "run" in data:
            return cls(data["run"], data.get("shell") or "bash", bool(data.get("key")))
        return cls(data["say"], None, bool(data.get("key")))


