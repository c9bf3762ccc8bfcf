"""Several recorded machines in one pytest process: each check parametrized by machine, and xdist by machine.

`pytest --snapshot a.json --snapshot b.json` (or `--snapshot FOLDER`) certifies each snapshot as
its own machine, in one process: start-up and imports are paid once. Each check becomes one test
per machine (`test_kernel_version[box-17]`); the `machine` fixture is parametrized with session
scope, so every host fixture, runner and memo above it is the machine's own, and each machine's
checks run together, in the order a run of that machine alone gives them. Each machine gets its
own run folder, results.json, junit.xml and report.html (reports/machine_reports.py).

Under pytest-xdist a machine is never split between workers: `MachineScheduling` hands out whole
machines (xdist's LoadScope, with the machine as the scope), with a plain `-n N`. `--dist loadgroup`
with an `xdist_group` marker added in our pytest_collection_modifyitems groups nothing: the worker's
own hook, which turns the marker into a node id suffix, is called before ours (checked on pytest 9.0,
xdist 3.8: every machine's checks were spread over both workers).
"""

from __future__ import annotations

import pytest

from .findings import LAYERS
from .session import MACHINE_PARAM, machine_id_of, spec_of


def parametrize_by_machine(metafunc: pytest.Metafunc, machine_ids: list[str]) -> None:
    """One test per machine for a check (called from pytest_generate_tests, after the check's own parameters)."""
    if MACHINE_PARAM not in metafunc.fixturenames:
        # a check that asks for no host fixture at all still certifies one machine each time
        metafunc.fixturenames.append(MACHINE_PARAM)
    metafunc.parametrize(MACHINE_PARAM, machine_ids, indirect=True, scope="session", ids=machine_ids)


def order_by_machine(items: list[pytest.Item], machine_ids: list[str]) -> None:
    """Each machine's checks together, lower layers first: the order that machine alone would run in."""
    position = {machine_id: index for index, machine_id in enumerate(machine_ids)}

    def key(item: pytest.Item):
        spec = spec_of(item)
        machine = position.get(machine_id_of(item), len(position)) if spec is not None else len(position)
        return machine, LAYERS.index(spec.layer) if spec else len(LAYERS)
    items.sort(key=key)


def machine_of_nodeid(nodeid: str, machine_ids: list[str]) -> str | None:
    """The machine a fleet test's node id names: its last parameter (`[nvidia-docker2-box-17]` -> box-17).

    The machine parameter is added after the check's own (trylast), so it ends the id; the longest
    machine id that ends it wins, so `box-17` is not taken for a machine called `17`.
    """
    if not nodeid.endswith("]") or "[" not in nodeid:
        return None
    params = nodeid[nodeid.index("[") + 1:-1]
    matches = [m for m in machine_ids if params == m or params.endswith("-" + m)]
    return max(matches, key=len) if matches else None


def make_machine_scheduler(config: pytest.Config, log, machine_ids: list[str]):
    """xdist's LoadScope scheduling with the machine as its scope (imported only when xdist schedules)."""
    from xdist.scheduler import LoadScopeScheduling

    class MachineScheduling(LoadScopeScheduling):
        """Whole machines per worker: their checks share fixtures, memoized commands and the gate's verdicts."""

        def _split_scope(self, nodeid: str) -> str:
            return machine_of_nodeid(nodeid, machine_ids) or super()._split_scope(nodeid)

    return MachineScheduling(config, log)
