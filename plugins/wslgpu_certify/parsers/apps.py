"""Parsers for the guide's applications: TensorFlow logs, Jupyter URLs, rpy2, R settings."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ._text import clean, content_lines, lines, plausible_count, require_text
from .errors import UnreadableOutput
from ..lazy_regex import regex


@dataclass(frozen=True)
class TensorflowGpuLog:
    """What a TensorFlow log says about GPU use."""

    created_devices: tuple[str, ...]
    gpu_names: tuple[str, ...]
    opened_libraries: tuple[str, ...]
    cuda_errors: tuple[str, ...] = ()


# TF 1.x/2.0-2.4 (setup-guide §4.1, tensorflow__*created-device*.txt):
#   Created TensorFlow device (/job:localhost/replica:0/task:0/device:GPU:0 with 6745 MB memory)
#     -> physical GPU (device: 0, name: GeForce RTX 2070, pci bus id: ...)
# TF >= 2.5: "Created device /job:localhost/replica:0/task:0/device:GPU:0 with 6745 MB memory:  -> device: 0, name: ..."
_CREATED = regex(
    r"Created (?:TensorFlow )?device \(?(\S+) with [^\n]*?->\s*(?:physical GPU \()?device: \d+, name: ([^,\n]+)"
)
# "Found device 0 with properties: \nname: GeForce RTX 2080 major: 7 minor: 5" (r-keras__healthy-*.txt);
# TF 2.x: "pciBusID: 0000:01:00.0 name: GeForce RTX 2070 computeCapability: 7.5".
_FOUND = regex(r"Found device \d+ with properties:\s*(?:pciBusID: \S+\s+)?name: (.+?)\s+(?:major|computeCapability):")
_OPENED = regex(r"Successfully opened dynamic library (\S+)")
_CUDA_ERROR = regex(r"failed call to cuInit[^\n]*|no NVIDIA GPU device is present[^\n]*|could not load dynamic library[^\n]*", re.I)


def _unique(items) -> tuple[str, ...]:
    return tuple(dict.fromkeys(item.strip() for item in items))


def parse_tensorflow_log(text: str) -> TensorflowGpuLog:
    """Collect created GPU devices, GPU names, loaded CUDA libraries and CUDA errors from a TF log.

    A log holds any number of lines, so nothing is required of it; but binary noise is refused,
    and so are more than MAX_GPUS distinct devices or GPU names (output repeated or corrupted).
    """
    body = require_text("TensorFlow log", text, most=None)  # a training log may run long
    created = list(_CREATED.finditer(body))
    names = [m.group(2) for m in created] + [m.group(1) for m in _FOUND.finditer(body)]
    return TensorflowGpuLog(
        created_devices=plausible_count("TensorFlow log devices", _unique(m.group(1) for m in created), body[-400:]),
        gpu_names=plausible_count("TensorFlow log GPU names", _unique(names), body[-400:]),
        opened_libraries=_unique(_OPENED.findall(body)),
        cuda_errors=_unique(m.group(0) for m in _CUDA_ERROR.finditer(body)),
    )


_PHYSICAL_DEVICE = regex(r"PhysicalDevice\(name='([^']+)'")
_DEVICE_NAME = regex(r"^/physical_device:[A-Z_]+:\d+$")
# Python's repr of the list, whole: "[PhysicalDevice(name='/physical_device:GPU:0', device_type='GPU'), ...]"
_ENTRY = r"PhysicalDevice\(name='/physical_device:[A-Z_]+:\d+', device_type='[A-Z_]+'\)"
_DEVICE_LIST = regex(rf"^\s*\[(?:{_ENTRY}(?:, {_ENTRY})*)?\]\s*$")


def parse_physical_devices(text: str) -> list[str]:
    """Read a printed `tf.config.list_physical_devices(...)` list, or one device name per line.

    A printed list counts only whole, from '[' to ']' with every entry closed: a list cut short is
    unreadable, not fewer GPUs; so are more than MAX_GPUS devices.
    """
    body = require_text("list of TensorFlow physical devices", text)
    if _PHYSICAL_DEVICE.search(body):
        lists = [line for line in content_lines(body) if "PhysicalDevice(" in line]
        if not all(_DEVICE_LIST.match(line) for line in lists):
            raise UnreadableOutput("list of TensorFlow physical devices (cut short)", text[:400])
        found = _PHYSICAL_DEVICE.findall("\n".join(lists))
        return plausible_count("TensorFlow physical devices", found, text[:400])
    rest = content_lines(body)
    if rest and all(line == "[]" for line in rest):
        return []
    if rest and all(_DEVICE_NAME.match(line) for line in rest):
        return plausible_count("TensorFlow physical devices", rest, text[:400])
    raise UnreadableOutput("list of TensorFlow physical devices", text)


@dataclass(frozen=True)
class JupyterServerUrl:
    """Where a Jupyter server listens and its login token."""

    host: str
    port: int
    token: str

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/?token={self.token}"


# "http://127.0.0.1:8888/?token=...", ".../tree?token=...", ".../lab?token=..." (tensorflow__jupyter-container-startup-banner-*.txt);
# notebook 5.x printed "http://(9db19a2b7194 or 127.0.0.1):8888/?token=...", whose second host is the local one.
_JUPYTER_URL = regex(
    r"https?://(?:\([^\s()]+ or ([\w.\-]+)\)|([\w.\-]+|\[[0-9a-fA-F:]+\])):(\d+)/[^\s?]*\?token=([^\s&#]+)"
)


def jupyter_token_name(role: str) -> str:
    """The name a role's Jupyter token is learnt under (redact.learn): the log itself arrives masked."""
    return f"jupyter token of {role}"


def parse_jupyter_url(log: str) -> JupyterServerUrl | None:
    """The server URL from Jupyter's startup log, preferring 127.0.0.1/localhost over the container hostname."""
    urls = [JupyterServerUrl(alt or h, int(p), t) for alt, h, p, t in _JUPYTER_URL.findall(clean(log))]
    local = [u for u in urls if u.host in ("127.0.0.1", "localhost")]
    return (local or urls or [None])[0]


@dataclass(frozen=True)
class Rpy2Situation:
    """What `python -m rpy2.situation` says about the R it finds, or the error that stopped it."""

    rpy2_version: str | None
    r_home: str | None
    r_version: str | None
    error: str | None


# Layout from rpy2__situation-healthy-3.5.9-usr-lib-R.txt: labels end with ':' and the value
# follows on the same line or the next one.
_RPY2_VERSION = regex(r"rpy2 version:\s*\n?\s*(\S+)")
_R_HOME_ENV = regex(r"Environment variable R_HOME:\s*(\S+)")
_R_HOME_CALL = regex(r"Calling `R RHOME`:\s*(\S+)")
_R_VERSION = regex(r"R version (\d+\.\d+\.\d+)")
_RPY2_ERROR = regex(
    r"cannot load library|libR\.so: cannot open shared object|Unable to determine R home"
    r"|R_HOME (?:undetermined|not defined)|cannot be built without R|Loading R library from rpy2: (?!OK)"
)


# rpy2.situation 3.x goes on from R's HOME to "R version:" and "Loading R library from rpy2: OK|<why not>"
# (rpy2__situation-healthy-3.5.9-usr-lib-R.txt; https://github.com/rpy2/rpy2/issues/1067, 3.4.5).
_LOADED = regex(r"^\s*Loading R library from rpy2: OK\s*$", re.M)


def parse_rpy2_situation(text: str) -> Rpy2Situation:
    """Read `python -m rpy2.situation`; error holds the first line saying R could not be found/loaded.

    Without an error, output in the tool's own layout (its "Looking for R's HOME:" section) must
    reach "Loading R library from rpy2: OK": the line that would carry the reason comes after R's
    home, so output cut before it proves nothing. (Hand-written excerpts without the sections
    are read as before.)
    """
    body = require_text("rpy2.situation", text)
    version = _RPY2_VERSION.search(body)
    env_home = _R_HOME_ENV.search(body)
    call_home = _R_HOME_CALL.search(body)
    # R_HOME from the environment wins over `R RHOME` in rpy2's own lookup order.
    home = next((m.group(1) for m in (env_home, call_home) if m and m.group(1) != "None"), None)
    r_version = _R_VERSION.search(body)
    error = next((line.strip() for line in lines(body) if _RPY2_ERROR.search(line)), None)
    if not (version or home or r_version or error):
        raise UnreadableOutput("rpy2.situation", text)
    if error is None and re.search(r"Looking for R's HOME:", body) and not _LOADED.search(body):
        raise UnreadableOutput("rpy2.situation (cut before 'Loading R library from rpy2')", text)
    if version and not re.fullmatch(r"\d+\.\d+(?:\.\d+)?\S*", version.group(1)):
        raise UnreadableOutput("rpy2.situation (rpy2 version is no version)", version.group(0))
    return Rpy2Situation(
        rpy2_version=version.group(1) if version else None,
        r_home=home,
        r_version=r_version.group(1) if r_version else None,
        error=error,
    )


def parse_r_environ_setting(text: str, name: str) -> str | None:
    """Value given to NAME by Sys.setenv(...) or NAME=value lines in an Rprofile/Renviron; last one wins."""
    key = re.escape(name)
    setenv = re.compile(rf"""Sys\.setenv\s*\((?:[^)]*?,\s*)?["'`]?{key}["'`]?\s*=\s*(["'])(.*?)\1""")
    assignment = re.compile(rf"""^\s*(?:export\s+)?{key}\s*=\s*(["']?)(.*?)\1\s*$""")
    value = None
    for line in lines(require_text(f"R settings for {name}", text)):
        if line.lstrip().startswith("#"):
            continue
        match = setenv.search(line) or assignment.match(line)
        if match:
            value = match.group(2)
    return value
