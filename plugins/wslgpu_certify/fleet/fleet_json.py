"""fleet.json: the night's fleet in one document (docs/fleet.md), and the previous night's, read back.

Written atomically (a temporary file renamed over it), so an aggregation job killed at its
deadline leaves last night's or tonight's, never half of one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .verdicts import VERDICTS

FORMAT = "wslgpu-fleet/1"


def fleet_document(verdicts, summary: dict) -> dict:
    counts = {name: 0 for name in VERDICTS}
    for v in verdicts:
        counts[v.verdict] += 1
    return {"format": FORMAT, **summary, "counts": counts, "machines": [v.to_json() for v in verdicts]}


def write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def write_fleet_json(path: Path, document: dict) -> None:
    write_atomically(path, json.dumps(document, indent=None, separators=(",", ":"), ensure_ascii=False))


def read_previous(path: Path) -> tuple[dict[str, dict], str | None, str | None]:
    """({machine: its entry}, when that night was collected, a one-line problem or None); never raises."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        return {}, None, f"previous fleet.json {path} cannot be read ({error.strerror}): no regressions can be told"
    except (ValueError, UnicodeDecodeError, RecursionError):
        return {}, None, f"previous fleet.json {path} is not JSON: no regressions can be told"
    if not isinstance(document, dict) or document.get("format") != FORMAT or not isinstance(document.get("machines"), list):
        return {}, None, f"previous fleet.json {path} is not a {FORMAT} document: no regressions can be told"
    machines = {m["machine"]: m for m in document["machines"] if isinstance(m, dict) and isinstance(m.get("machine"), str)}
    return machines, document.get("generated_at"), None
