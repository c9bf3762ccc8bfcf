"""The fleet in Markdown, for a CI job summary ($GITHUB_STEP_SUMMARY) or a chat message.

Bounded: at most LIST machines per list, so 2,000 machines stay well under GitHub's 1 MiB limit.
Every value from a machine is text, never markup: a job summary renders Markdown and some HTML
(GitHub: https://docs.github.com/en/actions/using-workflows/workflow-commands-for-github-actions#adding-a-job-summary),
so `_md` backslash-escapes every ASCII punctuation character (CommonMark: any of them may be escaped,
https://spec.commonmark.org/0.31.2/#backslash-escapes): no link, image, emphasis, code span, table
cell break or autolink (`https\\://`, `www\\.`) can start inside a value; `&`, `<`, `>` and quotes
become HTML entities (no tag either), control characters are shown as `\\x1b`, and a value is one line.
"""

from __future__ import annotations

import html

from .analysis import root_causes
from .verdicts import VERDICTS
from ..lazy_regex import regex

LIST = 25


def fleet_markdown(verdicts, headline: str, notes: list[str]) -> str:
    lines = [f"## Fleet: {headline}", "", "| verdict | machines |", "|---|---|"]
    counts = {name: sum(1 for v in verdicts if v.verdict == name) for name in VERDICTS}
    lines += [f"| {name} | {n} |" for name, n in counts.items() if n]
    lines += [""] + [f"> {_md(note, 1000)}" for note in notes]
    regressed = [v for v in verdicts if v.verdict == "REGRESSED"]
    if regressed:
        lines += ["", f"### Regressed since the previous night ({len(regressed)})", ""]
        lines += [f"- **{_md(v.machine)}**: {_md(v.reason)}" for v in regressed[:LIST]] + _more(regressed)
    causes = root_causes(verdicts)
    if causes:
        lines += ["", "### Most common root causes", "", "| check | machines | fix |", "|---|---|---|"]
        lines += [f"| {_md(c.check)} | {len(c.machines)} | {_md(c.fix) or '(see the report)'} |" for c in causes[:10]]
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


MARKDOWN_PUNCTUATION = regex(r"""([!#$%()*+,\-./:;=?@\[\\\]^_`{|}~])""")  # all ASCII punctuation but &<>"' (entities)
CONTROL = regex("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _md(text: str | None, cap: int = 300) -> str:
    """Machine text as inert Markdown on one line (the module's doc), at most `cap` characters of it."""
    text = (text or "")[:cap]
    text = CONTROL.sub(lambda m: " " if m.group() in "\t\n\r" else f"\\u{ord(m.group()):04x}"
                       if ord(m.group()) > 0xFF else f"\\x{ord(m.group()):02x}", text)
    return html.escape(MARKDOWN_PUNCTUATION.sub(r"\\\1", text), quote=True)
