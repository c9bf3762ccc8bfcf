"""`wslgpu-fleet collect`: the night's fleet from the machines' result folders.

    wslgpu-fleet collect results/ --expected fleet.json --run-id 123 --previous last/fleet.json --out fleet/

Writes fleet.json, fleet.html, fleet-junit.xml and fleet-summary.md into --out (docs/fleet.md).
Exit 0 when every expected machine is CERTIFIED (none regressed), 1 when one has a verdict
--fail-on names (default: every verdict but CERTIFIED), 2 for input it cannot use (the expected
list, no machine folder at all, an unwritable --out), 4 for bad usage (one line, never a traceback;
the codes of `wslgpu-certify diagnose`). A machine's bad results.json is that machine's INVALID row.
"""

from __future__ import annotations

import argparse
import re
import sys
from datetime import datetime, timezone
from pathlib import Path

from .. import __version__
from ..atomic_file import write_atomically
from ..terminal_text import closed_pipe_ends_quietly, for_terminal
from .ci_status import read_status_file
from .discover import discover
from .expected import ExpectedError, read_expected
from .fleet_json import fleet_document, read_previous, write_fleet_json
from .html_page import fleet_html
from .judge import Options, judge_all
from .junit_xml import fleet_junit
from .markdown import fleet_markdown
from .verdicts import FAILING, VERDICTS, parse_fail_on

SHOWN = 20  # console lines for machines that are not certified
EXIT_CERTIFIED, EXIT_NOT_CERTIFIED, EXIT_UNUSABLE, EXIT_USAGE = 0, 1, 2, 4


class UsageError(Exception):
    """Input the collect cannot use at all (exit 2): one line."""


class BadUsage(Exception):
    """Options that do not go together (exit 4): one line."""


class _Parser(argparse.ArgumentParser):
    """argparse, exiting 4 for bad usage (its own 2 is the code for unusable input here)."""

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _max_age(text: str) -> float:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not an age (e.g. 26h, 90m, 2d)")
    return float(match.group(1)) * {"s": 1, "m": 60, "h": 3600, "d": 86400, "": 3600}[match.group(2)]


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time")
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _fail_on(text: str) -> frozenset:
    try:
        return parse_fail_on(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error).split(": ", 1)[1])


def parser() -> argparse.ArgumentParser:
    top = _Parser(prog="wslgpu-fleet", description="One view of a fleet's certification runs.")
    top.add_argument("--version", action="version", version=f"wslgpu-fleet {__version__}")
    sub = top.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect", help="read the machines' result folders; write fleet.json, fleet.html, fleet-junit.xml",
                       description=__doc__.split("\n\n")[0])
    c.add_argument("results", nargs="+", type=Path, help="folders holding one folder per machine (or a --reports-dir)")
    c.add_argument("--expected", type=Path, help="the machines expected: a text list, a JSON list or an Ansible inventory")
    c.add_argument("--group", help="with an Ansible inventory: only this group's hosts")
    c.add_argument("--previous", type=Path, help="the previous night's fleet.json (for REGRESSED)")
    c.add_argument("--ci-status", type=Path, action="append", default=[], help="per-job CI status (docs/fleet.md); repeatable")
    c.add_argument("--run-id", help="tonight's run id: a report of another run is STALE")
    c.add_argument("--max-age", type=_max_age, help="a report older than this is STALE (26h, 90m, 2d; a bare number is hours)")
    c.add_argument("--now", type=_moment, help="the time --max-age counts from (ISO 8601; default: now)")
    c.add_argument("--tolerance", type=float, default=0.20, help="GFLOP/s drop since last night that is a regression (0.20)")
    c.add_argument("--folder-prefix", default="certification-", help="stripped from a machine folder's name (GitHub artifact names)")
    c.add_argument("--fail-on", type=_fail_on, default=frozenset(FAILING),
                   help="verdicts that fail the collect, comma-separated (default all: " + ",".join(
                       VERDICTS[n].flag for n in FAILING) + ")")
    c.add_argument("--out", type=Path, default=Path("fleet"), help="where fleet.json, fleet.html, ... go (default fleet/)")
    c.add_argument("--summary", type=Path, help="also append the Markdown summary here (e.g. $GITHUB_STEP_SUMMARY)")
    return top


def collect(opts) -> int:
    expected = None
    if opts.expected:
        expected = read_expected(opts.expected, opts.group)
        if not expected:
            raise UsageError(f"{opts.expected} names no machine")
    elif opts.group:
        raise BadUsage("--group needs --expected (an Ansible inventory)")
    notes = []
    found, warnings = discover(opts.results, expected, opts.folder_prefix, opts.run_id)
    notes += warnings
    if expected is None:
        notes.append("no --expected list: the fleet is the machines found, so a machine that never reported is not seen")
        if not found:
            raise UsageError("no machine folder found in " + ", ".join(str(r) for r in opts.results))
    previous, previous_at = {}, None
    if opts.previous:
        previous, previous_at, problem = read_previous(opts.previous)
        notes += [problem] if problem else []
    else:
        notes.append("no --previous fleet.json: REGRESSED cannot be told")
    statuses = {}
    for path in opts.ci_status:
        entries, problem = read_status_file(path)
        statuses.update(entries)
        notes += [problem] if problem else []
    now = opts.now or datetime.now(timezone.utc)
    options = Options(now=now, out_dir=opts.out.resolve(), run_id=opts.run_id, max_age_s=opts.max_age, tolerance=opts.tolerance)
    verdicts = judge_all(expected, found, previous, statuses, options)
    counted = [v for v in verdicts if v.expected]
    failing = [v for v in counted if v.verdict in opts.fail_on]
    certified = sum(v.verdict == "CERTIFIED" for v in counted)
    headline = (f"CERTIFIED: all {len(counted)} machines" if certified == len(counted) else
                f"NOT CERTIFIED: {certified} of {len(counted)} machines certified")
    extra = [v for v in verdicts if not v.expected]
    if extra:
        notes.append(f"{len(extra)} machine folders are not in the expected list (shown, not counted): "
                     + ", ".join(v.machine for v in extra[:10]) + (" ..." if len(extra) > 10 else ""))
    exit_status = EXIT_NOT_CERTIFIED if failing else EXIT_CERTIFIED
    summary = {"generated_at": now.isoformat(), "tool_version": __version__, "headline": headline, "run_id": opts.run_id,
               "expected": str(opts.expected) if opts.expected else None, "previous": {"path": str(opts.previous), "generated_at": previous_at}
               if opts.previous else None, "fail_on": sorted(VERDICTS[n].flag for n in opts.fail_on), "exit_status": exit_status,
               "notes": notes}
    document = fleet_document(verdicts, summary)
    write_fleet_json(opts.out / "fleet.json", document)
    write_atomically(opts.out / "fleet.html", fleet_html(verdicts, headline, notes, document["counts"], opts.tolerance, summary["generated_at"]))
    write_atomically(opts.out / "fleet-junit.xml", fleet_junit(verdicts))
    markdown = fleet_markdown(verdicts, headline, notes)
    write_atomically(opts.out / "fleet-summary.md", markdown)
    if opts.summary:
        with open(opts.summary, "a", encoding="utf-8") as stream:
            stream.write(markdown)
    _print(verdicts, headline, notes, document["counts"], opts.out)
    return exit_status


def _print(verdicts, headline, notes, counts, out: Path) -> None:
    _say(f"fleet: {headline}")
    _say("  " + ", ".join(f"{name} {n}" for name, n in counts.items() if n))
    for note in notes:
        _say(f"  note: {note}")
    bad = [v for v in verdicts if v.verdict != "CERTIFIED"]
    for v in bad[:SHOWN]:
        _say(f"  {v.verdict:<13} {v.machine}: {v.reason}")
    if len(bad) > SHOWN:
        _say(f"  ... and {len(bad) - SHOWN} more (fleet.html lists every machine)")
    _say(f"fleet report: {out / 'fleet.html'}")


def _say(line: str) -> None:
    """The terminal door: machine names, reasons and notes come from results.json and status.json."""
    print(for_terminal(line, one_line=True))


def main(argv: list[str] | None = None) -> int:
    return closed_pipe_ends_quietly(lambda: _main(argv))  # `wslgpu-fleet collect ... | head -1`: its own exit code


def _main(argv: list[str] | None) -> int:
    opts = parser().parse_args(argv)
    try:
        return collect(opts)
    except BadUsage as error:
        print(for_terminal(f"wslgpu-fleet: {error}", one_line=True), file=sys.stderr)
        return EXIT_USAGE
    except (ExpectedError, UsageError) as error:
        print(for_terminal(f"wslgpu-fleet: {error}", one_line=True), file=sys.stderr)
        return EXIT_UNUSABLE
    except OSError as error:  # the output folder cannot be written
        print(for_terminal(f"wslgpu-fleet: cannot write {error.filename or opts.out}: {error.strerror or error}", one_line=True),
              file=sys.stderr)
        return EXIT_UNUSABLE
    except Exception as error:  # noqa: BLE001 -- never a traceback; one machine's input is already its own row
        print(for_terminal(f"wslgpu-fleet: could not collect ({type(error).__name__}: {error})"[:300], one_line=True), file=sys.stderr)
        return EXIT_UNUSABLE


if __name__ == "__main__":
    sys.exit(main())
