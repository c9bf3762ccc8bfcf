"""Python / R binding failures: a module or package missing in the interpreter that actually ran.

Formats: Python's `ModuleNotFoundError: No module named 'X'` (and Python 2's `ImportError: No module named X`),
reticulate's `Python module X was not found.` followed by its
`Detected Python configuration:` block (`python: PATH`, `libpython: PATH`), rpy2's R_HOME errors. The names
read from a paste go into fix commands only after a strict name check and shlex.quote: a paste is data.
R's own `there is no package called 'X'` is r.py's (R's library, not a binding).
Sources: https://docs.python.org/3/library/exceptions.html#ModuleNotFoundError,
https://rstudio.github.io/reticulate/articles/versions.html, https://rpy2.github.io/doc/latest/html/overview.html
"""

from __future__ import annotations

import re
import shlex
from functools import lru_cache

from ..catalog import Step
from ..matcher import Match
from .tables import hit, lines_with, table
from ...lazy_regex import regex

PYTHON_DOC = "https://docs.python.org/3/library/exceptions.html#ModuleNotFoundError"
PYTHON_IMPORT_DOC = "https://docs.python.org/3/reference/simple_stmts.html#the-import-statement"
RETICULATE_DOC = "https://rstudio.github.io/reticulate/articles/versions.html"
RPY2_DOC = "https://rpy2.github.io/doc/latest/html/overview.html#install-installation"
# import name -> the pip package that provides it, where they differ (each package's PyPI page)
PIP_NAMES = {"cv2": "opencv-python", "sklearn": "scikit-learn", "PIL": "Pillow", "yaml": "PyYAML",
             "skimage": "scikit-image", "Bio": "biopython", "dateutil": "python-dateutil", "bs4": "beautifulsoup4"}

_PY_MISSING = regex(r"(?:ModuleNotFoundError: No module named|ImportError: No module named) '?([A-Za-z_][\w.]{0,99})'?")
_RETICULATE = regex(r"Python module ([A-Za-z_][\w.]{0,99}) was not found")
_BOUND = regex(r"^(?:#>)?\s*python:\s+(\S{1,300})\s*$", re.M)  # "#> ": as reprex prints it
_LIBPYTHON = regex(r"^(?:#>)?\s*libpython:\s+(\S{1,300})\s*$", re.M)
_FORCED = regex(r"^\s*NOTE: Python version was forced by ([^\n]{1,120})$", re.M)
_TF_NOT_FOUND = regex(r"(?:Valid )?[Ii]nstallation of TensorFlow not found")  # R tensorflow's tf_config()
_NO_NUMPY = regex(r"^(?:#>)?\s*numpy:\s+\[NOT FOUND\]", re.M)
_FAILED = regex(r"^(?:#>)?\s*Error\b|\bError in |ModuleNotFoundError|ImportError|numpy[^\n]{0,40}(?:required|not available)",
                re.M)  # something failed beside the py_config() block
_NO_LIBPYTHON = regex(r"Python shared library not found, Python bindings not loaded|"
                      r"^(?:#>)?\s*libpython:\s+\[NOT FOUND\]", re.M)  # reticulate's py_config(): the bound Python lacks NumPy
_RPY2 = regex(r"R_HOME must be set|Unable to determine R home|R_HOME[^\n]{0,80}(?:not found|does not exist|is not set|"
              r"not defined)|cannot find R_HOME|RHOME[^\n]{0,40}not found")
_R_SESSION = regex(r"^\s*(?:#>|> |Error in |Error: )|\breticulate\b|\blibrary\(", re.M)  # R printed it
_SAFE_PATH = regex(r"^[A-Za-z0-9_./~+-]{1,300}$")
# Python's `ImportError: cannot import name 'X' from 'Y' (path)`: the importer expects another release of Y
# rpy2.situation's report: R_HOME from the environment, and what `R RHOME` (the R on PATH) answers
_SITUATION_HOME = regex(r"Environment variable R_HOME:\s*(\S{1,300})\s*\n\s*Calling `R RHOME`:\s*(\S{1,300})")
_NAME_GONE = regex(r"ImportError: cannot import name '([A-Za-z_]\w{0,80})' from '([A-Za-z_][\w.]{0,80})'")
# reticulate's use_*() name a Python to bind; they take effect only while no Python is initialised in the session
_USE = regex(r"""\buse_(virtualenv|condaenv|python|miniconda)\(\s*["']([^"'\n]{1,300})["']""")
_WHICH_PYTHON = Step(say="Check which Python reticulate bound and why: reticulate::py_config() prints it, with a NOTE "
                         "when RETICULATE_PYTHON or use_python() forced the choice. If RETICULATE_PYTHON points at a "
                         "Python without the module, unset it (Sys.unsetenv('RETICULATE_PYTHON'), and remove it from "
                         "~/.Renviron or Rprofile.site) or point it at the environment that has the module; then "
                         "restart the R session.")


def _pip(module: str, python: str = "python3") -> Step:
    package = PIP_NAMES.get(module.split(".")[0], module.split(".")[0])
    return Step(run=f"{shlex.quote(python)} -m pip install {shlex.quote(package)}", shell="bash")


@lru_cache(maxsize=1)
def removed_names() -> dict[tuple[str, str], dict]:
    """{(module, name): row} of data/removed_names.toml: names a release of a package removed, with its changelog."""
    return {(row["module"], name): row for row in table("removed_names")["removed"] for name in row["names"]}


def _bound_too_late(text: str, python: str | None) -> Match | None:
    """`use_virtualenv("/env")` in the paste, yet py_config() shows another Python bound: the call came after Python
    was initialised (an earlier import, library(keras), RStudio's own choice), so reticulate kept the first one."""
    asked = _USE.search(text) if python is not None and "use_" in text else None
    if asked is None or python is None or not _SAFE_PATH.match(asked.group(2)):
        return None
    wanted = asked.group(2).rstrip("/")
    if python.startswith(wanted) or (asked.group(1) in ("condaenv", "miniconda") and "/" not in wanted):
        return None  # the asked one is bound, or a conda env named, not a path: cannot compare
    cause = (f"reticulate is bound to {python}, not the Python use_{asked.group(1)}() asked for ({wanted}): Python was "
             "already initialised in this R session when the call ran (an earlier import(), library(keras) or "
             "tensorflow, or RStudio's own Python setting), and use_*() only take effect before that; without "
             "required = TRUE older reticulate ignores the call silently.")
    fix = (Step(say=f"Restart R, then call use_{asked.group(1)}() with required = TRUE before anything initialises "
                    "Python (first lines of the script, before library(keras))."),
           Step(say="Or set RETICULATE_PYTHON (in ~/.Renviron, or the project's .Rprofile) to that environment's "
                    "python, so every session binds it; update reticulate, which now errors instead of ignoring it."))
    return hit("binding", "reticulate-bound-too-late", "rstudio", cause, "the R session (RStudio)", fix, RETICULATE_DOC,
               "high", text, asked)


def decode(text: str) -> list[Match]:
    out: dict[str, Match] = {}
    bound = _BOUND.search(text)
    python = bound.group(1) if bound and _SAFE_PATH.match(bound.group(1)) else None
    libpython = _LIBPYTHON.search(text)
    forced = _FORCED.search(text)
    missing = [(m.group(1), m) for m in _RETICULATE.finditer(text)]
    missing += [("tensorflow", m) for m in _TF_NOT_FOUND.finditer(text)]
    no_numpy = list(_NO_NUMPY.finditer(text)) if "[NOT FOUND]" in text else []
    if no_numpy and (missing or _FAILED.search(text)):  # numpy is optional for reticulate: alone it is no failure
        missing += [("numpy", m) for m in no_numpy]
    for module, found in missing:
        where = f"the Python reticulate bound ({python})" if python else "the Python reticulate bound"
        extra = f", libpython {libpython.group(1)}" if libpython else ""
        why = f" (the choice was forced by {forced.group(1).strip()})" if forced else ""
        cause = (f"reticulate found no Python module {module} in {where}{extra}{why}: the module is missing in THAT "
                 "Python, which is often not the environment it was installed into.")
        fix = (_pip(module, python or "python3"),
               Step(say="Or bind the environment that has it: set RETICULATE_PYTHON (in ~/.Renviron) to that "
                        "environment's python, or reticulate::use_virtualenv()/use_condaenv() before the first import, "
                        "then restart the R session."), _WHICH_PYTHON)
        out.setdefault(f"reticulate:{module}", hit("binding", f"reticulate-{module}", "rstudio", cause,
                                                   "the distro (or the container running R)", fix, RETICULATE_DOC,
                                                   "medium", text, found))
    for found in _NAME_GONE.finditer(text):
        name, module = found.group(1), found.group(2)
        row = removed_names().get((module.split(".")[0], name))
        top = module.split(".")[0]
        if row:
            cause = (f"{module} no longer has {name}: {row['removed']}. The code importing it was written for an older "
                     f"{top}.")
            fix = (Step(say=row["fix"]),)
            source = row["source"]
        else:
            cause = (f"{module} has no {name}: the code importing it expects another release of {top} than the one "
                     "installed (a newer or older dependency pulled in beside it, or a half-upgraded environment).")
            fix = (Step(run="python -m pip check", shell="bash"),
                   Step(say=f"Reinstall {top} and the package importing it together, with their dependencies, so pip "
                            "resolves one consistent set (pip install --force-reinstall ...), or pin the release the "
                            "importing package supports; in an image, rebuild it that way."))
            source = PYTHON_IMPORT_DOC
        out.setdefault(f"import:{top}.{name}", hit("binding", f"import-{top}-{name}", "jupyter", cause,
                                                   "the Python environment (or the image)", fix, source, "medium",
                                                   text, found))
    two = _SITUATION_HOME.search(text) if "Calling `R RHOME`" in text else None
    if two and two.group(1).startswith("/") and two.group(1).rstrip("/") != two.group(2).rstrip("/"):  # None: unset
        cause = (f"Two R installations: R_HOME names {two.group(1)} while the R on PATH says {two.group(2)} "
                 "(rpy2.situation): rpy2 loads one R's libR with the other's packages.")
        fix = (Step(say="Use one R: unset R_HOME to use the R on PATH (e.g. the conda env's), or set R_HOME to what "
                        "that R's `R RHOME` prints; then restart Python."),)
        out.setdefault("rpy2-two-r", hit("binding", "rpy2-two-r-homes", "rpy2", cause,
                                         "the environment running Python", fix, RPY2_DOC, "high", text, two))
    late = _bound_too_late(text, python)
    if late is not None:
        out["late"] = late
    found = _NO_LIBPYTHON.search(text)
    if found:
        cause = (f"reticulate cannot load the Python it chose ({python or 'see python: above'}): that Python has no "
                 "shared libpython (a venv or pyenv build without --enable-shared, or libpython not installed).")
        fix = (Step(say="Bind a Python built with a shared libpython: the distro's python3 (apt-get install "
                        "libpython3-dev) or a venv made from it, or reinstall with pyenv's "
                        "PYTHON_CONFIGURE_OPTS=--enable-shared; then set RETICULATE_PYTHON to it and restart R."),)
        out.setdefault("libpython", hit("binding", "reticulate-no-libpython", "rstudio", cause,
                                        "the distro (or the container running R)", fix, RETICULATE_DOC, "medium",
                                        text, found))
    for found in _PY_MISSING.finditer(text):
        module = found.group(1)
        if any(key.endswith(f":{module}") for key in out):
            continue
        if python or _R_SESSION.search(text):  # inside reticulate's error: the bound Python lacks it
            python = python or "python3"
            cause = (f"Python module {module} is not installed in the Python reticulate bound ({python}): set "
                     "RETICULATE_PYTHON to the environment that has it, or install it into that one.")
            layer, where, fix = "rstudio", "the distro (or the container running R)", (_pip(module, python), _WHICH_PYTHON)
        else:
            cause = (f"Python module {module} is not installed in the Python that ran this (ModuleNotFoundError): "
                     "another environment (venv, conda env, kernel) may have it.")
            layer, where = "jupyter", "the Python environment that ran it (the notebook's kernel)"
            fix = (_pip(module), Step(say="In a notebook, install into the kernel's own Python: %pip install "
                                          f"{PIP_NAMES.get(module.split('.')[0], module.split('.')[0])}"))
        out.setdefault(f"python:{module}", hit("binding", f"python-{module}", layer, cause, where, fix, PYTHON_DOC,
                                               "medium", text, found))
    found = _RPY2.search(text)
    if found:
        cause = ("rpy2 cannot find R: R is not installed where this Python runs, or R_HOME is unset or names another "
                 "R (a conda env's, a tilde path rpy2 does not expand).")
        fix = (Step(run="R RHOME", shell="bash"),
               Step(say="Set R_HOME to the absolute path R RHOME prints, in the environment that starts Python, "
                        "before importing rpy2."))
        out.setdefault("rpy2", hit("binding", "rpy2-r-home", "rpy2", cause, "the environment running Python", fix,
                                   RPY2_DOC, "medium", text, found))
    return list(out.values())
