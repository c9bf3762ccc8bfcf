"""A shared library that could not be loaded: which one, who provides it on this stack, hence the fix.

Formats: glibc's `X: cannot open shared object file`, TensorFlow's `Could not load dynamic library 'X'`,
cffi/ctypes' `cannot load library 'X'`, nvidia-container-cli's `load library failed: X`, `dlopen(X) failed`,
cuDNN's `Unable to load any of {X, ...}`. The providers are data/libraries.toml.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..matcher import Match
from .tables import hit, lines_with, steps, table

_SONAME = r"(?:[^\s'\"{},:()]{0,200}/)?(lib[A-Za-z0-9_+.-]{1,80}?\.so(?:\.[0-9]{1,6}){0,4})"
_LOAD = re.compile(
    r"(?:" + _SONAME + r": cannot open shared object file"
    r"|Could not load dynamic library '" + _SONAME + r"'"
    r"|cannot load library '?" + _SONAME +
    r"|load library failed: " + _SONAME +
    r"|dlopen\W{0,3}" + _SONAME + r"\W{0,3}[^\n]{0,40}?failed"
    r"|Unable to load any of \{" + _SONAME + r")", re.I)


@lru_cache(maxsize=1)
def providers() -> tuple[tuple[re.Pattern, dict], ...]:
    return tuple((re.compile(row["soname"], re.I), {**row, "steps": steps(row["fix"], f"libraries:{row['soname']}")})
                 for row in table("libraries")["library"])


def provider_of(soname: str) -> dict | None:
    return next((row for pattern, row in providers() if pattern.search(soname)), None)


def decode(text: str) -> tuple[list[Match], list[Match]]:
    """(findings, notes): a library whose row says `note` (TensorRT for TensorFlow) is only a note."""
    findings: dict[str, Match] = {}
    notes: dict[str, Match] = {}
    from_rpy2 = "rpy2" in text.lower()  # R loaded from Python: the rpy2 layer
    text = lines_with(text, (".so",))
    for found in _LOAD.finditer(text):
        soname = next(group for group in found.groups() if group)
        row = provider_of(soname.lower())
        if row is None:
            cause = (f"The shared library {soname} could not be loaded; this project does not know which package "
                     "provides it on this stack.")
            match = hit("library", soname, "gpu", cause, "the distro", (), "https://man7.org/linux/man-pages/man8/ld.so.8.html",
                        "low", text, found)
        else:
            cause = f"The shared library {soname} could not be loaded. It comes from {row['provider']}: {row['cause']}"
            layer = "rpy2" if row["layer"] == "rstudio" and from_rpy2 else row["layer"]
            match = hit("library", soname, layer, cause, "the distro", row["steps"], row["source"],
                        "low" if row.get("note") else "medium", text, found)
        (notes if row and row.get("note") else findings).setdefault(soname, match)
    return list(findings.values()), list(notes.values())
