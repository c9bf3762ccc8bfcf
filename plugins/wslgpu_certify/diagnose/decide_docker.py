"""What Docker's and the toolkit's outputs decide on their own (decide.py for the rest, and the two strengths)."""

from __future__ import annotations

from ..parsers.distro import kernel_flavour
from .decide import CheckHit, _older


def _daemon_error(error: str):
    variant = "permission" if "permission denied" in error.lower() else None
    return CheckHit("wsl.docker.reachable", f"docker cannot reach the daemon: {error}", variant)


def _engine(product: str | None, profile):
    if not product:
        return []
    if "desktop" in product.lower():
        return [CheckHit("docker.engine.community", f"The daemon is {product}, not Docker CE inside the distro.",
                         "desktop")]
    products = profile["docker"].get("engine_products")
    if products and product not in products:
        return [CheckHit("docker.engine.community", f"The daemon is {product}, not one of {', '.join(products)}.")]
    return []


def docker_version(version, profile, text=""):
    server = (f"server {version.server_product or 'Docker Engine'} {version.server_version}" if version.server_version
              else "no server reached")
    facts = [f"client {version.client_version or 'not shown'}, {server}"]
    if version.daemon_error:
        return facts, [_daemon_error(version.daemon_error)]
    return facts, _engine(version.server_product, profile)


def docker_info(info, profile, text=""):
    facts = [f"server {info.server_version}, {info.operating_system}, runtimes: {', '.join(info.runtimes) or '-'}"]
    if info.daemon_error and not info.server_version:
        return facts, [_daemon_error(info.daemon_error)]
    hits = []
    if "docker desktop" in (info.operating_system or "").lower():
        hits.append(CheckHit("docker.engine.in_distro", f"docker talks to {info.operating_system}, not a daemon in "
                             "this distro.", "desktop"))
    if info.runtimes and "nvidia" not in info.runtimes:  # `--gpus all` needs no runtime entry: a note
        hits.append(CheckHit("docker.runtime.registered", f"The running dockerd lists the runtimes "
                             f"{', '.join(info.runtimes)}, without nvidia.", note=True))
    if info.kernel_version and kernel_flavour(info.kernel_version) == "wsl1":
        hits.append(CheckHit("wsl.version2", f"The daemon's kernel {info.kernel_version} is WSL 1, not WSL 2."))
    return facts, hits


def daemon_json(config, profile, text=""):
    facts = [f"runtimes: {', '.join(config.runtimes) or '-'}, default runtime {config.default_runtime or '-'}"]
    if "nvidia" not in config.runtimes:
        return facts, [CheckHit("docker.runtime.configured", "daemon.json registers no `nvidia` runtime.", note=True)]
    return facts, []


def container_cli_info(info, profile, text=""):
    facts = [f"NVRM {info.nvrm_version}, CUDA {info.cuda_version}, "
             f"GPUs: {', '.join(d.model for d in info.devices) or 'none'}" if not info.error else f"error: {info.error}"]
    if info.linux_driver_libraries:
        return facts, [CheckHit("wsl.driver.no_linux_driver", "The toolkit selects Linux driver libraries inside "
                                f"WSL: {', '.join(info.linux_driver_libraries[:3])}.")]
    return facts, []


_TOOL_PACKAGE = {"nvidia-container-cli": "libnvidia-container-tools"}


def toolkit_version(version, profile, text=""):
    package = _TOOL_PACKAGE.get(version.tool, "nvidia-container-toolkit")
    wanted = profile["docker"].get("packages", {}).get(package)
    facts = [f"{version.tool} {version.version}"]
    if _older(version.version, wanted):
        return facts, [CheckHit(f"docker.package.{package}", f"{version.tool} {version.version} is older than the "
                                f"profile's {wanted}.", note=True)]
    return facts, []


def systemctl_active(unit, profile, text=""):
    if not unit.systemd_running:
        return ["systemd is not PID 1 in this distro"], []
    if unit.active:
        return ["docker.service is active"], []
    return [f"docker.service is {unit.state}"], [CheckHit("wsl.dockerd.running", f"systemctl says docker is "
                                                          f"{unit.state}: no dockerd runs in the distro.")]


def docker_journal(journal, profile, text=""):
    facts = [f"{journal.entries} journal lines" + (f", iptables {journal.iptables_backend}" if journal.iptables_backend
                                                   else "")]
    if journal.last_start == "failed":
        last = next(f for f in reversed(journal.findings) if f.kind != "started")
        return facts, [CheckHit("wsl.dockerd.running", f"dockerd failed to start: {last.message[:200]}")]
    return facts, []


def alternatives(group, profile, text=""):
    return [f"{group.name} -> {group.value or 'none'}"], []


def context_ls(contexts, profile, text=""):
    current = contexts.current
    facts = [f"current context {current.name} ({current.endpoint})"]
    if current.docker_desktop:
        return facts, [CheckHit("docker.engine.in_distro", f"The current docker context {current.name} is Docker "
                                "Desktop's, not a daemon in this distro.", "desktop")]
    return facts, []


def context_show(name, profile, text=""):
    if name.startswith("desktop-"):
        return [f"current context {name}"], [CheckHit("docker.engine.in_distro", f"The current docker context "
                                                      f"{name} is Docker Desktop's.", "desktop")]
    return [f"current context {name}"], []
