"""One module per output; each reads the run's state and Finding objects only.

    outputs.py       every output of a run in one table (file, when, writer): plugin.py loops over it
    summary.py       the verdict, the counts per outcome, each layer's state: computed once, read by all
    suite_outcomes.py  the six outcomes a reader sees (passed, failed, warning, blocked, not run, not
                     applicable), their colours, and why each check ended so, in words
    terminal.py      the verdict section at the end of pytest's output; pytest's words and counts in the six outcomes
    report_page.py   report.html: the page attached to a ticket, written from results.json into the run folder
    page_style.py    report.html's inline CSS and script (light, printable, AA contrast)
    junit.py         the properties each check's testcase carries in junit.xml
    results_json.py  results.json (docs/results.md), written through ../results_format.py (atomically)
    envelope.py      results.json's run envelope (machine id, run id, times, exit status, state) and facts
    machine_reports.py  a fleet run's junit.xml and log.html per machine
    html_report.py   pytest-html additions to log.html (the detailed log): verdict title, stack, columns, extras
    progress.py      the line naming what a waiting check waits for
    run_folder.py    reports/<UTC timestamp>-<machine id>[-<run id>]/ and reports/latest/

Reports never import hosts/, probes/, parsers/ or containers/.
"""
