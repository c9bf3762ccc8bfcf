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

from ..catalog import Step
from ..matcher import Match
from .tables import hit, lines_with

PYTHON_DOC = "https://docs.python.org/3/library/exceptions.html#ModuleNotFoundError"
RETICULATE_DOC = "https://rstudio.github.io/reticulate/articles/versions.html"
RPY2_DOC = "https://rpy2.github.io/doc/latest/html/overview.html#install-installation"
# import name -> the pip package that provides it, where they differ (each package's PyPI page)
PIP_NAMES = {"cv2": "opencv-python", "sklearn": "scikit-learn", "PIL": "Pillow", "yaml": "PyYAML",
             "skimage": "scikit-image", "Bio": "biopython", "dateutil": "python-dateutil", "bs4": "beautifulsoup4"}

_PY_MISSING = re.compile(r"(?:ModuleNotFoundError: No module named|ImportError: No module named) '?([A-Za-z_][\w.]{0,99})'?")
_RETICULATE = re.compile(r"Python module ([A-Za-z_][\w.]{0,99}) was not found")
_BOUND = re.compile(r"^(?:#>)?\s*python:\s+(\S{1,300})\s*$", re.M)  # "#> ": as reprex prints it
_LIBPYTHON = re.compile(r"^(?:#>)?\s*libpython:\s+(\S{1,300})\s*$", re.M)
_FORCED = re.compile(r"^\s*NOTE: Python version was forced by ([^\n]{1,120})$", re.M)
_TF_NOT_FOUND = re.compile(r"(?:Valid )?[Ii]nstallation of TensorFlow not found")  # R tensorflow's tf_config()
_NO_NUMPY = re.compile(r"^(?:#>)?\s*numpy:\s+\[NOT FOUND\]", re.M)
_FAILED = re.compile(r"^(?:#>)?\s*Error\b|\bError in |ModuleNotFoundError|ImportError|numpy[^\n]{0,40}(?:required|not available)",
                     re.M)  # something failed beside the py_config() block
_NO_LIBPYTHON = re.compile(r"Python shared library not found, Python bindings not loaded|"
                           r"^(?:#>)?\s*libpython:\s+\[NOT FOUND\]", re.M)  # reticulate's py_config(): the bound Python lacks NumPy
_RPY2 = re.compile(r"R_HOME must be set|Unable to determine R home|R_HOME[^\n]{0,80}(?:not found|does not exist|is not set|"
                   r"not defined)|cannot find R_HOME|RHOME[^\n]{0,40}not found")
_R_SESSION = re.compile(r"^\s*(?:#>|> |Error in |Error: )|\breticulate\b|\blibrary\(", re.M)  # R printed it
_SAFE_PATH = re.compile(r"^[A-Za-z0-9_./~+-]{1,300}$")


def _pip(module: str, python: str = "python3") -> Step:
    package = PIP_NAMES.get(module.split(".")[0], module.split(".")[0])
    return Step(run=f"{shlex.quote(python)} -m pip install {shlex.quote(package)}", shell="bash")


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
                        "then restart the R session."))
        out.setdefault(f"reticulate:{module}", hit("binding", f"reticulate-{module}", "rstudio", cause,
                                                   "the distro (or the container running R)", fix, RETICULATE_DOC,
                                                   "medium", text, found))
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
            layer, where, fix = "rstudio", "the distro (or the container running R)", (_pip(module, python),)
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
