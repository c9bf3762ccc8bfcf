"""fleet.html: the night's fleet on one self-contained page (inline CSS, SVG and a few lines of JS).

Reading order is the order of urgency: the verdict bar, what regressed since last night, the most
common root causes with their fix, every machine worst first (filterable), the GPU spread per
model, the version spread with failure rates, and the machines that did not report.
"""

from __future__ import annotations

import re
from html import escape
from urllib.parse import quote

from .analysis import model_spread, root_causes, slow_for_model, version_spread
from .html_charts import performance_spread, verdict_bar
from .verdicts import VERDICTS

NAMES_SHOWN = 8

STYLE = """body{font:14px/1.4 system-ui,sans-serif;margin:0 24px 40px;color:#212121;background:#fff}
h1{font-size:22px;margin:16px 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:13px}td,th{border-bottom:1px solid #e0e0e0;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f5f5f5;position:sticky;top:0}.num{text-align:right;font-variant-numeric:tabular-nums}
.v{color:#fff;padding:1px 6px;border-radius:3px;white-space:nowrap;font-size:12px}code{font-size:12px;background:#f5f5f5;padding:1px 3px}
.slowcell{color:#b71c1c;font-weight:600}.legend{font-size:12px;color:#424242}.note{color:#5d4037}
#filters{margin:8px 0;display:flex;gap:12px;align-items:center}.legendbar span{margin-right:14px;cursor:pointer}
.rate{display:inline-block;height:10px;background:#c62828;vertical-align:middle}"""

SCRIPT = """(function(){const rows=Array.from(document.querySelectorAll('#machines tbody tr'));let texts=null;
const q=document.getElementById('q'),v=document.getElementById('verdict'),s=document.getElementById('slow'),n=document.getElementById('shown');
function apply(){if(!texts)texts=rows.map(r=>r.textContent.toLowerCase());const t=q.value.trim().toLowerCase();let k=0;
for(let i=0;i<rows.length;i++){const r=rows[i];const ok=(!v.value||r.dataset.v===v.value)&&(!s.checked||r.dataset.slow==='1')&&(!t||texts[i].includes(t));
r.hidden=!ok;if(ok)k++;}n.textContent=k;}
q.addEventListener('input',apply);v.addEventListener('change',apply);s.addEventListener('change',apply);
document.querySelectorAll('[data-v].pick, #verdict-bar .seg').forEach(e=>e.addEventListener('click',()=>{v.value=e.dataset.v;apply();
document.getElementById('machines').scrollIntoView();}));})();"""


def fleet_html(verdicts, headline: str, notes: list[str], counts: dict[str, int], tolerance: float, generated_at: str) -> str:
    spread = model_spread(verdicts)
    parts = [f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Fleet: {escape(headline)}</title>"
             f"<style>{STYLE}</style></head><body>",
             f"<h1 id=\"headline\">Fleet: {escape(headline)}</h1><p class=\"legend\">collected {escape(generated_at)}</p>",
             *(f"<p class=\"note\">{escape(note)}</p>" for note in notes),
             verdict_bar(counts), _legend(counts),
             _regressions(verdicts), _root_causes(verdicts), _machines(verdicts, spread, tolerance),
             "<h2 id=\"performance\">GPU performance per model (nbody GFLOP/s)</h2>", performance_spread(spread, tolerance),
             _versions(verdicts), _silent(verdicts), f"<script>{SCRIPT}</script></body></html>"]
    return "".join(parts)


def badge(name: str) -> str:
    return f'<span class="v" style="background:{VERDICTS[name].colour}">{escape(name)}</span>'


def _legend(counts):
    return ('<p class="legendbar">' + "".join(
        f'<span class="pick" data-v="{escape(name)}">{badge(name)} {n}</span>' for name, n in counts.items() if n) + "</p>")


def _regressions(verdicts):
    regressed = [v for v in verdicts if v.verdict == "REGRESSED"]
    if not regressed:
        return '<h2 id="regressions">Regressions since the previous night</h2><p>None.</p>'
    rows = "".join(f"<tr><td>{escape(v.machine)}</td><td>{escape(v.previous_verdict or '')}</td>"
                   f"<td>{'<br>'.join(escape(line) for line in v.regressions)}</td><td>{_link(v)}</td></tr>" for v in regressed)
    return (f'<h2 id="regressions">Regressions since the previous night ({len(regressed)})</h2>'
            f"<table><thead><tr><th>machine</th><th>last night</th><th>what got worse</th><th>report</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>")


def _root_causes(verdicts):
    causes = root_causes(verdicts)
    if not causes:
        return '<h2 id="root-causes">Most common root causes</h2><p>No machine has a failed check.</p>'
    rows = []
    for c in causes:
        names = ", ".join(escape(m) for m in c.machines[:NAMES_SHOWN])
        more = f" and {len(c.machines) - NAMES_SHOWN} more" if len(c.machines) > NAMES_SHOWN else ""
        rows.append(f'<tr><td class="num">{len(c.machines)}</td><td><code>{escape(c.check)}</code><br>{escape(c.title)}'
                    + (f'<br><span class="note">known cause: {escape(c.known_cause)}</span>' if c.known_cause else "")
                    + f"</td><td>{names}{more}</td><td><code>{escape(c.fix) or '(see the report)'}</code></td></tr>")
    return ('<h2 id="root-causes">Most common root causes (the first failing check of each machine)</h2>'
            "<table><thead><tr><th>machines</th><th>check</th><th>affected</th><th>fix</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _machines(verdicts, spread, tolerance):
    options = "".join(f'<option value="{escape(n)}">{escape(n)}</option>' for n in VERDICTS)
    head = ("<tr><th>verdict</th><th>machine</th><th>why</th><th>GPU</th><th class=num>GFLOP/s</th><th class=num>baseline</th>"
            "<th class=num>model median</th><th>driver</th><th>Windows build</th><th>kernel</th><th>Docker</th><th>toolkit</th>"
            "<th>report</th></tr>")
    rows = []
    for v in verdicts:
        f = v.facts or {}
        slow = slow_for_model(v, spread, tolerance)
        model = spread.get(v.gpu_model or "")
        gflops = f.get("nbody_gflops")
        vs_median = f" ({(gflops - model.median) / model.median:+.0%})" if model and isinstance(gflops, float) and model.median else ""
        rows.append(f'<tr data-v="{escape(v.verdict)}" data-slow="{int(slow)}"><td>{badge(v.verdict)}</td><td>{escape(v.machine)}</td>'
                    f"<td>{escape(v.reason)}</td><td>{escape(v.gpu_model or '')}</td>"
                    f'<td class="num{" slowcell" if slow else ""}">{_num(gflops)}{vs_median}</td>'
                    f'<td class="num">{_num(f.get("nbody_baseline_gflops"))}</td><td class="num">{_num(model.median if model else None)}</td>'
                    + "".join(f"<td>{escape(f.get(k) or '')}</td>" for k in ("driver", "windows_build", "kernel", "docker", "toolkit"))
                    + f"<td>{_link(v)}</td></tr>")
    return (f'<h2 id="machines-title">Every machine, worst first ({len(verdicts)})</h2>'
            '<div id="filters"><input id="q" type="search" placeholder="filter: machine, GPU, version, reason" size="40">'
            f'<select id="verdict"><option value="">every verdict</option>{options}</select>'
            '<label><input id="slow" type="checkbox"> only slow for their GPU model</label>'
            f'<span><span id="shown">{len(verdicts)}</span> shown</span></div>'
            f'<table id="machines"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>')


def _versions(verdicts):
    out = ['<h2 id="versions">Version spread (failure rate: not certified among machines that reported)</h2>']
    for label, rows in version_spread(verdicts).items():
        body = "".join(f'<tr><td>{escape(r.value)}</td><td class="num">{r.machines}</td><td class="num">{r.not_certified}</td>'
                       f'<td class="num">{r.failure_rate:.0%} <span class="rate" style="width:{r.failure_rate * 80:.0f}px"></span></td></tr>'
                       for r in rows[:30])
        more = f"<tr><td colspan=4>... and {len(rows) - 30} more values</td></tr>" if len(rows) > 30 else ""
        out.append(f'<h3>{escape(label)}</h3><table class="versions" data-fact="{escape(label)}"><thead><tr><th>{escape(label)}</th>'
                   f"<th>machines</th><th>not certified</th><th>failure rate</th></tr></thead><tbody>{body}{more}</tbody></table>")
    return "".join(out)


def _silent(verdicts):
    silent = [v for v in verdicts if v.verdict == "NO REPORT"]
    if not silent:
        return '<h2 id="no-report">Machines that did not report</h2><p>None: every machine left a report.</p>'
    rows = "".join(f"<tr><td>{escape(v.machine)}</td><td>{escape((v.ci_status or {}).get('status') or '(no CI status)')}</td>"
                   f"<td>{escape(v.reason)}</td><td>{escape(v.previous_verdict or '')}</td>"
                   + (f'<td><a href="{escape(v.ci_status["url"])}">job</a></td>' if (v.ci_status or {}).get("url") else "<td></td>")
                   + "</tr>" for v in silent)
    return (f'<h2 id="no-report">Machines that did not report ({len(silent)})</h2><table id="silent"><thead><tr><th>machine</th>'
            f"<th>CI status</th><th>reason</th><th>last night</th><th>job</th></tr></thead><tbody>{rows}</tbody></table>")


def _link(v) -> str:
    return f'<a href="{escape(_href(v.report))}">report.html</a>' if v.report else ""


def _href(path: str) -> str:
    """A folder path as a link. A relative path whose first folder is named like `javascript:x` would be read
    as that scheme: percent-encoded, its `:` is %3A and it stays a path (quote keeps `/`, letters, digits, `_.-~`)."""
    if re.match(r"[A-Za-z]:/", path):  # on another Windows drive than fleet.html (judge.py): absolute
        return "file:///" + quote(path, safe="/:")
    return quote(path)


def _num(value) -> str:
    return f"{value:.0f}" if isinstance(value, (int, float)) else ""
