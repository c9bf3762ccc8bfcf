"""Tests for parsers.apps: TensorFlow logs, Jupyter URLs, rpy2, R settings."""


import pytest

from damage import RANDOM_TEXT

from wslgpu_certify.parsers.apps import (
    JupyterServerUrl,
    Rpy2Situation,
    parse_jupyter_url,
    parse_physical_devices,
    parse_r_environ_setting,
    parse_rpy2_situation,
    parse_tensorflow_log,
)
from wslgpu_certify.parsers.errors import UnreadableOutput

# setup-guide §4.1
GUIDE_TF_LOG = (
    "I tensorflow/core/common_runtime/gpu/gpu_device.cc:1241] Created TensorFlow device "
    "(/job:localhost/replica:0/task:0/device:GPU:0 with 6745 MB memory) -> physical GPU (device: 0, "
    "name: GeForce RTX 2070, pci bus id: 0000:01:00.0, compute capability: 7.5)\n"
    "I tensorflow/stream_executor/platform/default/dso_loader.cc:44] Successfully opened dynamic library libcublas.so.10\n"
)


def test_tensorflow_guide_literal():
    log = parse_tensorflow_log(GUIDE_TF_LOG)
    assert log.created_devices == ("/job:localhost/replica:0/task:0/device:GPU:0",)
    assert log.gpu_names == ("GeForce RTX 2070",)
    assert log.opened_libraries == ("libcublas.so.10",)
    assert log.cuda_errors == ()


@pytest.mark.parametrize(
    "name, devices, names, libraries",
    [
        (
            "tensorflow__jupyter-container-created-device-gpu0-rtx2070.txt",
            ("/job:localhost/replica:0/task:0/device:GPU:0",),
            ("GeForce RTX 2070",),
            ("libcublas.so.10",),
        ),
        ("tensorflow__host-tf114-created-device-gpu0-rtx2080ti.txt", ("/device:GPU:0",), ("GeForce RTX 2080 Ti",), ()),
        ("r-keras__healthy-gpu-log-found-device-rtx2080.txt", (), ("GeForce RTX 2080",), ("nvcuda.dll",)),
        ("tensorflow__jupyter-container-startup-banner-wsl2-june2020.txt", (), (), ()),
    ],
)
def test_tensorflow_log_corpus(corpus_text, name, devices, names, libraries):
    log = parse_tensorflow_log(corpus_text(name))
    assert (log.created_devices, log.gpu_names, log.opened_libraries) == (devices, names, libraries)


def test_tensorflow_log_no_gpu(corpus_text):
    log = parse_tensorflow_log(corpus_text("tensorflow__num-gpus-0-container-started-without-gpus-flag.txt"))
    assert log.created_devices == () and log.opened_libraries == ("libcuda.so.1",)
    assert log.cuda_errors == (
        "failed call to cuInit: UNKNOWN ERROR (-1)",
        "no NVIDIA GPU device is present: /dev/nvidia0 does not exist",
    )


def test_tensorflow_log_tf25_format():
    text = (
        "I tensorflow/core/common_runtime/gpu/gpu_device.cc:1525] Created device "
        "/job:localhost/replica:0/task:0/device:GPU:0 with 9617 MB memory:  -> device: 0, "
        "name: NVIDIA GeForce RTX 3060, pci bus id: 0000:01:00.0, compute capability: 8.6\n"
    )
    log = parse_tensorflow_log(text)
    assert log.created_devices == ("/job:localhost/replica:0/task:0/device:GPU:0",)
    assert log.gpu_names == ("NVIDIA GeForce RTX 3060",)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[PhysicalDevice(name='/physical_device:GPU:0', device_type='GPU')]\n", ["/physical_device:GPU:0"]),
        (
            "[PhysicalDevice(name='/physical_device:GPU:0', device_type='GPU'), "
            "PhysicalDevice(name='/physical_device:GPU:1', device_type='GPU')]",
            ["/physical_device:GPU:0", "/physical_device:GPU:1"],
        ),
        ("[]\n", []),
        ("/physical_device:GPU:0\n/physical_device:GPU:1\n", ["/physical_device:GPU:0", "/physical_device:GPU:1"]),
    ],
)
def test_physical_devices(text, expected):
    assert parse_physical_devices(text) == expected


def test_physical_devices_corpus(corpus_text):
    # The file holds two outputs (CLI sees GPU:0, notebook prints []); devices found anywhere count.
    text = corpus_text("tensorflow__list-physical-devices-gpu-vs-empty-in-windows-jupyter.txt")
    assert parse_physical_devices(text) == ["/physical_device:GPU:0"]
    assert parse_physical_devices(text.split("\n\n")[-1]) == []


@pytest.mark.parametrize("text", ["", "Num GPUs Available:  0", "Traceback (most recent call last):"])
def test_physical_devices_garbage(text):
    with pytest.raises(UnreadableOutput):
        parse_physical_devices(text)


def test_jupyter_url_prefers_localhost(corpus_text):
    url = parse_jupyter_url(corpus_text("tensorflow__jupyter-container-startup-banner-wsl2-june2020.txt"))
    assert url == JupyterServerUrl("127.0.0.1", 8888, "<TOKEN>")


@pytest.mark.parametrize(
    "log, expected",
    [
        # setup-guide §4.1 (after swapping 127.0.0.1 for localhost)
        (
            "http://localhost:8888/?token=d60b82ee96f7785fcfee6e3b69637f435baec82216510e37",
            JupyterServerUrl("localhost", 8888, "d60b82ee96f7785fcfee6e3b69637f435baec82216510e37"),
        ),
        ("[I 10:00:00.000 ServerApp] http://abc123:8888/lab?token=ff00\n", JupyterServerUrl("abc123", 8888, "ff00")),
        (
            "    http://3f1a:8888/tree?token=aa\n or http://127.0.0.1:8889/tree?token=bb\n",
            JupyterServerUrl("127.0.0.1", 8889, "bb"),
        ),
        ("The Jupyter Notebook is running at: http://(9db19a2b7194 or 127.0.0.1):8888/?token=cc", JupyterServerUrl("127.0.0.1", 8888, "cc")),
        ("[I 08:42:05.425 NotebookApp] Serving notebooks from local directory: /tf\n", None),
    ],
)
def test_jupyter_url_literals(log, expected):
    assert parse_jupyter_url(log) == expected


def test_rpy2_situation_healthy(corpus_text):
    situation = parse_rpy2_situation(corpus_text("rpy2__situation-healthy-3.5.9-usr-lib-R.txt"))
    assert situation == Rpy2Situation("3.5.9", "/usr/lib/R", "4.2.2", None)


@pytest.mark.parametrize(
    "name, fragment",
    [
        ("rpy2__3.5.7-ignores-r-home-looks-in-lib64.txt", "cannot load library"),
        ("rpy2__libR-so-not-found-rocker-r-ver-pip-rpy2.txt", "libR.so: cannot open shared object file"),
        ("rpy2__r-home-undetermined-during-docker-build.txt", "Unable to determine R home"),
    ],
)
def test_rpy2_situation_broken(corpus_text, name, fragment):
    situation = parse_rpy2_situation(corpus_text(name))
    assert situation.error is not None and fragment in situation.error


def test_rpy2_situation_r_home_env_wins():
    text = "rpy2 version:\n3.4.2\n    Environment variable R_HOME: /opt/R\n    Calling `R RHOME`: /usr/lib/R\n"
    assert parse_rpy2_situation(text).r_home == "/opt/R"


def test_rpy2_situation_unreadable():
    with pytest.raises(UnreadableOutput):
        parse_rpy2_situation("/usr/bin/python: No module named rpy2\n")


@pytest.mark.parametrize(
    "text, expected",
    [
        ('Sys.setenv(RETICULATE_PYTHON="/usr/local/bin/python")\n', "/usr/local/bin/python"),
        ("Sys.setenv(RETICULATE_PYTHON = '/x')\n", "/x"),
        ('Sys.setenv(LANG = "C", RETICULATE_PYTHON = "/y")\n', "/y"),
        ("RETICULATE_PYTHON=/x\n", "/x"),
        ('RETICULATE_PYTHON="/opt/py"\n', "/opt/py"),
        ('# Sys.setenv(RETICULATE_PYTHON="/old")\nSys.setenv(RETICULATE_PYTHON="/new")\n', "/new"),
        ('# RETICULATE_PYTHON=/x\n', None),
        ("RETICULATE_PYTHON_ENV=/x\n", None),
        ("", None),
    ],
)
def test_r_environ_setting(text, expected):
    assert parse_r_environ_setting(text, "RETICULATE_PYTHON") == expected


def test_r_environ_setting_corpus_commented_unsetenv(corpus_text):
    text = corpus_text("r-keras__reticulate-python-env-var-points-to-python-without-tf.txt")
    assert parse_r_environ_setting(text, "RETICULATE_PYTHON") is None


def test_rpy2_situation_with_terminal_bold_codes():
    """rpy2.situation writes ESC[1m ... ESC[0m even into a pipe; clean() drops them."""
    from wslgpu_certify.parsers.apps import parse_rpy2_situation
    situation = parse_rpy2_situation("\x1b[1mrpy2 version:\x1b[0m\n3.5.9\nR version 4.2.2\nCalling `R RHOME`: /usr/lib/R\n")
    assert situation.rpy2_version == "3.5.9" and situation.r_home == "/usr/lib/R"


# ---- damaged output: what a complete output looks like, and what is refused


GARBAGE = RANDOM_TEXT
ONE_GPU = "[PhysicalDevice(name='/physical_device:GPU:0', device_type='GPU')]\n"


def test_physical_devices_every_cut_is_unreadable():
    for cut in range(0, len(ONE_GPU) - 1):
        with pytest.raises(UnreadableOutput):
            parse_physical_devices(ONE_GPU[:cut])
    assert parse_physical_devices("\x00".join(ONE_GPU.replace("\n", "\r\n"))) == ["/physical_device:GPU:0"]


def test_physical_devices_thousands_are_unreadable():
    # 5 MB of output listing 78,252 GPUs is repeated or corrupted output, not a workstation.
    entries = ", ".join(f"PhysicalDevice(name='/physical_device:GPU:{i}', device_type='GPU')" for i in range(5000))
    with pytest.raises(UnreadableOutput, match="not plausible"):
        parse_physical_devices(f"[{entries}]\n")
    with pytest.raises(UnreadableOutput, match="not plausible"):
        parse_physical_devices("".join(f"/physical_device:GPU:{i}\n" for i in range(100)))
    eight = ", ".join(f"PhysicalDevice(name='/physical_device:GPU:{i}', device_type='GPU')" for i in range(8))
    assert len(parse_physical_devices(f"[{eight}]")) == 8


def test_physical_devices_garbage_is_unreadable():
    with pytest.raises(UnreadableOutput):
        parse_physical_devices(GARBAGE)
    with pytest.raises(UnreadableOutput):
        parse_physical_devices(ONE_GPU + GARBAGE)


def test_tensorflow_log_garbage_and_thousands_of_devices_are_unreadable():
    with pytest.raises(UnreadableOutput):
        parse_tensorflow_log(GARBAGE)
    line = GUIDE_TF_LOG.splitlines()[0]
    many = "\n".join(line.replace("GPU:0", f"GPU:{i}") for i in range(1000))
    with pytest.raises(UnreadableOutput, match="not plausible"):
        parse_tensorflow_log(many)
    assert parse_tensorflow_log("\x00".join(GUIDE_TF_LOG.replace("\n", "\r\n"))) == parse_tensorflow_log(GUIDE_TF_LOG)


# `python -m rpy2.situation` in the guide's image (rpy2__situation-healthy-3.5.9-usr-lib-R.txt's layout, rpy2 3.3).
SITUATION = """\
rpy2 version:
 3.3.6
Python version:
 3.6.9 (default, Oct  8 2020, 12:12:24)
 Looking for R's HOME:
    Environment variable R_HOME: None
    Calling `R RHOME`: /usr/lib/R
    Environment variable R_LIBS_USER: None
R's additions to LD_LIBRARY_PATH:
/usr/lib/R/lib:/usr/lib/x86_64-linux-gnu
R version:
    In the PATH: R version 4.0.3 (2020-10-10) -- "Bunny-Wunnies Freak Out"
    Loading R library from rpy2: OK
Additional directories to load R packages from:
None
"""


def test_rpy2_situation_no_cut_reads_as_finding_r():
    assert parse_rpy2_situation(SITUATION) == Rpy2Situation("3.3.6", "/usr/lib/R", "4.0.3", None)
    end = SITUATION.index("rpy2: OK") + len("rpy2: OK")
    for cut in range(0, end):
        try:
            situation = parse_rpy2_situation(SITUATION[:cut])
        except UnreadableOutput:
            continue
        # what is read of a cut output never says R was found and loaded
        assert situation.error or not situation.r_home, cut
    assert parse_rpy2_situation("\x00".join(SITUATION.replace("\n", "\r\n"))) == parse_rpy2_situation(SITUATION)


def test_rpy2_situation_garbage_is_unreadable():
    with pytest.raises(UnreadableOutput):
        parse_rpy2_situation(GARBAGE)


def test_r_environ_setting_garbage_is_unreadable():
    with pytest.raises(UnreadableOutput):
        parse_r_environ_setting(GARBAGE, "RETICULATE_PYTHON")
    text = 'Sys.setenv(RETICULATE_PYTHON="/usr/local/bin/python")\n'
    assert parse_r_environ_setting("\x00".join(text.replace("\n", "\r\n")), "RETICULATE_PYTHON") == "/usr/local/bin/python"
