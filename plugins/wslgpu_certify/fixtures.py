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
from .session import BLOCKED_BY, EVIDENCE, is_active, spec_of, state_of


@pytest.fixture(scope="session")
def machine(pytestconfig: pytest.Config) -> Machine:
    """The machine being certified (live or replayed)."""
    return state_of(pytestconfig).machine


@pytest.fixture(scope="session")
def profile(machine: Machine) -> dict:
    """The expected values (see --profile)."""
    return machine.profile


@pytest.fixture(scope="session")
def run_directory(pytestconfig) -> Path:
    """This run's report folder (shared by xdist workers): evidence files go here."""
    return state_of(pytestconfig).run_directory


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
    state = state_of(request.config)
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
