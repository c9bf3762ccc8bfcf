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

Everything a check learns from here goes through the ordinary CommandRunner machinery:
`DockerRecords` answers the commands `start <role>` / `logs <role>` of the host role
"docker" (so a start's outcome is recorded and replayed like any probe), `ContainerExec`
runs commands inside a role's container for the host role "container:<role>".

Only this module imports `docker`; under --env=replay nothing here is ever called.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable

from .decode import decode_output
from .parsers.apps import parse_jupyter_url
from .parsers.errors import UnreadableOutput
from .redact import redact
from .runner import CommandRecord

# Labels on every container this suite starts.
LABEL_RUN = "io.wslgpu-certify.run"      # the run id, shared by all xdist workers of a run
LABEL_OWNER = "io.wslgpu-certify.owner"  # "<hostname>:<pid>" of the process that removes it
LABEL_ROLES = "io.wslgpu-certify.roles"  # e.g. "tensorflow,rstudio" when roles share an image

CONTAINER_ROLES = ("tensorflow", "rstudio")
STATE_FILE = "containers.json"  # under the run directory: what was started, shared by workers
LOCK_FILE = ".containers.lock"


# ---- what to start ------------------------------------------------------------------------

@dataclass(frozen=True)
class RoleOptions:
    """The guide's `docker run` options for one role (setup-guide §4.1, §4.2)."""

    ports: tuple[str, ...]  # names in the profile's [ports] table
    as_host_user: bool  # `-u $(id -u):$(id -g)`
    password_env: bool  # `-e PASSWORD=...`
    needs_root: bool  # the image's init (s6 /init starting rstudio-server) must run as root


ROLE_OPTIONS = {
    "tensorflow": RoleOptions(ports=("jupyter",), as_host_user=True, password_env=False, needs_root=False),
    "rstudio": RoleOptions(ports=("rstudio", "jupyter"), as_host_user=False, password_env=True, needs_root=True),
}


@dataclass(frozen=True)
class ContainerPlan:
    """One container: an image and the union of the options of every role it serves."""

    image: str
    roles: tuple[str, ...]
    container_ports: tuple[int, ...]
    user: str | None  # None: the image's default user
    password: str | None  # PASSWORD given to the container (never recorded)

    @property
    def environment(self) -> dict[str, str]:
        return {"PASSWORD": self.password} if self.password else {}


def plan_containers(profile: dict, password: str, host_user: str) -> dict[str, ContainerPlan]:
    """role -> plan; roles whose profile image is the same share one plan (one container).

    A shared container must serve every role: when one role needs root (the RStudio image's
    init) the `-u` of another is dropped, because Jupyter runs as root too (`--allow-root`)
    while s6 and rstudio-server cannot start as an unprivileged user.
    """
    by_image: dict[str, list[str]] = {}
    for role in CONTAINER_ROLES:
        image = profile.get("images", {}).get(role)
        if image:
            by_image.setdefault(image, []).append(role)
    plans = {}
    for image, roles in by_image.items():
        options = [ROLE_OPTIONS[r] for r in roles]
        ports = sorted({int(profile["ports"][name]) for o in options for name in o.ports})
        wants_user = any(o.as_host_user for o in options) and not any(o.needs_root for o in options)
        plan = ContainerPlan(
            image=image,
            roles=tuple(roles),
            container_ports=tuple(ports),
            user=host_user if wants_user else None,
            password=password if any(o.password_env for o in options) else None,
        )
        plans.update({role: plan for role in roles})
    return plans


# ---- what happened: the record of a start, a command of role "docker" --------------------

@dataclass(frozen=True)
class StartRecord:
    """The outcome of starting a role's container, as recorded under `start <role>`.

    `gpu_error` is the engine's exact message when the GPU request was refused; the
    container then runs without a GPU (`gpu` false) so that non-GPU checks still run.
    """

    role: str
    image: str
    started: bool
    gpu: bool = False
    gpu_error: str | None = None
    error: str | None = None  # why no container runs at all
    container: str | None = None  # short id
    roles: tuple[str, ...] = ()  # every role this container serves
    ports: dict[str, str] = field(default_factory=dict)  # "8888/tcp" -> "127.0.0.1:49153"
    user: str | None = None
    environment: tuple[str, ...] = ()  # names only: values may be secrets

    def host_port(self, container_port: int) -> int | None:
        """The 127.0.0.1 port a container port is published on."""
        address = self.ports.get(f"{container_port}/tcp")
        return int(address.rsplit(":", 1)[1]) if address else None

    def to_text(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True) + "\n"


def parse_start_record(text: str) -> StartRecord:
    """Read the JSON written by `DockerRecords` for `start <role>`."""
    try:
        data = json.loads(text)
        data["roles"] = tuple(data.get("roles", ()))
        data["environment"] = tuple(data.get("environment", ()))
        return StartRecord(**data)
    except (json.JSONDecodeError, TypeError, AttributeError):
        raise UnreadableOutput("container start record (JSON)", text) from None


# ---- who owns a run's containers ------------------------------------------------------------

@dataclass(frozen=True)
class RunIdentity:
    """Shared by the owner (the controller, or a lone pytest) and its xdist workers."""

    run_id: str
    owner: str  # "<hostname>:<pid>": the process that removes the containers at the end
    password: str  # RStudio's PASSWORD for this run: random, only ever held in memory

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> "RunIdentity":
        return cls(**data)


def owner_of_this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _owner_is_gone(owner: str) -> bool:
    """True when the owner label names a process of this host that no longer exists."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's run (a shared daemon): not ours to judge
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, owned by someone else
    return False


class DockerUnavailable(RuntimeError):
    """No Docker Engine answers (or the SDK is missing); the message is for the user."""


def docker_client(timeout: float = 60):
    try:
        import docker
    except ImportError:
        raise DockerUnavailable("the Docker SDK for Python is not installed (pip install docker)") from None
    try:
        client = docker.from_env(timeout=int(timeout))
        client.ping()
        return client
    except Exception as exc:  # DockerException, requests' ConnectionError, a missing socket...
        raise DockerUnavailable(f"Cannot connect to the Docker daemon: {exc}") from None


def remove_run_containers(run_id: str | None = None, stale_only: bool = False) -> list[str]:
    """Remove this suite's containers of one run (or, stale_only, of runs whose owner is gone).

    Uses a fresh client so it is safe from a signal handler interrupting another call.
    """
    try:
        client = docker_client(timeout=30)
    except DockerUnavailable:
        return []
    label = f"{LABEL_RUN}={run_id}" if run_id else LABEL_RUN
    removed = []
    for container in client.containers.list(all=True, filters={"label": label}):
        if stale_only and not _owner_is_gone(container.labels.get(LABEL_OWNER, "")):
            continue
        try:
            container.remove(force=True)
            removed.append(container.short_id)
        except Exception:  # already gone (another process won the race)
            pass
    client.close()
    return removed


# ---- the manager ----------------------------------------------------------------------------

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
            missing = "no such image" in _explain(exc).lower()
            return StartRecord(**base, started=False,
                               error=f"No such image: {plan.image}" if missing else _explain(exc))
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
            raise _StartFailed(_explain(exc)) from None
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
            raise DockerUnavailable(f"the {role} container {record.container} is gone: {_explain(exc)}") from None

    def remove_all(self) -> list[str]:
        return remove_run_containers(self.identity.run_id)


class _StartFailed(Exception):
    def __init__(self, message: str):
        self.message = message


def _explain(exc: Exception) -> str:
    """The engine's own words (APIError.explanation), without the SDK's URL decoration."""
    return str(getattr(exc, "explanation", None) or exc).strip()


def _remove_quietly(container) -> None:
    if container is None:
        return
    try:
        container.remove(force=True)
    except Exception:
        pass


# ---- readiness -------------------------------------------------------------------------------

def jupyter_ready(log: str) -> bool:
    """Jupyter printed its token URL: the server listens (both guide images run Jupyter)."""
    return parse_jupyter_url(log) is not None


def follow_logs(container, ready: Callable[[str], bool], timeout: float) -> tuple[bool, str]:
    """Read the container's log as it is written until `ready(log)`, the container exits, or the deadline."""
    stream = container.logs(stream=True, follow=True, stdout=True, stderr=True)
    chunks: list[str] = []
    found, finished = threading.Event(), threading.Event()

    def pump():
        try:
            for chunk in stream:
                chunks.append(chunk.decode("utf-8", errors="replace"))
                if ready("".join(chunks)):
                    found.set()
                    return
        except Exception:  # the stream was closed under us at the deadline
            pass
        finally:
            finished.set()

    threading.Thread(target=pump, daemon=True, name="wslgpu-follow-logs").start()
    finished.wait(timeout)
    stream.close()
    return found.is_set(), "".join(chunks)


# ---- executors ---------------------------------------------------------------------------------

class DockerRecords:
    """Executor for host role "docker": `start <role>` and `logs <role>` as recorded commands."""

    def __init__(self, manager: ContainerManager, on_secret: Callable[[str], None] = redact.add_secret):
        self.manager = manager
        self.on_secret = on_secret

    def __call__(self, command: str, timeout: float) -> CommandRecord:
        started = time.monotonic()
        verb, _, role = command.partition(" ")
        if verb == "start":
            record = self.manager.start(role)
            result = (0 if record.started else 1, record.to_text(), record.error or "")
        elif verb == "logs":
            result = self._logs(role, timeout)
        else:
            result = (2, "", f"unknown docker record command: {command}")
        return CommandRecord(command, result[0], result[1], result[2], round(time.monotonic() - started, 3))

    def _logs(self, role: str, timeout: float) -> tuple[int, str, str]:
        """The container log once Jupyter printed its token URL (exit 1 when it never did)."""
        try:
            container = self.manager.container(role)
        except DockerUnavailable as exc:
            return 1, "", str(exc)
        deadline = min(timeout, self.manager.ready_timeout)
        ready, log = follow_logs(container, jupyter_ready, deadline)
        url = parse_jupyter_url(log)
        if url:
            self.on_secret(url.token)  # before the log reaches any evidence or recording
        if ready:
            return 0, log, ""
        container.reload()
        return 1, log, (f"no Jupyter URL in the container log within {deadline:g} s "
                        f"(container {container.status}, exit code {container.attrs['State'].get('ExitCode')})")


class ContainerExec:
    """Executor for host role "container:<role>": `/bin/sh -c CMD` inside the role's container.

    `exec_run` has no timeout, so the command runs under coreutils `timeout` inside the
    container (which kills it there) and the call itself in a thread with a deadline
    (in case the engine stops answering).
    """

    GRACE = 15  # seconds after `timeout` should have killed the command

    def __init__(self, manager: ContainerManager, role: str):
        self.manager = manager
        self.role = role

    def __call__(self, command: str, timeout: float) -> CommandRecord:
        started = time.monotonic()
        try:
            container = self.manager.container(self.role)
        except DockerUnavailable as exc:
            return CommandRecord(command, 125, "", str(exc), 0.0)
        argv = ["timeout", "-k", "5", str(int(timeout)), "/bin/sh", "-c", command]
        outcome: dict = {}

        def run():
            try:
                outcome["result"] = container.exec_run(argv, demux=True)
            except Exception as exc:  # the container died, the engine went away
                outcome["error"] = _explain(exc)

        worker = threading.Thread(target=run, daemon=True, name=f"wslgpu-exec-{self.role}")
        worker.start()
        worker.join(timeout + self.GRACE)
        duration = round(time.monotonic() - started, 3)
        if worker.is_alive():
            return CommandRecord(command, None, "", "", duration, timed_out=True)
        if "error" in outcome:
            return CommandRecord(command, 126, "", f"docker exec failed: {outcome['error']}", duration)
        exit_code, (out, err) = outcome["result"]
        # timeout(1) exits 124 (TERM) or 137 (KILL after -k) when it had to stop the command
        timed_out = exit_code in (124, 137) and duration >= timeout
        return CommandRecord(command, None if timed_out else exit_code, decode_output(out), decode_output(err), duration,
                             timed_out=timed_out)
