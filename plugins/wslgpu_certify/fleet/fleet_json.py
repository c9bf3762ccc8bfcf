"""fleet.json: the night's fleet in one document (docs/fleet.md), and the previous night's, read back.

Written atomically (a temporary file renamed over it), so an aggregation job killed at its
deadline leaves last night's or tonight's, never half of one. Every output of the collect is
written the same way (atomic_file.write_atomically, shared with the suite's results.json): a
temporary file from mkstemp in the output folder, renamed over the output, which replaces a
symbolic link there rather than writing through it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from ..atomic_file import write_atomically
from .untrusted import MAX_PREVIOUS_BYTES, Unusable, read_json
from .verdicts import VERDICTS

FORMAT = "wslgpu-fleet/1"


def fleet_document(verdicts, summary: dict) -> dict:
    counts = {name: 0 for name in VERDICTS}
    for v in verdicts:
        counts[v.verdict] += 1
    return {"format": FORMAT, **summary, "counts": counts, "machines": [v.to_json() for v in verdicts]}


def strict(value):
    """A copy holding only what strict JSON can: a NaN or an infinity (a float the judge computed) is null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): strict(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [strict(v) for v in value]
    return value


def write_fleet_json(path: Path, document: dict) -> None:
    write_atomically(path, json.dumps(strict(document), indent=None, separators=(",", ":"), ensure_ascii=False,
                                      allow_nan=False))


def read_previous(path: Path) -> tuple[dict[str, dict], str | None, str | None]:
    """({machine: its entry}, when that night was collected, a one-line problem or None); never raises."""
    try:
        document = read_json(path, MAX_PREVIOUS_BYTES)
    except OSError as error:
        return {}, None, f"previous fleet.json {path} cannot be read ({error.strerror}): no regressions can be told"
    except Unusable as error:
        return {}, None, f"previous fleet.json {path} {error}: no regressions can be told"
    if not isinstance(document, dict) or document.get("format") != FORMAT or not isinstance(document.get("machines"), list):
        return {}, None, f"previous fleet.json {path} is not a {FORMAT} document: no regressions can be told"
    machines = {m["machine"]: m for m in document["machines"] if isinstance(m, dict) and isinstance(m.get("machine"), str)}
    generated_at = document.get("generated_at")
    return machines, generated_at[:40] if isinstance(generated_at, str) else None, None
