"""results.json's format, in one place: what the suite writes (reports/results_json.py) and the fleet reads (fleet/).

The schema version, the verdicts and failing outcomes, the fact names, the type of every field a reader
relies on (docs/results.md), and the one way the file is written: whole or not at all (atomic_file.py).
Standard library only, no pytest: `wslgpu-fleet` runs in an aggregation job that certifies nothing.
A new format version changes RESULTS_FORMAT here and adds it to READABLE_FORMATS; the fleet keeps reading
the older ones it lists.
"""

from __future__ import annotations

import json
from pathlib import Path

from .atomic_file import write_atomically

RESULTS_FORMAT = "wslgpu-certify-results/3"  # the format the suite writes (3: the run envelope and `facts`)
READABLE_FORMATS = ("wslgpu-certify-results/2", RESULTS_FORMAT)  # what a reader (the fleet) accepts

CERTIFIED, NOT_CERTIFIED, PARTIAL = "CERTIFIED", "NOT CERTIFIED", "PARTIAL"
VERDICTS = (CERTIFIED, NOT_CERTIFIED, PARTIAL)  # results.json `verdict`
FAILING_OUTCOMES = ("failed", "error")  # a check's `outcome` that stops a certification
RUN_STATES = ("running", "finished", "interrupted")  # `run.state`

# `facts` (format 3): every name present, null when no check of the run published it (reports/envelope.py
# says which figure each one is)
FACT_NAMES = ("windows_build", "wsl_version", "kernel", "driver", "cuda", "docker", "toolkit",
              "distribution", "gpu", "nbody_gflops", "nbody_baseline_gflops")

# The type docs/results.md gives each field a reader relies on: (types, ...) optional (null allowed), or
# ((types, ...), "required"). A field of another type makes the document unbelievable (the fleet's INVALID).
STRING = (str,)
TOP_FIELDS = {"headline": STRING, "scope": STRING, "complete": (bool,), "machine": (dict,), "run": (dict,),
              "facts": (dict,), "finished_at": STRING}
RUN_FIELDS = {"machine_id": STRING, "run_id": STRING, "started_at": STRING, "finished_at": STRING, "exit_status": (int,),
              "state": STRING, "interrupted_by": STRING, "complete": (bool,)}
MACHINE_FIELDS = {"hostname": STRING}
CHECK_FIELDS = {"id": (STRING, "required"), "outcome": (STRING, "required"), "layer": STRING, "title": STRING,
                "message": STRING, "remediation": (dict,), "known_causes": (list,), "figures": (dict,)}
REMEDIATION_FIELDS = {"summary": STRING}
CAUSE_FIELDS = {"id": STRING, "cause": STRING}


def write_results_file(path: Path, document: dict) -> None:
    """The document as results.json: indented UTF-8 JSON, written atomically (a reader sees the previous
    version or this one, never half of it)."""
    write_atomically(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
