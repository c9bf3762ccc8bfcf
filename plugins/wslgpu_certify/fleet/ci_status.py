"""What the CI (or the Ansible playbook) says about a machine's job: the reason a machine did not report.

A status file is JSON: an object `{"<machine>": {"status": ..., "reason": ...}, ...}`, a list of
`{"machine": ..., "status": ..., "reason": ...}`, or JSON Lines of those objects (one per line:
what `gh api ... | jq -c` or a shell loop appends). `status` is a short word (`unreachable`,
`timeout`, `failed`, `cancelled`, `queued`, `success`, ...), `reason` free text, `url` a link
to the job. The Ansible playbook writes one object per machine as `<machine folder>/status.json`.
The format is documented in docs/fleet.md.
"""

from __future__ import annotations

from pathlib import Path

from .untrusted import MAX_CI_STATUS_BYTES, MAX_STATUS_BYTES, MAX_TEXT, Unusable, clip, one_line, parse_json, read_capped


def read_status_file(path: Path, cap: int = MAX_CI_STATUS_BYTES, follow: bool = True) -> tuple[dict[str, dict], str | None]:
    """({machine: {status, reason, url}}, a one-line problem or None); never raises."""
    try:
        raw = read_capped(path, cap, follow)
        text = raw.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError, Unusable) as error:
        return {}, f"CI status {path} cannot be read: {getattr(error, 'strerror', None) or error}"
    try:
        documents = [parse_json(text)]
    except Unusable:
        try:
            documents = [parse_json(line) for line in text.splitlines() if line.strip()]
        except Unusable as error:
            return {}, f"CI status {path} is neither JSON nor JSON Lines ({error})"
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
                entries[clip(machine, 253)] = one_status(entry)
    return entries, None


def read_machine_status(path: Path, machine: str) -> dict | None:
    """The status.json in a machine's folder, believed only when it names that machine."""
    entries, problem = read_status_file(path, MAX_STATUS_BYTES, follow=False)
    if problem:
        return {"status": "unreadable", "reason": one_line(problem), "url": None}
    if machine in entries:
        return entries[machine]
    if entries:
        return {"status": "mismatched", "url": None, "reason": one_line(
            f"{path.parent.name}/status.json is about {', '.join(repr(m) for m in list(entries)[:3])}, not {machine!r}: not believed")}
    return None


def one_status(entry: dict) -> dict:
    def text(key):
        value = entry.get(key)
        return one_line(str(value), MAX_TEXT) if isinstance(value, (str, int, float)) and value != "" else None

    url = text("url")  # a link shown in fleet.html: web addresses only, never javascript: or file:
    return {"status": text("status") or "unknown", "reason": text("reason"),
            "url": url if url and url.startswith(("https://", "http://")) else None}
