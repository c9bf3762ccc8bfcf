"""The family tables (data/*.toml) loaded once, and the one way a decode becomes a `Match`.

A family decode is returned as the matcher's own `Match`, holding a `Signature` built for the
decoded code (id `family.<family>.<code>`), so the suite's known causes and `diagnose` show it
with the code they already have for catalog signatures. Its fix steps obey the catalog's step
rules (checked at load by catalog._step: one command per step, no unfilled placeholder).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path


from ...toml_cache import TOMLDecodeError, read_toml
from ..catalog import EVIDENCE_LIMIT, Signature, Step, _step
from ..matcher import Match

DATA = Path(__file__).with_name("data")
NO_FIX = (Step(say="No WSL-specific cause is known for this code: its meaning above says where to look; "
                   "the lines around it in the output name the call that returned it."),)


@lru_cache(maxsize=None)
def table(name: str) -> dict:
    """data/<name>.toml, parsed; a malformed table is a one-line ValueError naming it."""
    path = DATA / f"{name}.toml"
    try:
        return read_toml(path, cached=True)
    except (OSError, TOMLDecodeError) as exc:
        raise ValueError(f"families/{path.name}: {exc}") from None


def steps(entries: list, where: str) -> tuple[Step, ...]:
    def bad(field_name: str, why: str) -> ValueError:
        return ValueError(f"families table {where}: field {field_name}: {why}")

    return tuple(_step(entry, number, bad) for number, entry in enumerate(entries))


@lru_cache(maxsize=None)
def causes(name: str) -> dict[str, dict]:
    """{code name: its cause row} of data/<name>.toml's [[cause]] rows, with `steps` checked and built."""
    found = {}
    for row in table(name)["cause"]:
        row = {**row, "steps": steps(row["fix"], f"{name}:{row['names'][0]}")}
        for code in row["names"]:
            found[code] = row
    return found


@lru_cache(maxsize=None)
def causes_within(name: str) -> tuple[dict, ...]:
    """data/<name>.toml's [[within]] rows: a cause that holds for its `names` only where the error's context path
    holds one of its `contexts`; with `steps` checked and built."""
    return tuple({**row, "steps": steps(row["fix"], f"{name}:within:{row['names'][0]}")}
                 for row in table(name).get("within", ()))


def line_at(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = text.find("\n", offset)
    return text[start:end if end != -1 else None].strip()[:EVIDENCE_LIMIT]


def hit(family: str, code: str, layer: str, cause: str, where: str, fix: tuple[Step, ...], source: str,
        confidence: str, text: str, found: re.Match) -> Match:
    """A decoded code as a Match: the signature built for it, the line and text it was read from."""
    ident = "family." + family + "." + re.sub(r"[^a-z0-9]+", "-", code.lower()).strip("-")
    sig = Signature(ident, layer, ("*",), (found.re.pattern,), cause, where, fix or NO_FIX, source, confidence)
    return Match(sig, line_at(text, found.start()), found.re.pattern, found.group(0).strip()[:EVIDENCE_LIMIT])


def lines_with(text: str, words: tuple[str, ...]) -> str:
    """Only the lines of `text` holding one of `words` (lower-case; found case-insensitively), in order.

    A decoder's regexes then run over those lines alone: a megabyte paste without the words costs one
    substring scan per word, never a regex attempt at every position.
    """
    lowered = text.lower()
    starts: set[int] = set()
    for word in words:
        at = lowered.find(word)
        while at != -1 and len(starts) <= 10_000:
            start = lowered.rfind("\n", 0, at) + 1
            starts.add(start)
            end = lowered.find("\n", at)
            at = lowered.find(word, end) if end != -1 else -1
    kept = []
    for start in sorted(starts):
        end = text.find("\n", start)
        kept.append(text[start:end if end != -1 else None])
    return "\n".join(kept)
