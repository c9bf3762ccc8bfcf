"""One table of a run's outputs (reports/outputs.py), and results.json's format in one pytest-free module.

- A new report format is one module and one row: the example of docs/architecture.md ("A new report format"),
  taken from the page as written, adds its row in a run of one machine and in a run of two; each machine's
  folder gets its file, written from that machine's summary and the catalog's titles.
- The table names every file the run folder gets, and a row whose writer cannot write is one line and exit 3,
  the other outputs still written.
- results_format.py is the one place of the format: the fleet's modules import it with pytest blocked (and the
  block is shown to bite on a module that needs pytest), the fleet reads the suite's own results.json, the
  facts written are the names the fleet reads, and no other module spells the format version.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from suite_run import REPO, SNAPSHOTS

PACKAGE = REPO / "plugins" / "wslgpu_certify"
HEALTHY, BROKEN = SNAPSHOTS / "documented-healthy.json", SNAPSHOTS / "broken-toolkit-missing.json"


def docs_example() -> tuple[str, str]:
    """The writer module and the row, as docs/architecture.md shows them."""
    page = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = page[page.index("### A new report format"):]
    module, row = re.findall(r"```python\n(.*?)```", section, re.S)[:2]
    row = row.split("\n", 1)[1].strip()  # the row, without its "# where it goes" line
    return module, re.sub(r"\s+#.*$", "", row).rstrip(",")  # ... and its comment


RUNS = """
import contextlib, io, json, os, sys
from wslgpu_certify.cli import main
from wslgpu_certify.reports import outputs
from wslgpu_certify.reports.outputs import Output
import verdict_txt

def cannot(out):
    raise OSError(28, "No space left on device")

reports, row, runs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
outputs.OUTPUTS = (*outputs.OUTPUTS, eval(row))  # the page's row, added to the table
results = []
for n, (extra_row, argv) in enumerate(runs):
    before = outputs.OUTPUTS
    if extra_row:
        outputs.OUTPUTS = (*outputs.OUTPUTS, Output("broken.txt", "end", cannot))
    text = io.StringIO()
    with contextlib.redirect_stdout(text), contextlib.redirect_stderr(text):
        rc = main([*argv, "-p", "no:randomly", "--reports-dir", os.path.join(reports, str(n))])
    outputs.OUTPUTS = before
    results.append({"rc": rc, "output": text.getvalue()})
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Three runs in one process, the page's row added: one machine, two machines, one with a failing row."""
    site = tmp_path_factory.mktemp("writer")
    module, row = docs_example()
    (site / "verdict_txt.py").write_text(module)
    reports = tmp_path_factory.mktemp("outputs")
    cases = [(False, ["--snapshot", str(HEALTHY)]), (False, ["--snapshot", str(HEALTHY), "--snapshot", str(BROKEN)]),
             (True, ["--snapshot", str(BROKEN), "-q"])]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    proc = subprocess.run([sys.executable, "-c", RUNS, str(reports), row, json.dumps(cases)], cwd=REPO,
                          capture_output=True, text=True, timeout=300,
                          env={**env, "PYTHONPATH": os.pathsep.join([str(site), str(REPO / "plugins")])})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1]), reports


def _folders(reports):
    return sorted(p for p in reports.iterdir() if p.is_dir() and p.name != "latest")


def test_the_docs_example_row_writes_its_file_for_one_machine(runs):
    results, reports = runs
    assert results[0]["rc"] == 0, results[0]["output"][-3000:]
    (folder,) = _folders(reports / "0")
    lines = (folder / "verdict.txt").read_text().splitlines()
    document = json.loads((folder / "results.json").read_text())
    assert lines[0] == document["headline"] and document["verdict"] == "CERTIFIED"
    # each finding with its catalog title (the catalog's text reached the writer), parametrized checks included
    assert len(lines) == 1 + len(document["checks"])
    by_id = {c["id"]: c for c in document["checks"]}
    for line in lines[1:]:
        check_id, rest = line.split(" ", 1)
        assert rest == f"{by_id[check_id]['outcome']}: {by_id[check_id]['title']}", line
    assert (reports / "0" / "latest" / "verdict.txt").is_file()  # a file of the run folder, copied to latest/


def test_the_docs_example_row_writes_each_machines_own_file_in_a_run_of_two(runs):
    results, reports = runs
    assert results[1]["rc"] == 1  # one of the two machines is not certified
    headlines = {json.loads((f / "results.json").read_text())["headline"]: (f / "verdict.txt").read_text()
                 for f in _folders(reports / "1")}
    assert len(headlines) == 2 and any(h.startswith("NOT CERTIFIED") for h in headlines)
    assert any(h.startswith("CERTIFIED") for h in headlines)
    for headline, text in headlines.items():
        assert text.splitlines()[0] == headline


def test_the_table_names_every_file_the_run_folder_gets(runs):
    from wslgpu_certify.reports.outputs import OUTPUTS, WHEN

    assert {row.when for row in OUTPUTS} <= set(WHEN)
    files = {row.name for row in OUTPUTS if row.when != "terminal"}
    assert files == {"results.json", "junit.xml", "report.html", "log.html"}
    _, reports = runs
    (folder,) = _folders(reports / "0")
    written = {p.name for p in folder.iterdir() if not p.name.endswith(".png")}  # a check's published picture
    assert written == (files - {"log.html"}) | {"verdict.txt"}  # a replay's detailed log: only given --html


def test_a_row_that_cannot_write_is_one_line_and_exit_3_and_the_others_are_written(runs):
    results, reports = runs
    run = results[2]
    assert run["rc"] == 3, run["output"][-3000:]
    lines = [line for line in run["output"].splitlines() if "could not write" in line]
    assert len(lines) == 1 and lines[0].endswith("broken.txt: No space left on device"), run["output"][-3000:]
    assert "Traceback" not in run["output"]
    (folder,) = _folders(reports / "2")
    assert {"results.json", "report.html", "junit.xml", "verdict.txt"} <= {p.name for p in folder.iterdir()}
    assert json.loads((folder / "results.json").read_text())["verdict"] == "NOT CERTIFIED"


# ---- results.json's format: one pytest-free module ---------------------------------------------------------

BLOCKED_IMPORT = """
import importlib, json, sys
for name in ("pytest", "_pytest", "testinfra", "docker"):
    sys.modules[name] = None  # `import pytest` now raises ImportError
failed = {}
for module in sys.argv[1:]:
    try:
        importlib.import_module(module)
    except ImportError as exc:
        failed[module] = str(exc)
print(json.dumps(failed))
"""


def _import_blocked(modules: list[str]) -> dict:
    proc = subprocess.run([sys.executable, "-c", BLOCKED_IMPORT, *modules], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO / "plugins")})
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_the_fleet_and_the_format_import_with_pytest_blocked():
    fleet = sorted(f"wslgpu_certify.fleet.{p.stem}" for p in (PACKAGE / "fleet").glob("*.py") if p.stem not in ("__init__", "__main__"))
    assert len(fleet) > 10
    assert _import_blocked(["wslgpu_certify.results_format", "wslgpu_certify.atomic_file", *fleet]) == {}


@pytest.mark.parametrize("module", ["wslgpu_certify.reports.envelope", "wslgpu_certify.reports.results_json",
                                    "wslgpu_certify.plugin"])
def test_the_block_bites_on_a_module_that_needs_pytest(module):
    assert module in _import_blocked([module])


def test_the_fleet_reads_what_the_suite_writes(runs):
    from wslgpu_certify.fleet.documents import read_results
    from wslgpu_certify.reports.envelope import FACTS
    from wslgpu_certify.results_format import FACT_NAMES, READABLE_FORMATS, RESULTS_FORMAT, VERDICTS

    _, reports = runs
    for folder in _folders(reports / "1"):
        reading = read_results(folder / "results.json")
        document = json.loads((folder / "results.json").read_text())
        assert reading.problem == "" and reading.format == RESULTS_FORMAT == document["format"], reading.problem
        assert reading.verdict == document["verdict"] in VERDICTS
        assert tuple(document["facts"]) == FACT_NAMES == tuple(FACTS)
    assert RESULTS_FORMAT in READABLE_FORMATS


def test_no_other_module_spells_the_format_version():
    spelled = sorted(str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
                     if re.search(r"wslgpu-certify-results/\d", p.read_text(encoding="utf-8")))
    assert spelled == ["results_format.py"]
