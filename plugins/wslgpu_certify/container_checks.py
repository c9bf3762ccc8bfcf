"""Check logic the container layers share: a role's container started, its GPU request, Jupyter's URL.

The jupyter layer asks these about the `tensorflow` role, the rstudio layer about the
`rstudio` role; each layer's check module stays a few lines per check id.
"""

from __future__ import annotations

from dataclasses import replace

from .evidence import publish
from .findings import CheckFailed
from .parsers.apps import JupyterServerUrl, jupyter_token_name, parse_jupyter_url
from .parsers.containers import StartRecord
from .parsers.docker import classify_docker_error
from .probes import containers
from .probes.probe import read, run
from .redact import redact


def start_record(docker_host, role: str) -> StartRecord:
    """The recorded start of the role's container (the first read of a run starts it)."""
    return read(docker_host, containers.START, role=role)


def check_started(docker_host, role: str) -> StartRecord:
    record = start_record(docker_host, role)
    if not record.started:
        raise CheckFailed(f"the {role} container ({record.image or 'no image'}) did not start: {record.error}",
                          variant=classify_docker_error(record.error or ""))
    publish("container", f"{record.container} {record.image} (roles: {', '.join(record.roles)}; user: {record.user})")
    publish("ports", ", ".join(f"{port} -> {address}" for port, address in sorted(record.ports.items())))
    # Said on the started check too: the non-GPU checks below it ran in a container without a GPU.
    publish("gpu_request", "requested and granted" if record.gpu else f"NONE: started without the GPU request, "
                                                               f"which the engine refused: {record.gpu_error}")
    return record


def check_gpu_granted(docker_host, role: str) -> None:
    record = start_record(docker_host, role)
    if record.gpu_error:
        raise CheckFailed(
            f"the engine refused the GPU request for the {role} container ({record.image}): {record.gpu_error} "
            f"-- the container was started without a GPU; checks that need one are blocked",
            variant=classify_docker_error(record.gpu_error))


def jupyter_url(docker_host, role: str) -> JupyterServerUrl:
    """Jupyter's URL and token from the container log, once the server printed it (readiness)."""
    record = run(docker_host, containers.LOGS.format(role=role))
    url = parse_jupyter_url(record.stdout)
    if url is None:
        detail = record.stderr.strip() or "the log holds no http://...?token=... line"
        raise CheckFailed(f"Jupyter in the {role} container never printed its token URL: {detail}")
    # The log arrived redacted (hosts/runner.py): live, the executor that read it learnt the real token
    # under this name; replayed, nothing was learnt and `<REDACTED>` is what the recorded commands hold.
    token = redact.learnt(jupyter_token_name(role))
    return replace(url, token=token) if token else url


def published_port(record: StartRecord, container_port: int) -> int:
    port = record.host_port(container_port)
    if port is None:
        raise CheckFailed(f"container port {container_port} of the {record.role} container is not published "
                          f"(ports: {record.ports or 'none'})")
    return port
