"""fleet.html of a simulated 2,000-machine night, opened offline in a real headless Chromium.

As tests/reports/test_report_in_browser.py does for report.html (Debian's chromium, driven by Playwright;
no browser download): asserted on what is rendered, not on the HTML text. The page's size and
its load time are measured (printed, and held under generous ceilings), the verdict bar, the
regressions first, the most common root cause with its machine count, every machine worst first,
the filter (text, verdict, slow for its model) counting rows the simulation says it must, the GPU
spread drawn per model, the version spread's failure rate for the broken driver, working
relative links to each machine's report.html, and no request leaving file://. A screenshot is
kept as reports/browser/fleet-2000.png.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from statistics import median

import pytest

import fleet_sim as sim
from headless_chromium import browser  # noqa: F401 (a fixture)
from suite_run import REPO
from wslgpu_certify.fleet.cli import main


N = 2000
RUN = "9001"
NOW = "2026-11-30T06:00:00+00:00"
MAX_MB, MAX_LOAD_S = 3.0, 5.0  # ceilings; the measured figures are printed (docs/fleet.md quotes them)



@pytest.fixture(scope="module")
def night(tmp_path_factory):
    """2,000 machines, last night's fleet.json, tonight with two planted regressions and damage."""
    root = tmp_path_factory.mktemp("fleet")
    machines = sim.make_fleet(N, seed=42)
    expected = root / "expected.txt"
    expected.write_text("\n".join(m.name for m in machines) + "\nws-offline\n")
    sim.write_fleet(root / "night1", machines, "9000", padding=50)
    main(["collect", str(root / "night1"), "--expected", str(expected), "--out", str(root / "last"), "--now", NOW])
    healthy = [m for m in machines if m.certified]
    healthy[0].broken = [("docker.runtime.registered", "`docker info` lists runtimes runc, without nvidia")]
    healthy[1].gflops *= 0.6
    sim.write_fleet(root / "results", machines, RUN, padding=50)
    sim.damage(root / "results", machines[7].name, "truncated file")
    (root / "status.json").write_text(json.dumps({"ws-offline": {"status": "queued", "reason": "no runner by the deadline"}}))
    main(["collect", str(root / "results"), "--expected", str(expected), "--run-id", RUN, "--now", NOW, "--out", str(root / "fleet"),
          "--previous", str(root / "last" / "fleet.json"), "--ci-status", str(root / "status.json")])
    return root, machines, (healthy[0].name, healthy[1].name)



def test_fleet_html_at_2000_machines(night, browser):
    root, machines, regressed = night
    html = root / "fleet" / "fleet.html"
    size_mb = html.stat().st_size / 2**20
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    started = time.perf_counter()
    page.goto(html.as_uri(), wait_until="load")
    load_s = time.perf_counter() - started
    own_s = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000  # from navigation start
    print(f"fleet.html at {N + 1} machines: {size_mb:.2f} MB, load event at {own_s:.2f} s ({load_s:.2f} s around goto)")
    assert size_mb < MAX_MB and load_s < MAX_LOAD_S

    assert page.locator("#headline").inner_text().startswith("Fleet: NOT CERTIFIED")
    assert page.locator("#verdict-bar .seg").count() >= 5 and page.locator("#verdict-bar").is_visible()
    # regressions come first, and name both planted ones
    order = page.evaluate("['regressions','root-causes','machines-title','performance','versions','no-report']"
                          ".map(id => document.getElementById(id).getBoundingClientRect().top)")
    assert order == sorted(order)
    assert sorted(page.locator("#regressions + table tbody tr td:first-child").all_inner_texts()) == sorted(regressed)

    # the most common root cause: the first failing check per machine, counted from the simulation
    firsts = Counter(m.broken[0][0] for m in machines if m.broken and m.name != machines[7].name)
    top_check, top_count = firsts.most_common(1)[0]
    first_row = page.locator("#root-causes + table tbody tr").first
    assert first_row.locator("td").first.inner_text() == str(top_count) and top_check in first_row.inner_text()

    rows = page.locator("#machines tbody tr")
    assert rows.count() == N + 1 and rows.first.get_attribute("data-v") == "REGRESSED"
    # the filter: by text, by verdict, by "slow for its model"
    started = time.perf_counter()
    page.fill("#q", machines[123].name)
    assert page.locator("#shown").inner_text() == "1" and page.locator("#machines tbody tr:not([hidden])").count() == 1
    print(f"filtering {N + 1} rows by text: {time.perf_counter() - started:.2f} s")
    page.fill("#q", "")
    page.select_option("#verdict", "NO REPORT")
    assert page.locator("#machines tbody tr:not([hidden])").all_inner_texts()[0].split("\t")[1] == "ws-offline"
    page.select_option("#verdict", "")
    page.check("#slow")
    reported = [m for m in machines if m.name != machines[7].name]
    medians = {model: median(m.gflops for m in reported if m.model == model) for model in {m.model for m in reported}}
    slow = sum(1 for m in reported if m.gflops < medians[m.model] * 0.8)
    assert slow > 0 and int(page.locator("#shown").inner_text()) == slow
    page.uncheck("#slow")

    # the GPU spread: one drawn box per model
    assert page.locator("#gpu-spread g.model").count() == len(sim.MODELS)
    assert page.locator("#gpu-spread g.model rect").first.bounding_box()["width"] > 2
    # the broken driver value fails every machine that has it
    bad_driver = sim.VERSIONS["driver"][1][0]
    row = page.locator("table.versions[data-fact=driver] tbody tr", has_text=bad_driver)
    assert row.locator("td").nth(3).inner_text().startswith("100%")
    # each machine's link reaches its report.html
    href = rows.nth(5).locator("a").get_attribute("href")
    assert (html.parent / href).resolve().is_file()
    assert [u for u in requested if not u.startswith(("file://", "data:"))] == []
    shots = REPO / "reports" / "browser"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "fleet-2000.png"), full_page=False)
    context.close()
