"""report.html answers 'is this machine certified, and if not, what do I do?' in the suite's own words.

The page's text (tests/reports/test_report_in_browser.py asserts on what Chromium renders): one replay of three broken
machines (`--snapshot` repeated) for the verdict, the stack, the fixes, the nbody figure and pytest-html's
detailed log beside it; in process, report_page() over documents a replay does not produce (checks that did
not run for other reasons, a check that broke, the profile's reason, hostile values).
"""

import html
import json
import re
from copy import deepcopy

import pytest

from suite_run import SNAPSHOTS, make_runner
from wslgpu_certify.reports.report_page import report_page

BROKEN = ("broken-runtime-not-registered", "broken-nbody-slow", "broken-toolkit-missing")
# pytest's words, which the page never uses (its own outcomes: reports/suite_outcomes.py).
PYTEST_WORDS = re.compile(r"\b(skipped|xfailed|xpassed|XFail|rerun|retried)\b|Expected failures|Unexpected passes"
                          r"|tests took|::test_", re.I)


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """ONE replay of the broken machines: each one's run folder, by hostname."""
    root = tmp_path_factory.mktemp("pages")
    run = make_runner(root)(*[f"--snapshot={SNAPSHOTS / name}.json" for name in BROKEN])
    folders = {json.loads(p.read_text())["machine"]["hostname"]: p.parent for p in run.reports.glob("*/results.json")}
    assert set(folders) == set(BROKEN), run.output[-3000:]
    return folders


def _text(folder) -> tuple[str, str, dict]:
    page = (folder / "report.html").read_text()
    return page, html.unescape(re.sub(r"<[^>]+>", " ", page)), json.loads((folder / "results.json").read_text())


def test_broken_machine_page_shows_verdict_stack_root_cause_and_fix(pages):
    page, words, results = _text(pages["broken-runtime-not-registered"])
    assert "<title>broken-runtime-not-registered: NOT CERTIFIED</title>" in page
    assert '<h1 id="verdict"' in page and "NOT CERTIFIED" in words and "profile  documented" in words
    layers = re.findall(r'data-layer="(\w+)" data-state="(\w+)"', page)
    assert [name for name, _ in layers] == ["rpy2", "rstudio", "jupyter", "gpu", "docker", "wsl", "windows"]
    assert dict(layers)["docker"] == "failed" and dict(layers)["windows"] == "passed"
    assert dict(layers)["gpu"] == "blocked" and "blocked by docker.runtime.registered, which failed" in words
    assert "failed: first failure docker.runtime.registered" in words
    failed = [c["id"] for c in results["checks"] if c["outcome"] == "failed"]
    assert re.findall(r'<li class="failure" data-check="([^"]+)"', page) == failed  # root cause first
    # under documented the guide's daemon.json (its toolkit 1.3 has no nvidia-ctk)
    assert "sudo tee /etc/docker/daemon.json" in words and "nvidia-ctk runtime configure" not in words
    assert "First step, run in the distro (bash):" in words and 'class="copy"' in page
    assert "Why it matters: daemon.json is read only when dockerd starts" in words.replace("  ", " ")
    facts = dict(re.findall(r"<tr><td>([^<]+)</td><td>([^<]*)</td></tr>", page.split('id="facts"')[1].split("</table>")[0]))
    assert facts["NVIDIA driver"] == "460.20" and facts["Windows build"] == results["facts"]["windows_build"]
    assert "NONE" not in facts.get("GPU", "")  # a container's refused GPU request is no GPU name
    # self-contained: nothing loaded from elsewhere (the fixes' links are <a href>, followed only when clicked)
    assert not re.search(r'src="(?!data:image/png;base64,)|<link\b|@import|url\(', page)


def test_nbody_figure_is_shown_against_its_baseline(pages):
    page, words, results = _text(pages["broken-nbody-slow"])
    assert results["facts"]["nbody_gflops"] == pytest.approx(2414.0, abs=0.1)
    assert "2414.0 against a baseline of 4023.3 (60%)" in words
    facts = page.split('id="facts"')[1].split("</table>")[0]
    assert "GeForce RTX 2070" in facts  # the gpu layer's GPU, not what a container later saw


def test_rows_say_what_happened_in_the_suites_outcomes(pages):
    page, words, results = _text(pages["broken-toolkit-missing"])
    rows = {check: outcome for outcome, check in re.findall(r'<tr data-outcome="(\w+)" data-check="([^"]+)"', page)}
    for check in results["checks"]:
        expected = {"skipped": "blocked" if check["blocked_by"] else "not_run"}.get(check["outcome"], check["outcome"])
        assert rows[check["id"]] == expected, check["id"]
    assert "blocked by docker.apt.repositories, which failed" in words
    assert not PYTEST_WORDS.search(words), PYTEST_WORDS.search(words)
    counts = re.search(r'id="counts">([^<]+)<', page)[1]
    # under documented the toolkit's own view (nvidia-ctk, CDI) and systemd are not applicable, not blocked
    assert counts == "42 passed, 2 failed, 15 blocked, 18 not applicable", counts
    assert re.findall(r'data-outcome="(\w+)" aria-pressed', page) == ["passed", "failed", "blocked", "not_applicable"]
    # pytest-html's page is the detailed log beside it, linked from "about this run"
    assert (pages["broken-toolkit-missing"] / "log.html").is_file() and 'href="log.html"' in page


def test_a_users_own_html_and_junit_are_kept_and_the_page_still_lands_in_the_run_folder(certify, tmp_path):
    mine = tmp_path / "mine"
    mine.mkdir()
    run = certify("--snapshot", str(SNAPSHOTS / "broken-no-dxg.json"), "-q",
                  f"--html={mine / 'report.html'}", f"--junitxml={mine / 'junit.xml'}")
    assert run.returncode == 1, run.output[-2000:]
    assert sorted(p.name for p in mine.iterdir()) == ["junit.xml", "report.html"]  # no assets/ folder beside it
    text = (mine / "report.html").read_text()
    assert "<style" in text and 'href="assets/' not in text
    latest = run.reports / "latest"
    assert (latest / "log.html").read_text() == text  # the user's pytest-html page, as the detailed log
    assert 'id="verdict"' in (latest / "report.html").read_text()  # and ours
    assert (latest / "junit.xml").read_bytes() == (mine / "junit.xml").read_bytes()
    assert "wslgpu_verdict" in (latest / "junit.xml").read_text()


def _document(pages) -> dict:
    return json.loads((pages["broken-toolkit-missing"] / "results.json").read_text())


def test_checks_that_did_not_run_say_why_and_a_broken_check_is_failed(pages):
    document = deepcopy(_document(pages))
    checks = document["checks"]
    unrecorded = next(c for c in checks if c["outcome"] == "skipped")
    unrecorded.update(blocked_by=None, blocked_by_failure=False, message="not recorded in this snapshot: `nvidia-smi`")
    broke = next(c for c in checks if c["outcome"] == "passed")
    broke.update(outcome="error", message="KeyError: 'driver'")
    document["coverage"]["not_run"] = [{"id": "gpu.extra", "layer": "gpu", "title": "An extra check",
                                        "reason": "not run: deselected (-k, -m, --check, --layer, a node id or path)"}]
    page = report_page(document)
    assert "log.html" not in page  # no pytest-html (-p no:html): no detailed log to link
    assert '<h1 id="verdict" style="color:#c62828">NOT CERTIFIED</h1>' in page
    words = html.unescape(re.sub(r"<[^>]+>", " ", page))
    row = lambda check_id: page.split(f'data-check="{check_id}"><td>')[1].split("</tr>")[0]  # noqa: E731
    assert '<span class="badge b-not_run">not run</span>' in row(unrecorded["id"])
    assert "not recorded in this snapshot: `nvidia-smi`" in html.unescape(row(unrecorded["id"]))
    assert '<span class="badge b-failed">failed</span>' in row(broke["id"])
    assert "the check itself broke: KeyError: 'driver'" in html.unescape(row(broke["id"]))
    assert "not run: deselected" in row("gpu.extra") and "b-not_run" in row("gpu.extra")
    assert re.search(r"2 not run\b", words) and "The check broke: KeyError" in words
    assert broke["id"] in re.findall(r'<li class="failure" data-check="([^"]+)"', page)


@pytest.mark.parametrize("reason", ["the Windows side reports Docker Desktop", "no Docker Desktop: <b>distro</b> engine"])
def test_the_profiles_reason_is_shown_when_results_json_carries_it(pages, reason):
    document = deepcopy(_document(pages))
    document.pop("profile", None)  # a document written before results.json said why: no line for it
    assert "id=\"profile-why\"" not in report_page(document)
    document["profile"] = {"name": "current-desktop", "reason": reason, "chosen_by": "auto", "warning": None}
    page = report_page(document)
    assert f'<p class="meta" id="profile-why">why this profile: {html.escape(reason)}</p>' in page
    assert "profile <b>current-desktop</b>" in page and "profile-warning" not in page
    document["profile"]["warning"] = f"you chose documented, but {reason}"
    assert f'id="profile-warning">you chose documented, but {html.escape(reason)}</p>' in report_page(document)


HOSTILE = ["<script>pwn(1)</script>", "\"><img src=x onerror=pwn(2)>", "<svg/onload=pwn(3)>", "' onmouseover='pwn(4)",
           "</style><style>*{}</style>", "javascript:pwn(5)", "&lt;b&gt;"]


@pytest.mark.parametrize("payload", HOSTILE)
def test_every_value_of_the_document_is_escaped(pages, payload):
    """Each string of results.json replaced by a payload: none reaches the page unescaped (the browser test:
    tests/security/test_hostile_pages.py)."""
    def poison(value, key=""):
        if isinstance(value, dict):
            return {k: poison(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [poison(v, key) for v in value]
        # the keys the page chooses a class or colour by stay real; every other string carries the payload
        if isinstance(value, str) and key not in ("outcome", "state", "verdict", "shell", "png"):
            return value + payload
        return value

    document = poison(_document(pages))
    document["profile"] = {"name": payload, "reason": payload}
    page = report_page(document, about={"Python" + payload: payload}, log="log.html")
    assert payload not in page.replace(html.escape(payload), "")
    assert html.escape(payload) in page
    assert not re.search(r"<(script|img|svg)\b(?![^>]*data:image)", page.replace("<script>(function(){", "")), payload


@pytest.mark.parametrize("name", ["../outside.png", "/etc/outside.png", "sub/../../outside.png"])
def test_only_a_png_of_the_run_folder_itself_is_inlined(pages, tmp_path, name):
    folder = tmp_path / "run"
    folder.mkdir()
    (tmp_path / "outside.png").write_bytes(b"\x89PNG\r\n\x1a\n outside")
    (folder / "plot.png").write_bytes(b"\x89PNG\r\n\x1a\n inside")
    document = deepcopy(_document(pages))
    ggplot = next(c for c in document["checks"] if c["id"] == "rpy2.ggplot.png")
    ggplot["figures"]["png"] = "plot.png"
    assert "data:image/png;base64," in report_page(document, folder)
    ggplot["figures"]["png"] = name
    assert "data:image/png;base64," not in report_page(document, folder)


def test_the_pages_platform_line_is_pythons_without_reading_the_executable(monkeypatch):
    """'ran on' says what platform.platform() says; glibc's version comes from os.confstr, since libc_ver() reads
    the whole Python executable; without glibc (musl, Windows) it is platform.platform() itself."""
    import platform

    from wslgpu_certify.reports import report_page

    if report_page.os.confstr("CS_GNU_LIBC_VERSION") if hasattr(report_page.os, "confstr") else None:
        assert report_page._platform() == platform.platform()
    monkeypatch.setattr(report_page.os, "confstr", lambda name: None, raising=False)
    monkeypatch.setattr(report_page.platform, "platform", lambda: "Elsewhere-1.0")
    assert report_page._platform() == "Elsewhere-1.0"
