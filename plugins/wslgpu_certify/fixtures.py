"""The fixtures a check asks for: the machine, its profile, the hosts, the run folder; and the gating.

Registered by plugin.py (`pytest_plugins`); the container fixtures live in containers/fixtures.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .applicability import not_applicable
from .evidence import EvidenceBuffer, collecting
from .gate import Verdict
from .hosts.machine import NOT_WSL_REASON, Machine
from .hosts.testinfra_backend import make_host
from .session import BLOCKED_BY, EVIDENCE, is_active, run_of, runs_of, spec_of


@pytest.fixture(scope="session")
def machine(request: pytest.FixtureRequest, pytestconfig: pytest.Config) -> Machine:
    """The machine being certified (live or replayed); in a run of several snapshots, the test's machine
    parameter (many_machines.py), so every fixture above this one is that machine's own."""
    runs = runs_of(pytestconfig)
    return runs.by_id[request.param].machine if runs.fleet else runs.only.machine


@pytest.fixture(scope="session")
def profile(machine: Machine) -> dict:
    """The expected values (see --profile)."""
    return machine.profile


@pytest.fixture(scope="session")
def run_directory(pytestconfig, machine: Machine) -> Path:
    """This machine's run folder (shared by xdist workers): evidence files go here."""
    return runs_of(pytestconfig).by_id[machine.machine_id].run_directory


@pytest.fixture(scope="session")
def windows_host(machine: Machine):
    """The Windows host as a testinfra Host (through WSL interop, or natively)."""
    runner = machine.runner("windows")
    if runner is None:  # only a machine that is not WSL has no Windows host (hosts/machine.py, ROLES)
        not_applicable(f"{NOT_WSL_REASON}: the Windows host is reached with --env=wsl or --env=windows")
    return make_host(runner)


@pytest.fixture(scope="session")
def wsl_host(machine: Machine):
    """The Linux distro (the WSL distro, or this Linux box under --env=linux) as a testinfra Host."""
    runner = machine.runner("wsl")
    if runner is None:
        pytest.skip("no distro host in this snapshot")
    return make_host(runner)


@pytest.fixture(autouse=True)
def _certify_check(request: pytest.FixtureRequest):
    """Before a check: skip it when it does not apply or a requirement failed; then collect its evidence."""
    spec = spec_of(request.node)
    if spec is None:
        yield
        return
    if not is_active(request.config):
        pytest.skip("wslgpu-certify is not active in this run: pass --env (or run the suite's checks/) to certify")
    state = run_of(request.node)
    reason = state.not_applicable(spec)
    if reason:
        state.gate.note(spec.id, Verdict("not_applicable", reason))
        not_applicable(reason)
    blocked = state.gate.blocker(spec, request)
    if blocked:
        state.gate.note(spec.id, blocked)  # keeps the root cause for the checks above this one
        request.node.stash[BLOCKED_BY] = (blocked.root, blocked.root_failed)
        pytest.skip(blocked.message)
    buffer = request.node.stash[EVIDENCE] = EvidenceBuffer()
    with collecting(buffer):
        yield
