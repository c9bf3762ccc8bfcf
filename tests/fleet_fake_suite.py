"""A stand-in for `wslgpu-certify` on a simulated machine, for the Ansible end-to-end test.

    python tests/fleet_fake_suite.py MODE --machine-id ID --run-id RUN --reports-dir DIR --record FILE

MODE: `healthy` / `broken` (a format 3 results.json from tests/fleet_sim.py, exit 0 / 1, as the
suite does), `garbage` (a results.json that is not JSON, exit 0), `crash` (nothing written,
exit 4: the suite's usage error), `hang` (sleeps past the task timeout; bounded: 45 s at most).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fleet_sim as sim  # noqa: E402

HANG_S = 45


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("healthy", "broken", "garbage", "crash", "hang"))
    for option in ("--machine-id", "--run-id", "--reports-dir", "--record"):
        parser.add_argument(option, required=True)
    opts = parser.parse_args()
    if opts.mode == "hang":
        time.sleep(HANG_S)
        return 0
    if opts.mode == "crash":
        print("ERROR: --cert-profile: no profile named 'nightly'", file=sys.stderr)
        return 4
    latest = Path(opts.reports_dir).expanduser() / "latest"
    latest.mkdir(parents=True, exist_ok=True)
    if opts.mode == "garbage":
        (latest / "results.json").write_text("Segmentation fault (core dumped)\n")
        return 0
    machine = sim.make_fleet(1, seed=sum(map(ord, opts.machine_id)))[0]
    machine.name = opts.machine_id
    machine.broken = [("docker.runtime.registered", "`docker info` lists runtimes runc, without nvidia")] if opts.mode == "broken" else []
    document = sim.document(machine, opts.run_id, finished=datetime.now(timezone.utc))
    (latest / "results.json").write_text(json.dumps(document))
    (latest / "report.html").write_text(f"<!DOCTYPE html><title>{opts.machine_id}</title>")
    (latest / "junit.xml").write_text("<testsuites/>")
    Path(opts.record).expanduser().write_text("{}")
    return 1 if machine.broken else 0


if __name__ == "__main__":
    sys.exit(main())
