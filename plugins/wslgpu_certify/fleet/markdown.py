"""The fleet in Markdown, for a CI job summary ($GITHUB_STEP_SUMMARY) or a chat message.

Bounded: at most LIST machines per list, so 2,000 machines stay well under GitHub's 1 MiB limit.
"""

from __future__ import annotations

from .analysis import root_causes
from .verdicts import VERDICTS

LIST = 25


def fleet_markdown(verdicts, headline: str, notes: list[str]) -> str:
    lines = [f"## Fleet: {headline}", "", "| verdict | machines |", "|---|---|"]
    counts = {name: sum(1 for v in verdicts if v.verdict == name) for name in VERDICTS}
    lines += [f"| {name} | {n} |" for name, n in counts.items() if n]
    lines += [""] + [f"> {note}" for note in notes]
    regressed = [v for v in verdicts if v.verdict == "REGRESSED"]
    if regressed:
        lines += ["", f"### Regressed since the previous night ({len(regressed)})", ""]
        lines += [f"- **{_md(v.machine)}**: {_md(v.reason)}" for v in regressed[:LIST]] + _more(regressed)
    causes = root_causes(verdicts)
    if causes:
        lines += ["", "### Most common root causes", "", "| check | machines | fix |", "|---|---|---|"]
        lines += [f"| `{c.check}` | {len(c.machines)} | {_md(c.fix) or '(see the report)'} |" for c in causes[:10]]
    failing = [v for v in verdicts if v.verdict not in ("CERTIFIED", "REGRESSED", "NO REPORT")]
    if failing:
        lines += ["", f"### Not certified ({len(failing)})", ""]
        lines += [f"- **{_md(v.machine)}** {v.verdict}: {_md(v.reason)}" for v in failing[:LIST]] + _more(failing)
    silent = [v for v in verdicts if v.verdict == "NO REPORT"]
    if silent:
        lines += ["", f"### Did not report ({len(silent)})", ""]
        lines += [f"- **{_md(v.machine)}**: {_md(v.reason)}" for v in silent[:LIST]] + _more(silent)
    return "\n".join(lines) + "\n"


def _more(items: list) -> list[str]:
    return [f"- ... and {len(items) - LIST} more (fleet.html lists every machine)"] if len(items) > LIST else []


def _md(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")[:300]
