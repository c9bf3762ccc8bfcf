"""The frameworks' families (families/frameworks.py): each family in several wordings, most of them not any
transcript's, decoded to its cause and its fix; near misses and healthy outputs decode nothing.

Families: a dlopen of the unversioned libcuda.so (Warp, cuda-python, numba, cudarc, Triton), bitsandbytes' CUDA
set-up, XLA's ptxas, JAX's CUDA backend, Triton, PyTorch's allocator refusing an allocation with memory free, NCCL's result codes (and NCCL before 2.10.3 on WSL), cuBLAS/cuDNN status codes,
TensorFlow 2.11+ without a GPU, and podman asked for a CDI device it cannot resolve.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from suite_run import CORPUS, REPO

sys.path.insert(0, str(REPO / "plugins"))

from wslgpu_certify.diagnose.diagnosis import diagnose  # noqa: E402
from wslgpu_certify.profile import load_profile  # noqa: E402
from wslgpu_certify.signatures import families  # noqa: E402
from wslgpu_certify.signatures.families import frameworks, tables  # noqa: E402

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

PROFILE = load_profile("current")
REAL = REPO / "tests" / "real"
CORPUS_DIR = Path(os.environ.get("WSLGPU_CORPUS", CORPUS))


def ids(text: str) -> list[str]:
    return [m.id for m in families.decode(text)]


def found(text: str, ident: str):
    hits = {m.id: m for m in families.decode(text)}
    assert ident in hits, f"{ident} not decoded from {text!r}: {list(hits)}"
    return hits[ident].signature


def fix_text(sig) -> str:
    return " ".join(step.run or step.say for step in sig.fix)


# --- the tables: every code of each source, each row with its source -----------------------------------------

def test_the_tables_list_their_whole_enums_with_sources():
    nccl = tables.causes("nccl")
    assert sorted(row["number"] for row in nccl.values()) == list(range(1, 9))  # ncclResult_t without ncclSuccess
    status = tables.causes("library_status")
    cublas = {"NOT_INITIALIZED", "ALLOC_FAILED", "INVALID_VALUE", "ARCH_MISMATCH", "MAPPING_ERROR", "EXECUTION_FAILED",
              "INTERNAL_ERROR", "NOT_SUPPORTED", "LICENSE_ERROR"}  # cublas_api.h
    cudnn8 = {"NOT_INITIALIZED", "ALLOC_FAILED", "BAD_PARAM", "INTERNAL_ERROR", "INVALID_VALUE", "ARCH_MISMATCH",
              "MAPPING_ERROR", "EXECUTION_FAILED", "NOT_SUPPORTED", "LICENSE_ERROR", "RUNTIME_PREREQUISITE_MISSING",
              "RUNTIME_IN_PROGRESS", "RUNTIME_FP_OVERFLOW", "VERSION_MISMATCH"}  # cudnn_ops_infer.h (cuDNN 8)
    assert {f"CUBLAS_STATUS_{n}" for n in cublas} <= set(status) and {f"CUDNN_STATUS_{n}" for n in cudnn8} <= set(status)
    for name in ("nccl", "library_status"):
        assert tables.table(name)["source"].startswith("https://")
        assert all(row["source"].startswith("https://") for row in tables.table(name)["cause"])
    for sig in frameworks.rows():
        assert sig.id.startswith("family.") and all(url.startswith("https://") for url in sig.sources), sig.id


def test_the_unversioned_libcuda_fix_is_the_checks_own():
    """The family's fix is wsl.driver.libcuda_unversioned's (checks/wsl.toml): the same links directory, ldconfig,
    the same check of the cache; then LD_LIBRARY_PATH (the check's `export` alone, written where a shell reads it)."""
    check = tomllib.loads((REPO / "checks" / "wsl.toml").read_text())["wsl.driver.libcuda_unversioned"]["fix"]
    family = next(s for s in frameworks.rows() if s.id == "family.cuda-loader.unversioned-libcuda")
    assert [s.get("run") for s in check[:4]] == [s.run or None for s in family.fix[:4]]
    assert "export LD_LIBRARY_PATH=/usr/lib/wsl/lib:$LD_LIBRARY_PATH" in family.fix[-1].run and family.wsl_only


def test_every_bash_step_parses():
    """One `bash -n` over every bash command of the frameworks' tables (one process, each command a function)."""
    steps = [step for row in frameworks.rows() for step in row.fix]
    for name in ("nccl", "library_status"):
        steps += [step for row in tables.causes(name).values() for step in row["steps"]]
    steps += tables.steps(tables.table("nccl")["wsl_topology"]["fix"], "nccl")
    runs = [step.run for step in steps if step.run and step.shell == "bash"]
    script = "".join(f"step_{n}() {{\n{run}\n}}\n" for n, run in enumerate(runs))
    checked = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True)
    assert len(runs) >= 25 and checked.returncode == 0, checked.stderr


# --- the catalog-format rows, several wordings each ---------------------------------------------------------------

@pytest.mark.parametrize("text, ident, words", [
    ("Warp CUDA error: Could not open libcuda.so.\nWarp 1.0.2 initialized:\n   CUDA not available",
     "family.cuda-loader.unversioned-libcuda", "ld.wsl-links.conf"),
    ('  File "cuda/_cuda/ccuda.pyx", line 3556, in cuda._cuda.ccuda._cuDeviceGetCount\n'
     'RuntimeError: Function "cuDeviceGetCount" not found', "family.cuda-loader.unversioned-libcuda", "LD_LIBRARY_PATH"),
    ("numba.cuda.cudadrv.error.CudaSupportError: Error at driver init: CUDA driver library cannot be found.\nIf you "
     "are sure that a CUDA driver is installed, try setting environment variable NUMBA_CUDA_DRIVER",
     "family.cuda-loader.unversioned-libcuda", "sudo ldconfig"),
    ('thread \'main\' panicked: Unable to dynamically load the "cuda" shared library - searched for library names: '
     '["cuda", "nvcuda"]', "family.cuda-loader.unversioned-libcuda", "/usr/lib/wsl/lib2"),
    ("  File \"triton/common/build.py\", line 30, in libcuda_dirs\n    assert any(os.path.exists(os.path.join(path, "
     "'libcuda.so')) for path in dirs), msg\nAssertionError: libcuda.so cannot found!",
     "family.cuda-loader.unversioned-libcuda", "ldconfig -p"),
    ("CUDA SETUP: WARNING! libcuda.so not found! Do you have a CUDA driver installed?",
     "family.bitsandbytes.cuda-setup-failed", "LD_LIBRARY_PATH=/usr/lib/wsl/lib"),
    ("CUDA_SETUP: WARNING! libcudart.so not found in any environmental path. Searching /usr/local/cuda/lib64...",
     "family.bitsandbytes.cuda-setup-failed", "bitsandbytes"),
    ("UserWarning: The installed version of bitsandbytes was compiled without GPU support. 8-bit optimizers and GPU "
     "quantization are unavailable.", "family.bitsandbytes.cuda-setup-failed", "pip install -U bitsandbytes"),
    ("RuntimeError:\n        CUDA Setup failed despite GPU being available. Please run the following command",
     "family.bitsandbytes.cuda-setup-failed", "python -m bitsandbytes"),
    ("W tensorflow/compiler/xla/stream_executor/gpu/asm_compiler.cc:115] Couldn't get ptxas version string: INTERNAL: "
     "Couldn't invoke ptxas --version", "family.xla.ptxas-not-found", "which ptxas"),
    ("INTERNAL: ptxas could not be found, please check the CUDA installation", "family.xla.ptxas-not-found", "cuda12"),
    ("An NVIDIA GPU may be present on this machine, but a CUDA-enabled jaxlib is not installed. Falling back to cpu.",
     "family.jax.cuda-backend-unavailable", 'jax[cuda12]'),
    ("E0101 xla_bridge.py:894] Unable to initialize backend 'cuda': FAILED_PRECONDITION: No visible GPU devices.",
     "family.jax.cuda-backend-unavailable", "jax.devices()"),
    ("CUDA backend failed to initialize: Found cuDNN version 8600, but JAX was built against version 8900.",
     "family.jax.cuda-backend-unavailable", "LD_LIBRARY_PATH"),
    ("torch._inductor.exc.TritonMissing: Cannot find a working triton installation. Either the package is not "
     "installed or it is too old.", "family.triton.not-installed", "WSL 2"),
    ("RuntimeError: Found Tesla P100-PCIE-16GB which is too old to be supported by the triton GPU compiler, which is "
     "used as the backend. Triton only supports devices of CUDA Capability >= 7.0", "family.triton.gpu-too-old",
     "compute_cap"),
    ("E external/local_xla/xla/stream_executor/cuda/cuda_driver.cc:282] failed call to cuInit: CUDA_ERROR_UNKNOWN\n"
     "I cuda_diagnostics.cc:163] no NVIDIA GPU device is present: /dev/nvidia0 does not exist",
     "family.tensorflow.no-gpu-device-node", "--gpus all"),
    ("ERROR: Unexpected bus error encountered in worker. This might be caused by insufficient shared memory (shm).",
     "family.pytorch.dataloader-shared-memory", "--ipc=host"),
    ("RuntimeError: DataLoader worker (pid 4242) is killed by signal: Bus error. It is possible that dataloader's "
     "workers are out of shared memory.", "family.pytorch.dataloader-shared-memory", "shm_size"),
    ("RuntimeError: unable to write to file </torch_311_2875871013_0>: No space left on device (28)",
     "family.pytorch.dataloader-shared-memory", "num_workers=0"),
    ("RuntimeError: Detected that PyTorch and torchvision were compiled with different CUDA major versions. PyTorch "
     "has CUDA Version=11.8 and torchvision has CUDA Version=12.1.", "family.torchvision.cuda-version-mismatch",
     "--force-reinstall torch torchvision"),
    ("E tensorflow/stream_executor/cuda/cuda_dnn.cc:362] Loaded runtime CuDNN library: 8.1.0 but source was compiled "
     "with: 8.6.0.  CuDNN library needs to have matching major version", "family.tensorflow.cudnn-version-mismatch",
     "ldconfig -p | grep libcudnn"),
    ("tensorflow.python.framework.errors_impl.UnimplementedError: DNN library is not found.",
     "family.tensorflow.cudnn-version-mismatch", "tensorflow[and-cuda]"),
    ("[W:onnxruntime:Default, onnxruntime_pybind_state.cc:965 CreateExecutionProviderInstance] Failed to create "
     "CUDAExecutionProvider. Require cuDNN 9.* and CUDA 12.*.", "family.onnxruntime.cuda-provider-unavailable",
     "onnxruntime-gpu"),
    ("UserWarning: Specified provider 'CUDAExecutionProvider' is not in available provider names.Available "
     "providers: 'AzureExecutionProvider, CPUExecutionProvider'", "family.onnxruntime.cuda-provider-unavailable",
     "get_available_providers"),
    ("tensorflow.python.framework.errors_impl.UnknownError:  Failed to get convolution algorithm. This is probably "
     "because cuDNN failed to initialize, so try looking to see if a warning log message was printed above.",
     "family.tensorflow.cudnn-handle-failed", "TF_FORCE_GPU_ALLOW_GROWTH=true"),
    ("E tensorflow/stream_executor/cuda/cuda_dnn.cc:329] Could not create cudnn handle: CUDNN_STATUS_NOT_INITIALIZED",
     "family.tensorflow.cudnn-handle-failed", "set_memory_growth"),
    ("cupy.cuda.compiler.CompileException: nvrtc: error: invalid value for --gpu-architecture (-arch)",
     "family.nvrtc.gpu-architecture-unknown", "cu128"),
    ("RuntimeError: nvrtc: error: invalid value for --gpu-architecture (-arch)\nnvrtc compilation failed",
     "family.nvrtc.gpu-architecture-unknown", "nvidia-cuda-nvrtc-cu12"),
    ("Error: stat nvidia.com/gpu=all: no such file or directory", "family.podman.cdi-unsupported", "4.1.0"),
])
def test_framework_messages_decode_to_their_family_and_fix(text, ident, words):
    sig = found(text, ident)
    assert sig.layer in ("gpu", "docker") and words in fix_text(sig), fix_text(sig)


@pytest.mark.parametrize("text", [
    "Warp 1.0.2 initialized:\n   CUDA Toolkit 12.4, Driver 12.6\n   Devices:\n     \"cuda:0\"   : NVIDIA GeForce RTX 4090",
    "CUDA SETUP: CUDA runtime path found: /usr/lib/x86_64-linux-gnu/libcudart.so\nCUDA SETUP: Loading binary "
    "/venv/lib/python3.10/site-packages/bitsandbytes/libbitsandbytes_cuda121.so...",
    "I external/xla/xla/service/service.cc:168] XLA service 0x55d initialized for platform CUDA (this does not "
    "guarantee that XLA will be used). Devices:",
    "[CudaDevice(id=0)]",
    "$ pip install torch torchvision --index-url https://download.pytorch.org/whl/cu121",
    "torch: 2.5.1+cu124\nCUDA build: 12.4\nCUDA available: True",
    "2023-04-06 W tensorflow/compiler/tf2tensorrt/utils/py_utils.cc:38] TF-TRT Warning: Could not find TensorRT",
    "I tensorflow/core/common_runtime/gpu/gpu_device.cc:1635] Created device /job:localhost/replica:0/task:0/device:"
    "GPU:0 with 21458 MB memory: -> device: 0, name: NVIDIA GeForce RTX 4090, compute capability: 8.9",
    "successful NUMA node read from SysFS had negative value (-1), but there must be at least one NUMA node",
    "tensorflow 2.15.1\nNum GPUs Available:  1",
    "Tensor Flow Version: 2.10.1\nGPU is NOT AVAILABLE",  # 2.10 still has a Windows GPU build: not this family
    "NCCL version 2.18.1+cuda12.1\nDESKTOP:123:123 [0] NCCL INFO Bootstrap : Using eth0:172.20.1.2<0>",
    "cublasStatus_t status = cublasCreate(&handle); // CUBLAS_STATUS_SUCCESS",
    "| 0 N/A N/A 1234 C python3 12000MiB |\nMemory-Usage: 12000MiB / 24564MiB",
    "I cuda_dnn.cc:424] Loaded cuDNN version 8906",  # TensorFlow's healthy start
    "['CUDAExecutionProvider', 'CPUExecutionProvider']",  # ONNX Runtime with its CUDA provider
    "RuntimeError: DataLoader worker (pid 77) is killed by signal: Killed.",  # the OOM killer, not shared memory
])
def test_healthy_framework_words_decode_nothing(text):
    assert frameworks.decode(text) == [] and ids(text) == [], ids(text)


# --- NCCL ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, ident, words", [
    ("torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/NCCLUtils.hpp:219, unhandled "
     "system error (run with NCCL_DEBUG=INFO for details), NCCL version 2.18.1\nncclSystemError: System call (e.g. "
     "socket, malloc) or external library call failed or device error.", "family.nccl.ncclsystemerror", "--shm-size"),
    ("RuntimeError: NCCL error in: /opt/pytorch/torch/lib/c10d/ProcessGroupNCCL.cpp:825, unhandled system error, "
     "NCCL version 2.7.8", "family.nccl.before-2-10-3-on-wsl", "torch.cuda.nccl.version()"),
    ("Rank 0 Pid 311 on WIN-PC device 0 [0x01] NVIDIA GeForce RTX 3090\nNCCL version 2.9.9+cuda11.3\n"
     "WIN-PC: Test NCCL failure common.cu:892 'unhandled cuda error'", "family.nccl.before-2-10-3-on-wsl", "2.10.3"),
    ("WIN-PC:311:330 [0] graph/xml.cc:332 NCCL WARN Could not find real path of /sys/class/pci_bus/0000:01/../../"
     "0000:01:00.0\nWIN-PC:311:330 [0] NCCL INFO graph/topo.cc:522 -> 2", "family.nccl.before-2-10-3-on-wsl",
     "NCCL 2.10.3"),
    ("NCCL version 2.21.5+cuda12.4\nbox: Test NCCL failure common.cu:1005 'invalid usage (run with NCCL_DEBUG=WARN "
     "for details)'", "family.nccl.ncclinvalidusage", "nproc_per_node"),
    ("torch.distributed.DistBackendError: [2] is setting up NCCL communicator and retrieving ncclUniqueId from [0] "
     "failed\nncclRemoteError: A call failed possibly due to a network error or a remote process exiting prematurely.",
     "family.nccl.ncclremoteerror", "dmesg"),
    ("RuntimeError: NCCL Error 1: unhandled cuda error (NCCL version 2.19.3)", "family.nccl.ncclunhandledcudaerror",
     "NCCL_P2P_DISABLE=1"),
])
def test_nccl_codes_decode_with_the_release_that_matters_on_wsl(text, ident, words):
    sig = found(text, ident)
    assert sig.layer == "gpu" and words in fix_text(sig) and sig.source.startswith("https://"), fix_text(sig)


def test_an_nccl_older_than_2_10_3_is_said_with_its_version_and_code():
    sig = found("RuntimeError: NCCL error in: x.cpp:1, unhandled system error, NCCL version 2.7.8",
                "family.nccl.before-2-10-3-on-wsl")
    assert "ncclSystemError" in sig.cause and "2.7.8" in sig.cause and "7e515921" in sig.source


# --- cuBLAS / cuDNN status codes -----------------------------------------------------------------------------------

@pytest.mark.parametrize("text, ident, words", [
    ("RuntimeError: CUDA error: CUBLAS_STATUS_NOT_SUPPORTED when calling `cublasGemmEx( handle, opa, opb, m, n, k)`",
     "family.library-status.cublas-status-not-supported", "cu128"),
    ("RuntimeError: cuBLAS failed with status CUBLAS_STATUS_ARCH_MISMATCH",
     "family.library-status.cublas-status-arch-mismatch", "get_arch_list"),
    ("RuntimeError: cuDNN error: CUDNN_STATUS_NOT_INITIALIZED", "family.library-status.cudnn-status-not-initialized",
     "nvidia-smi"),
    ("Could not create cudnn handle: CUDNN_STATUS_INTERNAL_ERROR", "family.library-status.cudnn-status-internal-error",
     "CUDA_LAUNCH_BLOCKING=1"),
    ("E cuda_dnn.cc:522] cudnn error: CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH",
     "family.library-status.cudnn-status-sublibrary-version-mismatch", "libcudnn"),
    ("cuDNN error: CUDNN_STATUS_BAD_PARAM_NULL_POINTER", "family.library-status.cudnn-status-bad-param-null-pointer",
     "Update the framework"),  # a cuDNN 9 sub-code: its parent's row
    ("CUDA error: CUBLAS_STATUS_EXECUTION_FAILED when calling `cublasSgemm( handle, opa, opb, m, n, k)`",
     "family.library-status.cublas-status-execution-failed", "get_arch_list"),
])
def test_math_library_status_codes_decode_by_name(text, ident, words):
    sig = found(text, ident)
    assert words in fix_text(sig) and sig.confidence == "medium", fix_text(sig)


def test_an_unlisted_status_is_said_as_unknown_without_a_fix():
    sig = found("cudnn error: CUDNN_STATUS_SOMETHING_NEW", "family.library-status.cudnn-status-something-new")
    assert sig.confidence == "low" and "does not list" in sig.cause and tables.NO_FIX == sig.fix


# --- PyTorch's caching allocator: an allocation refused with memory free ------------------------------------------

@pytest.mark.parametrize("text", [
    "torch.cuda.OutOfMemoryError: CUDA out of memory.\nTried to allocate 512.00 MiB.\nGPU 0 has a total capacity of "
    "11.99 GiB of which 9.20 GiB is free.",
    "RuntimeError: CUDA out of memory. Tried to allocate 1.50 GiB (GPU 0; 23.99 GiB total capacity; 2.10 GiB already "
    "allocated; 20.40 GiB free; 2.20 GiB reserved in total by PyTorch)",
])
def test_an_allocation_refused_with_memory_free_is_not_a_full_gpu(text):
    sig = found(text, "family.pytorch.allocation-refused-with-memory-free")
    assert sig.confidence == "low" and sig.wsl_only and "native Linux" in fix_text(sig) and "smaller batch" in fix_text(sig)


@pytest.mark.parametrize("text", [
    "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB. GPU 0 has a total capacity of 23.99 GiB "
    "of which 1.10 GiB is free.",
    "RuntimeError: CUDA out of memory. Tried to allocate 20.00 MiB (GPU 0; 7.79 GiB total capacity; 6.50 GiB already "
    "allocated; 3.06 MiB free; 6.60 GiB reserved in total by PyTorch)",
    "torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB",
])
def test_a_full_gpu_is_the_cuda_familys(text):
    assert frameworks.allocation(text) == [] and ids(text)[0] == "family.cuda.cudaerrormemoryallocation"


# --- TensorFlow 2.11+ listing no GPU ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Tensor Flow Version: 2.12.0\nKeras Version: 2.12.0\n\nGPU is NOT AVAILABLE",
    ">>> import tensorflow as tf\n>>> tf.__version__\n'2.16.1'\n>>> tf.config.list_physical_devices('GPU')\n[]",
    "tensorflow==2.13.0\nNum GPUs Available:  0",
])
def test_tensorflow_without_a_gpu_since_2_11_names_wsl_and_and_cuda(text):
    sig = found(text, "family.tensorflow.no-gpu-since-2-11")
    assert "tensorflow[and-cuda]" in fix_text(sig) and "WSL 2" in fix_text(sig)


# --- a CUDA build of PyTorch that finds no GPU ------------------------------------------------------------------------

@pytest.mark.parametrize("text, container", [
    ("root@3f9a1c0b7d2e:/workspace# python\n>>> import torch\n>>> torch.version.cuda\n'12.4'\n>>> "
     "torch.cuda.is_available()\nFalse", True),
    ("$ python -c 'import torch; print(torch.cuda.is_available())'\nFalse\n$ which nvidia-smi\n$ ", True),
    ("PyTorch version: 2.3.1+cu121\nIs debug build: False\nCUDA used to build PyTorch: 12.1\nOS: Ubuntu 22.04.4 LTS\n"
     "Is CUDA available: False\nCUDA runtime version: No CUDA", False),
    ("torch: 2.5.1+cu124\nCUDA build: 12.4\nCUDA available: False", False),
])
def test_a_cuda_build_without_a_gpu_asks_for_the_gpu(text, container):
    if "torch.version.cuda" not in text and "CUDA used" not in text and "CUDA build" not in text:
        text = "torch 2.4.0+cu118\n" + text  # the build, from pip list
    sig = found(text, "family.pytorch.cuda-build-without-gpu")
    assert "--gpus all" in fix_text(sig) and ("This shell is in a container" in sig.cause) == container


@pytest.mark.parametrize("text", [
    "torch: 2.11.0+cpu\nCUDA build: None\nCUDA available: False",  # a CPU-only build: messages.toml's family
    ">>> torch.version.cuda\n>>> torch.cuda.is_available()\nFalse",  # the build not shown: nothing to say
    "PyTorch version: 2.3.1+cu121\nCUDA used to build PyTorch: 12.1\nIs CUDA available: True",
])
def test_pytorch_near_misses(text):
    assert frameworks.pytorch_without_gpu(text) == []


# --- diagnose, and the real transcripts --------------------------------------------------------------------------------

@pytest.mark.parametrize("paste, ident", [
    ("$ python -c 'import warp as wp; wp.init()'\nWarp CUDA error: Could not open libcuda.so.\n",
     "family.cuda-loader.unversioned-libcuda"),
    ("$ torchrun --nproc_per_node 1 train.py\nRuntimeError: NCCL error in: ProcessGroupNCCL.cpp:911, unhandled system "
     "error, NCCL version 2.7.8\n", "family.nccl.before-2-10-3-on-wsl"),
    ("$ python transcribe.py\nRuntimeError: cuBLAS failed with status CUBLAS_STATUS_NOT_SUPPORTED\n",
     "family.library-status.cublas-status-not-supported"),
])
def test_diagnose_names_the_framework_family(paste, ident):
    result = diagnose(paste.encode(), PROFILE)
    assert result.exit_code == 1 and ident in [f.signature_id for f in result.findings]
    finding = next(f for f in result.findings if f.signature_id == ident)
    assert finding.layer == "gpu" and finding.fix and finding.source.startswith("https://")


@pytest.mark.parametrize("paste, found_it", [
    ("root@7c41d09ea2b3:/workspace# python3 -c 'import torch; print(torch.__version__)'\n2.4.1+cu124\n"
     "root@7c41d09ea2b3:/workspace# python3 -c 'import torch; print(torch.cuda.is_available())'\nFalse\n", True),
    ("$ python3 -c 'import torch; print(torch.version.cuda)'\n12.6\n$ python3 -c 'import torch; "
     "print(torch.cuda.is_available())'\nTrue\n", False),  # healthy: the GPU found
    ("$ python3 -c 'import torch; print(torch.version.cuda)'\nNone\n$ python3 -c 'import torch; "
     "print(torch.cuda.is_available())'\nFalse\n", False),  # a CPU build: not this family's
])
def test_diagnose_reads_a_cuda_build_without_a_gpu_across_commands(paste, found_it):
    ids_found = [f.signature_id for f in diagnose(paste.encode(), PROFILE).findings]
    assert ("family.pytorch.cuda-build-without-gpu" in ids_found) == found_it, ids_found


def _healthy(folder: Path) -> list[Path]:
    if not (folder / "index.yaml").is_file():
        return []
    return [folder / "raw" / e["file"] for e in yaml.safe_load((folder / "index.yaml").read_text())
            if e.get("verdict") == "healthy"]


def test_no_healthy_real_transcript_gives_a_framework_finding():
    healthy = _healthy(REAL) + _healthy(CORPUS_DIR)
    assert len(healthy) >= 40  # tests/real alone holds more: the check reads them
    for path in healthy:
        assert frameworks.decode(path.read_text(encoding="utf-8", errors="replace")) == [], path.name


def test_a_huge_paste_is_bounded():
    noise = ("NCCL INFO Channel 00 : 0[1000] -> 1[2000] via P2P/IPC CUBLAS tensorflow GPU tried to allocate free\n"
             * 60_000)
    assert frameworks.decode(noise) == []
