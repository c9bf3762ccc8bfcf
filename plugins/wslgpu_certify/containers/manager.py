"""The guide's long-running containers, started once per run and reused by every check.

The guide starts two images by hand (setup-guide §4.1, §4.2):

    docker run -u $(id -u):$(id -g) -it --gpus all -p 8888:8888 <tensorflow image>
    docker run -it --gpus all -e PASSWORD=... -p 8787:8787 -p 8888:8888 <rstudio image>

`ContainerManager` does the same through the Docker SDK, with three differences that make
it safe to run unattended: ports are published on free 127.0.0.1 ports (never the fixed
8888/8787 a user's own Jupyter may hold), every container carries labels naming the run
and its owning process (so any leftover can be found and removed), and a GPU request the
engine refuses is recorded and the container started again without it, so the checks that
need no GPU still run.

Everything a check learns from here goes through the ordinary CommandRunner machinery
(containers/executors.py): `DockerRecords` answers the commands `start <role>` / `logs <role>`
of the host role "docker" (so a start's outcome is recorded and replayed like any probe),
`ContainerExec` runs commands inside a role's container for the host role "container:<role>".

Only this package imports `docker`; under --env=replay nothing here is ever called.
"""

from __future__ import annotations

import fcntl
import json
import threading
from contextlib import contextmanager
from dataclasses import asdict, replace
from pathlib import Path

from ..parsers.containers import StartRecord, parse_start_record
from .engine import (
    LABEL_OWNER,
    LABEL_ROLES,
    LABEL_RUN,
    DockerUnavailable,
    RunIdentity,
    docker_client,
    explain_engine_error,
    remove_run_containers,
)
from .plans import ContainerPlan

STATE_FILE = "containers.json"  # under the run directory: what was started, shared by workers
LOCK_FILE = ".containers.lock"


class ContainerManager:
    """Starts each image at most once per run, across xdist workers, and execs into it.

    The run directory holds `containers.json` (image -> StartRecord) guarded by an fcntl
    lock: the first process to need an image starts it, the others read the record.
    """

    def __init__(self, run_directory: Path, identity: RunIdentity, plans: dict[str, ContainerPlan],
                 ready_timeout: float):
        self.run_directory = Path(run_directory)
        self.identity = identity
        self.plans = plans
        self.ready_timeout = ready_timeout
        self._client = None
        self._records: dict[str, StartRecord] = {}  # image -> record, once known to this process
        self._lock = threading.Lock()  # one start at a time within this process too

    # -- shared state
    @contextmanager
    def _locked_state(self):
        self.run_directory.mkdir(parents=True, exist_ok=True)
        with open(self.run_directory / LOCK_FILE, "a+") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            path = self.run_directory / STATE_FILE
            state = json.loads(path.read_text()) if path.exists() else {"run": self.identity.run_id, "images": {}}
            yield state
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n")
            tmp.replace(path)

    def client(self):
        if self._client is None:
            self._client = docker_client()
        return self._client

    # -- start
    def start(self, role: str) -> StartRecord:
        """The role's container, started now unless this run (any worker) already did."""
        plan = self.plans.get(role)
        if plan is None:
            return StartRecord(role=role, image="", started=False, error=f"the profile names no image for {role}")
        with self._lock:
            if plan.image not in self._records:
                with self._locked_state() as state:
                    known = state["images"].get(plan.image)
                    if known is None:
                        if not state.get("swept"):
                            remove_run_containers(stale_only=True)  # what crashed runs left behind
                            state["swept"] = True
                        record = self._start(plan)
                        state["images"][plan.image] = asdict(record)
                    else:
                        record = parse_start_record(json.dumps(known))
                self._records[plan.image] = record
            record = self._records[plan.image]
        return replace(record, role=role)

    def _start(self, plan: ContainerPlan) -> StartRecord:
        base = dict(role=plan.roles[0], image=plan.image, roles=plan.roles, user=plan.user or "image default",
                    environment=tuple(plan.environment))
        try:
            client = self.client()
            client.images.get(plan.image)
        except DockerUnavailable as exc:
            return StartRecord(**base, started=False, error=str(exc))
        except Exception as exc:  # docker.errors.ImageNotFound, or an image store that cannot be read
            missing = "no such image" in explain_engine_error(exc).lower()
            return StartRecord(**base, started=False,
                               error=f"No such image: {plan.image}" if missing else explain_engine_error(exc))
        try:
            container = self._create_and_start(plan, gpu=True)
            gpu_error = None
        except _StartFailed as exc:
            gpu_error = exc.message
            try:
                container = self._create_and_start(plan, gpu=False)
            except _StartFailed as again:
                return StartRecord(**base, started=False, gpu_error=gpu_error, error=again.message)
        container.reload()
        ports = {
            port: f"{bindings[0]['HostIp']}:{bindings[0]['HostPort']}"
            for port, bindings in (container.attrs["NetworkSettings"]["Ports"] or {}).items() if bindings
        }
        return StartRecord(**base, started=True, gpu=gpu_error is None, gpu_error=gpu_error,
                           container=container.short_id, ports=ports)

    def _create_and_start(self, plan: ContainerPlan, gpu: bool):
        """create + start, so that a start the engine refuses leaves no `Created` container behind."""
        import docker

        client = self.client()
        container = None
        try:
            container = client.containers.create(
                plan.image,
                detach=True,
                user=plan.user,
                environment=plan.environment,
                ports={f"{p}/tcp": ("127.0.0.1", None) for p in plan.container_ports},  # free ports
                labels={LABEL_RUN: self.identity.run_id, LABEL_OWNER: self.identity.owner,
                        LABEL_ROLES: ",".join(plan.roles)},
                device_requests=[docker.types.DeviceRequest(count=-1, capabilities=[["gpu"]])] if gpu else None,
            )
            container.start()
            return container
        except docker.errors.APIError as exc:
            _remove_quietly(container)
            raise _StartFailed(explain_engine_error(exc)) from None
        except BaseException:  # Ctrl-C mid-start: never leave half a container
            _remove_quietly(container)
            raise

    def container(self, role: str):
        """The running container of a role (starting it if needed), or raise DockerUnavailable."""
        record = self.start(role)
        if not record.started:
            raise DockerUnavailable(f"the {role} container did not start: {record.error}")
        try:
            return self.client().containers.get(record.container)
        except Exception as exc:
            raise DockerUnavailable(f"the {role} container {record.container} is gone: {explain_engine_error(exc)}") from None

    def remove_all(self) -> list[str]:
        return remove_run_containers(self.identity.run_id)


class _StartFailed(Exception):
    def __init__(self, message: str):
        self.message = message


def _remove_quietly(container) -> None:
    if container is None:
        return
    try:
        container.remove(force=True)
    except Exception:
        pass
