"""Drift between two runs of the same machine: the nightly alarm.

    wslgpu-compare reports/<older>/results.json reports/latest/results.json
    python -m wslgpu_certify.compare OLD NEW

Names the machine (its --machine-id, else its hostname) and warns when the two runs are of
different machines or were judged under different profiles. Prints checks whose outcome
changed (a check blocked by one that changed is counted under it), figures that changed
(driver, kernel, toolkit, Docker, GPU, nbody GFLOP/s in percent) and exits 1 when a check
now fails the verdict (failed, error) or GFLOP/s dropped by more than the profile's tolerance
(taken from the newer run), else 0: a check turning advisory or not run is a change, not 1.
Exit 2: a document it cannot use (missing, not JSON, not a results.json, a field of the wrong
type, larger or deeper than the fleet reads: the fleet's own limits, fleet/untrusted.py), one
line naming it; 4: bad usage. Never 1 for odd input: 1 is "regressed".
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .findings import outcome
from .fleet.documents import wrong_type
from .fleet.untrusted import MAX_RESULTS_BYTES, Unusable, is_number, one_line, read_json
from .terminal_text import closed_pipe_ends_quietly, for_terminal

EXIT_SAME, EXIT_REGRESSED, EXIT_UNUSABLE, EXIT_USAGE = 0, 1, 2, 4


def _load(path: str) -> dict:
    """The document, checked as the fleet checks one; Unusable (one line) when it cannot be used."""
    try:
        document = read_json(Path(path), MAX_RESULTS_BYTES)
    except OSError as error:
        raise Unusable(f"cannot be read ({error.strerror or error})") from None
    if not isinstance(document, dict) or not isinstance(document.get("checks"), list):
        raise Unusable("is not a results.json (no list of checks)")
    problem = wrong_type(document) or (None if isinstance(document.get("verdict"), str) else "has no verdict")
    if problem:
        raise Unusable(problem)
    return document


def _figures(document: dict) -> dict:
    merged = {}
    for check in document["checks"]:
        merged.update(check.get("figures") or {})
    return merged


def _name(document: dict) -> str:
    """The machine's id as its run named it (--machine-id), else its hostname."""
    run, machine = document.get("run"), document.get("machine")
    for value in ((run or {}).get("machine_id") if isinstance(run, dict) else None,
                  (machine or {}).get("hostname") if isinstance(machine, dict) else None):
        if isinstance(value, str) and value:
            return value
    return "?"


def _profile(document: dict) -> str | None:
    """The profile a run was judged under: results.json's `profile` object, else `machine.profile`."""
    chosen, machine = document.get("profile"), document.get("machine")
    if isinstance(chosen, dict):
        value = chosen.get("name")
    else:
        value = machine.get("profile") if isinstance(machine, dict) else None
    return value if isinstance(value, str) else None


def warnings_between(old: dict, new: dict) -> list[str]:
    """What makes two runs not one machine's drift: different machines, different profiles."""
    said = []
    if _name(old) != _name(new):
        said.append(f"warning: two different machines ({_name(old)}, {_name(new)}): what differs may be the machines")
    if _profile(old) and _profile(new) and _profile(old) != _profile(new):
        said.append(f"warning: judged under different profiles ({_profile(old)} -> {_profile(new)}): an outcome may "
                    f"differ for that reason alone")
    return [one_line(line, 300) for line in said]


def compare(old: dict, new: dict, tolerance: float = 0.20) -> tuple[list[str], bool]:
    """Lines describing the drift, and whether it is a regression: a check worse than before that now fails the
    verdict (a check turning advisory, or not run, is a change, not a regression), or GFLOP/s dropping by
    more than the tolerance. A check blocked by a check that changed is counted under it, not repeated."""
    lines, regressed = [], False
    before = {c["id"]: c["outcome"] for c in old["checks"]}
    changed = [c for c in new["checks"] if before.get(c["id"]) not in (None, c["outcome"])]
    ids = {c["id"] for c in changed}
    taken: dict[str, list[str]] = {}  # a changed root -> the changed checks it blocked
    for check in changed:
        if check.get("blocked_by") in ids and check["blocked_by"] != check["id"]:
            taken.setdefault(check["blocked_by"], []).append(check["id"])
    for check in changed:
        if check.get("blocked_by") in taken and check["id"] in taken[check["blocked_by"]]:
            continue
        was, now = outcome(before[check["id"]]), outcome(check["outcome"])
        worse = now.severity > was.severity and now.fails_verdict
        regressed |= worse
        lines.append(one_line(f"{'REGRESSED' if worse else 'changed'} {check['id']}: {before[check['id']]} -> "
                              f"{check['outcome']}" + (f" ({check['message']})" if check.get("message") else ""), 240))
        blocked = taken.get(check["id"], [])
        if blocked:
            shown = ", ".join(blocked[:5]) + (f" and {len(blocked) - 5} more" if len(blocked) > 5 else "")
            lines.append(one_line(f"    and {len(blocked)} check(s) it took with it: {shown}", 300))
    old_fig, new_fig = _figures(old), _figures(new)
    for key in sorted(set(old_fig) & set(new_fig)):
        a, b = old_fig[key], new_fig[key]
        if a == b:
            continue
        if key == "nbody_gflops" and is_number(a) and is_number(b) and a:
            change = (b - a) / a
            drop = change < -tolerance
            regressed |= drop
            lines.append(f"{'REGRESSED' if drop else 'changed'} nbody GFLOP/s: {a:.1f} -> {b:.1f} ({change:+.1%})")
        else:
            lines.append(one_line(f"changed {key}: {one_line(str(a), 120)} -> {one_line(str(b), 120)}", 300))
    return lines, regressed


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # bad usage is 4, as the suite's; argparse's own 2 is "unusable input" here
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def main(argv: list[str] | None = None) -> int:
    return closed_pipe_ends_quietly(lambda: _compare_main(argv))  # `wslgpu-compare A B | head -1`: its own exit code


def _compare_main(argv: list[str] | None) -> int:
    parser = _Parser(prog="wslgpu-compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("old")
    parser.add_argument("new")
    opts = parser.parse_args(argv)
    documents = []
    for name in (opts.old, opts.new):
        try:
            documents.append(_load(name))
        except Unusable as error:
            print(for_terminal(one_line(f"wslgpu-compare: {name} is not a readable results.json: it {error}", 500), one_line=True),
                  file=sys.stderr)
            return EXIT_UNUSABLE
    old, new = documents
    tolerance = next((c["figures"]["nbody_tolerance"] for c in new["checks"]
                      if is_number((c.get("figures") or {}).get("nbody_tolerance"))), 0.20)
    lines, regressed = compare(old, new, tolerance)
    named = _name(new) if _name(old) == _name(new) else f"{_name(old)} -> {_name(new)}"
    # machine ids, messages and figures come from the machines: shown, never obeyed by the terminal
    print(for_terminal(one_line(f"{named}: {old['verdict']} -> {new['verdict']}"), one_line=True))
    for line in warnings_between(old, new):
        print(for_terminal(line, one_line=True))
    print("\n".join(for_terminal(line, one_line=True) for line in lines) if lines else "no drift")
    return EXIT_REGRESSED if regressed else EXIT_SAME


if __name__ == "__main__":
    sys.exit(main())
