"""report.html's inline CSS and script: light, printable, no request leaves the file.

Every colour pair is dark on light or white on a dark fill, at WCAG AA contrast or better (4.5:1;
tests/reports/test_report_in_browser.py measures the rendered text). Printed (Chromium's print to PDF), the
page is one column (the stack, what failed, the warnings, then the facts), long commands and messages wrap instead of running off the page edge, the
filter chips and copy buttons are left out, and every check's row stays whole on one page.
"""

from __future__ import annotations

from .suite_outcomes import SHOWN
from .summary import CERTIFIED, LAYER_STATES, NOT_CERTIFIED, PARTIAL

# The verdict's colour on white: 5:1 or more (summary.VERDICT_COLOURS's orange for PARTIAL is 3:1 on white).
VERDICT_TEXT = {CERTIFIED: "#2e7d32", NOT_CERTIFIED: "#c62828", PARTIAL: "#b45309"}

# The stack's states, in their own colours: green for passed and for nothing else.
LAYER_COLOURS = {"passed": ("#2e7d32", "#ffffff"), "failed": ("#c62828", "#ffffff"), "blocked": ("#6d4c41", "#ffffff"),
                 "partial": ("#b45309", "#ffffff"), "not_applicable": ("#eceff1", "#37474f"),
                 "not_selected": ("#f5f5f5", "#424242")}
assert set(LAYER_COLOURS) == set(LAYER_STATES)

_OUTCOME_CSS = "".join(f".b-{o.name}{{background:{o.background};color:{o.colour}}}" for o in SHOWN.values())
_LAYER_CSS = "".join(f".s-{name}{{background:{bg};color:{fg}}}" for name, (bg, fg) in LAYER_COLOURS.items())

STYLE = """*{box-sizing:border-box}body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 24px 32px;
color:#212121;background:#fff;max-width:1400px}
h1{font-size:26px;margin:12px 0 2px}h2{font-size:17px;margin:18px 0 6px;border-bottom:1px solid #ddd;padding-bottom:2px}
.headline{font-size:15px;margin:0 0 2px}.meta{color:#424242;margin:0}
.top{display:grid;grid-template-columns:minmax(340px,430px) 1fr;grid-template-areas:"stack fix" "facts fix";
gap:0 28px;align-items:start}.a-stack{grid-area:stack}.a-fix{grid-area:fix}.a-facts{grid-area:facts}
.layer{margin:2px 0;padding:4px 10px;border-radius:4px;font-size:13px}.layer b{display:inline-block;min-width:62px}
.s-not_selected{border:1px dashed #9e9e9e}
code,pre{font-family:ui-monospace,'Cascadia Mono',Consolas,monospace;font-size:13px}
pre.fix{color:#212121;background:#f5f5f5;border:1px solid #e0e0e0;padding:4px 8px;margin:2px 0;white-space:pre-wrap;
overflow-wrap:anywhere;flex:1}
.step{display:flex;gap:6px;align-items:flex-start}.shell{color:#424242;font-size:13px;margin-top:4px}
button{font:inherit;font-size:12px;padding:3px 8px;border:1px solid #757575;border-radius:4px;background:#fff;color:#212121;cursor:pointer}
ol.todo{margin:0;padding-left:22px}ol.todo>li{margin:0 0 10px}.cause{margin:1px 0}.known{color:#4e342e}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #e0e0e0;padding:3px 6px;text-align:left;vertical-align:top;
overflow-wrap:anywhere}th{background:#f5f5f5}
table.facts td:first-child{color:#424242;width:130px}.none{color:#5f6368;font-style:italic}
.badge{display:inline-block;padding:1px 7px;border-radius:3px;font-size:12px;font-weight:600;white-space:nowrap}
#checks table{table-layout:fixed;font-size:13px}#checks col.o{width:128px}#checks col.c{width:30%}#checks col.l{width:74px}
#checks col.f{width:26%}.title{color:#424242}details>summary{cursor:pointer;color:#0d47a1}
#chips{display:flex;flex-wrap:wrap;gap:6px;margin:4px 0 8px}
.chip[aria-pressed=false]{background:#fff;color:#424242;border:1px dashed #757575;text-decoration:line-through}
.warnlist li{margin:0 0 6px}.about td:first-child{width:180px;color:#424242}a{color:#0d47a1}
tr[hidden]{display:none}
@media print{@page{size:A4;margin:12mm}body{margin:0;max-width:none;font-size:11px}
.top{display:flex;flex-direction:column}.top>div{width:100%}.a-stack{order:1}.a-fix{order:2}.a-facts{order:3}
#chips,button{display:none}details[open]>summary~*{display:block}tr,li,.layer{break-inside:avoid}
h2{break-after:avoid}#checks col.c{width:28%}pre.fix{font-size:10px}code{font-size:10px}}
""" + _OUTCOME_CSS + _LAYER_CSS

# The filter chips hide and show rows by outcome; a copy button copies its command (the Clipboard API, else
# the selection and execCommand: a file:// page may not be a secure context everywhere).
SCRIPT = """(function(){
const rows=[...document.querySelectorAll('#checks tbody tr')],shown=document.getElementById('shown');
document.querySelectorAll('#chips .chip').forEach(chip=>chip.addEventListener('click',()=>{
  chip.setAttribute('aria-pressed',chip.getAttribute('aria-pressed')==='true'?'false':'true');
  const on=new Set([...document.querySelectorAll('#chips .chip[aria-pressed=true]')].map(c=>c.dataset.outcome));
  let n=0;for(const r of rows){r.hidden=!on.has(r.dataset.outcome);if(!r.hidden)n++;}shown.textContent=n;}));
document.querySelectorAll('button.copy').forEach(b=>b.addEventListener('click',()=>{
  const text=document.getElementById(b.dataset.for).innerText;
  const done=()=>{b.textContent='Copied';setTimeout(()=>b.textContent='Copy',1500);};
  const fallback=()=>{const r=document.createRange();r.selectNodeContents(document.getElementById(b.dataset.for));
    const s=getSelection();s.removeAllRanges();s.addRange(r);try{document.execCommand('copy');done();}catch(e){}};
  if(navigator.clipboard)navigator.clipboard.writeText(text).then(done,fallback);else fallback();}));
})();"""
