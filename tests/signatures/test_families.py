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
    ("OSError: cannot load library '/usr/lib/R/lib/libR.so': libRlapack.so: cannot open shared object file", "rstudio", "R_HOME"),
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
     None, "rpy2"),  # the catalog's rpy2.r-package-missing: a signature wins
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
    assert within and all(name in by_name for row in within for name in row["names"])
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
