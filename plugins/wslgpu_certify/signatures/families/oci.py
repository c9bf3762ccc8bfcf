"""The OCI runtime / prestart hook chain `docker run` prints: the innermost reason decides.

    docker: Error response from daemon: failed to create task for container: failed to create shim task:
    OCI runtime create failed: runc create failed: unable to start container process: error during container
    init: error running hook #0: error running hook: exit status 1, stdout: , stderr: nvidia-container-cli:
    initialization error: WSL environment detected but no adapters were found: unknown.

Each wrapper only says which layer passed the error up; the words after the last one are the cause.
They are read with REASONS, else with the CUDA/NVML and library families, else said as they are.
Source: https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/troubleshooting.html
"""

from __future__ import annotations

import re
from dataclasses import replace

from ..catalog import Step
from ..matcher import Match
from .cuda import decode as decode_cuda
from .libraries import decode as decode_libraries
from .tables import hit, lines_with
from ...lazy_regex import regex

TOOLKIT = "https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/install-guide.html"
CDI = "https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/cdi-support.html"
# the wrappers, outermost first: the text after the last one present is the innermost reason
WRAPPERS = ("Error response from daemon:", "failed to create shim task:", "OCI runtime create failed:",
            "error during container init:", "error running hook", "stderr:", "nvidia-container-cli:",
            "initialization error:")
_CHAIN = regex(r"^[^\n]{0,4000}?(?:OCI runtime create failed|error running (?:prestart )?hook|"
               r"nvidia-container-cli:|unresolvable CDI devices|could not select device driver)[^\n]{0,4000}$",
               re.M | re.I)
_CONFIGURE = (Step(run="sudo apt-get install -y nvidia-container-toolkit", shell="bash"),
              Step(run="sudo nvidia-ctk runtime configure --runtime=docker", shell="bash"),
              Step(run="sudo service docker restart", shell="bash"))
# the same under the guide (build 20201, toolkit 1.3: no nvidia-ctk): nvidia-docker2 writes the runtime, dockerd restarted
# as the guide starts it (profile.fix_lineage picks it; Signature.fix_for)
_GUIDE_CONFIGURE = (Step(run="sudo apt-get update && sudo apt-get install -y nvidia-docker2", shell="bash"),
                    Step(run="sudo pkill -x dockerd; while pgrep -x dockerd > /dev/null; do sleep 1; done; "
                             "sudo dockerd > /dev/null 2>&1 &", shell="bash"))
# under Docker Desktop its engine holds the NVIDIA runtime: nothing to install in the distro
_DESKTOP_GPU = (Step(say="Docker Desktop hands --gpus to the NVIDIA runtime it ships: use its WSL 2 based engine "
                         "(Settings > General), update it and the NVIDIA Windows driver, then restart WSL"),
                Step(run="winget upgrade -e --id Docker.DockerDesktop", shell="powershell"),
                Step(run="wsl --shutdown", shell="powershell"))
PROFILE_FIXES = {_CONFIGURE: (("documented", _GUIDE_CONFIGURE), ("current", _CONFIGURE),
                              ("current-desktop", _DESKTOP_GPU))}
# innermost words -> (code, layer, cause, fix, source)
REASONS = (
    (regex(r"no adapters were found", re.I), "no-adapters", "gpu",
     "WSL shows the toolkit no usable NVIDIA GPU adapter (libnvidia-container's dxcore.c keeps only WDDM 2.8+ adapters "
     "whose driver store holds NVIDIA's libraries): the machine has no NVIDIA GPU (an integrated or other-vendor GPU, a "
     "VM without GPU partitioning), the Windows NVIDIA driver is missing or too old for WSL, the GPU is in TCC mode, or "
     "dockerd runs in a WSL 1 distro (no /dev/dxg).",
     (Step(run="nvidia-smi.exe", shell="powershell"), Step(run="ls -l /dev/dxg", shell="bash"),
      Step(say="No NVIDIA GPU listed by nvidia-smi.exe: this machine cannot run GPU containers; remove the GPU request "
               "(--gpus, or the compose file's deploy.resources.reservations.devices, or a devcontainer's --gpus) "
               "from the container's configuration."),
      Step(say="A GPU listed: install the current NVIDIA Windows driver, check it runs under WDDM (not TCC), convert a "
               "WSL 1 distro to WSL 2 (wsl --set-version {distro} 2), then run wsl --shutdown.")),
     "https://github.com/NVIDIA/libnvidia-container/blob/main/src/dxcore.c"),
    (regex(r"unresolvable CDI devices", re.I), "unresolvable-cdi", "docker",
     "The container asks for CDI devices (nvidia.com/gpu=...) that no CDI spec on this machine defines.",
     (Step(run="sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml", shell="bash"),
      Step(run="nvidia-ctk cdi list", shell="bash")), CDI),
    (regex(r'could not select device driver[^\n]{0,40}capabilities: \[\[gpu\]\]', re.I), "no-gpu-driver", "docker",
     "dockerd has no GPU device driver: the NVIDIA Container Toolkit is not installed or not configured for this "
     "dockerd.", _CONFIGURE, TOOLKIT),
    (regex(r"requirement error: unsatisfied condition: cuda\s*>=?\s*[\d.]+", re.I), "cuda-requirement", "gpu",
     "The image's NVIDIA_REQUIRE_CUDA asks for a newer CUDA than the toolkit believes the driver supports: the Windows "
     "driver is too old for the image, or (WSL, older libnvidia-container) the toolkit misread the driver's CUDA version.",
     (Step(run="/usr/lib/wsl/lib/nvidia-smi", shell="bash"),
      Step(say="Its 'CUDA Version' below the image's requirement: install the current NVIDIA Windows driver, or use an "
               "image built for the CUDA version it shows."),
      Step(run="sudo apt-get update && sudo apt-get install -y --only-upgrade nvidia-container-toolkit "
               "libnvidia-container1 libnvidia-container-tools", shell="bash"),
      Step(say="Its 'CUDA Version' already at or above the requirement: the toolkit misread it; update the toolkit "
               "(above), or as a stop-gap start the container with -e NVIDIA_DISABLE_REQUIRE=1, which skips the check.")),
     "https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/docker-specialized.html"),
    (regex(r'exec: "?nvidia-container-runtime-hook"?: executable file not found', re.I), "hook-missing", "docker",
     "dockerd is configured for the NVIDIA runtime but the toolkit's hook is not installed (or not on PATH).",
     _CONFIGURE, TOOLKIT),
    (regex(r"driver error: failed to process request", re.I), "driver-request-failed", "gpu",
     "The toolkit's request to the driver failed: on WSL the NVIDIA Windows driver, the Windows build and the "
     "container stack did not work together (a Windows build or driver without WSL GPU support, or a Docker Desktop "
     "release that broke the GPU: 3.3.3 did).",
     (Step(run="/usr/lib/wsl/lib/nvidia-smi", shell="bash"),
      Step(say="Run a Windows build with WSL GPU support (Windows 11, or Windows 10 21H2 build 19044 and later; in 2020 "
               "only Insider builds 20145+) and the current NVIDIA Windows driver; update Docker Desktop (or move off "
               "the release that broke it); then run wsl --shutdown and retry.")),
     "https://github.com/docker/for-win/issues/11309"),
    (regex(r"driver rpc error|timed out", re.I), "driver-rpc", "gpu",
     "nvidia-container-cli timed out talking to the driver: the GPU or its driver did not answer.",
     (Step(run="wsl.exe --shutdown", shell="powershell"), Step(say="Then retry; if it persists, update the NVIDIA Windows driver.")),
     "https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/troubleshooting.html"),
    (regex(r'exec: "?[^"\s]{1,100}"?: executable file not found in \$PATH', re.I), "program-not-in-image", "docker",
     "The container started but the program it was asked to run is not in the image. For nvidia-smi that means the "
     "driver's tools were not mounted into it: run it with --gpus all (a driver and toolkit recent enough to mount "
     "nvidia-smi on WSL), or use a program the image has.",
     (Step(say="Check the command's spelling and that the image has it (docker run --rm IMAGE which PROGRAM)."),),
     "https://docs.docker.com/reference/cli/docker/container/run/"),
)


# libnvidia-container's nvc_mount.c: the file it would mount a driver library or binary over is already there
_FILE_EXISTS = regex(r"file creation failed: (\S{1,400}?): file exists", re.I)
_OVERLAY = regex(r"^\S*?/(?:merged|rootfs)(?=/)")  # the container's root as dockerd / containerd name it


_NOT_RUN = regex(r"nvidia-container-cli: (?:command )?not found|command not found: nvidia-container-cli", re.I)


def file_exists(line: str, text: str, chain: re.Match) -> Match | None:
    """`mount error: file creation failed: <rootfs>/usr/lib/x86_64-linux-gnu/libcuda.so.1: file exists`: the image
    already holds the file the toolkit mounts from the driver; the fix names that file inside the image."""
    found = _FILE_EXISTS.search(line)
    if not found:
        return None
    inside = _OVERLAY.sub("", found[1]) or found[1]
    name = inside.rsplit("/", 1)[-1]
    return hit("oci", "file-exists", "docker",
               f"docker run failed setting up the container: the image already has {inside}, which the NVIDIA "
               f"Container Toolkit mounts from the driver ({name} belongs to the driver, never to an image: on WSL "
               "it comes from the Windows driver through /usr/lib/wsl/lib). The image was built with driver "
               "libraries in it (a Linux driver package, or files copied from a host).",
               "the image's Dockerfile, then the distro",
               (Step(say=f"Delete {inside} (and any other NVIDIA driver library the image ships, libcuda.so.* / "
                         f"libnvidia-*.so.*) in the image's Dockerfile, e.g. a derived image with `RUN rm -f {inside}`, "
                         "and rebuild; "
                         "or build it from an nvidia/cuda base, which ships none."),
                Step(run="docker run --rm --gpus all IMAGE ls -l " + inside.rsplit("/", 1)[0], shell="bash")),
               "https://github.com/NVIDIA/libnvidia-container/blob/main/src/nvc_mount.c", "high", text, chain)


def unwrap(text: str) -> str:
    """A chain hard-wrapped at a fixed width (a terminal or a forum cut every line at the same column, mid-word):
    the run of lines of about one length (60+ characters, within 4: a forum counts a curly quote's bytes; two at
    least, plus the shorter last one) joined back into one line when it holds the chain's words, so the chain is
    read whole. Tables (lines starting `|`, `+`) stay."""
    lines, out, at = text.split("\n"), [], 0
    while at < len(lines):
        width, end = len(lines[at]), at
        while (end + 1 < len(lines) and width >= 60 and abs(len(lines[end]) - width) <= 4 and lines[end + 1]
               and lines[at][:1] not in "|+"):
            end += 1
        joined = "".join(lines[at:end + 1])
        if end - at >= 2 and _CHAIN.search(joined):  # three lines at least: one long line and a short one is no wrap
            out.append(joined)
        else:
            out.extend(lines[at:end + 1])
        at = end + 1
    return "\n".join(out)


def innermost(line: str) -> str:
    """The words after the last wrapper of the chain, without the runtime's trailing ': unknown'."""
    line = re.sub(r"\\+n", " ", re.sub(r'\\+"', '"', line))  # a chain quoted in Go errors: \\\" and \\n
    lowered, cut = line.lower(), 0
    for wrapper in WRAPPERS:
        at = lowered.rfind(wrapper.lower())
        if at != -1:
            cut = max(cut, at + len(wrapper))
    reason = line[cut:].strip().lstrip("#0123456789: ").strip()
    return re.sub(r"""(?:[\\"'\s.]|:\s*unknown)+$""", "", reason)  # escaped quotes of nested errors, ': unknown.'



def decode(text: str) -> list[Match]:
    out: dict[str, Match] = {}
    words = ("oci runtime", "hook", "nvidia-container-cli", "cdi devices", "device driver")
    if any(word in text.lower() for word in words):  # a chain cut into lines at a fixed width: joined first
        text = unwrap(text)
    text = lines_with(text, words)
    for chain in _CHAIN.finditer(text):
        if _NOT_RUN.search(chain.group(0)):  # the shell found no such program: no hook ran (messages.py says it)
            continue
        exists = file_exists(chain.group(0), text, chain)
        if exists is not None:
            out.setdefault("file-exists", exists)
            continue
        reason = innermost(chain.group(0))
        for pattern, code, layer, cause, fix, source in REASONS:
            if pattern.search(reason) or pattern.search(chain.group(0)):
                found = hit("oci", code, layer, f"docker run failed setting up the container: {reason}. {cause}",
                            "the distro", fix, source, "low" if code == "program-not-in-image" else "medium", text, chain)
                out.setdefault(code, replace(found, signature=replace(found.signature, profiles=PROFILE_FIXES.get(fix, ()))))
                break
        else:
            inner = decode_cuda(reason) or decode_libraries(reason)[0]
            if inner:
                first = inner[0].signature
                out.setdefault(first.id, hit("oci", first.id.rpartition(".")[2], first.layer,
                                             f"docker run failed setting up the container: {reason}. {first.cause}",
                                             first.where, first.fix, first.source, first.confidence, text, chain))
            elif reason and re.search(r"hook|nvidia-container-cli", chain.group(0), re.I):  # a GPU hook failed
                out.setdefault(reason[:60], hit(
                    "oci", "hook-failed", "docker",
                    f"docker run failed while the container was set up; the innermost reason it gave: {reason}.",
                    "the distro", (Step(run="nvidia-container-cli -k -d /dev/tty info", shell="bash"),
                                   Step(say="Its output names which GPU library or device the hook could not reach.")),
                    "https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/troubleshooting.html",
                    "low", text, chain))
    specific = [match for match in out.values() if not match.id.endswith(".hook-failed")]
    return specific or list(out.values())  # a chain printed over two lines: its other line said the reason
