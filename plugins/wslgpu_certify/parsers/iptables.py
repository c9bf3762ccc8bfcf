"""Parser for which iptables backend the distro uses: `update-alternatives --query iptables` (or --config)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._text import clean, lines
from .errors import UnreadableOutput
from ..lazy_regex import regex


# --- update-alternatives --query iptables (and --config's table) -----------------------------
#
# --query is the machine-readable form (update-alternatives(1), https://man.cx/update-alternatives(1)):
#   "Name: iptables" "Link: /usr/sbin/iptables" "Slaves: ..." "Status: manual" "Best: ..." "Value: ..."
#   then per alternative a blank line, "Alternative: <path>", "Priority: <n>", "Slaves: ...".
# --config prints "There are 2 choices for the alternative iptables (providing /usr/sbin/iptables)."
#   and a Selection/Path/Priority/Status table, '*' marking the current choice (corpus
#   dockerd__wsl-ubuntu-22.04-iptables-legacy-nat-table-missing.txt, docker/for-linux#1437), or
#   "There is only one alternative in link group iptables (providing ...): <path>" + "Nothing to configure.".
_QUERY_FIELD = regex(r"^(Name|Link|Status|Best|Value|Alternative|Priority):\s*(.*?)\s*$")
_CHOICES = regex(r"There are (\d+) choices for the alternative (\S+) \(providing (\S+)\)")
_ONLY_ONE = regex(r"There is only one alternative in link group (\S+) \(providing (\S+)\): (\S+)")
# "update-alternatives: error: no alternatives for iptables" (the group does not exist at all).
_NO_ALTERNATIVES = regex(r"error: no alternatives for (\S+)")
_CONFIG_ROW = regex(r"^\s*(\*)?\s*(\d+)\s+(/\S+)\s+(-?\d+)\s+(auto mode|manual mode)\s*$")


@dataclass(frozen=True)
class AlternativeGroup:
    """One alternatives link group: what the link points to now and what it could point to."""

    name: str
    value: str | None  # the current target; None when the group is broken ("Value: none")
    status: str | None  # "auto" / "manual"
    alternatives: tuple[tuple[str, int | None], ...]  # (path, priority); --config's single-choice form has none

    @property
    def iptables_backend(self) -> str | None:
        """"legacy" or "nft" for the iptables group's current target."""
        if self.value is None:
            return None
        for suffix in ("legacy", "nft"):
            if self.value.endswith(f"-{suffix}"):
                return suffix
        return None


def _parse_query(text: str, fields: list[tuple[str, str]]) -> AlternativeGroup:
    head = {}
    alternatives: list[tuple[str, int | None]] = []
    for key, value in fields:
        if key == "Alternative":
            alternatives.append((value, None))
        elif key == "Priority" and alternatives and alternatives[-1][1] is None:
            if not re.fullmatch(r"-?\d+", value):
                raise UnreadableOutput("update-alternatives --query (priority)", text)
            alternatives[-1] = (alternatives[-1][0], int(value))
        elif not alternatives:
            head[key] = value
    if not head.get("Name") or "Value" not in head or not alternatives or any(p is None for _, p in alternatives):
        raise UnreadableOutput("update-alternatives --query (Name/Value or an Alternative's Priority missing)", text)
    paths = {path for path, _ in alternatives}
    value = head["Value"] if head["Value"] != "none" else None
    # A cut listing loses alternatives from the end: the named best or current one would be absent.
    if (value and value not in paths) or (head.get("Best") and head["Best"] not in paths):
        raise UnreadableOutput("update-alternatives --query (current or best alternative not listed)", text)
    return AlternativeGroup(head["Name"], value, head.get("Status"), tuple((p, int(n)) for p, n in alternatives))


def _parse_config(text: str, choices: re.Match) -> AlternativeGroup:
    count, name = int(choices.group(1)), choices.group(2)
    rows = [m for m in map(_CONFIG_ROW.match, lines(text)) if m]
    listed = [(m.group(3), int(m.group(4))) for m in rows if m.group(2) != "0"]
    current = [m for m in rows if m.group(1)]
    if len(listed) != count or len(current) != 1:
        raise UnreadableOutput("update-alternatives --config (table shorter than its 'There are N choices')", text)
    status = "auto" if current[0].group(5) == "auto mode" else "manual"
    return AlternativeGroup(name, current[0].group(3), status, tuple(listed))


def parse_update_alternatives(text: str) -> AlternativeGroup:
    """Read `update-alternatives --query iptables` (or the `--config iptables` table)."""
    body = clean(text)
    if m := _ONLY_ONE.search(body):
        return AlternativeGroup(m.group(1), m.group(3), None, ((m.group(3), None),))
    if m := _NO_ALTERNATIVES.search(body):
        return AlternativeGroup(m.group(1), None, None, ())
    if m := _CHOICES.search(body):
        return _parse_config(text, m)
    fields = [(m.group(1), m.group(2)) for m in map(_QUERY_FIELD.match, lines(body)) if m]
    if fields:
        return _parse_query(text, fields)
    raise UnreadableOutput("update-alternatives", text)
