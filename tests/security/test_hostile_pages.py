"""Hostile machines' text in report.html, log.html and fleet.html, opened in a real headless Chromium: 0 scripts run.

Twelve snapshots (tests/hostile_input.py), each with a pair of HTML payloads in every field of the machine
that reaches a page (hostname, distro, user, recorded_at, kernel release, GPU name, toolkit and Docker
versions, Windows product line, every command's stderr: evidence, messages, fixes filled with the distro
and user), are replayed in ONE run (`--snapshot FOLDER`: a report.html and pytest-html's log.html per machine), one more
alone, and the fleet is collected over them (fleet.html); report.html is read with its collapsed parts open. Every page is opened in one browser: a
payload that runs calls pwn(N), which every frame has (an init script) and which logs to the console;
alert/confirm count too; so do requests leaving file:// and data:, a navigation away, any element left with
an inline event handler attribute or a `javascript:` URL (they would run on a click or a hover that no test
makes). The page must also show each hostname as text (the payload reached it, as data).
`test_the_detector_sees_raw_payloads` shows the same detector catching every payload pair put in raw.

Without Chromium or Playwright these tests skip (except under CI=true), as test_report_in_browser.py's do.
"""

from __future__ import annotations

import html
import json
import re

import pytest

from headless_chromium import browser  # noqa: F401 (a fixture)
from hostile_input import HTML_NO_SPACE, HTML_PAYLOADS, write_hostile_snapshots
from suite_run import make_runner

PAYLOADS = [p.format(n=i) for i, p in enumerate(HTML_PAYLOADS)]
TOKENS = [p.format(n=i) for i, p in enumerate(HTML_NO_SPACE)]
PWN_JS = "window.pwn = (id) => console.log('PWNED ' + id);"
SETTLE_MS = 400  # image errors, iframes, autofocus: events that come after `load`
# Every attribute that names an inline handler calling pwn or holds a javascript: URL, and every iframe, anywhere
# in the document: a payload left there would run on a click or a hover that no test makes (pytest-html's
# template has a handler of its own, `onclick=location.reload()`, and no iframe).
INJECTED_JS = r"""() => { const found = [];
  for (const el of document.querySelectorAll('*')) { for (const a of el.attributes) {
      if (/^on/i.test(a.name) && /pwn/.test(a.value) || /^\s*(javascript|vbscript):/i.test(a.value))
        found.push(el.tagName + ' ' + a.name + '=' + a.value.slice(0, 60)); }
    if (el.tagName === 'IFRAME') found.push('IFRAME ' + (el.getAttribute('srcdoc') || el.src || '').slice(0, 60)); }
  return found; }"""


class Watch:
    """One page that collects every sign of a payload that ran."""

    def __init__(self, browser):
        self.context = browser.new_context()
        self.context.add_init_script(PWN_JS)
        self.page = self.context.new_page()
        self.page.set_default_timeout(10_000)
        self.signs: list[str] = []
        self.page.on("console", lambda m: m.text.startswith("PWNED") and self.signs.append(m.text))
        self.page.on("dialog", lambda d: (self.signs.append(f"dialog {d.message}"), d.dismiss()))
        self.page.on("request", lambda r: r.url.startswith(("file:", "data:", "about:")) or self.signs.append(f"request {r.url}"))

    def open(self, uri: str, ready: str | None = None) -> list[str]:
        """The signs seen on this page (navigations away, handlers or javascript: URLs left in the DOM included)."""
        before = len(self.signs)
        self.page.goto(uri, wait_until="load")
        if ready:
            self.page.wait_for_function(ready)
        self.page.wait_for_timeout(SETTLE_MS)
        if self.page.url.split("?")[0] != uri:  # pytest-html keeps its sort order in the query
            self.signs.append(f"navigated to {self.page.url}")
        else:
            self.signs.extend(f"{uri.rsplit('/', 2)[-2]}: {s}" for s in self.page.evaluate(INJECTED_JS))
        return self.signs[before:]


PYTEST_HTML_READY = "document.querySelectorAll('#results-table tbody').length > 0 && document.querySelectorAll('#environment tr').length > 0"


@pytest.fixture(scope="module")
def hostile_pages(tmp_path_factory):
    """The pages of the hostile snapshots (a batch and one alone: report.html and pytest-html's log.html beside
    it) and the fleet page over the batch."""
    root = tmp_path_factory.mktemp("hostile")
    folder = root / "snapshots"
    snapshots = write_hostile_snapshots(folder, PAYLOADS, TOKENS, plain_distro_every_other=True)
    batch = make_runner(root / "batch")("--snapshot", str(folder), "-q")
    reports = sorted((root / "batch" / "reports").glob("*/report.html"))
    assert len(reports) == len(PAYLOADS), batch.output[-3000:]
    alone = make_runner(root / "alone")("--snapshot", str(folder / "hostile-00.json"), "-q")
    single = root / "alone" / "reports" / "latest" / "report.html"
    assert single.is_file() and (single.parent / "log.html").is_file(), alone.output[-3000:]
    from wslgpu_certify.fleet.cli import main

    main(["collect", str(root / "batch" / "reports"), "--out", str(root / "fleet")])
    return snapshots, [*reports, single], root / "fleet" / "fleet.html"


# What report.html shows of a machine: the title, the run line's machine and text, the facts table.
SHOWN_JS = """() => ({title: document.title, machine: document.querySelector('#run-line b').textContent,
  line: document.getElementById('run-line').textContent, counts: document.querySelectorAll('#checks tbody tr').length,
  facts: Object.fromEntries([...document.querySelectorAll('#facts tr')].map(r => [r.cells[0].textContent, r.cells[1].textContent]))})"""


def test_no_payload_runs_in_any_report(browser, hostile_pages):
    snapshots, reports, fleet = hostile_pages
    watch = Watch(browser)
    shown = []
    for report in reports:
        watch.open(report.as_uri())
        watch.page.locator("#about > summary").click()  # the collapsed parts too, opened as a reader would
        watch.page.locator("#checks details > summary").evaluate_all("all => all.forEach(s => s.click())")
        watch.page.wait_for_timeout(SETTLE_MS)
        shown.append(watch.page.evaluate(SHOWN_JS))
        watch.open((report.parent / "log.html").as_uri(), PYTEST_HTML_READY)  # pytest-html's, beside it
    watch.open(fleet.as_uri())
    fleet_text = watch.page.evaluate("document.body.innerText")
    watch.context.close()
    assert watch.signs == []  # every sign, on any page, after any click

    # Not vacuous: each machine's own text is on its page, as text: the hostname in the title and the run line,
    # the recorded_at date, the distro; the kernel, GPU, toolkit and Docker figures where published.
    hostnames = [s["metadata"]["hostname"] for s in snapshots]
    assert sorted(page["machine"] for page in shown) == sorted([*hostnames, hostnames[0]]), shown
    for page in shown:
        metadata = next(s["metadata"] for s in snapshots if s["metadata"]["hostname"] == page["machine"])
        assert page["title"].startswith(metadata["hostname"] + ":") and page["counts"] > 50, page
        assert metadata["recorded_at"] in page["line"] and metadata["distro"] in page["facts"]["Distro"], page
    for label in ("WSL kernel", "GPU", "NVIDIA Container Toolkit", "Docker"):
        assert any(any(t in page["facts"].get(label, "") for t in (*PAYLOADS, *TOKENS)) for page in shown), (label, shown)
    # reasons, fixes, GPU models, versions: as text
    missing = [p for p, t in zip(PAYLOADS, TOKENS) if not any(x in fleet_text for x in (p, p.replace('"', "'"), t))]
    assert missing == [], fleet_text


def test_the_detector_sees_raw_payloads(browser, tmp_path):
    """The assertion above can fail: each payload pair, put in raw (as markup, in an attribute, through
    innerHTML as pytest-html's Environment table does), is caught by the same watch."""
    page = tmp_path / "raw.html"
    cells = "".join(f"<div id=p{i}>{p}</div><div title=\"{p}\">x</div><a href=\"{TOKENS[i]}\">t</a>" for i, p in enumerate(PAYLOADS))
    listed = json.dumps(PAYLOADS).replace("</", "<\\/")  # not the end of the <script> it sits in
    script = f"<script>for (const p of {listed}) {{ const t = document.createElement('template');" \
             " t.innerHTML = `<div>${p}</div>`; document.body.appendChild(t.content); }</script>"
    page.write_text(f"<!doctype html><html><head><title>raw</title></head><body>{cells}{script}</body></html>")
    watch = Watch(browser)
    signs = watch.open(page.as_uri())
    watch.context.close()
    caught = {int(n) for sign in signs for groups in re.findall(r"pwn\((\d+)\)|PWNED (\d+)|css(\d+)|base(\d+)", sign)
              for n in groups if n}
    assert caught == set(range(len(PAYLOADS))), signs


def test_environment_values_are_text_in_process():
    """In process: what reaches pytest-html's Environment table (inserted there with innerHTML) holds no markup."""
    from types import SimpleNamespace

    from wslgpu_certify.reports.html_report import HtmlReport, environment_text

    class Report:
        data = {"environment": {"Python": "3.11", "Plugins": {"<svg onload=x>": "<img src=x onerror=y>"}}}

        def set_data(self, key, value):
            self.data[key] = value

    class Run:
        def figures(self):
            return {"kernel": "5.15" + PAYLOADS[2], "gpu": PAYLOADS[1], "nvidia-container-toolkit": PAYLOADS[6],
                    "nbody_gflops": 1234.5}

    snapshot = SimpleNamespace(metadata={"recorded_at": PAYLOADS[3], "env": "wsl"})
    machine = SimpleNamespace(hostname=PAYLOADS[0], distro=TOKENS[4], replay=True, snapshot=snapshot)
    report = HtmlReport(SimpleNamespace(machine=machine))
    report.report = Report()
    report._environment(Run())
    written = json.dumps(report.report.data["environment"])
    assert not re.search(r"<\s*[a-z/!]", written, re.I), written
    shown = report.report.data["environment"]
    assert html.unescape(shown["Machine"]) == PAYLOADS[0] and html.unescape(shown["WSL kernel"]) == "5.15" + PAYLOADS[2]
    assert html.unescape(shown["Replayed on: Plugins"]["&lt;svg onload=x&gt;"]) == "<img src=x onerror=y>"
    assert environment_text("a & b") == "a &amp; b" and environment_text(3) == 3 and environment_text(None) is None
    assert environment_text(["<b>", {"k": "<i>"}]) == ["&lt;b&gt;", {"k": "&lt;i&gt;"}]


def test_test_ids_are_text_in_process():
    """pytest-html writes the node id into its cell raw (and app.js inserts the cell as HTML); a run's node
    ids can hold a path the operator was sent (a folder of snapshots): the row hook makes it text."""
    from types import SimpleNamespace

    from wslgpu_certify.reports.html_report import HtmlReport

    for payload in PAYLOADS:
        cells = ['<td class="col-result">Failed</td>', f'<td class="col-testId">../{payload}/test_x.py::test_y</td>',
                 '<td class="col-duration">1 ms</td>']
        HtmlReport(None).pytest_html_results_table_row(SimpleNamespace(), cells)
        assert f'<td class="col-testId">{html.escape(f"../{payload}/test_x.py::test_y")}</td>' in cells
        assert not re.search(r"<\s*(img|svg|iframe|script|details|style|meta|a|input|base|object|math)\b",
                             "".join(cells).replace('<td class="col-', "").replace("</td>", ""), re.I), cells


@pytest.mark.parametrize("folder", ["javascript:pwn(1)", "JavaScript:pwn(2)", "data:text/html,<script>pwn(3)</script>",
                                    "vbscript:pwn(4)", " javascript:pwn(5)"])
def test_a_machine_folder_named_like_a_scheme_stays_a_path(folder):
    """fleet.html links each machine's report.html by its path relative to the page; a folder sent under a
    name like `javascript:...` (`wslgpu-fleet collect . --out .`) must not make the link that scheme."""
    from types import SimpleNamespace
    from urllib.parse import urljoin

    from wslgpu_certify.fleet.html_page import _link

    link = _link(SimpleNamespace(report=f"{folder.replace('/', '_')}/report.html"))
    href = html.unescape(re.fullmatch(r'<a href="([^"]*)">report.html</a>', link)[1])
    assert urljoin("file:///fleet/fleet.html", href).startswith("file:///fleet/"), href
