"""Measure the known-causes catalog against the shared corpus of real transcripts.

    python bench/signature_coverage.py [--corpus DIR] [--verbose]

Prints, one line each:
  - broken transcripts matched: X/Y (each matched with the command the index names);
  - of those, how many matched a signature whose fix agrees with the index's `fix`;
  - false matches on healthy: Z/W (command unknown, so every signature applies: the
    strict form).
docs/signatures.md quotes the figures.

Fix agreement is a HEURISTIC: the index's `fix` text (prose written from the thread)
and the signature's fix steps (commands and words) agree when they share one
command-like key word (an option such as `--gpus`, or a word with `-`, `_`, `.` or `/`
in it: `iptables-legacy`, `set-version`, `R_HOME`, `daemon.json`) or two plain key
words. Key words are lower-cased tokens of 4+ characters that are not in STOP_WORDS
(common English, and words every fix in this domain uses: docker, nvidia, driver,
install, ...); `a=b` also counts as `a`, and `/usr/lib/wsl/lib/libdxcore.so` as `libdxcore.so`. It errs both ways: two fixes can share words
and differ, or say the same thing in other words. --verbose lists the shared words.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))

from wslgpu_certify.signatures import match  # noqa: E402  (after the path set-up)

STOP_WORDS = frozenset("""
about after again also and another any are because been before being both but can cannot could did does
doing done each either else even every fix fixed from further have having here into its itself just later
latest like longer made make more most much must newer none not now only other others over per same
should shown since some still such than that the their them then there these they this those though
through thread under until upon very was were what when where which while who whose why will with within
without would your yours
comment comments confirmed description excerpt issue issues maintainer maintainers reporter reporters
resolved resolution stored unresolved workaround works worked working related copy thread's
docker nvidia windows driver drivers install installed installing update updated updating version
versions distro container containers image images command commands run running using use used check
sudo apt-get bash powershell shell step steps open again
""".split())
TOKEN = re.compile(r"-{0,2}[a-z0-9_$][a-z0-9_.+=/-]*[a-z0-9_]")


def key_words(text: str) -> set[str]:
    """Key words of a fix text: `--gpus=all` gives `--gpus=all` and `--gpus`; a path also gives its last part."""
    words = set()
    # "WSL 2" and "WSL2" are one word in these texts (the index writes either); alone "wsl" is too short to count
    for token in TOKEN.findall(re.sub(r"\bwsl[ -]2\b", "wsl2", text.lower())):
        for word in {token, token.split("=", 1)[0], token.rsplit("/", 1)[-1]}:
            if len(word.lstrip("-")) >= 4 and word.lstrip("-") not in STOP_WORDS:
                words.add(word)
    return words


def command_like(word: str) -> bool:
    return word.startswith("-") or any(mark in word.strip("-") for mark in "-_./")


def agrees(shared: set[str]) -> bool:
    return any(command_like(word) for word in shared) or len(shared) >= 2


def fix_words(signature) -> set[str]:
    return key_words(" ".join(step.run or step.say for step in signature.fix))


def load_index(corpus: Path) -> list[dict]:
    import yaml  # the index is YAML; pyyaml is a test/bench dependency, not the package's

    return yaml.safe_load((corpus / "index.yaml").read_text(encoding="utf-8"))


def corpus_options(*extra: tuple[str, dict]) -> argparse.Namespace:
    """--corpus (default ../shared/corpus), --verbose and any extra options, parsed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default=str(REPO.parent / "shared" / "corpus"))
    parser.add_argument("--verbose", action="store_true")
    for name, settings in extra:
        parser.add_argument(name, **settings)
    return parser.parse_args()


def main() -> int:
    opts = corpus_options()
    corpus = Path(opts.corpus)
    if not (corpus / "index.yaml").is_file():
        print(f"no corpus index at {corpus}", file=sys.stderr)
        return 2
    entries = load_index(corpus)
    broken = [e for e in entries if e["verdict"] == "broken"]
    healthy = [e for e in entries if e["verdict"] == "healthy"]

    matched = agreed = 0
    for entry in broken:
        text = (corpus / "raw" / entry["file"]).read_text(encoding="utf-8")
        hits = match(text, command=entry["command"])
        wanted = key_words(str(entry.get("fix", "")))
        shared = {hit.id: wanted & fix_words(hit.signature) for hit in hits}
        agreeing = any(agrees(words) for words in shared.values())
        matched += bool(hits)
        agreed += bool(hits) and agreeing
        if opts.verbose:
            mark = "agree" if agreeing else ("match" if hits else "MISS ")
            print(f"{mark}  {entry['file']}")
            for sig_id, words in shared.items():
                print(f"         {sig_id}: {', '.join(sorted(words)) or '-'}")

    false = []
    for entry in healthy:
        text = (corpus / "raw" / entry["file"]).read_text(encoding="utf-8")
        hits = match(text)
        if hits:
            false.append((entry["file"], [hit.id for hit in hits]))
    if opts.verbose:
        for name, ids in false:
            print(f"FALSE  {name}: {', '.join(ids)}")

    print(f"broken transcripts matched: {matched}/{len(broken)} ({matched / len(broken):.0%})")
    print(f"  of those, a matched signature's fix agrees with the index's fix (heuristic, see --help): {agreed}/{matched}")
    print(f"false matches on healthy: {len(false)}/{len(healthy)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
