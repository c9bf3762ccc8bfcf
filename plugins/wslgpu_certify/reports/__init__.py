"""One module per output; each reads the run's state and Finding objects only.

    summary.py       the verdict, the counts per outcome, each layer's state: computed once, read by all
    terminal.py      the verdict section at the end of pytest's output
    junit.py         the properties each check's testcase carries in junit.xml
    results_json.py  results.json (docs/results.md), written atomically
    envelope.py      results.json's run envelope (machine id, run id, times, exit status, state) and facts
    machine_reports.py  a fleet run's junit.xml and report.html per machine
    html_report.py   pytest-html additions: verdict title, stack picture, check/layer/fix columns, extras
    progress.py      the line naming what a waiting check waits for
    run_folder.py    reports/<UTC timestamp>-<machine id>[-<run id>]/ and reports/latest/

Reports never import hosts/, probes/, parsers/ or containers/.
"""
