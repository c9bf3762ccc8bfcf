"""Which judge, on which record, for Docker's and the toolkit's outputs (decide.py: the rest, and the two strengths)."""

from __future__ import annotations

from ..judges import docker as docker_judge
from ..judges import wsl as wsl_judge
from ..parsers.distro import kernel_flavour


def docker_version(version, profile, text=""):
    server = (f"server {version.server_product or 'Docker Engine'} {version.server_version}" if version.server_version
              else "no server reached")
    facts = [f"client {version.client_version or 'not shown'}, {server}"]
    said = [docker_judge.reachable(version, profile)]
    if version.server_version:  # docker.engine.community requires wsl.docker.reachable
        said.append(docker_judge.engine_community(version, profile))
    return facts, said


def docker_info(info, profile, text=""):
    facts = [f"server {info.server_version}, {info.operating_system}, runtimes: {', '.join(info.runtimes) or '-'}"]
    if info.daemon_error and not info.server_version:  # no daemon answered: what `docker version` would say
        return facts, [docker_judge.reachable(info, profile)]
    said = [docker_judge.in_distro(info), docker_judge.runtime_registered(info)]
    # The daemon's kernel is WSL 1's: the distro is. A native kernel here may be a remote daemon's: not judged.
    if info.kernel_version and kernel_flavour(info.kernel_version) == "wsl1":
        said.append(wsl_judge.version2(info.kernel_version, "wsl1"))
    return facts, said


def daemon_json(config, profile, text=""):
    facts = [f"runtimes: {', '.join(config.runtimes) or '-'}, default runtime {config.default_runtime or '-'}"]
    return facts, [docker_judge.runtime_configured(config, profile)]


def container_cli_info(info, profile, text=""):
    facts = [f"NVRM {info.nvrm_version}, CUDA {info.cuda_version}, "
             f"GPUs: {', '.join(d.model for d in info.devices) or 'none'}" if not info.error else f"error: {info.error}"]
    return facts, [docker_judge.toolkit_sees_gpu(info, profile)]


_TOOL_PACKAGE = {"nvidia-container-cli": "libnvidia-container-tools"}


def toolkit_version(version, profile, text=""):
    package = _TOOL_PACKAGE.get(version.tool, "nvidia-container-toolkit")
    facts = [f"{version.tool} {version.version}"]
    said = [docker_judge.toolkit_ctk(version, profile)] if version.tool == "nvidia-ctk" else []
    if package in profile["docker"].get("packages", {}):  # a tool's version is its package's
        said.append(docker_judge.package(package, version.version, profile))
    return facts, said


def systemctl_active(unit, profile, text=""):
    state = ("systemd is not PID 1 in this distro" if not unit.systemd_running
             else "docker.service is active" if unit.active else f"docker.service is {unit.state}")
    return [state], [wsl_judge.dockerd_unit(unit)]


def docker_journal(journal, profile, text=""):
    facts = [f"{journal.entries} journal lines" + (f", iptables {journal.iptables_backend}" if journal.iptables_backend
                                                   else "")]
    return facts, [wsl_judge.dockerd_journal(journal)]


def alternatives(group, profile, text=""):
    return [f"{group.name} -> {group.value or 'none'}"], []


def context_ls(contexts, profile, text=""):
    current = contexts.current
    return [f"current context {current.name} ({current.endpoint})"], [
        docker_judge.context_engine(current.name, current.docker_desktop)]


def context_show(name, profile, text=""):
    return [f"current context {name}"], [docker_judge.context_engine(name, name.startswith("desktop-"))]
