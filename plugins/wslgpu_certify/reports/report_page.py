"""report.html: the page attached to a support ticket, written from results.json's document.

Reading order is the ticket's: the verdict (machine, profile and why, date), the layer stack, each
failed check in root-cause order (lowest layer first) with its cause and the one first fix step to
take (the shell named, a copy button), the warnings, the machine's facts; then every check in the
suite's six outcomes (reports/suite_outcomes.py) with why it ended so, filterable; and at the bottom,
collapsed, who ran it and how. One self-contained file (inline CSS and script, a PNG as a data: URL),
no request leaves it; every value from a machine or a snapshot passes html.escape on its way in.
pytest-html's page, where installed, is the detailed log beside it (log.html), linked from here.
"""

from __future__ import annotations

import base64
import json
import os
import platform
from html import escape
from pathlib import Path

import pytest

from ..atomic_file import write_atomically
from ..findings import SHELLS, Finding
from .page_style import LAYER_COLOURS, SCRIPT, STYLE, VERDICT_TEXT
from .suite_outcomes import COUNT_ORDER, SHOWN, counts_text, plural, shown_outcome, suite_counts, why_words
from .summary import NOT_RUN_REASON, LayerState

LOG_NAME = "log.html"  # pytest-html's page: the detailed log beside report.html, where pytest-html is installed
CAUSE_SHOWN = 400  # characters of a failure's message on the first screen; its row holds all of it
PNG_INLINED = 512 * 1024  # a published PNG larger than this is linked (beside the page), not inlined
# The machine's facts (results.json `facts`), with their labels, in the order a support engineer reads them.
FACTS = (("windows_build", "Windows build"), ("wsl_version", "WSL"), ("kernel", "WSL kernel"),
         ("distribution", "Distro"), ("driver", "NVIDIA driver"), ("cuda", "CUDA"), ("docker", "Docker"),
         ("toolkit", "NVIDIA Container Toolkit"), ("gpu", "GPU"))


def write_run_page(run, config: pytest.Config) -> None:
    """A run folder's report.html, from the results.json just written there (`run`: a session.RunState); an
    OSError goes to the caller, which says it in one line."""
    folder = run.run_directory
    document = json.loads((folder / "results.json").read_text(encoding="utf-8"))
    # pytest-html's page: written into the folder (a run of several machines), or copied there from --html
    log = LOG_NAME if (folder / LOG_NAME).is_file() or getattr(config.option, "htmlpath", None) else None
    write_atomically(folder / "report.html", report_page(document, folder, about_this_process(config), log))


def about_this_process(config: pytest.Config) -> dict[str, str]:
    """Where the suite itself ran (on a replay, not the certified machine): for the page's 'about this run'."""
    plugins = sorted({f"{dist.project_name} {dist.version}" for _, dist in config.pluginmanager.list_plugin_distinfo()})
    return {"ran on": _platform(), "Python": f"{platform.python_implementation()} {platform.python_version()}",
            "pytest": pytest.__version__, "pytest plugins": ", ".join(plugins)}


def _platform() -> str:
    """platform.platform()'s words, with glibc's version from os.confstr: platform.libc_ver() reads the whole
    Python executable to find it (about 5 ms of a replay's 275); elsewhere (Windows, musl) platform.platform()."""
    try:
        libc = os.confstr("CS_GNU_LIBC_VERSION")  # "glibc 2.36"
    except (AttributeError, ValueError, OSError):
        libc = None
    if not libc or not libc.startswith("glibc "):
        return platform.platform()
    uname = platform.uname()
    return f"{uname.system}-{uname.release}-{uname.machine}-with-{libc.replace(' ', '')}"


def report_page(document: dict, folder: Path | None = None, about: dict | None = None, log: str | None = None) -> str:
    """The whole page. `folder`: the run folder (a published PNG is read from it); `about`: who ran it and on
    what (label -> text); `log`: the detailed log's file name beside the page, if one is written."""
    findings = [Finding.from_json(c) for c in document.get("checks", [])]
    not_run = document.get("coverage", {}).get("not_run", [])
    machine = document.get("machine", {})
    hostname = str(machine.get("hostname", "?"))
    verdict = str(document.get("verdict", "?"))
    return "".join([
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">'
        f"<title>{escape(hostname)}: {escape(verdict)}</title><style>{STYLE}</style></head><body>",
        _header(document, machine, verdict, suite_counts(findings, len(not_run))),
        '<div class="top"><div class="a-stack">', _stack(document), '</div><div class="a-fix">', _to_fix(findings),
        _warnings(findings), '</div><div class="a-facts">', _facts(document, machine), "</div></div>",
        _checks(findings, not_run, folder),
        _about(document, machine, about or {}, log),
        f"<script>{SCRIPT}</script></body></html>"])


def _header(document: dict, machine: dict, verdict: str, counts: dict[str, int]) -> str:
    run = document.get("run", {})
    profile = document.get("profile") if isinstance(document.get("profile"), dict) else {}
    name = profile.get("name") or machine.get("profile") or "?"
    when = run.get("finished_at") or run.get("started_at") or document.get("finished_at") or "?"
    source = (f"replay of a snapshot recorded {machine.get('recorded_at') or '(date not recorded)'}"
              if machine.get("env") == "replay" else f"env {machine.get('env', '?')}")
    parts = [f'<h1 id="verdict" style="color:{VERDICT_TEXT.get(verdict, "#212121")}">{escape(verdict)}</h1>',
             f'<p class="headline" id="headline">{escape(_reason(document, verdict))}</p>',
             f'<p class="meta" id="run-line">machine <b>{escape(str(machine.get("hostname", "?")))}</b> &middot; '
             f'profile <b>{escape(str(name))}</b> &middot; {escape(str(when))} &middot; {escape(source)}</p>']
    if profile.get("reason"):  # results.json `profile` {name, reason, chosen_by, warning}: --cert-profile auto
        parts.append(f'<p class="meta" id="profile-why">why this profile: {escape(str(profile["reason"]))}</p>')
    if profile.get("warning"):
        parts.append(f'<p class="meta b-warning" id="profile-warning">{escape(str(profile["warning"]))}</p>')
    parts.append(f'<p class="meta" id="counts">{escape(counts_text(counts))}</p>')
    return "".join(parts)


def _reason(document: dict, verdict: str) -> str:
    """The headline without the verdict it starts with (shown above it), or what a certification means."""
    rest = str(document.get("headline", "")).removeprefix(verdict).lstrip(": ")
    return rest or ("every check that applies here ran and passed" if verdict == "CERTIFIED" else "")


def _stack(document: dict) -> str:
    """The seven layers top to bottom as drawn (the lowest, windows, last), each state in words and a colour."""
    rows = []
    for layer, info in reversed(list(document.get("layers", {}).items())):
        state = info.get("state") if info.get("state") in LAYER_COLOURS else "failed"
        rows.append(f'<div class="layer s-{state}" data-layer="{escape(layer)}" data-state="{state}">'
                    f"<b>{escape(layer)}</b> &middot; {escape(_layer_words(info))}</div>")
    return '<h2>The stack</h2><div id="stack">' + "".join(rows) + "</div>"


def _layer_words(info: dict) -> str:
    state = LayerState(info.get("state", ""), info.get("first_failure"), info.get("blocked_by"),
                       bool(info.get("blocked_by_failure")), info.get("checks", 0), info.get("applicable", 0),
                       info.get("passed", 0))
    return state.words


def _first_step(finding: Finding, number: int) -> str:
    step = finding.first_step
    if step is None:
        return '<p class="none">no fix step is known: see the check\'s row below</p>'
    if not step.is_command:
        return f'<p class="step"><span class="shell">First step:</span> {escape(step.text)}</p>'
    shell = SHELLS.get(step.shell, step.shell)
    first = "First, look (this only shows; the fix follows from what it shows)" if step.is_look else "First step"
    return (f'<div class="shell">{first}, run {escape(shell)}:</div><div class="step">'
            f'<pre class="fix" id="fix-{number}">{escape(step.text)}</pre>'
            f'<button class="copy" type="button" data-for="fix-{number}">Copy</button></div>')


def _to_fix(findings: list[Finding]) -> str:
    failed = [f for f in findings if shown_outcome(f) == "failed"]
    if not failed:
        return '<h2>What failed</h2><p id="to-fix">No check failed.</p>'
    items = []
    for number, f in enumerate(failed, 1):
        message = f.message if len(f.message) <= CAUSE_SHOWN else f.message[:CAUSE_SHOWN] + " ..."
        known = f.leading_cause
        items.append(f'<li class="failure" data-check="{escape(f.id)}"><b><code>{escape(f.id)}</code></b> '
                     f'<span class="title">{escape(f.title)}</span>'
                     f'<p class="cause">{"The check broke: " if f.outcome == "error" else ""}{escape(message)}</p>'
                     + (f'<p class="cause known">Known cause ({escape(known.id)}): {escape(known.cause)}</p>' if known else "")
                     + _first_step(f, number) + "</li>")
    return (f'<h2>What failed, root cause first ({len(failed)})</h2>'
            f'<ol class="todo" id="to-fix">{"".join(items)}</ol>')


def _warnings(findings: list[Finding]) -> str:
    warned = [f for f in findings if f.outcome == "warning"]
    if not warned:
        return ""
    items = "".join(f'<li data-check="{escape(f.id)}"><span class="badge b-warning">warning</span> '
                    f"<code>{escape(f.id)}</code>: {escape(f.message or f.title)}"
                    + (f'<br><span class="shell">{"First, look" if f.first_step.is_look else "First step"}'
                       f'{_shell_words(f)}:</span> <code>{escape(f.first_fix)}</code>'
                       if f.first_fix else "")
                    + "</li>" for f in warned)
    return (f'<h2>{plural(len(warned), "warning")} (advisory: never blocks certification)</h2>'
            f'<ul class="warnlist" id="warnings">{items}</ul>')


def _distro(facts: dict, machine: dict) -> str | None:
    """What the distro is (os-release) and which WSL distro it is (its name in `wsl --list`)."""
    release, name = facts.get("distribution"), machine.get("distro")
    return f"{release} (WSL distro {name})" if release and name else (release or name)


def _shell_words(finding: Finding) -> str:
    step = finding.first_step
    return f", run {escape(SHELLS.get(step.shell, step.shell))}" if step is not None and step.is_command else ""


def _facts(document: dict, machine: dict) -> str:
    facts = document.get("facts", {})
    rows = [(label, _distro(facts, machine) if key == "distribution" else facts.get(key)) for key, label in FACTS]
    measured, baseline = facts.get("nbody_gflops"), facts.get("nbody_baseline_gflops")
    if isinstance(measured, (int, float)):
        against = (f" against a baseline of {baseline:.1f} ({measured / baseline:.0%})"
                   if isinstance(baseline, (int, float)) and baseline else " (no baseline for this GPU)")
        rows.append(("GPU GFLOP/s (nbody)", f"{measured:.1f}{against}"))
    else:
        rows.append(("GPU GFLOP/s (nbody)", None))
    body = "".join(f"<tr><td>{escape(label)}</td><td>{escape(str(value)) if value not in (None, '') else '<span class=none>not measured</span>'}</td></tr>"
                   for label, value in rows)
    return f'<h2>The machine</h2><table class="facts" id="facts"><tbody>{body}</tbody></table>'


def _checks(findings: list[Finding], not_run: list[dict], folder: Path | None) -> str:
    counts = suite_counts(findings, len(not_run))
    chips = "".join(f'<button class="chip badge b-{name}" type="button" data-outcome="{name}" aria-pressed="true">'
                    f"{SHOWN[name].label} {counts[name]}</button>" for name in COUNT_ORDER if counts[name])
    rows = [_row(f, folder) for f in findings]
    rows += [_planned_row(p) for p in not_run]
    total = len(rows)
    return (f'<h2 id="checks-title">Every check ({total})</h2><section id="checks"><div id="chips">{chips}'
            f'<span class="meta"><span id="shown">{total}</span> shown</span></div>'
            '<table><colgroup><col class="o"><col class="c"><col class="l"><col class="w"><col class="f"></colgroup>'
            "<thead><tr><th>outcome</th><th>check</th><th>layer</th><th>why it ended so</th><th>first fix step</th></tr></thead>"
            f'<tbody>{"".join(rows)}</tbody></table></section>')


def _row(finding: Finding, folder: Path | None) -> str:
    name = shown_outcome(finding)
    fix = finding.first_fix if name in ("failed", "warning") else ""
    details = ""
    if name in ("failed", "warning") or finding.known_causes:
        details += finding.to_html()
    details += _png(finding, folder)
    more = f"<details><summary>details</summary>{details}</details>" if details else ""
    return (f'<tr data-outcome="{name}" data-check="{escape(finding.id)}"><td><span class="badge b-{name}">{SHOWN[name].label}'
            f'</span></td><td><code>{escape(finding.id)}</code><div class="title">{escape(finding.title)}</div></td>'
            f"<td>{escape(finding.layer)}</td><td class=\"why\">{escape(why_words(finding))}{more}</td>"
            f"<td>{f'<code>{escape(fix)}</code>' if fix else ''}</td></tr>")


def _planned_row(planned: dict) -> str:
    return (f'<tr data-outcome="not_run" data-check="{escape(str(planned.get("id", "")))}"><td><span class="badge b-not_run">'
            f'not run</span></td><td><code>{escape(str(planned.get("id", "")))}</code><div class="title">'
            f'{escape(str(planned.get("title", "")))}</div></td><td>{escape(str(planned.get("layer", "")))}</td>'
            f'<td class="why">{escape(str(planned.get("reason") or NOT_RUN_REASON))}</td><td></td></tr>')


def _png(finding: Finding, folder: Path | None) -> str:
    """A PNG the check published (the ggplot2 plot), inlined as a data: URL from the run folder."""
    name = finding.figures.get("png")
    if not isinstance(name, str) or folder is None:
        return ""
    path = folder / name
    if path.parent != folder or not path.is_file():  # only a file of the run folder itself
        return ""
    if path.stat().st_size > PNG_INLINED:
        return f'<p><a href="{escape(name)}">{escape(name)}</a></p>'
    data = base64.b64encode(path.read_bytes()).decode()
    return f'<p><img class="png" alt="{escape(name)}" src="data:image/png;base64,{data}" style="max-width:100%"></p>'


def _about(document: dict, machine: dict, about: dict, log: str | None) -> str:
    run = document.get("run", {})
    rows = [("machine id", run.get("machine_id")), ("run id", run.get("run_id")), ("run by (user)", machine.get("user")),
            ("env", machine.get("machine_env")), ("snapshot", machine.get("snapshot")),
            ("started", run.get("started_at")), ("finished", run.get("finished_at")),
            ("state", run.get("state")), ("interrupted by", run.get("interrupted_by")),
            ("exit status", run.get("exit_status")), ("wslgpu-certify", document.get("tool_version")),
            ("results format", document.get("format")),
            ("commands run", ", ".join(f"{k}: {v}" for k, v in (machine.get("commands_run") or {}).items()))]
    rows += list(about.items())
    body = "".join(f"<tr><td>{escape(str(k))}</td><td>{escape(str(v))}</td></tr>" for k, v in rows if v not in (None, ""))
    link = f'<p>The detailed log of this run: <a href="{escape(log)}">{escape(log)}</a>.</p>' if log else ""
    return (f'<h2>About this run</h2><details id="about"><summary>who ran it, where, with what</summary>'
            f'<table class="about"><tbody>{body}</tbody></table>{link}</details>')
