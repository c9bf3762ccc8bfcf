"""Keep secrets out of everything the suite writes: snapshots, reports, terminal.

Two nets: patterns (tokens and passwords in URLs, `NAME=value` where NAME looks secret) and the
literal values this run learnt are secret (a Jupyter token it read, a PASSWORD it set).
"""

from __future__ import annotations

import re

MASK = "<REDACTED>"

# the keyword ends the name or is followed by `_` (API_KEY, SECRET_ACCESS_KEY), not KeyError
_SECRET_NAME = r"[A-Za-z0-9_]*(?:TOKEN|PASSWORD|PASSWD|SECRET|KEY)(?:_[A-Za-z0-9_]*)?\b"
_PATTERNS = (
    # ?token=abc / &token=abc in Jupyter URLs
    re.compile(r"(?i)([?&]token=)[^\s&\"'<>]+"),
    # PASSWORD=ms, -e PASSWORD=ms, API_KEY: "x", "GITHUB_TOKEN": "x"
    re.compile(r"(?i)(\b" + _SECRET_NAME + r"[\"']?\s*[=:]\s*[\"']?)[^\s\"',;&]+"),
    # Authorization: token abc / Bearer abc
    re.compile(r"(?i)(authorization:\s*(?:token|bearer)\s+)\S+"),
    # a password in a URL: daemon.json's "http-proxy": "http://user:pass@proxy:3128", registry mirrors, HTTP(S)_PROXY
    re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s/@:\"']+:)[^\s/@\"']+(?=@)"),
)


class Redactor:
    """Masks secret-looking values and every literal secret registered with it."""

    def __init__(self) -> None:
        self._literals: set[str] = set()

    def add_secret(self, value: str | None) -> None:
        if value and len(value) >= 2 and value != MASK:
            self._literals.add(value)

    def __call__(self, text: str | None) -> str:
        if not text:
            return text or ""
        for literal in sorted(self._literals, key=len, reverse=True):
            text = text.replace(literal, MASK)
        for pattern in _PATTERNS:
            text = pattern.sub(lambda m: m.group(1) + MASK, text)
        return text


redact = Redactor()
"""The process-wide redactor: one set of known secrets per run."""
