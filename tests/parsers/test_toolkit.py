"""Tests for parsers.toolkit over the corpus and excerpts of real NVIDIA Container Toolkit output."""

import pytest

from damage import BYTE_SOUP, half

from wslgpu_certify.parsers.errors import UnreadableOutput
from wslgpu_certify.parsers.toolkit import (
    ToolkitDevice,
    ToolkitVersion,
    parse_container_cli_info,
    parse_toolkit_version,
)
from wslgpu_certify.parsers.toolkit_config import DEFAULT_RUNTIME_MODE, parse_cdi_generate, parse_cdi_list, parse_runtime_config

GARBAGE = BYTE_SOUP



# --- nvidia-container-cli info ------------------------------------------------------------------

RTX3060 = ToolkitDevice(0, "NVIDIA GeForce RTX 3060 Laptop GPU", "GeForce", "GPU-1efeaa36-8482-25de-66dc-65f810bca2b8",
                        "00000000:01:00.0", "8.6")


def test_cli_info_plain_corpus(corpus_text):
    info = parse_container_cli_info(corpus_text("nvidia-container-cli__info-healthy-wsl2-531.18.txt"))
    assert (info.nvrm_version, info.cuda_version, info.devices) == ("531.18", "12.1", (RTX3060,))
    assert info.wsl is None and info.error is None and info.linux_driver_libraries == ()


# Debug log lines from https://github.com/NVIDIA/nvidia-container-toolkit/issues/289 (libnvidia-container
# 1.5.1 on WSL: dxcore found, yet a Linux 460.91.03 driver's libraries selected beside /usr/lib/wsl/lib),
# followed by an info block in the shape of issue #53's.
WSL_WITH_LINUX_DRIVER = """\
-- WARNING, the following logs are for debugging purposes only --

I1004 13:41:19.446777 13740 nvc.c:372] initializing library context (version=1.5.1, build=4afad130c4c253abd3b2db563ffe9331594bda41)
I1004 13:41:19.447100 13740 nvc.c:346] using root /
I1004 13:41:19.447196 13740 nvc.c:389] attempting to load dxcore to see if we are running under Windows Subsystem for Linux (WSL)
I1004 13:41:19.465867 13740 dxcore.c:227] Creating a new WDDM Adapter for hAdapter:40000000 luid:f95e09
I1004 13:41:19.478468 13740 dxcore.c:268] Adding new adapter via dxcore hAdapter:40000000 luid:f95e09 wddm version:3000
I1004 13:41:19.478495 13740 dxcore.c:326] dxcore layer initialized successfully
W1004 13:41:19.478894 13740 nvc.c:397] skipping kernel modules load on WSL
I1004 13:41:19.537408 13740 nvc_info.c:758] requesting driver information with ''
I1004 13:41:19.551091 13740 nvc_info.c:197] selecting /usr/lib/x86_64-linux-gnu/libnvidia-ptxjitcompiler.so.460.91.03
I1004 13:41:19.552122 13740 nvc_info.c:197] selecting /usr/lib/wsl/lib/libnvidia-opticalflow.so.1
I1004 13:41:19.552152 13740 nvc_info.c:197] selecting /usr/lib/x86_64-linux-gnu/libnvidia-opencl.so.460.91.03
W1004 13:41:19.556748 13740 nvc_info.c:401] missing compat32 library libdxcore.so
I1004 13:41:19.558106 13740 nvc_info.c:277] selecting /usr/lib/wsl/drivers/nv_dispi.inf_amd64_733101c735b9e264/nvidia-smi
I1004 13:41:19.884617 13740 nvc_info.c:520] listing device /dev/dxg
I1004 13:41:19.884700 13740 nvc.c:434] shutting down library context
NVRM version:   470.76
CUDA version:   11.4

Device Index:   0
Device Minor:   0
Model:          NVIDIA GeForce RTX 3060 Laptop GPU
Brand:          GeForce
GPU UUID:       GPU-1efeaa36-8482-25de-66dc-65f810bca2b8
Bus Location:   00000000:01:00.0
Architecture:   8.6
"""

# https://github.com/NVIDIA/nvidia-docker/issues/1699 (1.11.0): only WSL-mapped libraries selected.
WSL_CLEAN = WSL_WITH_LINUX_DRIVER.replace(
    "selecting /usr/lib/x86_64-linux-gnu/libnvidia-ptxjitcompiler.so.460.91.03", "selecting /usr/lib/wsl/lib/libnvidia-ml.so.1"
).replace("selecting /usr/lib/x86_64-linux-gnu/libnvidia-opencl.so.460.91.03", "selecting /usr/lib/wsl/lib/libnvidia-encode.so.1")


def test_cli_info_wsl_route_flags_linux_driver_libraries():
    info = parse_container_cli_info(WSL_WITH_LINUX_DRIVER)
    assert info.wsl is True and info.wddm_adapters == 1 and info.library_version == "1.5.1"
    assert info.linux_driver_libraries == (
        "/usr/lib/x86_64-linux-gnu/libnvidia-ptxjitcompiler.so.460.91.03",
        "/usr/lib/x86_64-linux-gnu/libnvidia-opencl.so.460.91.03",
    )
    assert info.devices == (RTX3060,) and info.nvrm_version == "470.76"


def test_cli_info_wsl_route_without_linux_driver():
    info = parse_container_cli_info(WSL_CLEAN.replace("\n", "\r\n"))
    assert info.wsl is True and info.linux_driver_libraries == ()
    assert "/usr/lib/wsl/lib/libnvidia-ml.so.1" in info.selected


# https://github.com/NVIDIA/nvidia-docker/issues/1542 (1.5.0~rc.2): dxcore failed on WSL, then NVML missing.
# The final line's wording is the one docker relays in https://github.com/NVIDIA/nvidia-docker/issues/1400.
DXCORE_FAILED = """\
-- WARNING, the following logs are for debugging purposes only --

I0828 18:43:18.664659 4993 nvc.c:372] initializing library context (version=1.5.0~rc.2, build=6d9de2beba51389eef0b376b6d596abe62aa43b9)
I0828 18:43:18.664828 4993 nvc.c:389] attempting to load dxcore to see if we are running under Windows Subsystem for Linux (WSL)
I0828 18:43:18.664969 4993 nvc.c:391] dxcore initialization failed, continuing assuming a non-WSL environment
W0828 18:43:18.665048 4993 nvc.c:254] failed to detect NVIDIA devices
I0828 18:43:18.665502 4995 driver.c:101] starting driver service
E0828 18:43:18.665738 4995 driver.c:168] could not start driver service: load library failed: libnvidia-ml.so.1: cannot open shared object file: no such file or directory
I0828 18:43:18.665840 4993 driver.c:203] driver service terminated successfully
nvidia-container-cli: initialization error: driver error: failed to process request
"""

# https://github.com/NVIDIA/libnvidia-container/issues/231 (no debug log).
LOAD_FAILED = (
    "nvidia-container-cli: initialization error: load library failed: libnvidia-ml.so.1: "
    "cannot open shared object file: no such file or directory\n"
)


def test_cli_info_dxcore_failed_error():
    info = parse_container_cli_info(DXCORE_FAILED)
    assert info.wsl is False and info.devices == ()
    assert info.error == "initialization error: driver error: failed to process request"
    assert info.missing_library == "libnvidia-ml.so.1"


def test_cli_info_load_library_failed():
    info = parse_container_cli_info(LOAD_FAILED)
    assert info.error.startswith("initialization error: load library failed")
    assert info.missing_library == "libnvidia-ml.so.1" and info.wsl is None


def test_cli_info_adapter_without_nvidia_components_is_recorded_when_complete(corpus_text):
    text = corpus_text("nvidia-container-cli__wsl-adapter-without-nvidia-components.txt")
    with pytest.raises(UnreadableOutput):
        parse_container_cli_info(text)  # the corpus excerpt stops mid-log
    info = parse_container_cli_info(text + "\n" + LOAD_FAILED)
    assert info.wsl is True
    assert ("libcuda.so.1.1", "/usr/lib/wsl/drivers/u0377383.inf_amd64_30501df11e64fe9a") in info.missing_components


@pytest.mark.parametrize(
    "name",
    ["nvidia-container-cli__dxcore-init-failed-wsl2-libnvc-1.3.0.txt", "nvidia-container-cli__wsl-adapter-without-nvidia-components.txt"],
)
def test_cli_info_refuses_logs_cut_before_the_end(corpus_text, name):
    with pytest.raises(UnreadableOutput):
        parse_container_cli_info(corpus_text(name))


@pytest.mark.parametrize("text", [half(WSL_WITH_LINUX_DRIVER), WSL_CLEAN[: WSL_CLEAN.index("Bus Location")], "", GARBAGE])
def test_cli_info_refuses_truncated_empty_garbage(text):
    with pytest.raises(UnreadableOutput):
        parse_container_cli_info(text)


def test_cli_info_refuses_devices_without_versions():
    with pytest.raises(UnreadableOutput):
        parse_container_cli_info(WSL_CLEAN[WSL_CLEAN.index("Device Index"):])


def test_cli_info_refuses_header_without_devices():
    with pytest.raises(UnreadableOutput):
        parse_container_cli_info("NVRM version:   531.18\nCUDA version:   12.1\n")


# --- --version -----------------------------------------------------------------------------------

# nvidia-container-toolkit --version: ssst0n3/docker_archive READMEs for toolkit v1.14.0 and v1.17.1
# (https://github.com/ssst0n3/docker_archive, found through the code corpus).
HOOK_VERSION = "NVIDIA Container Runtime Hook version 1.17.1\ncommit: 1467f3f339a855f20d179e9883e418a09118a93e\n"
# nvidia-container-runtime --version: https://github.com/OE4T/meta-tegra/pull/1475
RUNTIME_VERSION = "NVIDIA Container Runtime version 1.11.0\ncommit: 670+d9de4a0\n\nrunc version 1.1.4\n"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("nvidia-ctk__version-1.12.0.txt", ToolkitVersion("nvidia-ctk", "1.12.0", "62bd015475656ef795cb0d59cc4030a6bd4a9526")),
        (
            "nvidia-container-cli__info-healthy-wsl2-531.18.txt",
            ToolkitVersion("nvidia-container-cli", "1.12.1", "7440a1ead8e4fe35edf1c973c73a662108b21a1f", "1.12.1"),
        ),
    ],
)
def test_version_corpus(corpus_text, name, expected):
    assert parse_toolkit_version(corpus_text(name)) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        (HOOK_VERSION, ToolkitVersion("nvidia-container-toolkit", "1.17.1", "1467f3f339a855f20d179e9883e418a09118a93e")),
        (RUNTIME_VERSION, ToolkitVersion("nvidia-container-runtime", "1.11.0", "670+d9de4a0")),
    ],
)
def test_version_hook_and_runtime(text, expected):
    assert parse_toolkit_version(text.replace("\n", "\r\n")) == expected


def test_version_refuses(corpus_text):
    ctk = corpus_text("nvidia-ctk__version-1.12.0.txt")
    cli = corpus_text("nvidia-container-cli__info-healthy-wsl2-531.18.txt")
    cli_version = cli[cli.index("cli-version"):]
    for text in (half(ctk), cli_version[: cli_version.index("build revision")], "", GARBAGE):
        with pytest.raises(UnreadableOutput):
            parse_toolkit_version(text)


# --- config.toml ---------------------------------------------------------------------------------

# `nvidia-ctk config default` layout as found on a 1.17.6 machine (ssst0n3/docker_archive README,
# "your-gpu-my-shell"), abridged; mode = "legacy" there.
DEFAULT_CONFIG = """\
#accept-nvidia-visible-devices-as-volume-mounts = false
#accept-nvidia-visible-devices-envvar-when-unprivileged = true
disable-require = false
supported-driver-capabilities = "compat32,compute,display,graphics,ngx,utility,video"
#swarm-resource = "DOCKER_RESOURCE_GPU"

[nvidia-container-cli]
#debug = "/var/log/nvidia-container-toolkit.log"
environment = []
#ldcache = "/etc/ld.so.cache"
ldconfig = "@/sbin/ldconfig.real"
load-kmods = true
#no-cgroups = false
#path = "/usr/bin/nvidia-container-cli"

[nvidia-container-runtime]
#debug = "/var/log/nvidia-container-runtime.log"
log-level = "info"
mode = "legacy"
runtimes = ["docker-runc", "runc", "crun"]

[nvidia-container-runtime.modes]

[nvidia-container-runtime.modes.cdi]
annotation-prefixes = ["cdi.k8s.io/"]
default-kind = "nvidia.com/gpu"
spec-dirs = ["/etc/cdi", "/var/run/cdi"]

[nvidia-container-runtime.modes.csv]
mount-spec-path = "/etc/nvidia-container-runtime/host-files-for-container.d"

[nvidia-container-runtime-hook]
path = "nvidia-container-runtime-hook"
skip-mode-detection = false

[nvidia-ctk]
path = "nvidia-ctk"

[features]
disable-cuda-compat-lib-hook = true
"""

# Hand-written CDI-mode file (NixOS module / kind scripts in the code corpus).
CDI_CONFIG = '[nvidia-container-runtime]\nmode = "cdi"\n\n[nvidia-container-runtime.modes.cdi]\ndefault-kind = "nvidia.com/gpu"\nspec-dirs = ["/var/run/cdi"]\n'


def test_runtime_config_default_layout():
    config = parse_runtime_config(DEFAULT_CONFIG)
    assert (config.mode, config.mode_explicit) == ("legacy", True)
    assert config.cdi_spec_dirs == ("/etc/cdi", "/var/run/cdi") and config.ldconfig == "@/sbin/ldconfig.real"
    assert config.no_cgroups is None  # commented out


def test_runtime_config_cdi_mode():
    config = parse_runtime_config(CDI_CONFIG)
    assert (config.mode, config.mode_explicit, config.cdi_spec_dirs) == ("cdi", True, ("/var/run/cdi",))


def test_runtime_config_commented_mode_means_default():
    config = parse_runtime_config(DEFAULT_CONFIG.replace('mode = "legacy"', '#mode = "auto"'))
    assert (config.mode, config.mode_explicit) == (DEFAULT_RUNTIME_MODE, False)


@pytest.mark.parametrize(
    "text",
    [
        DEFAULT_CONFIG[: DEFAULT_CONFIG.index('mode = "legacy"') + len('mode = "leg')],  # cut inside a value
        "",
        GARBAGE,
        "cat: /etc/nvidia-container-runtime/config.toml: No such file or directory\n",
        "#mode = \"auto\"\n",  # only comments: no toolkit key to vouch for
        '[nvidia-container-runtime]\nmode = 3\n',
    ],
)
def test_runtime_config_refuses(text):
    with pytest.raises(UnreadableOutput):
        parse_runtime_config(text)


# --- nvidia-ctk cdi list / generate ----------------------------------------------------------------

# ssst0n3/docker_archive README for toolkit v1.14.0 (terminal log format, four GPUs).
CDI_LIST_FOUR = "INFO[0000] Found 5 CDI devices                          \nnvidia.com/gpu=0\nnvidia.com/gpu=1\nnvidia.com/gpu=2\nnvidia.com/gpu=3\nnvidia.com/gpu=all\n"
# Piped (non-terminal) logrus format as in corpus nvidia-ctk__cdi-generate-wsl-libdxcore-not-located-driver-595.71.txt;
# on WSL the spec holds only "all" (https://github.com/NVIDIA/OpenShell/pull/441).
CDI_LIST_WSL = 'time="2026-03-17T10:00:00Z" level=info msg="Found 1 CDI devices"\nnvidia.com/gpu=all\n'


def test_cdi_list_formats():
    assert parse_cdi_list(CDI_LIST_FOUR).devices[-1] == "nvidia.com/gpu=all"
    assert len(parse_cdi_list(CDI_LIST_FOUR).devices) == 5
    assert parse_cdi_list(CDI_LIST_WSL).devices == ("nvidia.com/gpu=all",)


def test_cdi_list_none():
    assert parse_cdi_list("INFO[0000] Found 0 CDI devices\n").devices == ()


def test_cdi_list_registry_errors_recorded():
    text = "WARN[0000] The following registry errors were reported:\nWARN[0000] /etc/cdi/nvidia.yaml: bad spec\nINFO[0000] Found 0 CDI devices\n"
    assert parse_cdi_list(text).registry_errors == ("/etc/cdi/nvidia.yaml: bad spec",)


@pytest.mark.parametrize("text", [half(CDI_LIST_FOUR), "nvidia.com/gpu=all\n", "", GARBAGE])
def test_cdi_list_refuses(text):
    with pytest.raises(UnreadableOutput):
        parse_cdi_list(text)


# Log lines from https://github.com/NVIDIA/nvidia-container-toolkit/issues/972 (WSL mode with a Linux
# 550.120 NVML) ended with the line a successful run logs (seen in ssst0n3/docker_archive's v1.14.0 README).
GENERATE_LINUX_NVML = """\
INFO[0000] Using /usr/lib/x86_64-linux-gnu/libnvidia-ml.so.550.120
WARN[0000] Ignoring error in locating libnvidia-sandboxutils.so.1: pattern libnvidia-sandboxutils.so.1 not found
INFO[0000] Auto-detected mode as 'wsl'
INFO[0000] Selecting /dev/dxg as /dev/dxg
INFO[0000] Generated CDI spec with version 0.5.0
"""
# PR #1890's healthy WSL run, same ending.
GENERATE_WSL_OK = GENERATE_LINUX_NVML.replace("/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.550.120", "/usr/lib/wsl/lib/libnvidia-ml.so.1")
# https://github.com/NVIDIA/nvidia-container-toolkit/issues/452 ("failed to initialize dxcore context").
GENERATE_DXCORE_ERROR = "INFO[0000] Selecting /dev/dxg as /dev/dxg\nERRO[0000] failed to generate CDI spec: failed to create device CDI specs: failed to initialize dxcore context\n"


def test_cdi_generate_linux_nvml_on_wsl():
    result = parse_cdi_generate(GENERATE_LINUX_NVML)
    assert (result.mode, result.spec_version, result.error) == ("wsl", "0.5.0", None)
    assert result.linux_nvml_on_wsl


def test_cdi_generate_wsl_healthy():
    result = parse_cdi_generate(GENERATE_WSL_OK)
    assert result.mode == "wsl" and not result.linux_nvml_on_wsl


def test_cdi_generate_error():
    result = parse_cdi_generate(GENERATE_DXCORE_ERROR)
    assert "failed to initialize dxcore context" in result.error and result.spec_version is None


@pytest.mark.parametrize(
    "name",
    [
        "nvidia-ctk__cdi-generate-wsl-libdxcore-not-located-driver-595.71.txt",
        "nvidia-ctk__cdi-generate-wsl-mode-with-linux-nvml-550.120.txt",
        "nvidia-ctk__cdi-generate-wsl-healthy-maintainer-reference.txt",
    ],
)
def test_cdi_generate_refuses_corpus_excerpts_cut_before_the_end(corpus_text, name):
    with pytest.raises(UnreadableOutput):
        parse_cdi_generate(corpus_text(name))


@pytest.mark.parametrize("text", [half(GENERATE_LINUX_NVML), "", GARBAGE])
def test_cdi_generate_refuses(text):
    with pytest.raises(UnreadableOutput):
        parse_cdi_generate(text)
