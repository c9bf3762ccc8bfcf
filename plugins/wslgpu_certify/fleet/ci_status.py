"""What the CI (or the Ansible playbook) says about a machine's job: the reason a machine did not report.

A status file is JSON: an object `{"<machine>": {"status": ..., "reason": ...}, ...}`, a list of
`{"machine": ..., "status": ..., "reason": ...}`, or JSON Lines of those objects (one per line:
what `gh api ... | jq -c` or a shell loop appends). `status` is a short word (`unreachable`,
`timeout`, `failed`, `cancelled`, `queued`, `success`, ...), `reason` free text, `url` a link
to the job. The Ansible playbook writes one object per machine as `<machine folder>/status.json`.
The format is documented in docs/fleet.md.
"""

from __future__ import annotations

import json
from pathlib import Path

MAX_TEXT = 300


def read_status_file(path: Path) -> tuple[dict[str, dict], str | None]:
    """({machine: {status, reason, url}}, a one-line problem or None); never raises."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        return {}, f"CI status {path} cannot be read: {getattr(error, 'strerror', None) or error}"
    try:
        documents = [json.loads(text)]
    except ValueError:
        try:
            documents = [json.loads(line) for line in text.splitlines() if line.strip()]
        except ValueError as error:
            return {}, f"CI status {path} is neither JSON nor JSON Lines ({str(error).split(':')[0]})"
    entries = {}
    for document in documents:
        if isinstance(document, dict) and "machine" not in document:
            items = [(str(k), v) for k, v in document.items()]
        elif isinstance(document, dict):
            items = [(document.get("machine"), document)]
        elif isinstance(document, list):
            items = [(d.get("machine") if isinstance(d, dict) else None, d) for d in document]
        else:
            items = []
        for machine, entry in items:
            if isinstance(machine, str) and isinstance(entry, dict):
                entries[machine] = one_status(entry)
    return entries, None


def read_machine_status(path: Path, machine: str) -> dict | None:
    entries, problem = read_status_file(path)
    if problem:
        return {"status": "unreadable", "reason": problem, "url": None}
    return entries.get(machine) or (next(iter(entries.values())) if len(entries) == 1 else None)


def one_status(entry: dict) -> dict:
    def text(key):
        value = entry.get(key)
        return str(value)[:MAX_TEXT] if isinstance(value, (str, int, float)) and value != "" else None

    url = text("url")  # a link shown in fleet.html: web addresses only, never javascript: or file:
    return {"status": text("status") or "unknown", "reason": text("reason"),
            "url": url if url and url.startswith(("https://", "http://")) else None}
