"""Measure `wslgpu-certify diagnose` against the shared corpus of real transcripts.

    python bench/diagnose_coverage.py [--corpus DIR] [--cert-profile NAME] [--no-signatures] [--verbose]

--no-signatures leaves the known-causes catalog out: what the checks and the family decoders
name alone (docs/signatures.md, "Families").

Each corpus transcript is diagnosed as a support engineer would paste it (the file as it
is, no command given). Prints, one line each:
  - broken transcripts diagnosed: X/Y, a finding in the index's layer (LAYERS_OF_CATEGORY:
    the index names a category, not a layer; each category maps to the layers its
    command can show a problem in);
  - of those, how many carry the index's fix (a HEURISTIC: the findings' fix steps and
    the index's `fix` share key words, as bench/signature_coverage.py decides it);
  - false findings on healthy: Z/W (notes, which never make the verdict, are counted apart);
  - the time per paste (in-process: after the catalogs are loaded), mean and worst, and
    for a few hundred lines and for 10 MB of noise.
docs/signatures.md quotes the figures. Floors: >= 90 % of broken diagnosed, 0 false on healthy.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "plugins"))
sys.path.insert(0, str(REPO / "bench"))

from signature_coverage import agrees, corpus_options, key_words, load_index  # noqa: E402
from wslgpu_certify.diagnose import diagnosis  # noqa: E402
from wslgpu_certify.diagnose.diagnosis import diagnose  # noqa: E402
from wslgpu_certify.profile import load_profile  # noqa: E402

# What a category's commands can show a problem in (docs/checks.md layers).
LAYERS_OF_CATEGORY = {
    "winver": {"windows"},
    "wsl-cli": {"windows", "wsl"},
    "kernel": {"wsl"},
    "wsl-conf": {"wsl"},
    "ldconfig": {"wsl"},
    "dpkg-nvidia": {"wsl", "gpu"},  # a Linux driver inside WSL: the distro's packages, the GPU's libraries
    "nvidia-smi": {"gpu", "wsl", "windows"},  # the driver as the distro sees it; the Windows nvidia-smi (its
    # Driver-Model column: a TCC GPU is windows.gpu.driver_model) is pasted under the same name
    "docker-info": {"docker", "wsl"},  # the engine, or the distro it runs in
    "dockerd": {"docker", "wsl"},
    "daemon-json": {"docker"},
    "nvidia-container-cli": {"docker"},  # the toolkit sits in the docker layer
    "nvidia-ctk": {"docker"},
    "docker-gpu-run": {"docker", "gpu"},
    "nbody": {"gpu"},
    "pytorch": {"gpu"},
    "tensorflow": {"gpu", "jupyter"},
    "r-keras": {"rstudio"},
    "rpy2": {"rpy2"},
}


def fix_words(findings) -> set[str]:
    return key_words(" ".join(step.text for f in findings for step in f.fix))


def noise(size: int, seed: int = 7) -> bytes:
    rng = random.Random(seed)
    words = ["error", "docker", "nvidia", "$", "WSL", "GPU", "0x80370102", "failed", "Linux", "version", "{", "|"]
    out, total = [], 0
    while total < size:
        line = " ".join(rng.choice(words) + str(rng.randint(0, 999)) for _ in range(12))
        out.append(line)
        total += len(line) + 1
    return "\n".join(out).encode()[:size]


def main() -> int:
    opts = corpus_options(("--cert-profile", {"default": "current"}),
                          ("--no-signatures", {"action": "store_true",
                                               "help": "leave the known-causes catalog out: checks and families only"}))
    corpus = Path(opts.corpus)
    if not (corpus / "index.yaml").is_file():
        print(f"no corpus index at {corpus}", file=sys.stderr)
        return 2
    profile = load_profile(opts.cert_profile)
    if opts.no_signatures:  # what the parsers' checks and the family decoders name without any thread's words
        diagnosis.match = lambda *args, **kwargs: []
    entries = load_index(corpus)
    diagnose(b"$ wsl -l -v\n  NAME STATE VERSION\n* Ubuntu Running 1\n", profile)  # load the catalogs once
    times: list[float] = []

    def run(entry):
        raw = (corpus / "raw" / entry["file"]).read_bytes()
        start = time.perf_counter()
        result = diagnose(raw, profile)
        times.append(time.perf_counter() - start)
        return result

    broken = [e for e in entries if e["verdict"] == "broken"]
    healthy = [e for e in entries if e["verdict"] == "healthy"]
    diagnosed = agreed = by_signature = by_check = by_family = by_release = 0
    for entry in broken:
        findings = run(entry).findings
        layers = LAYERS_OF_CATEGORY.get(entry["category"], set())
        in_layer = [f for f in findings if f.layer in layers]
        shared = key_words(str(entry.get("fix", ""))) & fix_words(in_layer)
        diagnosed += bool(in_layer)
        by_signature += any(f.signature_id and not f.signature_id.startswith(("family.", "release.")) for f in in_layer)
        by_release += any((f.signature_id or "").startswith("release.") for f in in_layer)
        by_family += any((f.signature_id or "").startswith("family.") for f in in_layer)
        by_check += any(f.check_id for f in in_layer)
        agreed += bool(in_layer) and agrees(shared)
        if opts.verbose:
            mark = "agree" if in_layer and agrees(shared) else ("found" if in_layer else "MISS ")
            print(f"{mark}  {entry['file']}: {', '.join(f'{f.layer}:{f.id}' for f in findings) or '-'}"
                  + (f"  [{', '.join(sorted(shared))}]" if shared else ""))
    false, noted = [], 0
    for entry in healthy:
        result = run(entry)
        noted += bool(result.notes)
        if result.findings:
            false.append((entry["file"], [f.id for f in result.findings]))
    for name, ids in false:
        print(f"FALSE  {name}: {', '.join(ids)}")

    lines = b"\n".join((corpus / "raw" / e["file"]).read_bytes() for e in broken[:12])
    line_count = lines.count(b"\n") + 1
    start = time.perf_counter()
    diagnose(lines, profile)
    joined = time.perf_counter() - start
    blob = noise(10 * 2**20)
    start = time.perf_counter()
    big = diagnose(blob, profile)
    noisy = time.perf_counter() - start

    print(f"broken transcripts diagnosed (a finding in the index's layer): {diagnosed}/{len(broken)} "
          f"({diagnosed / len(broken):.0%}); by a known-cause signature {by_signature}, "
          f"by a check decided from the parsed output {by_check}, by a family decoder {by_family}, "
          f"by a known-bad release {by_release}")
    print(f"  of those, a finding's fix agrees with the index's fix (heuristic, see --help): {agreed}/{diagnosed}")
    print(f"false findings on healthy: {len(false)}/{len(healthy)} (healthy with notes only: {noted})")
    print(f"time per paste: mean {1000 * sum(times) / len(times):.1f} ms, worst {1000 * max(times):.1f} ms; "
          f"{line_count} lines joined: {1000 * joined:.0f} ms; 10 MB of noise: {noisy:.2f} s "
          f"(read {len(big.paste.text):,} of {big.paste.size:,} characters)")
    return 0 if diagnosed >= 0.9 * len(broken) and not false else 1


if __name__ == "__main__":
    sys.exit(main())
