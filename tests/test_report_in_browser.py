"""The HTML report of a broken machine, opened offline in a real headless Chromium.

Chromium is driven over the DevTools Protocol (websocket-client and the standard library,
nothing else). What a user would see is asserted on computed visibility, not on the HTML text
(tests/test_html_report.py does that): the verdict, the seven-layer stack picture naming the
first failure, the failed check's fix commands, the ggplot2 PNG decoded in its row, and no
request leaving file:// and data: URLs. A full-page screenshot is kept under reports/browser/.

Without Chromium or websocket-client these tests skip, except under CI=true, where their
absence is a failure (.ci/setup-browser.sh installs Chromium).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from suite_run import REPO, SNAPSHOTS, make_runner

try:
    import websocket  # websocket-client
except ImportError:
    websocket = None

SNAPSHOT = "broken-toolkit-missing"
SCREENSHOTS = REPO / "reports" / "browser"
LAYERS = ["rpy2", "rstudio", "jupyter", "gpu", "docker", "wsl", "windows"]  # top to bottom, as drawn
STARTUP_S, WAIT_S = 20, 10
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-default-apps", "--metrics-recording-only",
         "--remote-debugging-port=0"]
# Shown to the user: a rendered box, not display:none / visibility:hidden, here or in an ancestor.
VISIBLE_JS = """window.visible = (el) => { if (!el) return false; const r = el.getBoundingClientRect(), s = getComputedStyle(el);
  return r.width > 0 && r.height > 0 && s.display !== 'none' && s.visibility !== 'hidden'
         && el.checkVisibility({visibilityProperty: true}); }"""


class Page:
    """One Chromium page over the DevTools Protocol: commands, events, a deadline on every wait."""

    def __init__(self, ws_url: str):
        self.ws = websocket.create_connection(ws_url, timeout=WAIT_S)
        self.last_id, self.events = 0, []

    def _receive(self, deadline: float) -> dict:
        self.ws.settimeout(max(0.01, deadline - time.monotonic()))
        return json.loads(self.ws.recv())  # WebSocketTimeoutException past the deadline

    def send(self, method: str, **params):
        self.last_id += 1
        self.ws.send(json.dumps({"id": self.last_id, "method": method, "params": params}))
        deadline = time.monotonic() + WAIT_S
        while (msg := self._receive(deadline)).get("id") != self.last_id:
            self.events.append(msg)
        if "error" in msg:
            raise RuntimeError(f"{method}: {msg['error']}")
        return msg["result"]

    def wait_event(self, method: str, timeout: float = WAIT_S) -> dict:
        deadline, seen = time.monotonic() + timeout, 0
        while True:
            for event in self.events[seen:]:
                if event.get("method") == method:
                    return event["params"]
            seen = len(self.events)
            self.events.append(self._receive(deadline))

    def evaluate(self, expression: str):
        result = self.send("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def poll(self, expression: str, timeout: float = WAIT_S):
        deadline = time.monotonic() + timeout
        while not (value := self.evaluate(expression)):
            assert time.monotonic() < deadline, f"still falsy after {timeout}s: {expression}"
            time.sleep(0.05)
        return value

    def open(self, url: str) -> None:
        """Navigate and wait for the load event; `requested` then lists this page's requests only."""
        self.events = []
        self.send("Page.navigate", url=url)
        self.wait_event("Page.loadEventFired")
        self.evaluate(VISIBLE_JS)

    def requested(self) -> list[str]:
        return [e["params"]["request"]["url"] for e in self.events if e.get("method") == "Network.requestWillBeSent"]


def _unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the report must be checked in a browser there)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """A fresh headless Chromium with a throw-away profile; killed (its whole process group) at the end."""
    binary = shutil.which("chromium")
    if binary is None:
        _unavailable("Chromium is not installed (apt-get install chromium; CI: .ci/setup-browser.sh)")
    if websocket is None:
        _unavailable("websocket-client is not installed (pip install websocket-client)")
    profile = tmp_path_factory.mktemp("chromium-profile")
    log = (profile.parent / "chromium.log").open("wb")
    proc = subprocess.Popen([binary, *FLAGS, f"--user-data-dir={profile}", "about:blank"], stdin=subprocess.DEVNULL,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        port_file, deadline = profile / "DevToolsActivePort", time.monotonic() + STARTUP_S
        while not (port_file.is_file() and port_file.read_text().strip()):
            assert proc.poll() is None and time.monotonic() < deadline, \
                f"Chromium gave no DevTools port within {STARTUP_S}s: {Path(log.name).read_text()[-2000:]}"
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=WAIT_S) as answer:
            target = next(t for t in json.load(answer) if t["type"] == "page")
        page = Page(target["webSocketDebuggerUrl"])
        for domain in ("Page", "Network", "Runtime"):
            page.send(f"{domain}.enable")
        yield page
        page.ws.close()
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the group start_new_session made: browser, renderer, zygote
        proc.wait(timeout=WAIT_S)
        log.close()


def _row(check_id: str) -> str:
    """JS for the <tbody> of a check's row in pytest-html's results table."""
    return (f"[...document.querySelectorAll('#results-table tbody')]"
            f".find(b => b.querySelector('.col-check')?.textContent === {json.dumps(check_id)})")


def _not_offline(urls: list[str]) -> list[str]:
    """Requests other than the report's own file:// document and its inline data: URLs."""
    return [u for u in urls if not u.startswith(("file://", "data:"))]


def test_broken_report_renders_offline_in_chromium(page, tmp_path):
    run = make_runner(tmp_path)("--snapshot", str(SNAPSHOTS / f"{SNAPSHOT}.json"))
    report = run.reports / "latest" / "report.html"
    assert report.is_file(), run.output[-3000:]
    first_failure = next(c for c in run.results["checks"] if c["outcome"] == "failed")
    ggplot = run.check("rpy2.ggplot.png")
    assert ggplot["figures"].get("png"), f"rpy2.ggplot.png published no PNG in this replay: {ggplot}"

    page.open(report.as_uri())
    page.poll("document.querySelectorAll('#results-table tbody .col-check').length > 0")  # pytest-html's JS ran

    # The verdict, in the title and in the summary.
    title, verdict = (page.evaluate(f"(el => ({{shown: visible(el), text: el?.innerText}}))(document.getElementById('{i}'))")
                      for i in ("title", "wslgpu-verdict"))
    assert title["shown"] and "NOT CERTIFIED" in title["text"], title
    assert verdict == {"shown": True, "text": "NOT CERTIFIED"}, verdict

    # The stack picture: seven visible boxes, the failing layer's naming the first failing check.
    boxes = page.evaluate("[...document.querySelectorAll('#wslgpu-stack .wslgpu-layer')]"
                          ".map(d => ({layer: d.dataset.layer, state: d.dataset.state, shown: visible(d), text: d.innerText}))")
    assert [b["layer"] for b in boxes] == LAYERS and all(b["shown"] for b in boxes), boxes
    failing = next(b for b in boxes if b["layer"] == first_failure["layer"])
    assert failing["state"] == "failed" and f"first failure {first_failure['id']}" in failing["text"], failing
    # A layer stopped by that failure says so in words (not green, not 'passed').
    blocked = [b for b in boxes if b["state"] == "blocked"]
    assert blocked and all("blocked by" in b["text"] for b in blocked), boxes

    # The failed row is expanded on open, its fix commands shown in a selectable <pre>.
    fix = page.evaluate(f"(() => {{ const pres = [...{_row(first_failure['id'])}.querySelectorAll('.extras-row pre.wslgpu-fix')];"
                        " return {shown: pres.length > 0 && pres.every(visible), texts: pres.map(p => p.innerText.trim()),"
                        " select: pres.length && getComputedStyle(pres[0]).userSelect}; })()")
    assert fix["shown"] and fix["select"] != "none", fix
    assert fix["texts"] == [step["run"] for step in first_failure["remediation"]["steps"] if "run" in step], fix

    # The ggplot2 PNG: its (passed, so collapsed) row opens on a click and the data: image decodes.
    row = _row("rpy2.ggplot.png")
    assert page.evaluate(f"!visible({row}.querySelector('.extras-row'))"), "passed rows should open collapsed"
    x, y = page.evaluate(f"(() => {{ const td = {row}.querySelector('.col-result'); td.scrollIntoView({{block: 'center'}});"
                         " const r = td.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()")
    for kind in ("mousePressed", "mouseReleased"):
        page.send("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)
    image = page.poll(f"(() => {{ const img = {row}.querySelector('.media img'); return visible(img) && img.complete"
                      " && img.naturalWidth > 0 && {src: img.src.slice(0, 22), size: img.naturalWidth + 'x' + img.naturalHeight}; })()")
    assert image["src"] == "data:image/png;base64,"
    assert ggplot["figures"]["png_size"].startswith(image["size"] + ","), (image, ggplot["figures"])

    # Offline: the document itself and data: URLs, nothing else, in particular nothing over http(s)/ws.
    urls = page.requested()
    assert report.as_uri() in urls, urls  # the capture is not vacuous
    assert _not_offline(urls) == []

    # A full-page screenshot to look at.
    page.send("Emulation.setDeviceMetricsOverride", width=1280, height=900, deviceScaleFactor=1, mobile=False)
    size = page.send("Page.getLayoutMetrics")["cssContentSize"]
    shot = page.send("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                     clip={"x": 0, "y": 0, "width": 1280, "height": size["height"], "scale": 1})
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"report-{SNAPSHOT}.png"
    path.write_bytes(base64.b64decode(shot["data"]))
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 50_000, path
    assert int.from_bytes(header[16:20], "big") == 1280 and int.from_bytes(header[20:24], "big") > 900  # beyond the viewport


def test_request_capture_sees_an_external_request(page, tmp_path):
    """The offline assertion above can fail: an <img> from an external host is captured."""
    html = tmp_path / "leaky.html"
    html.write_text('<!doctype html><img src="http://example.invalid/x.png">')
    page.open(html.as_uri())
    assert _not_offline(page.requested()) == ["http://example.invalid/x.png"]
