"""The HTML report of a broken machine, opened offline in a real headless Chromium.

Chromium (Debian's `chromium`; Playwright's own browsers are never downloaded) is driven by
Playwright for Python. What a user would see is asserted on computed visibility and style, not
on the HTML text (tests/test_html_report.py does that): the verdict, the seven-layer stack
picture with each layer's state in words and in a colour of its own, the failed checks' fix
commands legible (font size, WCAG contrast), the known cause beside the check it explains, the
ggplot2 PNG decoded in its row, and no request leaving file:// and data: URLs. A full-page
screenshot is kept under reports/browser/.

Without Chromium or Playwright these tests skip, except under CI=true, where their absence is
a failure (.ci/setup-browser.sh installs Chromium; `pip install -e ".[dev]"` Playwright).
"""

from __future__ import annotations

import colorsys
import json
import re

import pytest

from headless_chromium import browser  # noqa: F401 (a fixture)
from suite_run import REPO, SNAPSHOTS, make_runner


SNAPSHOT = "broken-toolkit-missing"
SCREENSHOTS = REPO / "reports" / "browser"
LAYERS = ["rpy2", "rstudio", "jupyter", "gpu", "docker", "wsl", "windows"]  # top to bottom, as drawn
# What this snapshot breaks (its metadata.description): no NVIDIA Container Toolkit, so its apt repositories
# are missing (docker) and the engine refuses the containers' GPU request (jupyter); the gpu layer above the
# first failure and the rstudio layer above the second are blocked, the rest pass.
EXPECTED_STATES = {"rpy2": "passed", "rstudio": "blocked", "jupyter": "failed", "gpu": "blocked",
                   "docker": "failed", "wsl": "passed", "windows": "passed"}
KNOWN_CAUSE = ("jupyter.container.gpu", "toolkit.no-gpu-driver-selected")  # the check's row, its signature
WAIT_MS = 10_000
# Shown to the user: a rendered box, not display:none / visibility:hidden, here or in an ancestor.
VISIBLE_JS = """window.visible = (el) => { if (!el) return false; const r = el.getBoundingClientRect(), s = getComputedStyle(el);
  return r.width > 0 && r.height > 0 && s.display !== 'none' && s.visibility !== 'hidden'
         && el.checkVisibility({visibilityProperty: true}); }"""
# An element's computed text colour, font size, and the backgrounds from it up to <html> (innermost first).
STYLE_JS = """el => { const backgrounds = [];
  for (let e = el; e; e = e.parentElement) backgrounds.push(getComputedStyle(e).backgroundColor);
  const s = getComputedStyle(el); return {text: el.innerText.trim(), shown: visible(el), color: s.color,
  fontSize: parseFloat(s.fontSize), backgrounds}; }"""
# WCAG 2.x, success criterion 1.4.3 (contrast, minimum): 4.5:1 for normal-size text.
# https://www.w3.org/TR/WCAG21/#contrast-minimum, relative luminance: https://www.w3.org/TR/WCAG21/#dfn-relative-luminance
MIN_CONTRAST, MIN_FONT_PX = 4.5, 12
CANVAS = (255, 255, 255)  # Chromium's default canvas, behind a page whose <html> and <body> have no background




@pytest.fixture
def page(browser):
    """A fresh context and page; `page.requested` lists every request and websocket the page made."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(VISIBLE_JS)
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    page.on("websocket", lambda ws: page.requested.append(ws.url))
    yield page
    context.close()


def _row(check_id: str) -> str:
    """JS for the <tbody> of a check's row in pytest-html's results table."""
    return (f"[...document.querySelectorAll('#results-table tbody')]"
            f".find(b => b.querySelector('.col-check')?.textContent === {json.dumps(check_id)})")


def _not_offline(urls: list[str]) -> list[str]:
    """Requests other than the report's own file:// document and its inline data: URLs."""
    return [u for u in urls if not u.startswith(("file://", "data:"))]


def _rgba(css: str) -> tuple[float, float, float, float]:
    """A computed colour (`rgb(r, g, b)` / `rgba(r, g, b, a)`, what getComputedStyle gives for sRGB colours)."""
    match = re.fullmatch(r"rgba?\((\d+(?:\.\d+)?), (\d+(?:\.\d+)?), (\d+(?:\.\d+)?)(?:, (\d+(?:\.\d+)?))?\)", css)
    assert match, f"not a computed sRGB colour: {css!r}"
    r, g, b, a = match.groups()
    return float(r), float(g), float(b), 1.0 if a is None else float(a)


def _over(top: tuple, bottom: tuple[float, float, float]) -> tuple[float, float, float]:
    """`top` (rgba) composited over an opaque `bottom`."""
    *rgb, alpha = top
    return tuple(alpha * c + (1 - alpha) * d for c, d in zip(rgb, bottom))


def effective_background(backgrounds: list[str]) -> tuple[float, float, float]:
    """What is behind an element: its own and its ancestors' backgrounds (innermost first), the
    first opaque one and every translucent one above it composited, over the canvas if none is."""
    layers = []
    for css in backgrounds:
        layers.append(_rgba(css))
        if layers[-1][3] >= 1:
            break
    colour = CANVAS
    for layer in reversed(layers):
        colour = _over(layer, colour)
    return colour


def luminance(rgb) -> float:
    """WCAG relative luminance of an sRGB colour (0-255 channels)."""
    def linear(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a, b) -> float:
    lighter, darker = sorted((luminance(a), luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def legibility(style: dict) -> dict:
    """Font size and contrast of one element's text against its effective background."""
    background = effective_background(style["backgrounds"])
    colour = _over(_rgba(style["color"]), background)
    return {"text": style["text"][:60], "font_px": style["fontSize"], "contrast": round(contrast(colour, background), 2),
            "color": style["color"], "background": tuple(round(c) for c in background)}


def is_green(css: str) -> bool:
    """A colour a reader takes for green: a saturated hue between yellow-green and cyan-green."""
    r, g, b, _ = _rgba(css)
    hue, lightness, saturation = colorsys.rgb_to_hls(r / 255, g / 255, b / 255)
    return 75 <= hue * 360 <= 165 and saturation > 0.2 and 0.1 < lightness < 0.9


def test_contrast_and_green_follow_their_definitions():
    """The measures the browser test relies on can fail: WCAG's extremes, pytest-html's grey, and green."""
    assert contrast((0, 0, 0), (255, 255, 255)) == pytest.approx(21)
    assert contrast((255, 255, 255), (255, 255, 255)) == pytest.approx(1)
    assert contrast((0x99,) * 3, CANVAS) == pytest.approx(2.85, abs=0.01)  # pytest-html's #999 on white: too faint
    assert contrast((0x76,) * 3, CANVAS) >= MIN_CONTRAST > contrast((0x77,) * 3, CANVAS)  # the known 4.5:1 grey
    assert effective_background(["rgba(0, 0, 0, 0)", "rgba(0, 0, 0, 0)"]) == CANVAS
    assert effective_background(["rgba(0, 0, 0, 0)", "rgb(34, 34, 34)", "rgb(255, 255, 255)"]) == (34, 34, 34)
    assert effective_background(["rgba(0, 0, 0, 0.5)", "rgb(255, 255, 255)"]) == (127.5, 127.5, 127.5)
    assert is_green("rgb(46, 125, 50)") and is_green("rgb(0, 200, 83)")
    assert not any(is_green(c) for c in ("rgb(198, 40, 40)", "rgb(141, 110, 99)", "rgb(239, 108, 0)",
                                         "rgb(117, 117, 117)", "rgb(21, 101, 192)"))


def test_broken_report_renders_offline_in_chromium(page, tmp_path):
    run = make_runner(tmp_path)("--snapshot", str(SNAPSHOTS / f"{SNAPSHOT}.json"))
    report = run.reports / "latest" / "report.html"
    assert report.is_file(), run.output[-3000:]
    results = run.results
    first_failure = next(c for c in results["checks"] if c["outcome"] == "failed")
    failed = [c for c in results["checks"] if c["outcome"] == "failed"]
    ggplot = run.check("rpy2.ggplot.png")
    assert ggplot["figures"].get("png"), f"rpy2.ggplot.png published no PNG in this replay: {ggplot}"

    page.goto(report.as_uri(), wait_until="load")
    page.wait_for_function("document.querySelectorAll('#results-table tbody .col-check').length > 0")  # pytest-html's JS ran

    # The verdict, in the title and in the summary.
    title, verdict = (page.evaluate(f"(el => ({{shown: visible(el), text: el?.innerText}}))(document.getElementById('{i}'))")
                      for i in ("title", "wslgpu-verdict"))
    assert title["shown"] and "NOT CERTIFIED" in title["text"], title
    assert verdict == {"shown": True, "text": "NOT CERTIFIED"}, verdict

    # The stack picture: seven visible boxes, each layer's state in words ...
    boxes = page.evaluate("[...document.querySelectorAll('#wslgpu-stack .wslgpu-layer')].map(d => ({layer: d.dataset.layer,"
                          " state: d.dataset.state, shown: visible(d), text: d.innerText,"
                          " bg: getComputedStyle(d).backgroundColor}))")
    assert [b["layer"] for b in boxes] == LAYERS and all(b["shown"] for b in boxes), boxes
    assert {b["layer"]: b["state"] for b in boxes} == EXPECTED_STATES, boxes
    layers = results["layers"]
    for box in boxes:
        layer, text = box["layer"], box["text"]
        words = text.removeprefix(f"{layer} \u00b7 ")
        assert words != text, box  # "<layer> · <state in words>"
        if box["state"] == "failed":
            match = re.fullmatch(r"failed: first failure (\S+)", words)
            assert match and match[1] == layers[layer]["first_failure"], box
            assert run.check(match[1])["outcome"] == "failed" and run.check(match[1])["layer"] == layer, box
        elif box["state"] == "blocked":
            match = re.fullmatch(r"blocked by (\S+), which failed", words)
            assert match and match[1] == layers[layer]["blocked_by"], box
            root = run.check(match[1])
            assert root["outcome"] == "failed" and LAYERS.index(root["layer"]) > LAYERS.index(layer), (box, root)  # below it
        else:
            match = re.fullmatch(r"passed: (\d+) of (\d+) applicable checks", words)
            assert match and match[1] == match[2] != "0", box
            assert int(match[1]) == layers[layer]["applicable"] == layers[layer]["passed"], (box, layers[layer])
    assert first_failure["id"] in {b["text"].rsplit(" ", 1)[-1] for b in boxes if b["state"] == "failed"}, boxes

    # ... and in a colour: one per state, each state's its own; green for passed and for nothing else.
    colours = {}
    for box in boxes:
        colours.setdefault(box["state"], set()).add(box["bg"])
    assert all(len(c) == 1 for c in colours.values()), colours
    assert len({c for cs in colours.values() for c in cs}) == len(colours), colours
    assert all(is_green(b["bg"]) == (b["state"] == "passed") for b in boxes), boxes

    # The failed rows are expanded on open, their fix commands shown in a selectable, legible <pre>.
    fix = page.evaluate(f"(() => {{ const pres = [...{_row(first_failure['id'])}.querySelectorAll('.extras-row pre.wslgpu-fix')];"
                        " return {shown: pres.length > 0 && pres.every(visible), texts: pres.map(p => p.innerText.trim()),"
                        " select: pres.length && getComputedStyle(pres[0]).userSelect}; })()")
    assert fix["shown"] and fix["select"] != "none", fix
    assert fix["texts"] == [step["run"] for step in first_failure["remediation"]["steps"] if "run" in step], fix
    for check in failed:
        styles = page.evaluate(f"[...{_row(check['id'])}.querySelectorAll('.extras-row pre.wslgpu-fix')].map({STYLE_JS})")
        assert styles and all(s["shown"] for s in styles), (check["id"], styles)
        for measured in map(legibility, styles):
            assert measured["font_px"] >= MIN_FONT_PX and measured["contrast"] >= MIN_CONTRAST, (check["id"], measured)

    # The known cause, shown in the expanded row of the check whose evidence matched it.
    check_id, signature = KNOWN_CAUSE
    assert run.check(check_id)["outcome"] == "failed"
    cause = page.evaluate(f"(b => [...b.querySelectorAll('.extras-row .wslgpu-known-cause')].map(d =>"
                          f" ({{signature: d.dataset.signature, shown: visible(d), text: d.innerText}})))({_row(check_id)})")
    assert [c["signature"] for c in cause if c["shown"]] == [signature], cause
    assert signature in cause[0]["text"] and "Known cause" in cause[0]["text"], cause

    # The ggplot2 PNG: its (passed, so collapsed) row opens on a real click and the data: image decodes.
    row = _row("rpy2.ggplot.png")
    assert page.evaluate(f"!visible({row}.querySelector('.extras-row'))"), "passed rows should open collapsed"
    page.locator("#results-table tbody", has=page.locator(".col-check", has_text=re.compile(r"^rpy2\.ggplot\.png$"))) \
        .locator(".col-result").click()
    image = page.wait_for_function(f"(() => {{ const img = {row}.querySelector('.media img'); return visible(img) && img.complete"
                                   " && img.naturalWidth > 0 && {src: img.src.slice(0, 22), size: img.naturalWidth + 'x'"
                                   " + img.naturalHeight}; })()").json_value()
    assert image["src"] == "data:image/png;base64,"
    assert ggplot["figures"]["png_size"].startswith(image["size"] + ","), (image, ggplot["figures"])

    # Offline: the document itself and data: URLs, nothing else, in particular nothing over http(s)/ws.
    assert report.as_uri() in page.requested, page.requested  # the capture is not vacuous
    assert _not_offline(page.requested) == []

    # A full-page screenshot to look at.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"report-{SNAPSHOT}.png"
    # The results table is a little wider than 1280 px (its Fix column); the picture keeps the viewport's width.
    height = page.evaluate("document.documentElement.scrollHeight")
    page.screenshot(path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": height})
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 50_000, path
    assert int.from_bytes(header[16:20], "big") == 1280 and int.from_bytes(header[20:24], "big") > 900  # beyond the viewport


def test_request_capture_sees_an_external_request(page, tmp_path):
    """The offline assertion above can fail: an <img> from an external host is captured."""
    html = tmp_path / "leaky.html"
    html.write_text('<!doctype html><img src="http://example.invalid/x.png">')
    page.goto(html.as_uri(), wait_until="load")
    assert _not_offline(page.requested) == ["http://example.invalid/x.png"]


def test_legibility_measure_sees_a_faint_fix(page, tmp_path):
    """The legibility assertion above can fail: small grey text on a dark ancestor's background."""
    html = tmp_path / "faint.html"
    html.write_text('<!doctype html><div style="background:#222"><div><pre class="wslgpu-fix" style="color:#555;'
                    'font-size:10px">sudo apt-get install -y nvidia-container-toolkit</pre></div></div>')
    page.goto(html.as_uri(), wait_until="load")
    measured = legibility(page.locator("pre.wslgpu-fix").evaluate(STYLE_JS))
    assert measured["background"] == (34, 34, 34) and measured["font_px"] == 10, measured
    assert measured["contrast"] < MIN_CONTRAST, measured
