"""Fixed messages of the programs on this stack, decoded from each program's own words (data/messages.toml).

A program prints a closed set of messages, each a format string in its source: libnvidia-container's dxcore.c
(`Core Nvidia component %s not found in %s`, `Found a WDDM adapter running a driver with pre-WDDM 2.8`), the
docker client's and daemon's connection and runtime errors, systemd's and `service`'s words, iptables' banner
with its backend (`iptables v1.8.7 (nf_tables): ...`), the shells' `command not found`. The table lists every
member of each family that decides a cause here, each row with its program's source or vendor document, none
learned from one thread; rows use the catalog's format and checks (catalog.load_catalog) and the matcher's
engine rule (a fix for Docker Desktop holds only under a Desktop profile).
"""

from __future__ import annotations

from ..catalog import Signature, load_catalog
from ..matcher import Match, match
from .tables import DATA

MESSAGES = DATA / "messages.toml"


def rows() -> tuple[Signature, ...]:
    return load_catalog(MESSAGES)  # cached by load_catalog


def decode(text: str, command: str | None = None, engine: str | None = None) -> list[Match]:
    """The messages this output shows (ids `family.<program>.<what>`), most specific first, each once."""
    return match(text, command=command, catalog=rows(), engine=engine)
