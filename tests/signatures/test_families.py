"""Family decoders: a code, a library, a signal decoded for every member of its family, seen or not.

Members below appear in no fixture and no catalog excerpt: each is decoded by its family's table (name,
cause, fix), in several spellings; unknown codes are said as unknown with their facility; healthy outputs
(the fixture snapshots, the corpus's healthy transcripts) give no finding. The suite and `diagnose` use a
family only where no catalog signature matched.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from suite_run import CORPUS, REPO, SNAPSHOTS

sys.path.insert(0, str(REPO / "plugins"))

from wslgpu_certify.diagnose.diagnosis import diagnose  # noqa: E402
from wslgpu_certify.profile import load_profile  # noqa: E402
from wslgpu_certify.signatures import families  # noqa: E402
from wslgpu_certify.signatures.families import cuda, tables, wsl  # noqa: E402

PROFILE = load_profile("current")
CORPUS_DIR = Path(os.environ.get("WSLGPU_CORPUS", CORPUS))  # ../shared/corpus; elsewhere (a worktree) name it


def one(text: str, **kwargs):
    found = families.decode(text, **kwargs)
    assert found, f"nothing decoded in {text!r}"
    return found[0]


def fix_text(hit) -> str:
    return " ".join(step.run or step.say for step in hit.signature.fix)


# --- the tables: every code of each source, with the source ------------------------------------------------

def test_each_table_lists_its_whole_source_with_the_source():
    assert len(tables.table("CUresult")["code"]) >= 95 and len(tables.table("cudaError_t")["code"]) >= 125
    assert len(tables.table("nvmlReturn_t")["code"]) >= 30
    by_value, by_name = wsl.codes()
    assert sum(name.startswith("WSL_E_") for name in by_name) >= 46  # every WSL_E_ of wslservice.idl
    assert sum(name.startswith("HCS_E_") for name in by_name) == 30  # every row of Microsoft's HCS table
    for name in ("CUresult", "cudaError_t", "nvmlReturn_t", "wsl_codes", "wsl_warnings"):
        assert tables.table(name)["source"].startswith("https://"), name
    for name in ("wsl_causes", "cuda_causes"):
        assert all(row["source"].startswith("https://") for row in tables.table(name)["cause"])
    assert all(row["source"].startswith("https://") for row in tables.table("libraries")["library"])
    # the names a cause row keys on exist in the tables (a typo would silently never match)
    cuda_names = cuda.codes()[0]
    assert all(name in cuda_names for name in tables.causes("cuda_causes")), set(tables.causes("cuda_causes")) - set(cuda_names)
    assert all(name in by_name for name in tables.causes("wsl_causes")), set(tables.causes("wsl_causes")) - set(by_name)


def test_fix_steps_follow_the_catalog_rules():
    for name in ("wsl_causes", "cuda_causes"):
        for row in tables.causes(name).values():
            for step in row["steps"]:
                assert bool(step.run) != bool(step.say)
                if step.shell == "bash":
                    assert subprocess.run(["bash", "-n", "-c", step.run]).returncode == 0, step.run


# --- WSL ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Error code: Wsl/Service/CreateInstance/CreateVm/HCS/0x80370102",
    "WslRegisterDistribution failed with error: 0X80370102",
    "Error: 0x80370102 The virtual machine could not be started because a required feature is not installed.",
    "Error code: Wsl/Service/CreateInstance/CreateVm/HCS_E_HYPERV_NOT_INSTALLED",
    '{"Error":-2143878910,"ErrorMessage":"..."}',
    "Error code: -2143878910",
])
def test_the_virtualization_code_in_every_spelling(text):
    hit = one(text)
    assert hit.id == "family.wsl.hcs-e-hyperv-not-installed" and hit.signature.layer == "windows"
    assert "HCS_E_HYPERV_NOT_INSTALLED (0x80370102)" in hit.signature.cause
    assert "wsl.exe --install --no-distribution" in fix_text(hit) and "firmware" in fix_text(hit)


@pytest.mark.parametrize("text, name, words", [
    ("Installing, this may take a few minutes...\nWslRegisterDistribution failed with error: 0x8007019e",
     "ERROR_LINUX_SUBSYSTEM_NOT_PRESENT", "optional component"),
    ("Error code: Wsl/Service/0x800701bc", "ERROR_LINUX_SUBSYSTEM_UPDATE_REQUIRED", "wsl.exe --update"),
    ("Error: 0x1bc For information please visit https://aka.ms/wsl2kernel", "ERROR_LINUX_SUBSYSTEM_UPDATE_REQUIRED", "wsl.exe --update"),
    ("WSL 2 requires an update to its kernel component. For information please visit https://aka.ms/wsl2kernel",
     "ERROR_LINUX_SUBSYSTEM_UPDATE_REQUIRED", "wsl.exe --update"),
    ("Error code: Wsl/Service/CreateInstance/0x80070003", "ERROR_PATH_NOT_FOUND", ".wslconfig"),
    ("Error code: Wsl/Service/0x8000000d", "E_ILLEGAL_STATE_CHANGE", "wsl.exe --shutdown"),
    ("There is no distribution with the supplied name.\nError code: Wsl/Service/WSL_E_DISTRO_NOT_FOUND",
     "WSL_E_DISTRO_NOT_FOUND", "wsl.exe --list --verbose"),
    ("Error code: Wsl/Service/RegisterDistro/CreateVm/HCS/HCS_E_SERVICE_NOT_AVAILABLE", "HCS_E_SERVICE_NOT_AVAILABLE",
     "Virtual Machine Platform"),
    ("Error code: Wsl/Service/CreateInstance/CreateVm/HCS/0x80370109", "HCS_E_CONNECTION_TIMEOUT", "wsl.exe --shutdown"),
    ("The distribution failed to start because its virtual disk is corrupted.", "WSL_E_DISK_CORRUPTED", "repair"),
    ("Error code: Wsl/InstallDistro/WININET_E_NAME_NOT_RESOLVED", "WININET_E_NAME_NOT_RESOLVED", "--web-download"),
])
def test_wsl_family_members_decode_to_their_cause(text, name, words):
    hit = one(text)
    assert name in hit.signature.cause and words in hit.signature.cause + fix_text(hit)
    assert hit.signature.confidence == "medium"


def test_a_known_code_without_a_wsl_cause_says_its_meaning_and_invents_no_fix():
    hit = one("Error code: Wsl/Service/0x80040326")
    assert "WSL_E_NOT_A_LINUX_DISTRO" in hit.signature.cause and "not a valid Linux distribution" in hit.signature.cause
    assert hit.signature.confidence == "low" and hit.signature.fix == tables.NO_FIX


@pytest.mark.parametrize("text, facility", [
    ("Error code: Wsl/Service/0x80071234", "FACILITY_WIN32"),
    ("WslRegisterDistribution failed with error: 0x80375555", "FACILITY_VMCOMPUTE"),
    ("operation failed: 0x80045678", "FACILITY_ITF"),
])
def test_an_unknown_code_is_said_as_unknown_with_its_facility(text, facility):
    hit = one(text)
    assert "do not list" in hit.signature.cause and facility in hit.signature.cause
    assert hit.signature.confidence == "low" and hit.signature.fix == tables.NO_FIX
    if facility == "FACILITY_WIN32":
        assert "Win32 error 4660" in hit.signature.cause  # 0x1234


@pytest.mark.parametrize("text", [
    "Bus Location:   00000000:01:00.0", "flags 0x80000000 set", "I1210 dxcore.c:227] hAdapter:40000000 luid:11c54b",
    "Total: -2143878910 bytes", "Error code: Wsl/InstallDistro/Service", "0x1bc",
])
def test_wsl_near_misses_decode_nothing(text):
    assert families.decode(text) == []


@pytest.mark.parametrize("text, key", [
    ("wsl: Unknown key 'wsl2.gpuSupport' in C:\\Users\\me\\.wslconfig:4", "configunknownkey"),
    ("wsl: Mirrored networking mode is not supported: Windows version 19045.2965 does not have the required features."
     "\nFalling back to NAT networking.", "mirrorednetworkingnotsupportedreason"),
    ("wsl: Failed to configure network (networkingMode Mirrored), falling back to networkingMode VirtioProxy.",
     "networkinitializationfailedfallback2"),
    ("wsl: Invalid boolean value 'yes' for key 'wsl2.localhostForwarding' in C:\\Users\\me\\.wslconfig:7",
     "configinvalidboolean"),
    ("wsl: A localhost proxy configuration was detected but not mirrored into WSL. WSL in NAT mode does not support "
     "localhost proxies.", "proxylocalhostsettingsdropped"),
])
def test_wsl_exe_warnings_are_notes_that_say_what_they_are(text, key):
    paste = text + "\nLinux version 5.15.167.4-microsoft-standard-WSL2 (root@x) (gcc 11.2.0) #1 SMP Tue Nov 5 2024"
    assert families.decode(paste) == []
    notes = families.notes(paste)
    assert [n.id for n in notes] == [f"family.wsl-warning.{key}"] and "not an error" in notes[0].signature.cause
    result = diagnose(("$ wsl cat /proc/version\n" + paste).encode(), PROFILE)
    assert result.findings == [] and result.exit_code == 0
    assert any(n.signature_id == f"family.wsl-warning.{key}" for n in result.notes)


# --- CUDA / NVML -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, name, words", [
    ("E tensorflow/stream_executor/cuda/cuda_driver.cc:328] failed call to cuInit: CUDA_ERROR_NO_DEVICE: no CUDA-capable"
     " device is detected", "CUDA_ERROR_NO_DEVICE", "/dev/dxg"),
    ("cuInit returned 100", "CUDA_ERROR_NO_DEVICE", "--gpus all"),
    ("RuntimeError: CUDA error: no CUDA-capable device is detected", "cudaErrorNoDevice", "/dev/dxg"),
    ("RuntimeError: CUDA error: CUDA driver version is insufficient for CUDA runtime version",
     "cudaErrorInsufficientDriver", "Windows"),
    ("CUDA error at bodysystemcuda_impl.h:197 code=34(cudaErrorStubLibrary) \"cudaGetDeviceCount\"",
     "cudaErrorStubLibrary", "stubs"),
    ("Unexpected error from cudaGetDeviceCount(). Did you run some cuda functions before calling NumCudaDevices()? "
     "Error 804: forward compatibility was attempted on non supported HW", "cudaErrorCompatNotSupportedOnDevice",
     "cuda-compat"),
    ("Unexpected error from cudaGetDeviceCount(). Error 500: named symbol not found", "cudaErrorSymbolNotFound",
     "Linux NVIDIA driver"),
    ("Failed to initialize NVML: GPU access blocked by the operating system", "NVML_ERROR_OPERATING_SYSTEM",
     "Windows driver"),
    ("Failed to initialize NVML: Driver/library version mismatch", "NVML_ERROR_LIB_RM_VERSION_MISMATCH",
     "/usr/lib/wsl/lib"),
    ("Failed to initialize NVML: Unknown Error", "NVML_ERROR_UNKNOWN", "wsl.exe --update"),
    ("torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB", "cudaErrorMemoryAllocation",
     "batch size"),
    ("RuntimeError: CUDA error: no kernel image is available for execution on the device",
     "cudaErrorNoKernelImageForDevice", "compute capability"),
])
def test_cuda_family_members_decode_to_their_wsl_cause(text, name, words):
    hit = one(text)
    assert name in hit.signature.cause and words in hit.signature.cause + fix_text(hit), hit.signature.cause
    assert hit.signature.layer in ("gpu", "wsl") and hit.signature.confidence == "medium"


@pytest.mark.parametrize("text, name, number", [
    ("failed call to cuInit: UNKNOWN ERROR (303)", "CUDA_ERROR_SHARED_OBJECT_INIT_FAILED", 303),
    ("cuCtxCreate returned CUDA_ERROR_ILLEGAL_INSTRUCTION", "CUDA_ERROR_ILLEGAL_INSTRUCTION", 715),
    ("cudaErrorLaunchTimeout", "cudaErrorLaunchTimeout", 702),
    ("nvmlDeviceGetHandleByIndex: NVML_ERROR_INSUFFICIENT_POWER", "NVML_ERROR_INSUFFICIENT_POWER", 8),
])
def test_a_code_without_a_wsl_cause_says_its_meaning_only(text, name, number):
    hit = one(text)
    assert f"{name} ({number}," in hit.signature.cause and hit.signature.confidence == "low"
    assert hit.signature.fix == tables.NO_FIX


def test_an_unknown_cuda_number_is_said_as_unknown():
    hit = one("cuInit returned 7777")
    assert "7777" in hit.signature.cause and "not a CUresult code" in hit.signature.cause


@pytest.mark.parametrize("text", [
    "| NVIDIA-SMI 555.52.01   Driver Version: 555.99   CUDA Version: 12.5 |",
    "> Compute 8.6 CUDA device: [NVIDIA GeForce RTX 3070]",
    "failed call to cuInit: UNKNOWN ERROR (-1)",  # TensorFlow's own -1, no CUresult
    "cudaGetDeviceCount returned 0", "CUDA_SUCCESS", "named symbol not found in the menu",
])
def test_cuda_near_misses_decode_nothing(text):
    assert families.decode(text) == []


# --- crashes ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, exit_code, name, words", [
    ("Segmentation fault (core dumped)", None, "SIGSEGV", "/usr/lib/wsl/lib"),
    ("docker ps -a\nabc123  nvidia/cuda  Exited (139) 2 minutes ago", None, "SIGSEGV", "exit status 139"),
    ("subprocess.CalledProcessError: Command '['nvidia-smi']' returned non-zero exit status -11.", None, "SIGSEGV", "crashed"),
    ("error: process exited with code 137", None, "SIGKILL", "out of memory"),
    ("Epoch 1/10\n 12/938 [....]", 137, "SIGKILL", "memory="),
    ("Illegal instruction (core dumped)", None, "SIGILL", "AVX"),
    ("died with <Signals.SIGILL: 4>.", None, "SIGILL", "avx"),
    ("Bus error (core dumped)", None, "SIGBUS", "--shm-size"),
    ("terminate called after throwing an instance of 'std::runtime_error'\nAborted (core dumped)", None, "SIGABRT", "lines"),
])
def test_a_signal_exit_is_a_crash(text, exit_code, name, words):
    hit = one(text, exit_code=exit_code)
    assert hit.id == f"family.crash.{name.lower()}" and "crashed" in hit.signature.cause
    assert words in hit.signature.cause + fix_text(hit) and "could not read" not in hit.signature.cause


@pytest.mark.parametrize("text, exit_code", [
    ("exit status 1", None), ("Exited (0) 3 seconds ago", None), ("head: done", 141), ("^C", 130), ("ok", 1),
    ("Killed processes: 0", None),
])
def test_ordinary_exits_are_no_crash(text, exit_code):
    assert families.decode(text, exit_code=exit_code) == []


# --- shared libraries ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, layer, words", [
    ("ImportError: libcuda.so.1: cannot open shared object file: No such file or directory", "gpu", "/usr/lib/wsl/lib"),
    ("W dso_loader.cc:64] Could not load dynamic library 'libcudnn.so.8'; dlerror: libcudnn.so.8: cannot open",
     "gpu", "cuDNN"),
    ("Could not load library libcudnn_cnn_infer.so.8. Error: libcudnn_cnn_infer.so.8: cannot open shared object file",
     "gpu", "cuDNN"),
    ("Unable to load any of {libcudnn_cnn.so.9.1.0, libcudnn_cnn.so.9.1, libcudnn_cnn.so.9, libcudnn_cnn.so}", "gpu", "cuDNN"),
    # cffi's OSError is Python (rpy2) loading R; R's base packages failing on libR.so: R embedded without its ldpaths
    ("OSError: cannot load library '/usr/lib/R/lib/libR.so': libRlapack.so: cannot open shared object file", "rpy2", "R_HOME"),
    ("Error: package or namespace load failed for 'utils' in dyn.load(file, DLLpath = DLLpath, ...):\n"
     " unable to load shared object '/usr/lib/R/library/utils/libs/utils.so':\n  libR.so: cannot open shared object"
     " file: No such file or directory", "rpy2", "R_HOME"),
    ("Error in dyn.load(file): unable to load shared object 'x.so':\n  libRblas.so: cannot open shared object file",
     "rstudio", "R_HOME"),
    ("Error: libpython3.10.so.1.0: cannot open shared object file: No such file or directory", "rstudio", "shared libpython"),
    ("nvidia-container-cli: initialization error: load library failed: libnvidia-container.so.1: cannot open shared"
     " object file", "docker", "nvidia-container-toolkit"),
])
def test_a_missing_library_names_who_provides_it(text, layer, words):
    hit = one(text)
    assert hit.signature.layer == layer and words in hit.signature.cause + fix_text(hit), hit.signature.cause


def test_an_optional_or_unknown_library():
    text = "W dso_loader.cc:64] Could not load dynamic library 'libnvinfer.so.7'; dlerror: libnvinfer.so.7: cannot open"
    assert families.decode(text) == [] and families.notes(text)[0].id == "family.library.libnvinfer-so-7"
    hit = one("libfoo_bar.so.3: cannot open shared object file")
    assert "does not know" in hit.signature.cause and hit.signature.confidence == "low"


# --- bindings -----------------------------------------------------------------------------------------------

RETICULATE = """Error: Python module tensorflow was not found.

Detected Python configuration:

python:         /home/ana/.virtualenvs/r-reticulate/bin/python
libpython:      /usr/lib/python3.10/config-3.10-x86_64-linux-gnu/libpython3.10.so
pythonhome:     /home/ana/.virtualenvs/r-reticulate:/home/ana/.virtualenvs/r-reticulate
version:        3.10.12 (main, Nov 20 2023, 15:14:05) [GCC 11.4.0]
numpy:          /home/ana/.virtualenvs/r-reticulate/lib/python3.10/site-packages/numpy
numpy_version:  1.26.4

NOTE: Python version was forced by RETICULATE_PYTHON
"""


def test_reticulate_says_which_python_was_bound():
    hit = one(RETICULATE)
    cause = hit.signature.cause
    assert hit.signature.layer == "rstudio" and "/home/ana/.virtualenvs/r-reticulate/bin/python" in cause
    assert "THAT" in cause and "RETICULATE_PYTHON" in cause
    assert hit.signature.fix[0].run == "/home/ana/.virtualenvs/r-reticulate/bin/python -m pip install tensorflow"


@pytest.mark.parametrize("text, layer, command", [
    ("ModuleNotFoundError: No module named 'cv2'", "jupyter", "python3 -m pip install opencv-python"),
    ("ImportError: No module named sklearn.ensemble", "jupyter", "python3 -m pip install scikit-learn"),
    ("Error in library(tidymodels) : there is no package called ‘tidymodels’", "rstudio",
     "Rscript -e 'install.packages(\"tidymodels\")'"),
    ("Error: package or namespace load failed: there is no package called 'keras'", "rstudio",
     "Rscript -e 'install.packages(\"keras\")'"),
    ("RRuntimeError: R_HOME must be set in the environment or Registry", "rpy2", "R RHOME"),
])
def test_binding_failures(text, layer, command):
    hit = one(text)
    assert hit.signature.layer == layer and hit.signature.fix[0].run == command


def test_names_from_a_paste_reach_a_fix_only_quoted():
    hit = one("ModuleNotFoundError: No module named 'x$(reboot)'")
    assert hit.signature.fix[0].run == "python3 -m pip install x"
    hit = one(RETICULATE.replace("/home/ana/.virtualenvs/r-reticulate/bin/python", "/tmp/p;reboot"))
    assert "reboot" not in hit.signature.fix[0].run


# --- the OCI hook chain -------------------------------------------------------------------------------------

CHAIN = ("docker: Error response from daemon: failed to create task for container: failed to create shim task: OCI "
         "runtime create failed: runc create failed: unable to start container process: error during container init: "
         "error running hook #0: error running hook: exit status 1, stdout: , stderr: nvidia-container-cli: "
         "initialization error: {}: unknown.")


@pytest.mark.parametrize("inner, ident, words", [
    ("WSL environment detected but no adapters were found", "family.oci.no-adapters", "/dev/dxg"),
    ("nvml error: driver not loaded", "family.oci.nvml-error-driver-not-loaded", "libnvidia-ml.so.1"),
    ("load library failed: libnvidia-ml.so.1: cannot open shared object file: no such file or directory",
     "family.oci.libnvidia-ml-so-1", "/usr/lib/wsl/lib"),
    ("nvml error: GPU access blocked by the operating system", "family.oci.nvml-error-operating-system", "Windows"),
    ("requirement error: unsatisfied condition: cuda>=12.4, please update your driver to a newer version",
     "family.oci.cuda-requirement", "NVIDIA_REQUIRE_CUDA"),
    ("a reason nobody has seen yet", "family.oci.hook-failed", "a reason nobody has seen yet"),
])
def test_the_innermost_reason_of_the_hook_chain_decides(inner, ident, words):
    hit = one(CHAIN.format(inner))
    assert hit.id == ident and words in hit.signature.cause + fix_text(hit), hit.signature.cause
    assert not hit.signature.cause.rstrip(".").endswith("unknown")


def test_cdi_and_no_driver_chains():
    assert one('docker: Error response from daemon: could not select device driver "" with capabilities: [[gpu]].').id \
        == "family.oci.no-gpu-driver"
    hit = one("Error: error creating container: unresolvable CDI devices nvidia.com/gpu=all")
    assert hit.id == "family.oci.unresolvable-cdi" and "nvidia-ctk cdi generate" in fix_text(hit)


# --- through diagnose and the suite -------------------------------------------------------------------------

@pytest.mark.parametrize("paste, ident, layer", [
    ("$ python3 train.py\nTraceback (most recent call last):\nRuntimeError: CUDA error: all CUDA-capable devices are "
     "busy or unavailable", None, "gpu"),  # a catalog signature exists: it wins
    ("$ wsl --import Dev C:\\wsl\\dev dev.tar\nError code: Wsl/Service/RegisterDistro/CreateVm/HCS/0x8037010e\n",
     "family.wsl.hcs-e-system-not-found", "wsl"),
    ("$ python3 -c 'import torch; torch.zeros(1).cuda()'\nRuntimeError: CUDA error: CUDA-capable device(s) is/are busy"
     " or unavailable\ncudaErrorDevicesUnavailable", None, "gpu"),
    ("$ python3 bench.py\nIllegal instruction (core dumped)\n", "family.crash.sigill", "gpu"),
    ("PS C:\\> wsl --install\nError code: Wsl/InstallDistro/0x80072ee7\n", "family.wsl.wininet-e-name-not-resolved",
     "windows"),
    ("> library(tidymodels)\nError in library(tidymodels) : there is no package called ‘tidymodels’\n",
     "family.binding.r-tidymodels", "rstudio"),  # an R session's own error; rpy2's RRuntimeError is the catalog's
    ("rpy2.rinterface_lib.embedded.RRuntimeError: Error in loadNamespace(name) : there is no package called ‘mi’\n",
     None, "rpy2"),
    ("$ Rscript fit.R\n" + RETICULATE, "family.binding.reticulate-tensorflow", "rstudio"),
])
def test_diagnose_names_the_family_when_no_signature_matched(paste, ident, layer):
    result = diagnose(paste.encode(), PROFILE)
    assert result.exit_code == 1 and result.findings
    first = result.findings[0]
    assert first.layer == layer
    if ident:
        assert first.signature_id == ident and first.fix and first.source.startswith("https://")
    else:  # the catalog's signature, not a family's
        assert first.signature_id and not first.signature_id.startswith("family.")


def test_a_catalog_signature_still_wins_over_a_family():
    paste = 'docker: Error response from daemon: could not select device driver "" with capabilities: [[gpu]].\n'
    ids = [f.signature_id for f in diagnose(paste.encode(), PROFILE).findings]
    assert "toolkit.no-gpu-driver-selected" in ids and not any((i or "").startswith("family.") for i in ids)


def test_the_suite_leads_a_failed_check_with_its_family_and_healthy_machines_get_none(certify, tmp_path):
    """One process over a folder: two healthy snapshots with one output each replaced by an error no catalog
    signature knows, and the three healthy fixture snapshots as they are."""
    folder = tmp_path / "snapshots"
    folder.mkdir()
    base = json.loads((SNAPSHOTS / "current-healthy.json").read_text())
    ptx = copy.deepcopy(base)
    ptx["metadata"]["hostname"] = "family-ptx"
    nbody = next(k for k in ptx["hosts"]["wsl"] if "nbody" in k and k.startswith("docker run"))
    ptx["hosts"]["wsl"][nbody].update(exit_status=1, stdout='CUDA error at bodysystemcuda_impl.h:197 '
                                      'code=222(cudaErrorUnsupportedPtxVersion) "cudaGetLastError()"\n')
    sigill = copy.deepcopy(base)
    sigill["metadata"]["hostname"] = "family-sigill"
    probe = next(iter(sigill["hosts"]["container:tensorflow"]))
    sigill["hosts"]["container:tensorflow"][probe].update(exit_status=132, stdout="",
                                                          stderr="Illegal instruction (core dumped)\n")
    for name, doc in (("family-ptx", ptx), ("family-sigill", sigill)):
        (folder / f"{name}.json").write_text(json.dumps(doc))
    for name in ("current-healthy", "current-desktop-healthy", "documented-healthy"):
        (folder / f"{name}.json").write_text((SNAPSHOTS / f"{name}.json").read_text())
    run = certify(f"--snapshot={folder}", "--cert-profile", "current", "-q", "-p", "no:html")
    causes = {}
    for path in sorted(run.reports.glob("*/results.json")):
        doc = json.loads(path.read_text())
        causes[doc["machine"]["snapshot"].rpartition("/")[2]] = {
            (c["id"], k["id"]) for c in doc["checks"] for k in c.get("known_causes", []) if k["id"].startswith("family.")}
    assert causes.pop("family-ptx.json") == {("gpu.nbody.runs", "family.cuda.cudaerrorunsupportedptxversion")}
    assert causes.pop("family-sigill.json") == {("jupyter.tensorflow.gpu", "family.crash.sigill")}
    assert causes == {name: set() for name in causes} and len(causes) == 3, causes


def test_no_output_of_a_healthy_fixture_snapshot_decodes():
    for name in ("current-healthy", "current-desktop-healthy", "documented-healthy"):
        doc = json.loads((SNAPSHOTS / f"{name}.json").read_text())
        for host, outputs in doc["hosts"].items():
            for command, out in outputs.items():
                out = out or {}
                text = f"{out.get('stdout', '')}\n{out.get('stderr', '')}"
                assert families.decode(text, command=command, exit_code=out.get("exit_status")) == [], (name, command)


def _corpus(verdict: str) -> list[dict]:
    if not (CORPUS_DIR / "index.yaml").is_file():
        pytest.skip(f"the shared corpus is not here ({CORPUS_DIR}): its transcripts are not part of the project")
    return [e for e in yaml.safe_load((CORPUS_DIR / "index.yaml").read_text()) if e["verdict"] == verdict]


def test_no_healthy_corpus_transcript_gives_a_family_finding():
    healthy = _corpus("healthy")
    for entry in healthy:
        raw = (CORPUS_DIR / "raw" / entry["file"]).read_bytes()
        assert families.decode(raw) == [], entry["file"]
        assert diagnose(raw, PROFILE).findings == [], entry["file"]


def test_families_alone_name_corpus_transcripts_the_catalog_was_written_from():
    """Without the catalog (the families and checks only), a real failure still gets its family's name."""
    expected = {  # corpus file -> a family finding it must show
        "wsl-cli__register-distribution-0x8007019e-component-not-enabled.txt": "family.wsl.error-linux-subsystem-not-present",
        "wsl-cli__import-hcs-e-service-not-available-fr.txt": "family.wsl.hcs-e-service-not-available",
        "nbody__cuda-sample-blackscholes-code35-insufficient-driver-build-18363.txt": "family.cuda.cudaerrorinsufficientdriver",
        "rpy2__r-home-undetermined-during-docker-build.txt": "family.binding.rpy2-r-home",
    }
    files = {e["file"] for e in _corpus("broken")}
    for name, ident in expected.items():
        if name in files:
            assert ident in {m.id for m in families.decode((CORPUS_DIR / "raw" / name).read_bytes())}, name


def test_a_huge_paste_is_bounded():
    text = ("error 0x80370102 cuInit returned 100 libfoo.so: cannot open shared object file exit status 139\n" * 20000
            + "x" * 1_000_000)
    found = families.decode(text)
    assert {m.id for m in found} >= {"family.wsl.hcs-e-hyperv-not-installed", "family.cuda.cuda-error-no-device"}
    assert all(len(m.line) <= 300 for m in found) and re.search("sigsegv", " ".join(m.id for m in found))


@pytest.mark.parametrize("text", [
    "> py_config()\nError in initialize_python(required_module, use_environment) :\n  Python shared library not found, "
    "Python bindings not loaded.",
    "#> python:         /opt/venv/bin/python\n#> libpython:      [NOT FOUND]\n#> pythonhome:     /usr:/usr",
])
def test_reticulate_without_a_shared_libpython(text):
    hit = one(text)
    assert hit.id == "family.binding.reticulate-no-libpython" and "--enable-shared" in fix_text(hit)


# Real wordings from public threads (none of ../shared/reserved-threads.txt): codes no fixture or corpus file shows
REAL_WSL = [
    ("https://github.com/microsoft/WSL/issues/12042", "Error code: Wsl/Service/CreateInstance/CreateVm/HCS/0x8007000d",
     "ERROR_INVALID_DATA"),
    ("https://github.com/microsoft/WSL/issues/10809", "Error code: Wsl/Service/CreateInstance/CreateVm/HCS/0x80070032",
     "ERROR_NOT_SUPPORTED"),
    ("https://github.com/microsoft/WSL/issues/13614", "Incorrect function.\nError code: Wsl/Service/CreateInstance/CreateVm/HCS/0x80070001",
     "ERROR_INVALID_FUNCTION"),
    ("https://github.com/microsoft/WSL/issues/11260", "参数错误。\nError code: Wsl/Service/CreateInstance/CreateVm/HCS/E_INVALIDARG",
     "E_INVALIDARG"),
    ("https://github.com/microsoft/WSL/issues/11677", "PS C:\\> wsl\nThe system cannot find the path specified.\n"
     "Error code: Wsl/Service/CreateInstance/CreateVm/HCS/ERROR_PATH_NOT_FOUND", "ERROR_PATH_NOT_FOUND"),
    ("https://github.com/microsoft/WSL/issues/10917", "Error: 0x80041001\n"
     "Error code: Wsl/Service/CreateInstance/CreateVm/ConfigureGpu/HCS/0x80041001", "0x80041001"),
    ("https://github.com/microsoft/WSL/issues/8693", "Error code: Wsl/Service/CreateInstance/CreateVm/HCS_E_SERVICE_NOT_AVAILABLE",
     "HCS_E_SERVICE_NOT_AVAILABLE"),
]


@pytest.mark.parametrize("url, text, name", REAL_WSL, ids=[u.rpartition("/")[2] for u, _, _ in REAL_WSL])
def test_real_wsl_error_codes_decode(url, text, name):
    hit = one(text)
    assert name in hit.signature.cause and hit.signature.source.startswith("https://")
    assert "0x" in hit.signature.cause  # the value is said, whichever spelling the paste used


def test_a_program_missing_from_the_image_is_no_hook_failure():
    text = ('docker: Error response from daemon: OCI runtime create failed: container_linux.go:370: starting container '
            'process caused: exec: "nvidia-smi": executable file not found in $PATH: unknown.')
    hit = one(text)
    assert hit.id == "family.oci.program-not-in-image" and hit.signature.confidence == "low"
    assert "--gpus all" in hit.signature.cause and "nvidia-container-cli" not in fix_text(hit)
    plain = "docker: Error response from daemon: OCI runtime create failed: unable to retrieve OCI runtime error: unknown."
    assert [m.id for m in families.decode(plain)] == []  # no hook in the chain: nothing to decode


REAL_CHAINS = [  # (thread, the error as it printed it, the decode)
    ("https://github.com/microsoft/WSL/issues/7627",
     "docker: Error response from daemon: OCI runtime create failed: container_linux.go:380: starting container process "
     "caused: process_linux.go:545: container init caused: Running hook #0:: error running hook: exit status 1, stdout: , "
     "stderr: nvidia-container-cli: initialization error: driver error: failed to process request: unknown.",
     "family.oci.driver-request-failed"),
    ("https://github.com/NVIDIA/k8s-device-plugin/issues/219",
     'docker: Error response from daemon: OCI runtime create failed: container_linux.go:349: starting container process '
     'caused "process_linux.go:449: container init caused \\"process_linux.go:432: running prestart hook 0 caused '
     '\\\\\\"error running hook: exit status 1, stdout:, stderr: nvidia-container-cli: initialization error: nvml error: '
     'driver not loaded\\\\\\\\n \\\\\\"\\"": unknown.', "family.oci.nvml-error-driver-not-loaded"),
    ("https://github.com/AbdBarho/stable-diffusion-webui-docker/issues/117",
     "Error response from daemon: failed to create shim task: OCI runtime create failed: runc create failed: unable to "
     "start container process: error during container init: error running hook #0: error running hook: exit status 1, "
     "stdout: , stderr: Auto-detected mode as 'legacy'\nnvidia-container-cli: initialization error: WSL environment "
     "detected but no adapters were found: unknown", "family.oci.no-adapters"),
]


@pytest.mark.parametrize("url, text, ident", REAL_CHAINS, ids=[u.rpartition("/")[2] for u, _, _ in REAL_CHAINS])
def test_real_hook_chains_decode_their_innermost_reason(url, text, ident):
    hit = one(text)
    assert hit.id == ident and "\\" not in hit.signature.cause.partition(". ")[0], hit.signature.cause


REAL_CUDA = [
    ("https://github.com/NVIDIA/cuml/issues/5624",
     "numba.cuda.cudadrv.error.CudaSupportError: Error at driver init: Call to cuInit results in CUDA_ERROR_NO_DEVICE (100)",
     "CUDA_ERROR_NO_DEVICE", "libcuda.so.1 must resolve to /usr/lib/wsl/lib"),
    ("https://github.com/Genesis-Embodied-AI/genesis-world/issues/114",
     "[E 12/20/24 08:45:40.689 2984] [cuda_driver.h:operator()@92] CUDA Error CUDA_ERROR_NO_DEVICE: no CUDA-capable "
     "device is detected while calling init (cuInit)", "CUDA_ERROR_NO_DEVICE", "/dev/dxg"),
    ("https://github.com/jhj0517/Whisper-WebUI/issues/279",
     "Unexpected error from cudaGetDeviceCount(). Did you run some cuda functions before calling NumCudaDevices() that "
     "might have already set an error? Error 500: named symbol not found", "cudaErrorSymbolNotFound", "Docker Desktop"),
    ("https://github.com/microsoft/WSL/issues/6014",
     'CUDA error at BlackScholes.cu:116 code=46(cudaErrorDevicesUnavailable) "cudaMalloc((void **)&d_CallResult, OPT_SZ)"',
     "cudaErrorDevicesUnavailable", "Insider"),
]


@pytest.mark.parametrize("url, text, name, words", REAL_CUDA, ids=[u.rpartition("/")[2] for u, *_ in REAL_CUDA])
def test_real_cuda_errors_decode_to_their_wsl_cause(url, text, name, words):
    hit = one(text)
    assert name in hit.signature.cause and words in hit.signature.cause + fix_text(hit)


def test_the_suite_masks_secrets_a_family_cause_quotes():
    from wslgpu_certify.signatures.known_causes import known_causes

    text = ('docker: Error response from daemon: OCI runtime create failed: container_linux.go:370: starting container '
            'process caused: exec: "https://bob:hunter2@proxy.example/run": executable file not found in $PATH: unknown.')
    causes = known_causes([("docker run --gpus all img", text, 125)], advisory=False)
    assert [c.id for c in causes] == ["family.oci.program-not-in-image"]
    assert "hunter2" not in causes[0].cause + causes[0].line and "<REDACTED>" in causes[0].cause
    assert known_causes([("docker run --gpus all img", text, 125)], advisory=True) == []  # a pass: no family note


# --- WSL's `Error code:` label in the user's language: the Wsl/... path is decoded whatever label precedes it -----
# The labels are WSL's MessageErrorCode in localization/strings/<lang>/Resources.resw (microsoft/WSL, 2026).
WSL_LABELS = ["Error code:", "Foutcode:", "Fehlercode:", "Code d'erreur :", "Código de error:", "Código de erro:",
              "Kód chyby:", "Fejlkode:", "Virhekoodi:", "Hibakód:", "Codice errore:", "エラー コード:", "오류 코드:",
              "Feilkode:", "Kod błędu:", "Код ошибки:", "Felkod:", "Hata kodu:", "错误代码:", "錯誤碼:"]
LOCALISED = [  # (the language-independent path, the code name its row decodes to)
    ("Wsl/Service/CreateInstance/CreateVm/HCS/HCS_E_HYPERV_NOT_INSTALLED", "HCS_E_HYPERV_NOT_INSTALLED"),
    ("Wsl/InstallDistro/WSL_E_DEFAULT_DISTRO_NOT_FOUND", "WSL_E_DEFAULT_DISTRO_NOT_FOUND"),
    ("Wsl/Service/RegisterDistro/ERROR_ALREADY_EXISTS", "ERROR_ALREADY_EXISTS"),
    ("Wsl/Service/0x80370114", "HCS_E_SERVICE_NOT_AVAILABLE"),
]


@pytest.mark.parametrize("label", WSL_LABELS)
@pytest.mark.parametrize("path, name", LOCALISED, ids=[n for _, n in LOCALISED])
def test_a_wsl_path_decodes_under_any_localised_label(label, path, name):
    hit = one(f"Der Vorgang ist fehlgeschlagen.\n{label} {path}\n")
    assert hit.id == "family.wsl." + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-"), hit.id


@pytest.mark.parametrize("text", [
    "Foutcode: Wsl/Service/CreateInstance/CreateVm/HCS/ERROR_PATH_NOT_FOUND",
    "Fehlercode: Wsl/Service/CreateInstance/CreateVm/HCS/ERROR_FILE_NOT_FOUND",
    "WSL installation appears to be corrupted (Error code: Wsl/Service/CreateVm/ERROR_FILE_NOT_FOUND).",
    "Kód chyby: Wsl/Service/CreateInstance/CreateVm/HCS/ERROR_FILE_NOT_FOUND.",  # a full stop after the code
])
def test_a_file_missing_where_the_vm_is_created_is_the_wsl_install(text):
    hit = one(text)
    assert "kernel" in hit.signature.cause and "wsl.exe --update" in fix_text(hit), hit.signature.cause


def test_a_file_missing_elsewhere_keeps_the_distribution_cause():
    hit = one("Código de error: Wsl/Service/RegisterDistro/ERROR_FILE_NOT_FOUND")
    assert "distribution" in hit.signature.cause and "wsl.exe --update" not in fix_text(hit)


@pytest.mark.parametrize("text", [
    "see https://github.com/microsoft/Wsl/ERROR_FILE_NOT_FOUND for details",  # inside a URL
    r"C:\Users\me\Wsl/HCS_E_HYPERV_NOT_INSTALLED",  # inside a file path
    "Foutcode: Wsl/Service/CreateInstance",  # where, but no code
    "MyWsl/Service/ERROR_FILE_NOT_FOUND",  # another word ending in Wsl
])
def test_localised_near_misses_decode_nothing(text):
    assert wsl.decode(text) == [], text


# --- a shell's crash line: the signal, with the command it names -------------------------------------------------
@pytest.mark.parametrize("text, name, command", [
    ("[1]    2231 segmentation fault  python -c 'import torch'", "SIGSEGV", "python -c 'import torch'"),  # zsh job
    ("[3]  + 77 abort      ./deviceQuery", "SIGABRT", "./deviceQuery"),
    ("zsh: illegal hardware instruction  python3 -c 'import tensorflow'", "SIGILL", "python3 -c 'import tensorflow'"),
    ("zsh: killed     python train.py --epochs 50", "SIGKILL", "python train.py --epochs 50"),
    ("zsh: bus error (core dumped)  ./bandwidthTest", "SIGBUS", "./bandwidthTest"),
    ("./train.sh: line 12:  4242 Killed                  python fit.py", "SIGKILL", "python fit.py"),
    ("bash: line 1:   918 Segmentation fault      (core dumped) /usr/lib/wsl/lib/nvidia-smi", "SIGSEGV",
     "/usr/lib/wsl/lib/nvidia-smi"),
    ("Illegal instruction (core dumped)", "SIGILL", ""),
    ("Bus error", "SIGBUS", ""),
    ("Aborted", "SIGABRT", ""),
    ("Fatal Python error: Segmentation fault\n\nCurrent thread 0x00007f (most recent call first):", "SIGSEGV", ""),
])
def test_a_shell_crash_line_is_the_signal_with_its_command(text, name, command):
    hit = one(f"$ run\n{text}\n")
    assert hit.id == f"family.crash.{name.lower()}", hit.id
    assert (f"`{command}` crashed" if command else "The program crashed") in hit.signature.cause


@pytest.mark.parametrize("text", [
    "the job was Killed by the scheduler yesterday",  # the word inside a sentence
    "grep -c 'Segmentation fault' build.log",
    "Segmentation faults are handled by the signal handler",
    "zsh: command not found: nvidia-smi",
    "[1]  + 494 done       nvidia-smi",  # zsh: a job that finished
    "[2]  - 1201 terminated  sleep 100",  # SIGTERM: asked to stop, not a crash line this family reads
])
def test_crash_near_misses_decode_nothing(text):
    assert [hit for hit in families.decode(text) if hit.id.startswith("family.crash.")] == [], text


SEGFAULTS = ["[1]    494 segmentation fault  nvidia-smi", "zsh: segmentation fault  nvidia-smi",
             "Segmentation fault", "bash: line 1:  77 Segmentation fault      (core dumped) nvidia-smi",
             "nvidia-smi exited with status=139", "Fatal Python error: Segmentation fault"]


@pytest.mark.parametrize("text", SEGFAULTS)
def test_the_crashing_driver_release_accepts_every_spelling_of_the_crash(text):
    from wslgpu_certify.signatures import releases

    assert "release.driver-nvidia-smi-segfault" in [hit.id for hit in releases.explains({"driver": "552.44"}, "gpu", text)]
    assert releases.explains({"driver": "537.13"}, "gpu", text) == []  # the good branch


@pytest.mark.parametrize("text", ["zsh: killed  nvidia-smi", "Aborted (core dumped)", "a segmentation of the fault"])
def test_the_crashing_driver_release_wants_a_segfault(text):
    from wslgpu_certify.signatures import releases

    assert releases.explains({"driver": "552.44"}, "gpu", text) == []


# --- every spelling of a failed dlopen --------------------------------------------------------------------------
@pytest.mark.parametrize("text, soname", [
    ("RuntimeError: Failed to dlopen libcuda.so.1", "libcuda.so.1"),
    ("E0101 12:00:00 loader.cc:42] Failed to dlopen libnvidia-ml.so.1", "libnvidia-ml.so.1"),
    ("Could not dlopen /usr/lib/wsl/lib/libdxcore.so", "libdxcore.so"),
    ("warning: unable to dlopen libcuda.so: errno 2", "libcuda.so"),
    ('dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL) failed: file not found', "libcuda.so.1"),
    ('dlopen failed: library "libcuda.so" not found', "libcuda.so"),
    ("OSError: libcuda.so.1: cannot open shared object file: No such file or directory", "libcuda.so.1"),
])
def test_every_dlopen_spelling_names_the_driver_library(text, soname):
    hit = one(text)
    assert hit.id == "family.library." + re.sub(r"[^a-z0-9]+", "-", soname), hit.id
    assert "Windows NVIDIA driver" in hit.signature.cause and "LD_LIBRARY_PATH" in fix_text(hit)


@pytest.mark.parametrize("text", [
    "dlopen libcuda.so.1: ok", "loaded libcuda.so.1 with dlopen", "man 3 dlopen",
    "I0101 dso_loader.cc:53] Successfully opened dynamic library libcudart.so.12",
    "dlopen(libcuda.so.1) = 0x55d0a1 (success)",
])
def test_dlopen_near_misses_decode_nothing(text):
    assert families.decode(text) == [], text


# --- an empty driver library (ldconfig: `File X is empty, not checked`) -----------------------------------------
@pytest.mark.parametrize("text, where", [
    ("ldconfig: File /usr/lib/wsl/lib/libcuda.so is empty, not checked.", "/usr/lib/wsl/lib, where WSL mounts"),
    ("/sbin/ldconfig.real: File /usr/lib64/libnvidia-ml.so.1 is empty, not checked.\n"
     "/sbin/ldconfig.real: /usr/lib64/libnvidia-ml.so.1 is not a symbolic link\n", "/usr/lib64/, where the NVIDIA"),
    ("ldconfig: File /usr/lib/aarch64-linux-gnu/libdxcore.so is too small, not checked.", "aarch64-linux-gnu/, where"),
])
def test_an_empty_driver_library_is_a_placeholder_with_its_fix(text, where):
    hit = one(text)
    assert hit.id == "family.library.empty-driver-library" and hit.signature.layer == "wsl"
    assert where in hit.signature.cause and "docker commit" in fix_text(hit) and "-size 0" in fix_text(hit)


def test_several_empty_driver_libraries_are_one_finding():
    text = "".join(f"ldconfig: File /usr/lib/x86_64-linux-gnu/{name} is empty, not checked.\n"
                   for name in ("libcuda.so.1", "libnvidia-ml.so.1", "libnvcuvid.so.1"))
    found = families.decode(text)
    assert [hit.id for hit in found] == ["family.library.empty-driver-library"]
    assert "libnvcuvid.so.1" in found[0].signature.cause


@pytest.mark.parametrize("text", [
    "/sbin/ldconfig.real: /usr/lib/wsl/lib/libcuda.so.1 is not a symbolic link",  # healthy WSL machines print it
    "ldconfig: File /usr/lib/x86_64-linux-gnu/libfoo.so.2 is empty, not checked.",  # not a driver library
    "File /tmp/notes.txt is empty, not checked.",
])
def test_ldconfig_near_misses_decode_nothing(text):
    assert families.decode(text) == [], text


# --- nvidia-smi's NVML device-handle errors and `No devices were found` -----------------------------------------
@pytest.mark.parametrize("text", [
    "Unable to determine the device handle for GPU0: 0000:3B:00.0: Unknown Error\nNo devices were found",
    "Unable to determine the device handle for GPU1: 00000000:AF:00.0: Not Supported",
    "Unable to determine the device handle for GPU0000:65:00.0: GPU access blocked by the operating system",
])
def test_a_gpu_nvml_cannot_open_is_one_wsl_does_not_get(text):
    hit = one(text)
    assert hit.signature.layer == "gpu" and "TCC" in hit.signature.cause and "-dm 0" in fix_text(hit), hit.id


def test_a_device_handle_error_with_its_own_cause_keeps_it():
    hit = one("Unable to determine the device handle for GPU 0000:01:00.0: Insufficient Permissions")
    assert hit.id == "family.nvml.nvml-error-no-permission" and "/dev/dxg" in hit.signature.cause
    lost = one("Unable to determine the device handle for GPU0000:02:00.0: GPU is lost.  Reboot the system")
    assert lost.id == "family.nvml.nvml-error-gpu-is-lost" and "TCC" not in lost.signature.cause


def test_no_devices_found_alone():
    hit = one("$ nvidia-smi\nNo devices were found\n")
    assert hit.id == "family.nvml.no-devices-found" and "--gpus all" in fix_text(hit)


@pytest.mark.parametrize("text", [
    "grep 'No devices were found' smi.log", "lsusb: No devices were found.",
    "If nvidia-smi says No devices were found, check the driver",
    "Unable to determine the device handle? See the FAQ",
])
def test_nvml_near_misses_decode_nothing(text):
    assert [hit for hit in families.decode(text) if hit.id.startswith("family.nvml.")] == [], text


@pytest.mark.parametrize("text, ident", [
    ("2025-01-01 W tensorflow/core/common_runtime/gpu/gpu_device.cc:2343] Cannot dlopen some GPU libraries. Please "
     "make sure the missing libraries mentioned above are installed properly if you would like to use GPU.",
     "family.library.tensorflow-gpu-libraries"),  # TF 2.14+: no library named above it
    ("W dso_loader.cc:64] Could not load dynamic library 'libcudnn.so.9'; dlerror: libcudnn.so.9: cannot open shared "
     "object file\nW gpu_device.cc:1850] Cannot dlopen some GPU libraries.", "family.library.libcudnn-so-9"),  # named
])
def test_tensorflows_gpu_library_summary(text, ident):
    hit = one(text)
    assert hit.id == ident and hit.signature.layer == "gpu" and "[and-cuda]" in fix_text(hit)


def test_tensorflow_loading_its_libraries_is_no_finding():
    assert families.decode("I dso_loader.cc:53] Successfully opened dynamic library libcudart.so.12\n"
                           "I gpu_device.cc:1928] Created device /job:localhost/replica:0/task:0/device:GPU:0") == []


def test_the_context_and_nvidia_smi_tables_name_real_codes_and_build_their_fixes():
    _, by_name = wsl.codes()
    within = tables.causes_within("wsl_causes")
    # "*": any code met in the row's context (HNS's own codes, which no table here lists)
    assert within and all(name in by_name or name == "*" for row in within for name in row["names"])
    assert all(row["contexts"] and row["steps"] for row in within)
    assert set(cuda.nvml_messages()) == {"device-handle", "no-devices-found"}
    assert all(cuda.nvml_messages()[key]["steps"] for key in cuda.nvml_messages())


def test_the_suite_masks_a_secret_in_the_command_a_crash_line_names():
    from wslgpu_certify.signatures.known_causes import known_causes

    text = "zsh: killed  curl -u bob:hunter2 https://proxy.example/model.bin -o m.bin"
    causes = known_causes([("python fetch.py", text, 137)], advisory=False)
    assert "family.crash.sigkill" in [c.id for c in causes]
    assert all("hunter2" not in c.cause + c.line for c in causes)
    assert "<REDACTED>" in next(c.cause for c in causes if c.id == "family.crash.sigkill")


# --- the fallback rule: a `low` (where-to-look) signature no longer hides a family ------------------------------

HOOK = ("docker: Error response from daemon: failed to create task for container: failed to create shim task: OCI "
        "runtime create failed: runc create failed: unable to start container process: error during container init: "
        "error running hook #0: error running hook: exit status 1, stdout: , stderr: Auto-detected mode as 'legacy'\n"
        "nvidia-container-cli: {inner}: unknown.")


@pytest.mark.parametrize("inner, ident, words", [
    ("initialization error: WSL environment detected but no adapters were found", "family.oci.no-adapters",
     "remove the GPU request"),
    ("requirement error: unsatisfied condition: cuda>=12.4, please update your driver to a newer version, or use an "
     "earlier cuda container", "family.oci.cuda-requirement", "NVIDIA_DISABLE_REQUIRE=1"),
    ("initialization error: driver error: failed to process request", "family.oci.driver-request-failed",
     "WSL GPU support"),
])
def test_the_family_is_decoded_beside_a_where_to_look_signature(inner, ident, words, monkeypatch):
    from wslgpu_certify.diagnose import diagnosis
    from wslgpu_certify.signatures import match

    text = HOOK.format(inner=inner)
    low = tuple(hit.signature for hit in match(text) if hit.signature.confidence == "low")
    assert low  # toolkit.prestart-hook-failed: it says where to look, not why
    # only the where-to-look signature in the catalog (a ticket whose specific signature nobody wrote yet)
    monkeypatch.setattr(diagnosis, "match", lambda text, **kw: match(text, catalog=low, **kw))
    result = diagnose(text.encode(), PROFILE)
    family = next(f for f in result.findings if f.signature_id == ident)
    assert words in " ".join(step.text for step in family.fix)
    assert any(f.signature_id in {s.id for s in low} for f in result.findings)  # the low one stays, after it


def test_after_keeps_a_specific_signature_alone():
    from wslgpu_certify.signatures import match

    text = "docker: Error response from daemon: unknown or invalid runtime name: nvidia."
    hits = match(text)
    assert hits and any(h.signature.confidence != "low" for h in hits)
    assert families.after(hits, text) == hits
    low = [h for h in match(HOOK.format(inner="initialization error: WSL environment detected but no adapters were "
                                              "found")) if h.signature.confidence == "low"]
    assert low and any(f.id == "family.oci.no-adapters" for f in families.after(low, HOOK.format(
        inner="initialization error: WSL environment detected but no adapters were found")))


# --- the hook chain: the file the image already has, a chain hard-wrapped at a fixed width ------------------------

@pytest.mark.parametrize("path, inside", [
    ("/var/lib/docker/overlay2/35b2ed80985f/merged/usr/lib/x86_64-linux-gnu/libcuda.so.1",
     "/usr/lib/x86_64-linux-gnu/libcuda.so.1"),
    ("/var/lib/docker/overlay2/0a1b2c/merged/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1",
     "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1"),
    ("/run/containerd/io.containerd.runtime.v2.task/moby/9f8e/rootfs/usr/bin/nvidia-smi", "/usr/bin/nvidia-smi"),
    ("/usr/lib/x86_64-linux-gnu/libnvidia-ptxjitcompiler.so.1", "/usr/lib/x86_64-linux-gnu/libnvidia-ptxjitcompiler.so.1"),
])
def test_a_file_the_image_already_has_is_named_inside_the_image(path, inside):
    hit = one(HOOK.format(inner=f"mount error: file creation failed: {path}: file exists"))
    assert hit.id == "family.oci.file-exists" and f"RUN rm -f {inside}" in fix_text(hit)
    assert inside in hit.signature.cause and "overlay2" not in fix_text(hit)


def test_a_chain_wrapped_mid_word_at_a_fixed_width_is_joined():
    chain = HOOK.format(inner="mount error: file creation failed: /var/lib/docker/overlay2/35b2ed80985f1e2/merged/usr/"
                              "lib/x86_64-linux-gnu/libcuda.so.1: file exists")
    flat = chain.replace("\n", " ")
    wrapped = "\n".join(flat[i:i + 106] for i in range(0, len(flat), 106))
    assert wrapped.count("\n") >= 3
    assert one(wrapped).id == "family.oci.file-exists"


def test_a_table_of_equal_lines_is_never_joined():
    table = "\n".join(["+" + "-" * 80 + "+", "| NVIDIA-SMI 555.85  Driver Version: 555.85  CUDA Version: 12.5" + " " * 17
                       + "|"] * 4)
    assert oci_unwrap(table) == table


def oci_unwrap(text: str) -> str:
    from wslgpu_certify.signatures.families import oci
    return oci.unwrap(text)


# --- the programs' fixed messages (data/messages.toml): several wordings of each, near misses --------------------

MESSAGES = [
    ("I1010 18:04:36.530285 8259 dxcore.c:211] Core Nvidia component libcuda.so.1.1 not found in "
     "/usr/lib/wsl/drivers/u0377383.inf_amd64_30501df11e64fe9a", "family.libnvidia-container.adapter-without-nvidia-libraries"),
    ("I0301 dxcore.c:190] Core Nvidia library libnvidia-ml.so.1 not found in /usr/lib/wsl/drivers/iigd_dch.inf_amd64_1",
     "family.libnvidia-container.adapter-without-nvidia-libraries"),
    ("I0301 dxcore.c:195] No Nvidia Libraries found in /usr/lib/wsl/drivers/iigd_dch.inf_amd64_1",
     "family.libnvidia-container.adapter-without-nvidia-libraries"),
    ("E0301 dxcore.c:245] Found a WDDM adapter running a driver with pre-WDDM 2.8 . Skipping it.",
     "family.libnvidia-container.pre-wddm-2-8"),
    ("E0301 dxcore.c:320] dxcore library is present but the symbol D3DKMTEnumAdapters2 is missing",
     "family.libnvidia-container.dxcore-without-symbols"),
    ("I1016 nvc.c:301] dxcore initialization failed, continuing assuming a non-WSL environment",
     "family.libnvidia-container.dxcore-unavailable"),
    ("E0301 dxcore.c:290] Failed to enumerate adapters via dxcore", "family.libnvidia-container.dxcore-unavailable"),
    ("E0301 dxcore.c:151] The driver store directory '/usr/lib/wsl/drivers/nv_dispi.inf_amd64_9' is not valid",
     "family.libnvidia-container.driver-store-invalid"),
    ("Got permission denied while trying to connect to the Docker daemon socket at unix:///var/run/docker.sock: Get "
     "\"http://%2Fvar%2Frun%2Fdocker.sock/v1.24/containers/json\": dial unix /var/run/docker.sock: connect: permission "
     "denied", "family.docker-client.socket-permission-denied"),
    ("permission denied while trying to connect to the docker API at unix:///var/run/docker.sock",
     "family.docker-client.socket-permission-denied"),
    ("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
     "family.docker-client.daemon-unreachable"),
    ("ERROR: Cannot connect to the Docker daemon at unix:///home/me/.docker/run/docker.sock. Is the docker daemon "
     "running?", "family.docker-client.daemon-unreachable"),
    ("The command 'docker' could not be found in this WSL 2 distro.\nWe recommend to activate the WSL integration in "
     "Docker Desktop settings.", "family.docker-desktop.integration-off"),
    ("error during connect: Get \"http://%2F%2F.%2Fpipe%2FdockerDesktopLinuxEngine/v1.47/version\": open "
     "//./pipe/dockerDesktopLinuxEngine: The system cannot find the file specified.",
     "family.docker-desktop.engine-not-answering"),
    ("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
     "family.docker-client.desktop-unreachable"),
    ("error during connect: open //./pipe/docker_engine: The system cannot find the file specified.",
     "family.docker-desktop.engine-not-answering"),
    ("request returned Internal Server Error for API route and version http://%2F%2F.%2Fpipe%2Fdocker_engine/v1.24/"
     "version, check if the server supports the requested API version", "family.docker-desktop.engine-not-answering"),
    ("running wsl distro proxy in Ubuntu-22.04 distro: running proxy: running wslexec: An error occurred while running "
     "the command. DockerDesktop/Wsl/ExecError: c:\\windows\\system32\\wsl.exe -d ubuntu-22.04 -u root",
     "family.docker-desktop.integration-proxy-failed"),
    ("DockerDesktop/Wsl/ExecError: wsl.exe -d Ubuntu exited with code 1", "family.docker-desktop.integration-proxy-failed"),
    ("docker: Error response from daemon: OCI runtime create failed: container_linux.go:345: starting container "
     "process caused \"process_linux.go:303: getting the final child's pid from pipe caused \\\"EOF\\\"\": unknown.",
     "family.runc.init-pid-eof"),
    ("runc create failed: unable to start container process: getting the final child's pid from pipe caused: EOF",
     "family.runc.init-pid-eof"),
    ("RuntimeError: cuBLAS failed with status CUBLAS_STATUS_NOT_SUPPORTED",
     "family.library-status.cublas-status-not-supported"),
    ("E cuda_driver.cc:313] failed call to cuInit: UNKNOWN ERROR (-1)\nI cuda_diagnostics.cc:163] no NVIDIA GPU device "
     "is present: /dev/nvidia0 does not exist", "family.tensorflow.no-gpu-device-node"),
    ("2024-01-02 I external/local_xla/xla/stream_executor/cuda/cuda_diagnostics.cc:160] no NVIDIA GPU device is present:"
     " /dev/nvidia0 does not exist", "family.tensorflow.no-gpu-device-node"),
    ("RuntimeError: CUDA error: CUBLAS_STATUS_ARCH_MISMATCH when calling `cublasCreate(handle)`",
     "family.library-status.cublas-status-arch-mismatch"),
    ("docker: Error response from daemon: unknown or invalid runtime name: runsc.", "family.docker-daemon.unknown-runtime"),
    ("Error response from daemon: Unknown runtime specified nvidia-experimental", "family.docker-daemon.unknown-runtime"),
    ("System has not been booted with systemd as init system (PID 1). Can't operate.", "family.init.systemd-not-pid1"),
    ("Failed to connect to bus: Host is down", "family.init.systemd-not-pid1"),
    ("docker: unrecognized service", "family.init.unrecognized-service"),
    ("dockerd: unrecognized service", "family.init.unrecognized-service"),
    ("iptables v1.8.7 (nf_tables): RULE_APPEND failed (No such file or directory): rule in chain DOCKER-ISOLATION-STAGE-1",
     "family.iptables.nf-tables-unsupported"),
    ("iptables v1.8.9 (nf_tables): Could not fetch rule set generation id: Invalid argument",
     "family.iptables.nf-tables-unsupported"),
    ("iptables v1.8.7 (legacy): can't initialize iptables table `nat': Table does not exist (do you need to insmod?)",
     "family.iptables.legacy-table-missing"),
    ("iptables v1.6.1: can't initialize iptables table `filter': Table does not exist (do you need to insmod?)",
     "family.iptables.legacy-table-missing"),
    ("bash: nvidia-smi: command not found", "family.shell.nvidia-smi-not-found"),
    ("zsh: command not found: nvidia-smi", "family.shell.nvidia-smi-not-found"),
    ("Command 'nvidia-smi' not found, but can be installed with:", "family.shell.nvidia-smi-not-found"),
    ("-bash: docker: command not found", "family.shell.docker-not-found"),
    ("zsh: command not found: nvidia-ctk", "family.shell.toolkit-not-found"),
    ("bash: nvidia-container-cli: command not found", "family.shell.toolkit-not-found"),
    ("/bin/sh: 1: nvcc: not found\nbash: nvcc: command not found", "family.shell.nvcc-not-found"),
    ("level=warning msg=\"Could not locate libdxcore.so: pattern libdxcore.so not found\"",
     "family.nvidia-ctk.wsl-driver-file-not-located"),
    ("WARN[0000] Could not locate libnvdxgdmal.so.1: pattern libnvdxgdmal.so.1 not found",
     "family.nvidia-ctk.wsl-driver-file-not-located"),
    ("Linux DESKTOP-1 4.4.0-19041-Microsoft #488-Microsoft Mon Sep 01 13:43:00 PST 2020 x86_64 GNU/Linux",
     "family.kernel.wsl1-release"),
    ("Linux version **4.4.0-22621**-Microsoft (Microsoft@Microsoft.com) (gcc version 5.4.0 (GCC) )",
     "family.kernel.wsl1-release"),
    ("Error: only 0 Devices available, 1 requested.  Exiting.", "family.cuda-samples.no-device-available"),
    ("Error: Prerequisites for installing TensorFlow not available.\n\nPlease install the following Python packages "
     "before proceeding: pip, virtualenv", "family.r-tensorflow.install-prerequisites"),
    ("ensuring data disk is available: exit code: 4294967295: running WSL command wsl.exe C:\\Windows\\System32\\wsl.exe "
     "--mount --bare --vhd C:\\Users\\me\\docker_data.vhdx: Copyright (c) Microsoft Corporation. All rights reserved.",
     "family.docker-desktop.wsl-too-old"),
    ("wsl update failed: updating wsl: exit code: 4294967295: running WSL command wsl.exe C:\\Windows\\System32\\wsl.exe "
     "--update --web-download: Invalid command line option: --web-download", "family.docker-desktop.wsl-too-old"),
    ("System.InvalidOperationException: Failed to deploy distro docker-desktop to C:\\Users\\me\\AppData\\Local\\Docker"
     "\\wsl\\distro: exit code: -1", "family.docker-desktop.deploy-distro-failed"),
    ("The requested operation is successful. Changes will not be effective until the system is rebooted.",
     "family.windows.reboot-required"),
    ("mount: /sys/fs/cgroup/cpuset: wrong fs type, bad option, bad superblock on cgroup, missing codepage or helper "
     "program, or other error.", "family.dockerd.cgroup-v1-mount-refused"),
    ("Error in .External2(C_X11, paste0(\"png::\", filename), g$width, g$height,  :\n  unable to start device PNG",
     "family.r-graphics.no-x11-display"),
    ("In png(\"a.png\") : unable to open connection to X11 display ''", "family.r-graphics.no-x11-display"),
    ("Error in .External2(C_X11, d$display, d$width) :\n  unable to start device X11cairo", "family.r-graphics.no-x11-display"),
    ("2: In png(width = 1000, height = 600, file = out) :\n  failed to load cairo DLL", "family.r-graphics.cairo-not-loadable"),
    ("unable to load shared object '/usr/local/lib/R/modules//R_X11.so':", "family.r-graphics.cairo-not-loadable"),
    ("Error in RStudioGD() : \n  Shadow graphics device error: r error 4", "family.r-graphics.rstudio-shadow-device"),
    ("Error in IRkernel::installspec() :\n  jupyter-client has to be installed but \"jupyter kernelspec --version\" "
     "exited with code 127.", "family.irkernel.jupyter-not-runnable"),
    ("jupyter-client has to be installed but “jupyter kernelspec --version” exited with code 1.",
     "family.irkernel.jupyter-not-runnable"),
    ("/usr/bin/ld: cannot find -lcuda: No such file or directory\ncollect2: error: ld returned 1 exit status",
     "family.wsl-driver.libcuda-not-on-path"),
    ("CUDA SETUP: WARNING! libcuda.so not found! Do you have a CUDA driver installed?", "family.bitsandbytes.cuda-setup-failed"),
    ("Warp CUDA error: Could not open libcuda.so.", "family.cuda-loader.unversioned-libcuda"),
    ('RuntimeError: Function "cuInit" not found', "family.cuda-loader.unversioned-libcuda"),
    ("stderr: nvidia-container-cli: container error: cgroup subsystem devices not found: unknown",
     "family.libnvidia-container.cgroup-v2-unsupported"),
    ("nvidia-container-cli: container error: cgroup subsystem devices not found", "family.libnvidia-container.cgroup-v2-unsupported"),
    ("nvidia-container-cli: device error: 3: unknown device: unknown", "family.libnvidia-container.unknown-device"),
    ("Error: package ‘MASS’ was installed by an R version with different internals; it needs to be reinstalled for use "
     "with this R version", "family.r.package-built-for-other-r"),
    ("Error: package 'ggplot2' was installed before R 4.0.0: please re-install it", "family.r.package-built-for-other-r"),
    ('  No font found in CairoFonts() for "Helvetica:style=Regular"', "family.r-graphics.fonts-missing"),
    ("error: a value is required for '--python <PYTHON>' but none was supplied\nuv error code: 2\nError in "
     "uv_get_or_create_env() :", "family.reticulate.uv-env-failed"),
    ("Error : could not find a Python environment for /", "family.reticulate.uv-env-failed"),
    ('Erreur dans system2(uv, c("python list", "--all-versions", "--color never",  :', "family.reticulate.uv-env-failed"),
    ("W gpu_backend_lib.cc:530] Can't find libdevice directory ${CUDA_DIR}/nvvm/libdevice. This may result in "
     "compilation or runtime failures", "family.xla.libdevice-not-found"),
    ("error: libdevice not found at ./libdevice.10.bc", "family.xla.libdevice-not-found"),
    ("R[write to console]: Error in gettext(fmt, domain = domain, trim = trim) :\n  3 arguments passed to "
     ".Internal(gettext) which requires 2", "family.r.two-r-installations"),
    ("Error in paste0(...) : 1 argument passed to .Internal(paste0) which requires 3", "family.r.two-r-installations"),
    ("X11 font -*-helvetica-%s-%s-*-*-%d-*-*-*-*-*-*-*, face 1 at size 28 could not be loaded",
     "family.r-graphics.fonts-missing"),
    ("stderr: nvidia-container-cli: device error: GPU-7e1b2a90-1111-2222-3333-444455556666: unknown device",
     "family.libnvidia-container.unknown-device"),
    ("error=\"symbol lookup for cuCtxCreate_v3 failed: /usr/lib/x86_64-linux-gnu/libcuda.so.418.226.00: undefined "
     "symbol: cuCtxCreate_v3\"", "family.wsl-driver.stale-libcuda"),
    ("OSError: /usr/lib/x86_64-linux-gnu/libcuda.so.1: undefined symbol: cuGetProcAddress_v2",
     "family.wsl-driver.stale-libcuda"),
    ("[ 1234.5] misc dxg: dxgk: dxgkio_make_resident: Ioctl failed: -12", "family.dxgkrnl.out-of-memory"),
    ("torch: 2.11.0+cpu\nCUDA build: None\nCUDA available: False", "family.framework.cpu-only-build"),
    ("2.3.1+cpu", "family.framework.cpu-only-build"),
    ("uv pip install torch==2.6.0 torchvision==0.21.0 --index-url https://download.pytorch.org/whl/cpu",
     "family.framework.cpu-only-build"),
    ("WARNING:absl:No GPU/TPU found, falling back to CPU. (Set TF_CPP_MIN_LOG_LEVEL=0 and rerun for more info.)",
     "family.framework.cpu-only-build"),
    ("2026-07-31T15:43:43Z [rserver] ERROR system error 13 (Permission denied) [path: /var/lib/rstudio-server/secure-"
     "cookie-key]; OCCURRED AT rstudio::core::Error", "family.rstudio-server.state-not-writable"),
    ("[rserver] ERROR system error 13 (Permission denied) [path: /var/run/rstudio-server/rstudio-rserver]",
     "family.rstudio-server.state-not-writable"),
    ("[rserver] ERROR database error 7 (sqlite3_statement_backend::loadOne: attempt to write a readonly database) "
     "[description: Could not delete expired revoked cookies", "family.rstudio-server.state-not-writable"),
    ("PermissionError: [Errno 13] Permission denied: '/home/jovyan/.local'", "family.jupyter-container.home-not-writable"),
    ("jupyter | PermissionError: [Errno 13] Permission denied: '/home/jovyan/.jupyter/lab'",
     "family.jupyter-container.home-not-writable"),
    # WSL's configuration files and Windows builds (tests/signatures/test_families_lastmile.py holds more members and near misses)
    (r"wsl: Unknown key 'boot.systemd' in C:\Users\root\.wslconfig:2", "family.wsl-config.distro-key-in-wslconfig"),
    ("wsl: Unknown key 'wsl2.memory' in /etc/wsl.conf:12", "family.wsl-config.vm-key-in-wsl-conf"),
    (r"wsl: Invalid value '' for config key 'wsl2.networkingMode' in C:\Users\e\.wslconfig:7 (Valid values: mirrored, nat)",
     "family.wsl-config.empty-networking-mode"),
    ("Microsoft Windows [Version 10.0.19041.508]", "family.windows.build-without-gpu-pv"),
]


@pytest.mark.parametrize("text, ident", MESSAGES, ids=[f"{i}-{n}" for n, (_, i) in enumerate(MESSAGES)])
def test_a_programs_message_decodes_to_its_cause(text, ident):
    found = [m.id for m in families.decode(text)]
    assert ident in found, found


@pytest.mark.parametrize("text, kwargs", [
    ("I0301 dxcore.c:271] Adding new adapter via dxcore hAdapter:40000000 luid:c3cd wddm version:3100", {}),
    ("Found a WDDM adapter running a driver with WDDM 3.1", {}),
    ("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n24.0.7",
     {"exit_code": 0}),  # a loop waiting for dockerd: it answered in the end
    ("System has not been booted with systemd as init system (PID 1). Can't operate.",
     {"command": "systemctl is-enabled docker"}),  # a query: the answer is no, not a failure
    ("iptables v1.8.7 (nf_tables): chain `DOCKER' in table `nat' is incompatible, use 'nft' tool.", {}),
    ("Linux version 5.15.153.1-microsoft-standard-WSL2 (root@941d701f84f1) (gcc (GCC) 11.2.0)", {}),
    ("Linux DESKTOP 4.19.128-microsoft-standard #1 SMP Tue Jun 23 12:58:10 UTC 2020 x86_64", {}),
    ("torch 2.3.0+cu121 CUDA build: 12.1", {}),
    ("[ 0.412] misc dxg: dxgk: dxgkio_query_adapter_info: Ioctl failed: -2", {}),
    ("strings /usr/lib/x86_64-linux-gnu/libstdc++.so.6 | grep GLIBCXX_3.4.30\nGLIBCXX_3.4.30", {}),
    ("png 1.6.43 installed; capabilities(\"cairo\") TRUE", {}),
    ("CreateFile C:\\data\\model.bin: The system cannot find the file specified.", {}),  # a generic Win32 text
    ("PermissionError: [Errno 13] Permission denied: '/data/model.bin'", {}),  # not the notebook user's home
    ("[rserver] INFO Starting rserver: no permission problems with /var/lib/rstudio-server", {}),
])
def test_message_near_misses_decode_nothing(text, kwargs):
    assert families.decode(text, **kwargs) == []


def test_message_rows_are_sourced_checked_and_their_bash_parses():
    from wslgpu_certify.signatures.families import messages

    rows = messages.rows()
    assert len({row.id for row in rows}) == len(rows) and all(row.id.startswith("family.") for row in rows)
    assert all(url.startswith("https://") for row in rows for url in row.sources)
    bash = [step.run for row in rows for lineage in (["wsl", "current", "documented"], ["wsl", "documented"],
                                                     ["wsl", "current-desktop", "current", "documented"])
            for step in row.fix_for(lineage) if step.shell == "bash"]
    script = "\n".join(f"f{n}() {{\n{run}\n}}" for n, run in enumerate(bash))
    result = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    covered = {ident for _, ident in MESSAGES}
    assert {row.id for row in rows} <= covered, {row.id for row in rows} - covered  # every row has members above


def test_a_message_row_with_a_2020_recipe_writes_its_current_fix_out():
    from wslgpu_certify.signatures.families import messages

    assert [row.id for row in messages.rows() if "documented" in dict(row.profiles)
            and "current" not in dict(row.profiles)] == []


def test_message_fixes_fit_every_machine():
    from test_fixes_by_profile import MACHINES, what_does_not_stand_alone, what_is_wrong
    from wslgpu_certify.signatures.known_causes import remediation_of
    from wslgpu_certify.profile import fix_lineage, profile_setting
    from wslgpu_certify.signatures.families import messages

    wrong = []
    for name, env in MACHINES:
        profile = load_profile(name)
        for row in messages.rows():
            if (row.engine and row.engine != profile_setting(profile, "docker.engine")) or (
                    env == "linux" and (row.layer == "windows" or row.wsl_only)):
                continue
            rem = remediation_of(row, row.cause, fix_lineage(profile, env))
            wrong += [f"{name}/{env} {row.id}: {w}" for w in what_is_wrong(rem, profile, env) + what_does_not_stand_alone(rem)]
    assert wrong == []


def test_no_message_row_is_learned_from_a_reserved_thread():
    from wslgpu_certify.signatures.families import messages

    shared = Path(os.environ["WSLGPU_CORPUS"]).parent if os.environ.get("WSLGPU_CORPUS") else REPO.parent / "shared"
    if not (shared / "reserved-threads.txt").is_file():
        pytest.skip("the reserved thread list is not here")
    reserved = {line.strip().lower() for line in (shared / "reserved-threads.txt").read_text().splitlines()
                if line.strip() and not line.startswith("#")}
    for row in messages.rows():
        for url in row.sources:
            parts = url.lower().removeprefix("https://github.com/").split("/")
            assert not (len(parts) >= 4 and parts[2] in ("issues", "pull")
                        and f"{parts[0]}/{parts[1]}#{parts[3]}" in reserved), (row.id, url)


# --- CUDA: the GPU's architecture against the build; a code returned while CUDA initialises ---------------------

@pytest.mark.parametrize("text, wheel, words", [
    ("UserWarning: NVIDIA GeForce RTX 5080 with CUDA capability sm_120 is not compatible with the current PyTorch "
     "installation.\nThe current PyTorch install supports CUDA capabilities sm_50 sm_60 sm_70 sm_75 sm_80 sm_86 sm_90.",
     "cu128", "Blackwell"),
    ("NVIDIA B200 with CUDA capability sm_100 is not compatible with the current PyTorch installation. The current "
     "PyTorch install supports CUDA capabilities sm_50 sm_60 sm_70 sm_75 sm_80 sm_86.", "cu128", "12.8"),
    ("NVIDIA GeForce RTX 4090 with CUDA capability sm_89 is not compatible with the current PyTorch installation.\n"
     "The current PyTorch install supports CUDA capabilities sm_37 sm_50 sm_60 sm_70 sm_75 sm_80 sm_86.", "cu118", "Ada"),
])
def test_a_gpu_newer_than_the_build_names_the_cuda_and_wheel_it_needs(text, wheel, words):
    hit = one(text)
    assert hit.id.startswith("family.cuda.pytorch-sm-") and f"whl/{wheel}" in fix_text(hit) and words in hit.signature.cause


def test_a_gpu_older_than_the_build_names_an_older_release():
    hit = one("Tesla K80 with CUDA capability sm_37 is not compatible with the current PyTorch installation.\n"
              "The current PyTorch install supports CUDA capabilities sm_50 sm_60 sm_70 sm_75 sm_80 sm_86 sm_90.")
    assert "older PyTorch release" in fix_text(hit) and "whl/" not in fix_text(hit)


@pytest.mark.parametrize("text", [
    "RuntimeError: Unexpected error from cudaGetDeviceCount(). Did you run some cuda functions before calling "
    "NumCudaDevices() that might have already set an error? Error 2: out of memory",
    "E cuda_driver.cc:282] failed call to cuInit: CUDA_ERROR_OUT_OF_MEMORY: out of memory",
    "cudaGetDeviceCount returned 2 -> out of memory",
])
def test_out_of_memory_while_cuda_initialises_is_the_driver_stack(text):
    hit = next(m for m in families.decode(text) if "memory" in m.id.lower())
    assert "initialising" in hit.signature.cause and "nbody" in fix_text(hit)


def test_out_of_memory_in_an_allocation_keeps_its_plain_cause():
    hit = one("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 8.00 GiB total capacity)")
    assert "initialising" not in hit.signature.cause and "batch size" in fix_text(hit)


def test_insufficient_driver_also_says_no_libcuda_at_all():
    hit = one("CUDA error: CUDA driver version is insufficient for CUDA runtime version (cudaErrorInsufficientDriver)")
    assert "no libcuda at all" in hit.signature.cause and "20145" in fix_text(hit)


# --- ld.so's symbol versions; R embedded by Python; gdb's signal line --------------------------------------------

@pytest.mark.parametrize("text, layer, env_lib", [
    ("Error in py_module_import(module, convert = convert) :\n  ImportError: /lib64/libstdc++.so.6: version "
     "`GLIBCXX_3.4.21' not found (required by /home/u/.local/share/r-miniconda/envs/r-reticulate/lib/python3.6/"
     "site-packages/google/protobuf/pyext/_message.cpython-36m-x86_64-linux-gnu.so)", "rstudio",
     "/home/u/.local/share/r-miniconda/envs/r-reticulate/lib"),
    ("NOTE: Python version was forced by RETICULATE_PYTHON\nImportError: /usr/lib/x86_64-linux-gnu/libstdc++.so.6: "
     "version `GLIBCXX_3.4.26' not found (required by /opt/conda/envs/sc/lib/python3.9/site-packages/scipy/_x.so)",
     "rstudio", "/opt/conda/envs/sc/lib"),
    ("ImportError: /usr/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.30' not found (required by "
     "/home/u/miniconda3/envs/t/lib/python3.11/site-packages/torch/lib/libtorch_cpu.so)", "jupyter",
     "/home/u/miniconda3/envs/t/lib"),
    ("/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by /opt/conda/envs/x/bin/tool)",
     "jupyter", "/opt/conda/envs/x/lib"),
])
def test_an_older_runtime_library_loaded_first_names_whose_lib_to_load(text, layer, env_lib):
    hit = next(m for m in families.decode(text) if m.id.startswith("family.library.") and "glib" in m.id)
    assert hit.signature.layer == layer and f"LD_LIBRARY_PATH={env_lib}" in fix_text(hit)


def test_a_path_from_the_paste_reaches_the_symbol_check_only_plain_and_quoted():
    hit = one("ImportError: /tmp/$(touch x)/libstdc++.so.6: version `GLIBCXX_3.4.30' not found (required by /a/b.so)")
    assert all("$(touch" not in step.run for step in hit.signature.fix)


@pytest.mark.parametrize("text", [
    "/usr/bin/ld: warning: libRblas.so, needed by /usr/lib64/R/lib/libR.so, not found (try using -rpath or -rpath-link)",
    "ld: warning: libRlapack.so, needed by /opt/R/4.3.1/lib/R/lib/libR.so, not found (try using -rpath or -rpath-link)",
])
def test_the_linkers_needed_by_form_is_a_missing_library(text):
    hit = one(text)
    assert hit.id.startswith("family.library.libr") and hit.signature.layer == "rpy2"


@pytest.mark.parametrize("text, name", [
    ("Program received signal SIGSEGV, Segmentation fault.\n0x00007ffff7d1 in ?? () from /usr/lib/wsl/lib/libnvidia-ml.so.1",
     "sigsegv"),
    ("Program terminated with signal SIGABRT, Aborted.", "sigabrt"),
    ("Program received signal SIGBUS, Bus error.", "sigbus"),
])
def test_gdbs_signal_line_is_a_crash(text, name):
    assert one(text).id == f"family.crash.{name}"


def test_a_wsl_nvidia_smi_crash_says_the_windows_one_meanwhile():
    hit = one("[1]    494 segmentation fault  nvidia-smi")
    assert "nvidia-smi.exe" in fix_text(hit) and "driver version" in fix_text(hit)


# --- WSL: what it prints for a code, and a code whose cause depends on where it was met ----------------------------

@pytest.mark.parametrize("text, name", [
    ("WSL2 is not supported with your current machine configuration.\nPlease enable the \"Virtual Machine Platform\" "
     "optional component and ensure virtualization is enabled in the BIOS.\nError code: Wsl/InstallDistro/Service",
     "HCS_E_HYPERV_NOT_INSTALLED"),
    ("WSL2 is unable to start since virtualization is not enabled on this machine.", "HCS_E_HYPERV_NOT_INSTALLED"),
    ("An install, uninstall, or conversion is in progress for this distribution.", "E_ILLEGAL_STATE_CHANGE"),
    ("The operation could not be started because a required feature is not installed.", "HCS_E_SERVICE_NOT_AVAILABLE"),
    (" stdout: The service cannot be started, either because it is disabled or because it has no enabled devices "
     "associated with it.", "ERROR_SERVICE_DISABLED"),
])
def test_wsls_printed_text_decodes_to_its_code(text, name):
    assert one(text).id == "family.wsl." + re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


@pytest.mark.parametrize("path, words", [
    ("Wsl/InstallDistro/HTTP_E_STATUS_NOT_FOUND", "--from-file"),
    ("Wsl/InstallDistro/0x80190194", "--from-file"),
])
def test_a_404_while_installing_a_distribution_is_its_dead_link(path, words):
    hit = one(f"Downloading: Ubuntu\nNot found (404).\nError code: {path}")
    assert words in fix_text(hit) and "distribution list" in hit.signature.cause


def test_a_404_elsewhere_keeps_the_download_cause():
    hit = one("Checking for updates.\nError code: Wsl/UpdatePackage/HTTP_E_STATUS_NOT_FOUND")
    assert "distribution list" not in hit.signature.cause and "--web-download" in fix_text(hit)


def test_a_leftover_registration_is_named_for_an_install_in_an_illegal_state():
    hit = one("Installing...\nERROR:Installation Failed!\nHRESULT:0x8000000d")
    assert "wsl --unregister" in fix_text(hit) and "Lxss" in fix_text(hit)


@pytest.mark.parametrize("text, words", [
    ("Error code: Wsl/Service/RegisterDistro/0x8007019e", "Microsoft-Windows-Subsystem-Linux"),
    ("Error code: Wsl/Service/CreateInstance/CreateVm/HCS/HCS_E_SERVICE_NOT_AVAILABLE", "VirtualMachinePlatform"),
    ("WslRegisterDistribution failed with error: 0x800701bc", "wsl_update_x64.msi"),
    ("Error code: Wsl/0x80070424", "Program Install and Uninstall troubleshooter"),
    ("Error code: Wsl/Service/RegisterDistro/0xc03a001a", "Compress contents"),
    ("WslRegisterDistribution failed with error: 0xc03a001a", "disablecompression"),
    ("Update failed (exit code: 1618).\nError code: Wsl/UpdatePackage/ERROR_INSTALL_ALREADY_RUNNING", "Windows Update"),
    ("Error code: Wsl/UpdatePackage/0x80070643", "Uninstall the current WSL package"),
    ("Error code: Wsl/UpdatePackage/RPC_S_CALL_FAILED", "--web-download"),
    ("Error code: Wsl/InstallDistro/WININET_E_NAME_NOT_RESOLVED", "netsh winsock reset"),
    ("The parameter is incorrect.\nError code: Wsl/Service/AttachDisk/E_INVALIDARG", "--vhd"),
    ("Failed to attach disk '\\\\?\\I:\\d.vhdx' to WSL2: Access is denied.\nError code: Wsl/Service/AttachDisk/MountVhd/HCS/"
     "E_ACCESSDENIED", "write permission"),
    ("WSL is finishing an upgrade...\nCatastrophic failure\nError code: Wsl/CallMsi/Install/E_UNEXPECTED", "wsl --version"),
])
def test_wsl_install_codes_give_microsofts_manual_steps_too(text, words):
    assert words in fix_text(one(text))


# --- reticulate: which Python was bound, and why ----------------------------------------------------------------

@pytest.mark.parametrize("text, asked", [
    ('> use_virtualenv("/verona/software/Python3")\n> import("torchtuples")\nError in py_module_import(module) :\n'
     "  ModuleNotFoundError: No module named 'torchtuples'\n> py_config()\npython:         /usr/bin/python3\n",
     "/verona/software/Python3"),
    ('reticulate::use_python("/opt/py311/bin/python", required = FALSE)\npy_config()\npython:         '
     "/home/u/.virtualenvs/r-reticulate/bin/python\n", "/opt/py311/bin/python"),
    ('use_condaenv("/opt/miniconda3/envs/tf")\npython:         /usr/bin/python3.10\n', "/opt/miniconda3/envs/tf"),
])
def test_a_use_call_after_python_started_is_said(text, asked):
    hit = next(m for m in families.decode(text) if m.id == "family.binding.reticulate-bound-too-late")
    assert asked in hit.signature.cause and "required = TRUE" in fix_text(hit)


@pytest.mark.parametrize("text", [
    'use_virtualenv("/home/u/venvs/tf")\npython:         /home/u/venvs/tf/bin/python\n',  # the asked one is bound
    'use_condaenv("r-reticulate")\npython:         /home/u/miniconda3/envs/r-reticulate/bin/python\n',  # a name
])
def test_the_asked_python_bound_is_no_finding(text):
    assert all(m.id != "family.binding.reticulate-bound-too-late" for m in families.decode(text))


def test_a_module_missing_from_rs_python_says_how_to_see_why_that_python():
    hit = one("Error: ModuleNotFoundError: No module named 'tensorflow'\n\nDetailed traceback:\n  File \"x.py\"")
    assert "Sys.unsetenv('RETICULATE_PYTHON')" in fix_text(hit) and "py_config()" in fix_text(hit)


@pytest.mark.parametrize("text", [
    "python:         /usr/bin/python3\nlibpython:      /usr/lib/libpython3.12.so.1.0\nnumpy:           [NOT FOUND]\n",
    "> reticulate::py_discover_config()\npython:         /usr/local/bin/python3\nnumpy:           [NOT FOUND]\n",
])
def test_numpy_not_found_alone_is_no_failure(text):
    assert families.decode(text) == []


def test_numpy_not_found_beside_a_failure_is_named():
    text = ("Error: Installation of TensorFlow not found.\n\nPython environments searched for 'tensorflow' package:\n"
            "python:         /usr/bin/python3\nnumpy:           [NOT FOUND]\n")
    assert "family.binding.reticulate-numpy" in [m.id for m in families.decode(text)]


@pytest.mark.parametrize("text, layer, package", [
    ("Error: package or namespace load failed for 'stringi':\n unable to load shared object '/usr/local/lib/R/site-"
     "library/stringi/libs/stringi.so':\n  libicuuc.so.70: cannot open shared object file", "rstudio", "libicu70"),
    ("Error: package or namespace load failed for 'foo':\n unable to load shared object '/usr/local/lib/R/site-"
     "library/foo/libs/foo.so':\n  libnotareal-thing.so.3: cannot open shared object file", None, None),  # not listed
    ("Error in dyn.load(file, DLLpath = DLLpath, ...) :\n  unable to load shared object '/usr/local/lib/R/library/XML/"
     "libs/XML.so':\n  libxml2.so.2: cannot open shared object file: No such file or directory", "rstudio", "libxml2"),
    ("/usr/local/lib/R/bin/exec/R: error while loading shared libraries: libpcre2-8.so.0: cannot open shared object "
     "file: No such file or directory", "rstudio", "libpcre2-8-0"),
    ("ImportError: libGL.so.1: cannot open shared object file: No such file or directory", "jupyter", "libgl1"),
    ("ImportError: libgthread-2.0.so.0: cannot open shared object file: No such file or directory", "jupyter",
     "libglib2.0-0"),
])
def test_a_distribution_library_names_its_package(text, layer, package):
    hit = one(text)
    if package is None:  # no package guessed: apt-file finds the one that ships the soname
        assert "apt-file search" in fix_text(hit) and "apt-get install -y lib" not in fix_text(hit)
    else:
        assert hit.signature.layer == layer and f"sudo apt-get install -y {package}" in fix_text(hit)


def test_pip_cuda_wheels_not_found_point_at_their_lib_folders():
    hit = one("W tensorflow/core/common_runtime/gpu/gpu_device.cc:2256] Cannot dlopen some GPU libraries. Please make "
              "sure the missing libraries mentioned above are installed properly")
    assert "site-packages/nvidia/*/lib" in fix_text(hit) and "LD_LIBRARY_PATH" in fix_text(hit)


@pytest.mark.parametrize("text, words", [
    ("ImportError: cannot import name 'contextfilter' from 'jinja2' (/usr/lib/python3/dist-packages/jinja2/__init__.py)",
     "jinja2<3.1"),
    ("ImportError: cannot import name 'Markup' from 'jinja2' (/opt/conda/lib/python3.11/site-packages/jinja2/__init__.py)",
     "jinja2<3.1"),
    ("ImportError: cannot import name 'soft_unicode' from 'markupsafe' (/usr/local/lib/python3.9/markupsafe/__init__.py)",
     "markupsafe<2.1"),
    ("ImportError: cannot import name 'Mapping' from 'collections' (/usr/lib/python3.10/collections/__init__.py)",
     "collections.abc"),
])
def test_a_name_a_release_removed_names_the_release(text, words):
    hit = one(text)
    assert hit.signature.layer == "jupyter" and words in fix_text(hit) + hit.signature.cause


@pytest.mark.parametrize("text, module", [
    ("ImportError: cannot import name 'KernelClient' from 'jupyter_client' (/usr/local/lib/python3.12/dist-packages/"
     "jupyter_client/__init__.py)", "jupyter_client"),
    ("ImportError: cannot import name 'cached_download' from 'huggingface_hub' (/x/huggingface_hub/__init__.py)",
     "huggingface_hub"),
])
def test_an_unlisted_name_says_the_releases_do_not_match(text, module):
    hit = one(text)
    assert "pip check" in fix_text(hit) and f"Reinstall {module}" in fix_text(hit)


def test_the_removed_names_table_has_its_sources():
    from wslgpu_certify.signatures.families import bindings

    rows = bindings.removed_names()
    assert rows and all(row["source"].startswith("https://") and row["fix"] and row["removed"] for row in rows.values())


@pytest.mark.parametrize("text, two", [
    ("Looking for R's HOME:\n    Environment variable R_HOME: /Library/Frameworks/R.framework/Versions/4.2-arm64/R\n"
     "    Calling `R RHOME`: /opt/homebrew/envs/sc/lib/R\n", True),
    ("Looking for R's HOME:\n    Environment variable R_HOME: /usr/lib/R\n    Calling `R RHOME`: /usr/lib/R\n", False),
])
def test_rpy2_situation_with_two_r_homes(text, two):
    assert ("family.binding.rpy2-two-r-homes" in [m.id for m in families.decode(text)]) is two


@pytest.mark.parametrize("text, name, layer", [
    ("import rpy2.robjects\nProcess finished with exit code -1073740791 (0xC0000409)", "status-stack-buffer-overrun", "rpy2"),
    ("python train.py exited with code 3221225477", "status-access-violation", "windows"),  # no command: Windows'
    ("The process exited with code 0xC0000135.", "status-dll-not-found", "windows"),
    ("[process exited with code 3221225725 (0xc00000fd)]", "status-stack-overflow", "windows"),
])
def test_a_windows_exit_code_that_is_an_exception_is_a_crash(text, name, layer):
    found = families.decode(text)
    assert found[0].id == f"family.crash.{name}" and found[0].signature.layer == layer
    assert not any(m.id.startswith("family.wsl.") for m in found)  # an NTSTATUS exit is no WSL error


@pytest.mark.parametrize("text", [
    "Process finished with exit code 0",
    "Process finished with exit code 1",
    "[process exited with code 4294967295 (0xffffffff)]",
])
def test_an_ordinary_windows_exit_code_is_no_crash(text):
    assert not any(m.id.startswith("family.crash.status-") for m in families.decode(text))
