"""Parsers for what the suite's own container scripts print, and the record of a container start.

The scripts (probes/containers.py) print `label: value` lines, a base64 PNG, or one JSON
summary line; `start <role>` answers with a StartRecord as JSON (containers/executors.py).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import asdict, dataclass, field

from . import apps
from ._text import content_lines
from .errors import UnreadableOutput
from ..lazy_regex import regex

# ---- the record of a container start (role "docker", `start <role>`) -------------------------

@dataclass(frozen=True)
class StartRecord:
    """The outcome of starting a role's container, as recorded under `start <role>`.

    `gpu_error` is the engine's exact message when the GPU request was refused; the
    container then runs without a GPU (`gpu` false) so that non-GPU checks still run.
    """

    role: str
    image: str
    started: bool
    gpu: bool = False
    gpu_error: str | None = None
    error: str | None = None  # why no container runs at all
    container: str | None = None  # short id
    roles: tuple[str, ...] = ()  # every role this container serves
    ports: dict[str, str] = field(default_factory=dict)  # "8888/tcp" -> "127.0.0.1:49153"
    user: str | None = None
    environment: tuple[str, ...] = ()  # names only: values may be secrets

    def host_port(self, container_port: int) -> int | None:
        """The 127.0.0.1 port a container port is published on."""
        address = self.ports.get(f"{container_port}/tcp")
        return int(address.rsplit(":", 1)[1]) if address else None

    def to_text(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True) + "\n"


def parse_start_record(text: str) -> StartRecord:
    """Read the JSON written by `DockerRecords` for `start <role>`."""
    try:
        data = json.loads(text)
        data["roles"] = tuple(data.get("roles", ()))
        data["environment"] = tuple(data.get("environment", ()))
        record = StartRecord(**data)
    except (ValueError, TypeError, AttributeError, RecursionError):  # ValueError: JSONDecodeError and the like
        raise UnreadableOutput("container start record (JSON)", text) from None
    # a published port goes into commands (the Jupyter URL): "HOST:PORT" strings only, as DockerRecords writes them
    if not isinstance(record.ports, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and _PUBLISHED.fullmatch(v) for k, v in record.ports.items()):
        raise UnreadableOutput("container start record (ports: \"HOST:PORT\" strings)", text)
    return record


_PUBLISHED = regex(r"[0-9A-Za-z.:\[\]]*:[0-9]{1,5}")


# ---- our scripts' outputs --------------------------------------------------------------------

def parse_labelled(text: str) -> dict[str, str]:
    """`label: value` lines (first one of each label wins), the output shape of our scripts."""
    values: dict[str, str] = {}
    for line in content_lines(text):
        label, sep, value = line.partition(":")
        if sep and re.fullmatch(r"[A-Za-z][\w -]*", label):
            values.setdefault(label.strip().lower(), value.strip())
    return values


def parse_base64_png(text: str) -> bytes:
    """The bytes after `png-base64:` (the PNG is copied out of the container over exec)."""
    match = re.search(r"^png-base64:\s*([A-Za-z0-9+/=]+)\s*$", text, re.M)
    if not match:
        raise UnreadableOutput("base64 PNG (no `png-base64:` line)", text)
    try:
        return base64.b64decode(match.group(1), validate=True)
    except binascii.Error:
        raise UnreadableOutput("base64 PNG (invalid base64)", match.group(1)[:80]) from None


@dataclass(frozen=True)
class NotebookRun:
    error: str | None  # nbclient's exception, when the cell failed
    mime_types: tuple[str, ...]  # of every output of the cell

    @property
    def has_png(self) -> bool:
        return "image/png" in self.mime_types


def parse_notebook_run(text: str) -> NotebookRun:
    match = re.search(r"^nbclient:\s*(\{.*\})\s*$", text, re.M)
    if not match:
        raise UnreadableOutput("nbclient summary (no `nbclient:` line)", text)
    data = json.loads(match.group(1))
    mimes = tuple(m for output in data.get("outputs", []) for m in output.get("mime", []))
    return NotebookRun(error=data.get("error"), mime_types=mimes)


@dataclass(frozen=True)
class TrainingRun:
    loss: float | None
    accuracy: float | None
    log: apps.TensorflowGpuLog


def parse_training(text: str) -> TrainingRun:
    """`Test loss:` / `Test accuracy:` (the guide's script prints them) and the TF device log."""
    values = parse_labelled(text)

    def number(label):
        try:
            return float(values[label])
        except (KeyError, ValueError):
            return None

    return TrainingRun(number("test loss"), number("test accuracy"), apps.parse_tensorflow_log(text))


def parse_password_verdict(text: str) -> str:
    """`password: accepted|rejected|unset|default|no such user`, as the RStudio password script prints it."""
    verdict = parse_labelled(text).get("password")
    if not verdict:
        raise UnreadableOutput("password verdict", text)
    return verdict


@dataclass(frozen=True)
class EmbeddedR:
    home: str | None  # R.home() as the embedded R reports it, once it started
    version: str | None
    error: str | None  # why it did not start (e.g. `Fatal error: unable to open the base package`)


_R_START_ERRORS = (regex(r"Fatal error|Error"), regex(r"cannot|No such file|not found", re.I))  # best first


# R.version.string: "R version 4.0.3 (2020-10-10)", a development build "R Under development (unstable)
# (2021-01-05 r79797)" (https://stat.ethz.ch/R-manual/R-devel/library/base/html/Version.html)
_R_VERSION_STRING = regex(r"R (?:version \d+\.\d+\.\d+|Under development)\b.*\(\d{4}-\d\d-\d\d[^)]*\)\s*$")


def parse_embedded_r(text: str) -> EmbeddedR:
    values = parse_labelled(text)
    error = next((line.strip() for pattern in _R_START_ERRORS for line in content_lines(text) if pattern.search(line)),
                 None)
    if not values.get("r home") and not error:
        raise UnreadableOutput("embedded R start (no `r home:` line and no error)", text)
    if values.get("r home") and not _R_VERSION_STRING.match(values.get("r version") or ""):
        # the script prints `r version:` last: without a whole R.version.string the output was cut off
        raise UnreadableOutput("embedded R start (no whole `r version:` line after `r home:`)", text)
    return EmbeddedR(values.get("r home"), values.get("r version"), None if values.get("r home") else error)
