"""report.html of a broken and of a healthy machine, opened offline in a real headless Chromium.

Chromium (Debian's `chromium`; Playwright's own browsers are never downloaded) is driven by Playwright for
Python. ONE run of the product replays both snapshots (`--snapshot FOLDER`) and ONE browser opens both pages.
What a support engineer sees is asserted on what is rendered (computed boxes, visibility, style), not on the
HTML text (tests/reports/test_html_report.py does that): in the first 1400 x 900 px, the verdict, the seven-layer
stack and the first failure's first fix step with its shell and a copy button that copies it; the warning
labelled "warning"; blocked and not-applicable rows labelled so, each saying why; no pytest vocabulary
anywhere visible; every visible text legible (font size, WCAG AA contrast); the ggplot2 PNG decoded in its
row; no request leaving file:// and data: URLs; printed to PDF (Chromium's print), the first page holds the
verdict, and at the printable width nothing reaches past the page edge. Screenshots: reports/browser/.

Without Chromium or Playwright (or pypdf, for the PDF's text) these tests skip, except under CI=true, where
their absence is a failure (.ci/setup-browser.sh installs Chromium; `pip install -e ".[dev]"` the rest).
"""

from __future__ import annotations

import colorsys
import json
import re
import shutil
import unicodedata

import pytest

from headless_chromium import browser, unavailable  # noqa: F401 (a fixture)
from suite_run import REPO, SNAPSHOTS, make_runner
from wslgpu_certify.findings import SHELLS, Finding

SCREENSHOTS = REPO / "reports" / "browser"
# One profile for both (a replay of a folder is certified against one): the healthy machine of today, CERTIFIED
# with its one advisory warning, and the same machine without systemd (dockerd never starts: two failures with
# their known causes, everything above the wsl layer blocked by the second).
BROKEN, HEALTHY = "broken-current-systemd-off", "modern-workstation"
SNAPSHOT_FILES = {BROKEN: "broken-current-systemd-off", HEALTHY: "current-healthy"}
LAYERS = ["rpy2", "rstudio", "jupyter", "gpu", "docker", "wsl", "windows"]  # top to bottom, as drawn
EXPECTED_STATES = {BROKEN: dict.fromkeys(LAYERS[:5], "blocked") | {"wsl": "failed", "windows": "passed"},
                   HEALTHY: dict.fromkeys(LAYERS, "passed")}
VIEWPORT = {"width": 1400, "height": 900}  # the ticket's first screen
# pytest's words a reader of the page must never meet (pytest-html's chips, results and durations line, node ids).
PYTEST_WORDS = re.compile(r"skipped|xfail|xpass|expected failures|unexpected passes|reruns|retried|tests took"
                          r"|::|\btest_\w+\.py|\[\s*gw\d", re.I)
A4_PRINTABLE_PX = round((210 - 2 * 12) / 25.4 * 96)  # A4 less the print CSS's 12 mm margins, in CSS px
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
# Every visible element that holds text of its own (a text node child), with its style as STYLE_JS gives it.
OWN_TEXT_JS = f"""() => [...document.body.querySelectorAll('*')].filter(el => visible(el) &&
  [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())).map({STYLE_JS})"""
# WCAG 2.x, success criterion 1.4.3 (contrast, minimum): 4.5:1 for normal-size text.
# https://www.w3.org/TR/WCAG21/#contrast-minimum, relative luminance: https://www.w3.org/TR/WCAG21/#dfn-relative-luminance
MIN_CONTRAST, MIN_FONT_PX = 4.5, 12
CANVAS = (255, 255, 255)  # Chromium's default canvas, behind a page whose <html> and <body> have no background


@pytest.fixture(scope="module")
def replayed(tmp_path_factory):
    """ONE run of the product over both snapshots: each machine's run folder, by hostname."""
    root = tmp_path_factory.mktemp("pages")
    folder = root / "snapshots"
    folder.mkdir()
    for name in SNAPSHOT_FILES.values():
        shutil.copyfile(SNAPSHOTS / f"{name}.json", folder / f"{name}.json")
    run = make_runner(root)("--snapshot", str(folder), "--cert-profile", "current")
    folders = {json.loads(p.read_text())["machine"]["hostname"]: p.parent for p in run.reports.glob("*/results.json")}
    assert set(folders) == {BROKEN, HEALTHY}, run.output[-3000:]
    return folders


@pytest.fixture(scope="module")
def context(browser):
    """ONE browser context for every page: a 1400 x 900 screen, clipboard allowed (the copy buttons)."""
    context = browser.new_context(viewport=VIEWPORT)
    context.add_init_script(VISIBLE_JS)
    context.set_default_timeout(WAIT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context):
    """A fresh page; `page.requested` lists every request and websocket the page made."""
    page = context.new_page()
    page.requested = []
    page.on("request", lambda request: page.requested.append(request.url))
    page.on("websocket", lambda ws: page.requested.append(ws.url))
    yield page
    page.close()


def _open(page, replayed, machine: str) -> dict:
    folder = replayed[machine]
    page.goto((folder / "report.html").as_uri(), wait_until="load")
    return json.loads((folder / "results.json").read_text())


def _box(page, selector: str) -> dict:
    return page.evaluate(f"(el => el && ({{shown: visible(el), top: el.getBoundingClientRect().top, bottom: "
                         f"el.getBoundingClientRect().bottom, text: el.innerText}}))(document.querySelector({json.dumps(selector)}))")


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


@pytest.mark.parametrize("machine", [BROKEN, HEALTHY])
def test_the_first_screen_answers_the_ticket(page, replayed, machine):
    results = _open(page, replayed, machine)
    verdict = _box(page, "#verdict")
    assert verdict["shown"] and verdict["text"] == results["verdict"] and verdict["bottom"] <= VIEWPORT["height"], verdict
    assert results["verdict"] == ("NOT CERTIFIED" if machine == BROKEN else "CERTIFIED")
    line = _box(page, "#run-line")
    assert line["shown"] and line["bottom"] <= VIEWPORT["height"], line
    assert f"machine {machine}" in line["text"] and "profile current" in line["text"], line
    assert results["run"]["finished_at"] in line["text"], line

    # The stack: seven visible boxes on the first screen, each layer's state in words and a colour of its own.
    boxes = page.evaluate("[...document.querySelectorAll('#stack .layer')].map(d => ({layer: d.dataset.layer,"
                          " state: d.dataset.state, shown: visible(d), text: d.innerText, bottom: d.getBoundingClientRect().bottom,"
                          " bg: getComputedStyle(d).backgroundColor}))")
    assert [b["layer"] for b in boxes] == LAYERS and all(b["shown"] and b["bottom"] <= VIEWPORT["height"] for b in boxes), boxes
    assert {b["layer"]: b["state"] for b in boxes} == EXPECTED_STATES[machine], boxes
    for box in boxes:
        words = box["text"].removeprefix(f"{box['layer']} \u00b7 ").strip()
        layer = results["layers"][box["layer"]]
        expected = {"failed": f"failed: first failure {layer['first_failure']}",
                    "blocked": f"blocked by {layer['blocked_by']}, which failed",
                    "passed": f"passed: {layer['passed']} of {layer['applicable']} applicable checks"}[box["state"]]
        assert words == expected, box
    colours = {}
    for box in boxes:
        colours.setdefault(box["state"], set()).add(box["bg"])
    assert all(len(c) == 1 for c in colours.values()) and len({c for cs in colours.values() for c in cs}) == len(colours)
    assert all(is_green(b["bg"]) == (b["state"] == "passed") for b in boxes), boxes

    failed = [c for c in results["checks"] if c["outcome"] == "failed"]
    shown = page.evaluate("[...document.querySelectorAll('#to-fix li.failure')].map(li => li.dataset.check)")
    assert shown == [c["id"] for c in failed]  # root cause first: results.json holds them lowest layer first
    if machine == BROKEN:
        first = Finding.from_json(failed[0])
        assert first.layer == "wsl" and first.first_step is not None and first.first_step.is_command
        fix, shell, copy = (_box(page, f"#to-fix li.failure:first-child {s}") for s in ("pre.fix", ".shell", "button.copy"))
        assert fix["shown"] and fix["text"].strip() == first.first_step.text and fix["bottom"] <= VIEWPORT["height"], fix
        assert shell["shown"] and SHELLS[first.first_step.shell] in shell["text"], shell
        assert copy["shown"] and copy["bottom"] <= VIEWPORT["height"], copy
        cause = _box(page, "#to-fix li.failure:first-child .cause")
        assert cause["shown"] and cause["text"].strip() == first.message and cause["bottom"] <= VIEWPORT["height"], cause
    else:
        assert _box(page, "#to-fix")["text"] == "No check failed."
    # The warning, named on the first screen (the healthy machine is CERTIFIED with it).
    warned = [c["id"] for c in results["checks"] if c["outcome"] == "warning"]
    assert warned == ["wsl.driver.libcuda_unversioned"], warned
    item = page.evaluate("(li => ({check: li.dataset.check, shown: visible(li), bottom: li.getBoundingClientRect().bottom,"
                         " label: li.querySelector('.badge').innerText}))(document.querySelector('#warnings li'))")
    assert item == {"check": warned[0], "shown": True, "bottom": item["bottom"], "label": "warning"} \
        and item["bottom"] <= VIEWPORT["height"], item
    # The machine's facts: the GPU's GFLOP/s against its baseline where both were measured.
    facts = page.evaluate("Object.fromEntries([...document.querySelectorAll('#facts tr')].map(r => [r.cells[0].innerText,"
                          " r.cells[1].innerText]))")
    assert facts["Windows build"] == results["facts"]["windows_build"] and facts["NVIDIA driver"] == results["facts"]["driver"]
    assert facts["WSL kernel"] == results["facts"]["kernel"], facts

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"report-{machine}-first-screen.png"))
    page.screenshot(path=str(SCREENSHOTS / f"report-{machine}.png"), full_page=True)
    header = (SCREENSHOTS / f"report-{machine}-first-screen.png").read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and int.from_bytes(header[16:20], "big") == VIEWPORT["width"]


@pytest.mark.parametrize("machine", [BROKEN, HEALTHY])
def test_every_row_says_its_outcome_and_why_in_the_suites_words(page, replayed, machine):
    results = _open(page, replayed, machine)
    rows = page.evaluate("[...document.querySelectorAll('#checks tbody tr')].map(r => ({check: r.dataset.check,"
                         " label: r.cells[0].innerText.trim(), why: r.querySelector('.why').childNodes[0]?.textContent || '',"
                         " shown: visible(r)}))")
    by_id = {row["check"]: row for row in rows}
    assert list(by_id) == [c["id"] for c in results["checks"]] and all(r["shown"] for r in rows)
    labels = {"passed": "passed", "failed": "failed", "warning": "warning", "not_applicable": "not applicable"}
    for check in results["checks"]:
        row = by_id[check["id"]]
        if check["outcome"] == "skipped":
            assert check["blocked_by"] and row["label"] == "blocked", (check["id"], row)
            assert row["why"] == f"blocked by {check['blocked_by']}, which failed", row
        else:
            assert row["label"] == labels[check["outcome"]], (check["id"], row)
        if check["outcome"] in ("not_applicable", "failed", "warning"):
            assert check["message"] and row["why"] == check["message"], row  # why, without expanding the row
    if machine == BROKEN:
        assert {r["label"] for r in rows} == {"passed", "failed", "warning", "blocked", "not applicable"}

    overflowing = page.evaluate("[...document.querySelectorAll('#checks tbody .badge')].filter(b =>"
                                " b.getBoundingClientRect().right > b.parentElement.getBoundingClientRect().right).map(b => b.innerText)")
    assert overflowing == [], overflowing  # each label inside its own cell

    # The chips: one per outcome present, its count the page's rows; a click hides that outcome's rows.
    chips = page.evaluate("[...document.querySelectorAll('#chips .chip')].map(c => c.innerText)")
    counted = {}
    for row in rows:
        counted[row["label"]] = counted.get(row["label"], 0) + 1
    assert sorted(chips) == sorted(f"{label} {n}" for label, n in counted.items()), chips
    page.locator("#chips .chip", has_text="not applicable").click()
    hidden = page.evaluate("[...document.querySelectorAll('#checks tbody tr')].filter(r => !visible(r)).map(r => r.cells[0].innerText.trim())")
    assert hidden and set(hidden) == {"not applicable"} and len(hidden) == counted["not applicable"]
    assert page.evaluate("document.getElementById('shown').textContent") == str(len(rows) - len(hidden))

    # No pytest vocabulary anywhere visible; every visible text legible, on screen.
    text = page.evaluate("document.body.innerText")
    assert not PYTEST_WORDS.search(text), PYTEST_WORDS.search(text)
    page.locator("#about > summary").click()  # who ran it: pytest and its plugins named, never its outcome words
    about = page.evaluate("document.getElementById('about').innerText")
    assert "Python" in about and "log.html" in about and not PYTEST_WORDS.search(about), about
    faint = [m for m in map(legibility, page.evaluate(OWN_TEXT_JS))
             if m["font_px"] < MIN_FONT_PX or m["contrast"] < MIN_CONTRAST]
    assert faint == [], faint


def test_copy_button_copies_the_first_fix_step(page, replayed, context):
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    results = _open(page, replayed, BROKEN)
    first = Finding.from_json(next(c for c in results["checks"] if c["outcome"] == "failed"))
    page.locator("#to-fix li.failure").first.locator("button.copy").click()
    page.wait_for_function("document.querySelector('#to-fix button.copy').innerText === 'Copied'")
    assert page.evaluate("navigator.clipboard.readText()") == first.first_step.text


def test_the_plot_decodes_and_nothing_leaves_the_file(page, replayed):
    results = _open(page, replayed, HEALTHY)
    ggplot = next(c for c in results["checks"] if c["id"] == "rpy2.ggplot.png")
    assert ggplot["figures"].get("png"), ggplot
    row = page.locator("#checks tbody tr[data-check='rpy2.ggplot.png']")
    row.locator("details > summary").click()
    image = page.wait_for_function("(() => { const img = document.querySelector(\"tr[data-check='rpy2.ggplot.png'] img\");"
                                   " return visible(img) && img.complete && img.naturalWidth > 0 && {src: img.src.slice(0, 22),"
                                   " size: img.naturalWidth + 'x' + img.naturalHeight}; })()").json_value()
    assert image["src"] == "data:image/png;base64,"
    assert ggplot["figures"]["png_size"].startswith(image["size"] + ","), (image, ggplot["figures"])
    assert (replayed[HEALTHY] / "report.html").as_uri() in page.requested, page.requested  # the capture is not vacuous
    assert _not_offline(page.requested) == []
    assert (replayed[HEALTHY] / "report.html").stat().st_size < 300_000  # one small file for a healthy run


@pytest.mark.parametrize("machine", [BROKEN, HEALTHY])
def test_printed_to_pdf_the_first_page_holds_the_verdict_and_nothing_is_cut(page, replayed, machine):
    try:
        import pypdf
    except ImportError:
        unavailable("pypdf is not installed (pip install -e '.[dev]')")
    import io

    results = _open(page, replayed, machine)
    pdf = page.pdf(format="A4", print_background=True)  # the print CSS's @page margins
    assert pdf.startswith(b"%PDF-"), pdf[:16]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / f"report-{machine}.pdf").write_bytes(pdf)
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    first = unicodedata.normalize("NFKC", pages[0].extract_text())
    assert first.startswith(results["verdict"] + "\n"), first[:200]
    assert f"machine {machine}" in first.replace("\n", " "), first[:400]
    if machine == BROKEN:
        failure = Finding.from_json(next(c for c in results["checks"] if c["outcome"] == "failed"))
        assert failure.id in first, first
    # At the printable width with the print CSS, nothing reaches past the page edge.
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_PRINTABLE_PX, "height": 1000})
    wider = page.evaluate(f"[...document.body.querySelectorAll('*')].filter(el => visible(el) &&"
                          f" el.getBoundingClientRect().right > {A4_PRINTABLE_PX} + 0.5).map(el => el.tagName + '.' + el.className"
                          f" + ' ' + Math.round(el.getBoundingClientRect().right))")
    assert wider == [] and page.evaluate("document.documentElement.scrollWidth") <= A4_PRINTABLE_PX, wider[:10]


def test_every_colour_pair_of_the_page_meets_wcag_aa():
    """Badges, stack boxes and verdicts, as page_style.py defines them (PARTIAL too, which no replay above shows)."""
    from wslgpu_certify.reports.page_style import LAYER_COLOURS, VERDICT_TEXT
    from wslgpu_certify.reports.suite_outcomes import SHOWN

    def rgb(hex_colour: str) -> tuple[int, ...]:
        return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))

    pairs = {**{f"badge {o.name}": (o.colour, o.background) for o in SHOWN.values()},
             **{f"layer {name}": (fg, bg) for name, (bg, fg) in LAYER_COLOURS.items()},
             **{f"verdict {name}": (colour, "#ffffff") for name, colour in VERDICT_TEXT.items()}}
    faint = {name: round(contrast(rgb(fg), rgb(bg)), 2) for name, (fg, bg) in pairs.items() if contrast(rgb(fg), rgb(bg)) < MIN_CONTRAST}
    assert faint == {}
    assert contrast(rgb("#ef6c00"), CANVAS) < MIN_CONTRAST  # the measure can fail: the orange the page no longer uses


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
