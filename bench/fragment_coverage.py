"""Measure `wslgpu-certify diagnose` on FRAGMENTS of the corpus transcripts (docs/signatures.md, "Fragments").

    python bench/fragment_coverage.py [--corpus DIR] [--cert-profile NAME] [--no-signatures] [--verbose]

A ticket rarely holds a whole output. From every corpus transcript this cuts the fragments tickets show:

    head-cut      the paste starts mid-line: 3 and 11 characters cut off its first non-blank line
    error-line    the line a finding was seen in, pasted alone (no command, no prompt above it)
    first-half    the first half of the transcript (a table or a log cut at its middle)
    last-half     the second half (a log that starts in the middle)
    runtime-grep  for docker info transcripts: only the lines `grep -i runtime` keeps

and diagnoses each. Prints, one line each:
  - broken fragments still named: X/Y (a finding in the transcript's layers, as bench/diagnose_coverage.py
    counts them), for the fragments of broken transcripts the whole transcript gets a finding for;
  - false findings on healthy fragments: Z/W;
  - parts said as "could not read" or "could not recognise" with nothing said about what they show.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))
sys.path.insert(0, str(REPO / "bench"))

from diagnose_coverage import LAYERS_OF_CATEGORY  # noqa: E402
from signature_coverage import corpus_options, load_index  # noqa: E402
from wslgpu_certify.diagnose import diagnosis  # noqa: E402
from wslgpu_certify.diagnose.diagnosis import diagnose  # noqa: E402
from wslgpu_certify.diagnose.render import as_text  # noqa: E402
from wslgpu_certify.profile import load_profile  # noqa: E402


def fragments(raw: str, category: str, seen: list[str]) -> list[tuple[str, str]]:
    text = raw.strip("\n")
    lines = text.splitlines()
    cuts = [(f"head-cut {n}", text.lstrip()[n:]) for n in (3, 11)]
    cuts += [("first-half", "\n".join(lines[: max(1, len(lines) // 2)])),
             ("last-half", "\n".join(lines[len(lines) // 2:]))]
    for line in seen[:1]:
        whole = next((candidate for candidate in lines if line[:60] and line[:60] in candidate), None)
        if whole:
            cuts.append(("error-line", whole))
    if category == "docker-info":
        kept = "\n".join(line for line in lines if "runtime" in line.lower())
        if kept.strip():
            cuts.append(("runtime-grep", "$ docker info | grep -i runtime\n" + kept))
    return [(name, cut) for name, cut in cuts if cut.strip()]


def main() -> int:
    opts = corpus_options(("--cert-profile", {"default": "current"}),
                          ("--no-signatures", {"action": "store_true", "help": "leave the known-causes catalog out"}))
    corpus = Path(opts.corpus)
    if not (corpus / "index.yaml").is_file():
        print(f"no corpus index at {corpus}", file=sys.stderr)
        return 2
    profile = load_profile(opts.cert_profile)
    if opts.no_signatures:
        diagnosis.match = lambda *args, **kwargs: []
    named = broken_total = false = healthy_total = said_nothing = parts_total = 0
    for entry in load_index(corpus):
        raw = (corpus / "raw" / entry["file"]).read_text(encoding="utf-8", errors="replace")
        whole = diagnose(raw, profile)
        layers = LAYERS_OF_CATEGORY.get(entry["category"], set())
        broken = entry["verdict"] == "broken"
        if broken and not [f for f in whole.findings if f.layer in layers]:
            continue  # the whole transcript is not named: its fragments measure nothing more
        if entry["verdict"] not in ("broken", "healthy"):
            continue
        for name, cut in fragments(raw, entry["category"], [f.seen for f in whole.findings if f.seen]):
            result = diagnose(cut, profile)
            text = as_text(result)
            for line in text.splitlines():
                if line.startswith("part "):
                    parts_total += 1
                    said_nothing += ("could not read this part" in line or "could not recognise this part" in line) \
                        and "it cannot tell" not in line
            if broken:
                broken_total += 1
                hit = bool([f for f in result.findings if f.layer in layers])
                named += hit
                if opts.verbose and not hit:
                    print(f"  not named: {entry['file']} [{name}]")
            else:
                healthy_total += 1
                false += bool(result.findings)
                if opts.verbose and result.findings:
                    print(f"  FALSE: {entry['file']} [{name}]: {[f.id for f in result.findings]}")
    print(f"broken fragments still named (a finding in the transcript's layers): {named}/{broken_total} "
          f"({named / max(broken_total, 1):.0%})")
    print(f"false findings on healthy fragments: {false}/{healthy_total}")
    print(f"parts that say only 'could not read/recognise' (nothing on what they show or cannot tell): "
          f"{said_nothing}/{parts_total}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
