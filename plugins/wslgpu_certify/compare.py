"""Drift between two runs of the same machine: the nightly alarm.

    wslgpu-compare reports/<older>/results.json reports/latest/results.json
    python -m wslgpu_certify.compare OLD NEW

Prints checks whose outcome changed, figures that changed (driver, kernel, toolkit,
Docker, GPU, nbody GFLOP/s in percent) and exits 1 when a check regressed or GFLOP/s
dropped by more than the profile's tolerance (taken from the newer run), else 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .findings import outcome
from .terminal_text import for_terminal


def _load(path: str) -> dict:
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
        return document if isinstance(document, dict) and "checks" in document else {}
    except (OSError, ValueError):
        return {}


def _figures(document: dict) -> dict:
    merged = {}
    for check in document["checks"]:
        merged.update(check.get("figures", {}))
    return merged


def compare(old: dict, new: dict, tolerance: float = 0.20) -> tuple[list[str], bool]:
    """Lines describing the drift, and whether it is a regression."""
    lines, regressed = [], False
    before = {c["id"]: c["outcome"] for c in old["checks"]}
    for check in new["checks"]:
        was = before.get(check["id"])
        if was is not None and was != check["outcome"]:
            now = outcome(check["outcome"])
            worse = now.severity > outcome(was).severity
            regressed |= worse and now.fails_verdict
            lines.append(f"{'REGRESSED' if worse else 'changed'} {check['id']}: {was} -> {check['outcome']}"
                         + (f" ({check['message']})" if check["message"] else ""))
    old_fig, new_fig = _figures(old), _figures(new)
    for key in sorted(set(old_fig) & set(new_fig)):
        a, b = old_fig[key], new_fig[key]
        if a == b:
            continue
        if key == "nbody_gflops" and isinstance(a, (int, float)) and a:
            change = (b - a) / a
            drop = change < -tolerance
            regressed |= drop
            lines.append(f"{'REGRESSED' if drop else 'changed'} nbody GFLOP/s: {a:.1f} -> {b:.1f} ({change:+.1%})")
        else:
            lines.append(f"changed {key}: {a} -> {b}")
    return lines, regressed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="wslgpu-compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("old")
    parser.add_argument("new")
    opts = parser.parse_args(argv)
    old, new = _load(opts.old), _load(opts.new)
    for name, document in ((opts.old, old), (opts.new, new)):
        if not document:
            print(f"wslgpu-compare: {name} is not a readable results.json", file=sys.stderr)
            return 2
    tolerance = next((c["figures"]["nbody_tolerance"] for c in new["checks"] if "nbody_tolerance" in c.get("figures", {})), 0.20)
    lines, regressed = compare(old, new, tolerance)
    # hostnames, messages and figures come from the machines: shown, never obeyed by the terminal
    print(for_terminal(f"{new['machine'].get('hostname')}: {old['verdict']} -> {new['verdict']}", one_line=True))
    print("\n".join(for_terminal(line, one_line=True) for line in lines) if lines else "no drift")
    return 1 if regressed else 0


if __name__ == "__main__":
    sys.exit(main())
