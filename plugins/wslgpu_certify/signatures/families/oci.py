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

TOOLKIT = "https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/install-guide.html"
CDI = "https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/cdi-support.html"
# the wrappers, outermost first: the text after the last one present is the innermost reason
WRAPPERS = ("Error response from daemon:", "failed to create shim task:", "OCI runtime create failed:",
            "error during container init:", "error running hook", "stderr:", "nvidia-container-cli:",
            "initialization error:")
_CHAIN = re.compile(r"^[^\n]{0,4000}?(?:OCI runtime create failed|error running (?:prestart )?hook|"
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
    (re.compile(r"no adapters were found", re.I), "no-adapters", "gpu",
     "WSL shows the toolkit no GPU adapter: the Windows NVIDIA driver does not expose the GPU to WSL (too old, or not "
     "installed), or /dev/dxg is missing in the distro that runs dockerd.",
     (Step(run="ls -l /dev/dxg", shell="bash"), Step(run="/usr/lib/wsl/lib/nvidia-smi", shell="bash"),
      Step(say="Install the current NVIDIA Windows driver and run wsl --shutdown; dockerd must run in a WSL 2 distro.")),
     "https://docs.nvidia.com/cuda/wsl-user-guide/index.html#getting-started-with-cuda-on-wsl-2"),
    (re.compile(r"unresolvable CDI devices", re.I), "unresolvable-cdi", "docker",
     "The container asks for CDI devices (nvidia.com/gpu=...) that no CDI spec on this machine defines.",
     (Step(run="sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml", shell="bash"),
      Step(run="nvidia-ctk cdi list", shell="bash")), CDI),
    (re.compile(r'could not select device driver[^\n]{0,40}capabilities: \[\[gpu\]\]', re.I), "no-gpu-driver", "docker",
     "dockerd has no GPU device driver: the NVIDIA Container Toolkit is not installed or not configured for this "
     "dockerd.", _CONFIGURE, TOOLKIT),
    (re.compile(r"requirement error: unsatisfied condition: cuda\s*>=?\s*[\d.]+", re.I), "cuda-requirement", "gpu",
     "The image needs a newer CUDA than the Windows driver supports (its NVIDIA_REQUIRE_CUDA is not met).",
     (Step(run="/usr/lib/wsl/lib/nvidia-smi", shell="bash"),
      Step(say="Update the NVIDIA Windows driver, or use an image built for the CUDA version nvidia-smi's header shows.")),
     "https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/docker-specialized.html"),
    (re.compile(r'exec: "?nvidia-container-runtime-hook"?: executable file not found', re.I), "hook-missing", "docker",
     "dockerd is configured for the NVIDIA runtime but the toolkit's hook is not installed (or not on PATH).",
     _CONFIGURE, TOOLKIT),
    (re.compile(r"driver error: failed to process request", re.I), "driver-request-failed", "gpu",
     "The toolkit's request to the driver failed: on WSL the NVIDIA Windows driver, the Windows build and the "
     "container stack did not work together (an Insider build or driver without WSL GPU support, or a Docker Desktop "
     "release that broke the GPU: 3.3.3 did).",
     (Step(run="/usr/lib/wsl/lib/nvidia-smi", shell="bash"),
      Step(say="Update the NVIDIA Windows driver, Windows and Docker Desktop (or move off the release that broke it); "
               "then run wsl --shutdown and retry.")),
     "https://github.com/docker/for-win/issues/11309"),
    (re.compile(r"driver rpc error|timed out", re.I), "driver-rpc", "gpu",
     "nvidia-container-cli timed out talking to the driver: the GPU or its driver did not answer.",
     (Step(run="wsl.exe --shutdown", shell="powershell"), Step(say="Then retry; if it persists, update the NVIDIA Windows driver.")),
     "https://docs.nvidia.com/datacenter/cloud-native/container-toolkit/latest/troubleshooting.html"),
    (re.compile(r'exec: "?[^"\s]{1,100}"?: executable file not found in \$PATH', re.I), "program-not-in-image", "docker",
     "The container started but the program it was asked to run is not in the image. For nvidia-smi that means the "
     "driver's tools were not mounted into it: run it with --gpus all (a driver and toolkit recent enough to mount "
     "nvidia-smi on WSL), or use a program the image has.",
     (Step(say="Check the command's spelling and that the image has it (docker run --rm IMAGE which PROGRAM)."),),
     "https://docs.docker.com/reference/cli/docker/container/run/"),
)


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
    text = lines_with(text, ("oci runtime", "hook", "nvidia-container-cli", "cdi devices", "device driver"))
    for chain in _CHAIN.finditer(text):
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
