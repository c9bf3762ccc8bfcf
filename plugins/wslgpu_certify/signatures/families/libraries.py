"""A shared library that could not be loaded: which one, who provides it on this stack, hence the fix.

Formats: glibc's `X: cannot open shared object file`, TensorFlow's `Could not load dynamic library 'X'`,
cffi/ctypes' `cannot load library 'X'`, nvidia-container-cli's `load library failed: X`, `dlopen(X) failed`,
cuDNN's `Unable to load any of {X, ...}`, and every way a loader says dlopen failed: `Failed to dlopen X`
(cuda-python's `RuntimeError: Failed to dlopen libcuda.so.1`), `Could not dlopen X`, `Unable to dlopen X`,
`dlopen(X) failed`, `dlopen(X, RTLD_NOW): ...`, `dlopen failed: library "X" not found`, `X: dlopen error`.
The providers are data/libraries.toml.
"""

from __future__ import annotations

import re
import shlex
from functools import lru_cache

from ..catalog import Step
from ..matcher import Match
from .tables import hit, lines_with, steps, table
from ...lazy_regex import regex

# glibc's ldconfig on a library file with no content (elf/readlib.c: "File %s is empty, not checked." and
# "File %s is too small, not checked."), printed as `ldconfig: ...` or `/sbin/ldconfig.real: ...`.
_EMPTY = regex(r"File (/[^\s'\"]{0,200}/)(lib[A-Za-z0-9_+.-]{1,80}?\.so(?:\.[0-9]{1,6}){0,4}) is (?:empty|too small), "
               r"not checked")
# TensorFlow's summary when its GPU libraries did not load (tensorflow/core/common_runtime/gpu/gpu_device.cc:
# "Cannot dlopen some GPU libraries. Please make sure the missing libraries mentioned above are installed properly
# ..."); since TF 2.14 often with no library named above it: the CUDA/cuDNN libraries TF was built for.
_TF_GPU_LIBRARIES = regex(r"Cannot dlopen some GPU libraries")
TF_SOURCE = "https://github.com/tensorflow/tensorflow/blob/master/tensorflow/core/common_runtime/gpu/gpu_device.cc"
LDCONFIG = "https://sourceware.org/git/?p=glibc.git;a=blob;f=elf/readlib.c"
MOUNTS = "https://github.com/NVIDIA/libnvidia-container/blob/main/src/nvc_mount.c"
PLACEHOLDER_FIX = (
    {"run": "find /usr/lib /usr/lib64 -name 'lib*.so*' -size 0", "shell": "bash"},
    {"say": "In a container image: rebuild it from a Dockerfile instead of docker commit (a committed container keeps "
            "the toolkit's empty mount points), or delete the empty files the line above lists in the image (RUN rm -f "
            "...), then run it with --gpus all so the NVIDIA Container Toolkit mounts the real driver libraries."},
    {"say": "In the WSL distro itself (/usr/lib/wsl/lib, WSL's mount of the Windows driver's files): reinstall the "
            "NVIDIA Windows driver, then wsl --shutdown."},
)

_SONAME = r"(?:[^\s'\"{},:()]{0,200}/)?(lib[A-Za-z0-9_+.-]{1,80}?\.so(?:\.[0-9]{1,6}){0,4})"
_LOAD = regex(
    r"(?:" + _SONAME + r": cannot open shared object file"
    r"|Could not load dynamic library '" + _SONAME + r"'"
    r"|cannot load library '?" + _SONAME +
    r"|\bCannot load " + _SONAME + r"(?=\s|$)"  # FFmpeg's NVENC/NVDEC loader (nv-codec-headers dynlink_loader.h)
    r"|load library failed: " + _SONAME +
    r"|dlopen\W{0,3}" + _SONAME + r"\W{0,3}[^\n]{0,40}?(?:failed|error|not found|cannot|could not)"
    r"|(?:failed|unable|could not|couldn't|cannot|can't) (?:to )?dlopen\W{0,3}" + _SONAME +
    r"|dlopen failed:? (?:library )?\W{0,2}" + _SONAME +
    r"|Unable to load any of \{" + _SONAME +
    r"|(?:ld: )?warning: " + _SONAME + r", needed by \S{1,300}, not found)", re.I)  # ld's link-time form


@lru_cache(maxsize=1)
def providers() -> tuple[tuple[re.Pattern, dict], ...]:
    return tuple((re.compile(row["soname"], re.I), {**row, "steps": steps(row["fix"], f"libraries:{row['soname']}")})
                 for row in table("libraries")["library"])


def provider_of(soname: str) -> dict | None:
    return next((row for pattern, row in providers() if pattern.search(soname)), None)


@lru_cache(maxsize=1)
def _distro_libraries() -> tuple[tuple[re.Pattern, dict], ...]:
    return tuple((re.compile(row["soname"] + r"$", re.I), row) for row in table("distro_libraries")["library"])


def distro_package(soname: str) -> tuple[str, str] | None:
    """(the Debian/Ubuntu package that ships `soname`, what it is) from data/distro_libraries.toml, or None when
    the table does not know it: a fix names a package from the table, never a word of the paste."""
    for pattern, row in _distro_libraries():
        found = pattern.match(soname)
        if found:
            return row["package"].replace("{1}", found.group(1) if found.groups() else ""), row["what"]
    return None


def placeholders(text: str) -> list[Match]:
    """A driver library that is an empty file (ldconfig: `File X is empty, not checked`): a placeholder, not the driver.

    `X is not a symbolic link` alone is no finding: ldconfig says it of /usr/lib/wsl/lib on healthy machines."""
    empties = [(empty, *empty.groups()) for empty in _EMPTY.finditer(text)]
    drivers = [(empty, folder, soname) for empty, folder, soname in empties
               if (row := provider_of(soname.lower()))
               and row["provider"].startswith(("the Windows NVIDIA driver", "the NVIDIA driver's"))]
    if not drivers:
        return []
    first, folder, _ = drivers[0]
    files = ", ".join(dict.fromkeys(folder + soname for _, folder, soname in drivers[:8]))
    where = ("/usr/lib/wsl/lib, where WSL mounts the Windows driver's libraries" if folder.startswith("/usr/lib/wsl/")
             else f"{folder}, where the NVIDIA Container Toolkit mounts the Windows driver's libraries into a container")
    cause = (f"Driver libraries are empty files (ldconfig skips them): {files}, in {where}: placeholders, not the "
             "driver. The toolkit bind-mounts each driver library over an empty file it creates in the container; "
             "`docker commit` of such a container (or an image built with those mounts) keeps the empty files, and "
             "wherever the real library is not mounted over them (another host, no --gpus all, a toolkit that mounts "
             "elsewhere) the loader finds an empty libcuda and CUDA cannot load. In the distro itself an empty file "
             "in /usr/lib/wsl/lib means the Windows driver's WSL files were not installed.")
    fix = steps(list(PLACEHOLDER_FIX), "libraries:placeholder")
    return [hit("library", "empty-driver-library", "wsl", cause, "the distro or the container", fix,
                f"{LDCONFIG} ; {MOUNTS}", "medium", text, first)]


# R embedded in another process, which is rpy2 on this stack: rpy2 named (or its situation.py); cffi's
# `OSError: cannot load library '...libR.so'` (rpy2 loads R through cffi's ffi.dlopen); or R's own base packages
# failing to load libR.so while R starts (R's bin/R script sets LD_LIBRARY_PATH from etc/ldpaths: a process that
# embeds R without it, not R or RStudio, gets this).
_SAFE = regex(r"^[A-Za-z0-9_./~+-]{1,300}$")  # a path read from a paste goes into a fix only if plain
_EMBEDDED_R = regex(r"rpy2|situation\.py|OSError: cannot load library|needed by \S*/libR\.so|"
                    r"load failed for .(?:methods|utils|grDevices|graphics|stats|datasets). in dyn\.load", re.I)


# ld.so: `<lib>: version `GLIBCXX_3.4.30' not found (required by <object>)` (glibc elf/dl-version.c): the object needs
# a newer symbol version than the copy of the library the process loaded first.
_VERSION = regex(r"(\S{1,300}?lib(stdc\+\+|gcc_s|c)\.so\.\d+): version [`'‘]((?:GLIBCXX|CXXABI|GCC|GLIBC)_[\d.]+)[`'’] "
                 r"not found \(required by (\S{1,400}?)\)")
# R printed it or loads it: an R error, R's own folders, R's graphics modules
_R_CONTEXT = regex(r"\bError in |Error: package or namespace|/lib/R/|R_X11|grDevices|\blibrary\(|\bRscript\b|rpy2")
_R_EMBEDS = regex(r"py_module_import|reticulate|rpytools|r-miniconda|Error in ", re.I)


def symbol_versions(text: str) -> list[Match]:
    """A C++ (or C) runtime older than what a loaded extension needs: which copy was loaded, which needs more."""
    found = _VERSION.search(lines_with(text, ("not found (required by",)))
    if not found:
        return []
    loaded, family, version, needer = found.group(1), found.group(2), found.group(3), found.group(4)
    env = re.match(r"(.{1,300}?)/(?:lib/python\d|lib/|bin/)", needer)  # the environment's root: before its lib/ or bin/
    env_lib = f"{env.group(1)}/lib" if env and _SAFE.match(env.group(1)) else "the environment's lib folder"
    in_r = bool(_R_EMBEDS.search(text))
    cause = (f"{needer.rsplit('/', 1)[-1]} needs {version} from lib{family}, but the process loaded {loaded} first, which "
             f"is older (it lacks that symbol version). " + (
                 "R (reticulate) loaded the system's copy before the Python environment's packages, which were built "
                 "against the newer one the environment ships." if in_r else
                 "The program loaded the system's copy before the environment's packages, which were built against "
                 "the newer one the environment ships."))
    check = (Step(run=f"strings {shlex.quote(loaded)} | grep -c {shlex.quote(version)}", shell="bash"),) \
        if _SAFE.match(loaded) else ()  # a path from the paste reaches a command only plain and quoted
    fix = (*check,
           Step(say=f"Make the environment's own lib{family} load first: start {'R' if in_r else 'the program'} with "
                    f"LD_LIBRARY_PATH={env_lib} (or LD_PRELOAD={env_lib}/lib{family}.so.6), e.g. in the shell or "
                    f"~/.Renviron that starts it; or update the system's library (libstdc++6), or install packages "
                    "built for the older one."))
    return [hit("library", f"{family}-{version}", "rstudio" if in_r else "jupyter", cause,
                "the machine or container running it", fix, "https://man7.org/linux/man-pages/man8/ld.so.8.html",
                "high", text, found)]


def decode(text: str) -> tuple[list[Match], list[Match]]:
    """(findings, notes): a library whose row says `note` (TensorRT for TensorFlow) is only a note."""
    findings: dict[str, Match] = {}
    notes: dict[str, Match] = {}
    whole = text
    for match in symbol_versions(text):  # before the lines are filtered: the context (R or not) is elsewhere
        findings.setdefault(match.signature.id, match)
    text = lines_with(text, (".so", "cannot dlopen"))
    for match in placeholders(text):  # an empty driver library: the finding is the placeholder, not a missing file
        findings.setdefault(match.signature.id, match)
    for found in _LOAD.finditer(text):
        soname = next(group for group in found.groups() if group)
        row = provider_of(soname.lower())
        if row is None:
            cause = (f"The shared library {soname} could not be loaded; this project does not know which package "
                     "provides it on this stack.")
            match = hit("library", soname, "gpu", cause, "the distro", (), "https://man7.org/linux/man-pages/man8/ld.so.8.html",
                        "low", text, found)
        else:
            cause = f"The shared library {soname} could not be loaded. It comes from {row['provider']}: {row['cause']}"
            layer = "rpy2" if row["layer"] == "rstudio" and _EMBEDDED_R.search(whole) else row["layer"]  # R from Python
            if row.get("layer_outside_r") and not _R_CONTEXT.search(whole):
                layer = row["layer_outside_r"]
            package = (distro_package(soname) or (None,))[0] if row.get("distro_packages") else None
            fix = row["steps"] + ((Step(run=f"sudo apt-get install -y {package}", shell="bash"),) if package else ())
            match = hit("library", soname, layer, cause, "the distro", fix, row["source"],
                        "low" if row.get("note") else "medium", text, found)
        (notes if row and row.get("note") else findings).setdefault(soname, match)
    summary = _TF_GPU_LIBRARIES.search(text)
    if summary and not findings:  # TensorFlow names no library: the CUDA toolkit's and cuDNN's, as it was built for
        row = provider_of("libcudart.so")
        cause = ("TensorFlow could not load its GPU libraries (it names none here): the CUDA and cuDNN libraries it "
                 f"was built for come from {row['provider']} and cuDNN. {row['cause']}")
        findings["tensorflow-gpu-libraries"] = hit("library", "tensorflow-gpu-libraries", "gpu", cause, "the distro",
                                                   row["steps"], f"{TF_SOURCE} ; {row['source']}", "medium", text, summary)
    return list(findings.values()), list(notes.values())
