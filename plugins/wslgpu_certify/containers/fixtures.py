"""The pytest side of the containers: one run identity, xdist sharing, cleanup, host fixtures.

A plugin module of its own (plugin.py lists it in `pytest_plugins`): its fixtures, and one
hook, `pytest_sessionstart`, which registers `ContainerLifecycle` in the process that owns
the run's containers (the xdist controller, or a lone pytest).

Who removes what:
  * the owner removes every container labelled with the run id at session finish, at
    exit, and from its SIGINT/SIGTERM handlers (then re-raises KeyboardInterrupt / exits);
  * a start the engine refuses removes its own `Created` container (manager.py);
  * the first start of a run removes containers whose owner process is gone (crashed runs).
Workers never remove: another worker may still be using the container.
"""

from __future__ import annotations

import atexit
import os
import secrets
import signal
import threading
import uuid
from pathlib import Path

import pytest

from ..findings import LAYERS
from ..hosts.testinfra_backend import make_host, runner_of
from ..redact import redact
from ..session import is_active, run_of, runs_of, spec_of
from .engine import RunIdentity, owner_of_this_process, remove_run_containers
from .executors import ContainerExec, DockerRecords
from .manager import LOCK_FILE, ContainerManager
from .plans import plan_containers

IDENTITY = pytest.StashKey[RunIdentity]()
WORKERINPUT_KEY = "wslgpu_containers"
DEFAULT_READY_TIMEOUT = 120.0  # seconds for Jupyter to print its token URL
DEFAULT_PARALLEL_STEPS = 4  # slow steps of one container run at once (see prefetch_slow_steps)
PREFETCHED = pytest.StashKey[bool]()
CONTAINER_LAYERS = ("jupyter", "rstudio", "rpy2")


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """Give the run its identity; in the owner, register the lifecycle (before xdist spawns workers)."""
    config = session.config
    if not is_active(config):  # not a certification run: nothing of ours to start or clean
        return
    worker_input = getattr(config, "workerinput", None)
    if worker_input is not None and WORKERINPUT_KEY in worker_input:
        identity = RunIdentity.from_json(worker_input[WORKERINPUT_KEY])
    else:
        identity = RunIdentity(uuid.uuid4().hex[:12], owner_of_this_process(), secrets.token_urlsafe(12))
        runs = runs_of(config)
        if worker_input is None and not runs.fleet and not runs.only.machine.replay:  # several: all replays
            config.pluginmanager.register(ContainerLifecycle(runs.only.run_directory, identity), "wslgpu-containers")
    redact.add_secret(identity.password)
    config.stash[IDENTITY] = identity


class ContainerLifecycle:
    """Owner-only: hands the identity to xdist workers and removes the run's containers on every exit path."""

    def __init__(self, run_directory: Path, identity: RunIdentity):
        self.run_directory = run_directory
        self.identity = identity
        self._cleaning = False
        self._previous: dict[int, object] = {}
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._on_signal)
        atexit.register(self.cleanup)

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node) -> None:
        node.workerinput[WORKERINPUT_KEY] = self.identity.to_json()

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session) -> None:
        self.cleanup()

    def pytest_unconfigure(self, config) -> None:
        self.cleanup()
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        self._previous.clear()
        atexit.unregister(self.cleanup)

    def cleanup(self) -> list[str]:
        """Remove every container of this run; touches Docker only if some process tried a start."""
        if self.run_directory is None or not (self.run_directory / LOCK_FILE).exists():
            return []
        return remove_run_containers(self.identity.run_id)

    def _on_signal(self, signum, frame) -> None:
        if self._cleaning:  # a second Ctrl-C while removing: stop at once
            raise KeyboardInterrupt
        self._cleaning = True
        try:
            self.cleanup()
        finally:
            self._cleaning = False
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        pytest.exit(f"terminated by signal {signal.Signals(signum).name}", returncode=128 + signum)


# ---- fixtures ---------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def container_manager(machine, pytestconfig, run_directory) -> ContainerManager | None:
    """Starts the profile's images on demand (None under replay, or from Windows where no dockerd is local)."""
    if machine.replay or machine.env == "windows":
        return None
    settings = machine.profile.get("containers", {})
    identity = pytestconfig.stash[IDENTITY]
    plans = plan_containers(machine.profile, identity.password, f"{os.getuid()}:{os.getgid()}")
    return ContainerManager(run_directory, identity, plans,
                            float(settings.get("ready_timeout", DEFAULT_READY_TIMEOUT)))


NO_DOCKER_ROLE = ("no container records here: containers are driven from the distro "
                  "(--env=wsl or --env=linux), or replayed from a snapshot that holds the role {role!r}")


def _runner(machine, role: str, executor):
    runner = machine.runner(role, executor)
    if runner is None:
        pytest.skip(NO_DOCKER_ROLE.format(role=role))
    return runner


@pytest.fixture(scope="session")
def docker_host(machine, container_manager):
    """Host role "docker": `start <role>` / `logs <role>` records of the suite's containers."""
    return make_host(_runner(machine, "docker", container_manager and DockerRecords(container_manager)))


def _container_host(machine, manager, role: str):
    # Commands in the guide's containers outlast a shell probe: their timeout is the ROLES table's (hosts/machine.py).
    return make_host(_runner(machine, f"container:{role}", manager and ContainerExec(manager, role)))


@pytest.fixture
def _prefetch_slow_container_steps(request):
    """Once per run, as the first container-layer check is set up: start the slow steps in the background.

    Asked for by the container layers' check modules (`pytestmark`, usefixtures), not autouse: a function-scoped
    fixture that takes `request` costs every check that sets it up, and only these need it
    (tests/checks/test_prefetch_marks.py keeps the modules and CONTAINER_LAYERS alike).

    Only where this run starts containers (a container manager: live, from the distro), not under
    xdist (each worker would start every step; the workers are the parallelism there), and after
    the gpu layer so nothing competes with the nbody benchmark.
    """
    if hasattr(request.config, "workerinput") or PREFETCHED in request.session.stash:
        return
    spec = spec_of(request.node)
    if spec is None or not is_active(request.config) or LAYERS.index(spec.layer) < LAYERS.index(CONTAINER_LAYERS[0]):
        return
    request.session.stash[PREFETCHED] = True
    if request.getfixturevalue("container_manager") is None:
        return
    machine = request.getfixturevalue("machine")
    parallel = int(machine.profile.get("containers", {}).get("parallel_steps", DEFAULT_PARALLEL_STEPS))
    if parallel > 0:
        prefetch_slow_steps(request, parallel)


def prefetch_slow_steps(request, parallel: int) -> None:
    """Start the slow probes (`@prefetch`, probes/probe.py) of every selected check its requirements do not block.

    The requirements are decided now by the gate, evaluated on the spot where they have not run
    (they are quick: container starts, settings), except other slow checks, which are looked
    through to their own requirements: so a container refused the GPU prefetches no GPU step,
    and the slow steps that do run start together.
    """
    marked = [(item, spec_of(item), item.get_closest_marker("prefetch")) for item in request.session.items]
    marked = [(spec, marker) for item, spec, marker in marked if spec is not None and marker is not None]
    slow = {spec.id for spec, _ in marked}
    gate = run_of(request.node).gate
    for spec, marker in marked:
        if gate.blocked_unless_slow(spec, request, slow):
            continue
        try:
            host = request.getfixturevalue(marker.args[0])
        except pytest.skip.Exception:
            continue
        runner_of(host).prefetch({probe.command: probe.label for probe in marker.args[1]}, parallel)


@pytest.fixture(scope="session")
def tensorflow_container(machine, container_manager):
    """Inside the TensorFlow-Jupyter container (setup-guide §4.1), through `docker exec`."""
    return _container_host(machine, container_manager, "tensorflow")


@pytest.fixture(scope="session")
def rstudio_container(machine, container_manager):
    """Inside the RStudio container (setup-guide §4.2, §4.3), through `docker exec`."""
    return _container_host(machine, container_manager, "rstudio")
