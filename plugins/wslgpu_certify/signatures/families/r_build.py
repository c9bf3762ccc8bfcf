"""An R package that failed to compile from source: which system development package the image lacks.

On Linux install.packages() compiles a package from source unless a binary repository serves it, and the
compile needs the system library's headers. The failure names what is missing in one of a few shapes:
    the packages' anticonf configure scripts (curl, xml2, openssl, magick, sodium, ...):
        `Configuration failed because libxml-2.0 was not found. Try installing:` / ` * deb: libxml2-dev (Debian, ...)`
    the compiler:   `fatal error: ft2build.h: No such file or directory` (GCC's words)
    pkg-config:     `Package 'libxml-2.0' was not found in the pkg-config search path` / `No package 'x11' found`
    a missing tool: `sh: 1: g++: not found`, `make: gfortran: No such file or directory`
and R's summary `installation of package 'X' had non-zero exit status` (utils' install.packages), which alone
only says where to look. The header / pkg-config -> Debian/Ubuntu package table is data/r_build.toml. Names read
from a paste reach a command only after a strict package-name check and shlex.quote.
"""

from __future__ import annotations

import re
import shlex
from functools import lru_cache

from ..catalog import Step
from ..matcher import Match
from .tables import hit, lines_with, table
from ...lazy_regex import regex

ANTICONF = "https://github.com/jeroen/curl/blob/master/configure"
INSTALL_PACKAGES = "https://cran.r-project.org/doc/manuals/r-release/R-admin.html#Installing-packages"
P3M = "https://packagemanager.posit.co/"
_DEB = regex(r"\*\s*deb:\s*([a-z0-9][a-z0-9.+-]{1,60})\b")  # anticonf's `Try installing:` line
_CONFIGURE = regex(r"Configuration failed (?:because|to find) (?:the )?([A-Za-z0-9_.+-]{1,60})")
_HEADER = regex(r"fatal error: ([A-Za-z0-9_./+-]{1,120}\.h(?:pp)?): No such file or directory")
_PC = regex(r"(?:Package [‘'\"]?|No package [‘'\"])([A-Za-z0-9_.+-]{1,60})[’'\"]? (?:was not found in the pkg-config "
            r"search path|found)")
_TOOL = regex(r"(?:sh: \d+: |/bin/sh: (?:\d+: )?|make(?:\[\d+\])?: )(g\+\+|gcc|c\+\+|gfortran|make|cmake|cc)"
              r"(?:: not found|: No such file or directory|: Command not found|: command not found)")
_FAILED = regex(r"installation of package [‘'\"]([A-Za-z][A-Za-z0-9.]{0,99})[’'\"] had non-zero exit status")
_PACKAGE_NAME = regex(r"^[a-z0-9][a-z0-9.+-]{1,60}$")
TOOLS = {"g++": "g++", "c++": "g++", "gcc": "gcc", "cc": "gcc", "gfortran": "gfortran", "make": "make",
         "cmake": "cmake"}


@lru_cache(maxsize=1)
def _rows() -> tuple[tuple[re.Pattern, re.Pattern, str], ...]:
    return tuple((re.compile(row["header"] + r"$"), re.compile(row["pc"] + r"$", re.I), row["package"])
                 for row in table("r_build")["dev"])


def dev_package(header: str = "", pc: str = "") -> str | None:
    """The -dev package that ships this header or pkg-config module, or None."""
    for by_header, by_pc, package in _rows():
        if (header and by_header.match(header)) or (pc and by_pc.match(pc)):
            return package
    return None


def _finding(package: str, what: str, text: str, found: re.Match, source: str) -> Match:
    failed = _FAILED.search(text)
    rpkg = failed.group(1) if failed else ""
    cause = (f"Compiling {('R package ' + rpkg) if rpkg else 'an R package'} from source needs {what}, which this "
             f"image or machine lacks: the Debian/Ubuntu development package {package} is not installed.")
    again = f"install.packages({chr(34)}{rpkg}{chr(34)})" if rpkg else ""
    fix = (Step(run=f"sudo apt-get install -y --no-install-recommends {shlex.quote(package)}", shell="bash"),
           *((Step(run=f"Rscript -e {shlex.quote(again)}", shell="bash"),) if again else ()),
           Step(say=f"In an image, add {package} to its Dockerfile's apt-get install line (before the R packages are "
                    "installed) and rebuild; or install binary packages instead of compiling (rocker/r-ver images "
                    "use Posit Package Manager's Ubuntu binaries)."))
    return hit("r-build", package.replace("+", "x"), "rstudio", cause, "the image or machine installing R packages", fix,
               f"{source} ; {table('r_build')['source']}", "high", text, found)


def decode(text: str) -> list[Match]:
    """The system package each compile failure names, once each; R's summary alone when nothing names one."""
    out: dict[str, Match] = {}
    near = lines_with(text, ("configuration failed", "deb:", "fatal error:", "pkg-config", "no package", "not found",
                             "no such file", "command not found", "non-zero exit status"))
    configure = _CONFIGURE.search(near)
    if configure:
        deb = _DEB.search(near, configure.end())
        if deb and _PACKAGE_NAME.match(deb.group(1)):
            out[deb.group(1)] = _finding(deb.group(1), configure.group(1), near, configure, ANTICONF)
        elif (package := dev_package(pc=configure.group(1))):
            out[package] = _finding(package, configure.group(1), near, configure, ANTICONF)
    for found in _HEADER.finditer(near):
        package = dev_package(header=found.group(1))
        if package:
            out.setdefault(package, _finding(package, f"the header {found.group(1)}", near, found,
                                             "https://gcc.gnu.org/onlinedocs/cpp/Include-Syntax.html"))
    for found in _PC.finditer(near):
        package = dev_package(pc=found.group(1))
        if package:
            out.setdefault(package, _finding(package, f"the pkg-config module {found.group(1)}", near, found,
                                             "https://people.freedesktop.org/~dbn/pkg-config-guide.html"))
    for found in _TOOL.finditer(near):
        package = TOOLS[found.group(1)]
        out.setdefault(package, _finding(package if package != "make" else "build-essential",
                                         f"the build tool {found.group(1)}", near, found, INSTALL_PACKAGES))
    failed = _FAILED.search(text)
    if failed and not out:
        cause = (f"R package {failed.group(1)} failed to build from source; the lines above this one in the install "
                 "log name why (a missing header, pkg-config module or tool: install its -dev package).")
        fix = (Step(say="Read the first ERROR / fatal error / Configuration failed lines above in the install output: "
                        "they name the missing system package; install it with apt-get (in the image's Dockerfile), "
                        "then install the R package again."),)
        out["failed"] = hit("r-build", "package-build-failed", "rstudio", cause, "the image or machine installing R "
                            "packages", fix, INSTALL_PACKAGES, "low", text, failed)
    return list(out.values())
