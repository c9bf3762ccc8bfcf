"""R's own failures, decoded as families: packages, the system libraries R loads, graphics devices, R's crashes.

R prints a closed set of messages, each a format string in its source (https://github.com/wch/r-source):
    library.R    `there is no package called %s` (sQuote: ‘X’ in a UTF-8 locale, 'X' else)
    Rdynload.c   `unable to load shared object '%s':\n  %s`, the second line being dlerror()'s: glibc's
                 `<lib>: cannot open shared object file: ...`, `<lib>: undefined symbol: <sym>`, or
                 `<lib>: version `GLIBCXX_3.4.30' not found (required by <object>)` (glibc elf/dl-load.c, dl-version.c)
    main.c       ` *** caught segfault ***` / `illegal operation` / `bus error`, `address %p, cause '%s'`, then
                 R's `Traceback:` of the calls that were running
    capabilities() printed as R prints a named logical vector (names over TRUE/FALSE)
and glibc's loader says `<program>: error while loading shared libraries: <lib>: cannot open shared object file`
when R's own binary lacks a library. The fixed messages (graphics devices, fonts, packages built by another R,
reticulate's own) are data/r_messages.toml; the library -> Debian/Ubuntu package table is data/distro_libraries.toml (libraries.distro_package);
a package that failed to compile from source is r_build.py's.
Layer "rstudio" is R's (R on the machine or in a container); where R runs embedded in Python (rpy2 in the
paste) the layer is "rpy2". Names read from a paste reach a fix only after a strict name check and shlex.quote.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import replace

from ..catalog import Step, load_catalog
from ..matcher import Match, match
from .r_build import decode as build_failures
from .libraries import distro_package
from .tables import DATA, hit, lines_with, table
from ...lazy_regex import regex

MESSAGES = DATA / "r_messages.toml"
R_SOURCE = "https://github.com/wch/r-source/blob/trunk/src/"
LIBRARY_R = R_SOURCE + "library/base/R/library.R"
RDYNLOAD = R_SOURCE + "main/Rdynload.c"
MAIN_C = R_SOURCE + "main/main.c"
CAPABILITIES = "https://stat.ethz.ch/R-manual/R-devel/library/base/html/capabilities.html"
SHARED_BLAS = "https://cran.r-project.org/doc/manuals/r-release/R-admin.html#Shared-BLAS"
LD_SO = "https://man7.org/linux/man-pages/man8/ld.so.8.html"

# R inside a Python process (the rpy2 layer): rpy2 named, or R's own base packages failing to find libR.so, which R's
# start-up script (bin/R, from etc/ldpaths) always puts on the path: only a process embedding R lacks it
_EMBEDDED = regex(r"rpy2|rinterface|situation\.py|/library/(?:methods|utils|grDevices|graphics|stats|tools)/libs/"
                  r"[^\n]{0,80}\n[^\n]{0,20}libR\.so: cannot open", re.I)
_R_SAID = regex(r"^\s*(?:#>|> |r\$> |E? *Error in |Error: |Warning messages?:|In addition: )|\bRscript\b|"
                r"\blibrary\(|reticulate|rpytools|py_module_import|\.libPaths|"
                r"^(?:#>)?\s*libpython:\s", re.M)  # R printed it (libpython: reticulate's py_config() block)
_NO_PACKAGE = regex(r"there is no package called [‘'\"`]([A-Za-z][A-Za-z0-9.]{0,99})[’'\"`]")
_SONAME = r"(?:[^\s'\"‘’:]{0,300}/)?(lib[A-Za-z0-9_+.-]{1,80}?\.so(?:\.[0-9]{1,6}){0,4})"
_DYNLOAD = regex(r"unable to load shared object [‘'][^'’\n]{1,300}[’']:?[ \t]*\n(?:E\b)?[ \t]*"
                 r"(?P<reason>" + _SONAME + r": (?:cannot open shared object file|undefined symbol: "
                 r"(?P<symbol>[A-Za-z0-9_.@]{1,120})))")
_R_BINARY = regex(r"(?P<program>\S{0,200}/(?:R|Rscript|r|exec/R)): error while loading shared libraries: "
                  + _SONAME + r": cannot open shared object file")
_LINK = regex(r"(?:ld: )?warning: (libR(?:blas|lapack)?\.so), needed by (\S{1,300}), not found")
_VERSION = regex(r"(\S{0,300}libstdc\+\+\.so\.6): version [`'‘](GLIBCXX_[\d.]{1,12}|CXXABI_[\d.]{1,12})[`'’] "
                 r"not found \(required by (\S{1,400}?)\)")
_SEGV = regex(r"^[ \t]{0,4}\*\*\* caught (segfault|illegal operation|bus error) \*\*\*[ \t]*$", re.M)
_SEGV_CAUSE = regex(r"address (?:0x)?[0-9a-fA-F]{1,16}, cause '([^'\n]{1,60})'")
_FRAME = regex(r"^ ?1: ([A-Za-z.][A-Za-z0-9._:]{0,80})\(", re.M)  # R's Traceback: the innermost call first
_GRAPHICS_CALLS = regex(r"cairo|png|jpeg|tiff|svg|pdf|X11|grSoftVersion|dev[._]|ggsave|plot", re.I)
_SAFE = regex(r"^[A-Za-z0-9_./~+-]{1,300}$")
R_OWN = {"libr.so": "R's shared library (R built with --enable-R-shlib)",
         "librblas.so": "R's own BLAS (an R built without an external BLAS)",
         "librlapack.so": "R's own LAPACK (an R built without an external LAPACK)"}


def _layer(text: str) -> str:
    near = lines_with(text, ("rpy2", "rinterface", "situation.py", "libr.so", "/libs/"))  # one scan per word, then the regex
    return "rpy2" if _EMBEDDED.search(near) else "rstudio"


def _relayered(found: Match, layer: str) -> Match:
    return found if found.signature.layer == layer else replace(found, signature=replace(found.signature, layer=layer))


def packages(text: str) -> list[Match]:
    out: dict[str, Match] = {}
    layer = ""
    for found in _NO_PACKAGE.finditer(text):
        name, layer = found.group(1), layer or _layer(text)
        install = f"install.packages({chr(34)}{name}{chr(34)})"
        where = ("the R that rpy2 embeds (its R_HOME) has no package " if layer == "rpy2" else
                 "this R has no package ")
        cause = (f"R package {name} is not installed in the libraries this R session reads (.libPaths()): {where}"
                 f"{name}. It was never installed in this image or machine, was installed for another R (another "
                 "version, another user's library, apt's r-cran-* packages under /usr/lib/R/site-library, which an R "
                 "built from source such as rocker's does not read), or into a container that was since recreated.")
        fix = (Step(run=f"Rscript -e {shlex.quote(install)}", shell="bash"),
               Step(run="Rscript -e '.libPaths()'", shell="bash"),
               Step(say=f"Where R itself comes from apt (Ubuntu's r-base, as in the guide's image with the c2d4u PPA), "
                        f"the binary package works too: apt-get install -y r-cran-{name.lower()}."),
               Step(say=f"In an image, install it in a derived image's Dockerfile with the image's own R (FROM the "
                        f"image, RUN install2.r {name}, or RUN R -e '{install}'), so it survives a new container; if "
                        "the image is meant to ship it (a *-verse image), pull the image again (a rebuilt tag). In "
                        f"RStudio run {install} in the Console." + (" For rpy2: install it with the R whose R_HOME rpy2 uses (R RHOME)."
                                      if layer == "rpy2" else "")))
        out.setdefault(name, hit("binding", f"r-{name}", layer, cause, "the R library (.libPaths())", fix,
                                 LIBRARY_R, "high", text, found))
    return list(out.values())


def _library_finding(soname: str, text: str, found: re.Match, layer: str, symbol: str = "") -> Match:
    own = R_OWN.get(soname.lower())
    if symbol:
        cause = (f"A library R loaded, {soname}, lacks the symbol {symbol} that the loading code needs: the image "
                 "holds mismatched versions of that library and what uses it (packages from different releases, a "
                 "library copied or mounted from another system).")
        fix = (Step(run=f"dpkg -S {shlex.quote(soname)}", shell="bash"),
               Step(say="Reinstall or upgrade the package that ships it together with the packages that use it "
                        "(apt-get install --reinstall, or a newer image), and remove copies of it from other places "
                        "on the library path (LD_LIBRARY_PATH, a conda env's lib)."))
        return hit("library", f"symbol-{soname}", layer, cause, "the image or machine running R", fix, RDYNLOAD, "medium",
                   text, found)
    if own:
        cause = (f"{soname} is {own}, and this R has none on the loader's path: the code asking for it (a package, "
                 "littler's r, rpy2) was built against another build of R; or the process embeds R without R's "
                 "lib folder on its library path (R's own start-up script sets it from etc/ldpaths), or with R_HOME "
                 "naming another R.")
        fix = (Step(say="Reinstall the package (or littler) from source with THIS R so it links this R's libraries: "
                        "Rscript -e 'install.packages(\"PKG\")' for the package the lines above name."),
               Step(run='LD_LIBRARY_PATH="$(R RHOME)/lib" python3 -m rpy2.situation', shell="bash")
               if layer == "rpy2" else Step(run='ls "$(R RHOME)/lib"', shell="bash"),
               Step(say="For a program that embeds R (rpy2), put R's lib folder on its library path before it "
                        "starts (LD_LIBRARY_PATH=\"$(R RHOME)/lib\", or register it once: echo \"$(R RHOME)/lib\" > "
                        "/etc/ld.so.conf.d/R.conf, then ldconfig) or use an rpy2 release that supports this R."))
        return hit("library", soname, layer, cause, "the R installation of the machine or image", fix,
                   f"{SHARED_BLAS} ; {RDYNLOAD}", "medium", text, found)
    known = distro_package(soname)
    if known:
        package, what = known
        cause = (f"R (or a package's compiled code) needs {soname}, {what}, and this image or machine does not have "
                 f"it: the Debian/Ubuntu package {package} is not installed there.")
        fix = (Step(run=f"sudo apt-get install -y {shlex.quote(package)}", shell="bash"),
               Step(say=f"{package} ships {what}. In a container, add RUN apt-get update && apt-get install -y --no-install-recommends "
                        f"{package} to the image's Dockerfile and rebuild (a running container loses it). A package "
                        "compiled on another system (a library mounted in) links what that system had: reinstall "
                        "it in this image; an R from conda takes it from conda-forge instead (conda install the library "
                        "as an explicit dependency of the environment)."))
        return hit("library", soname, layer, cause, "the image or machine running R", fix,
                   f"{table('distro_libraries')['source']} ; {RDYNLOAD}", "high", text, found)
    cause = (f"R (or a package's compiled code) needs the system library {soname}, which is not installed in this "
             "image or machine.")
    fix = (Step(run=f"apt-file search {shlex.quote(soname)}", shell="bash"),
           Step(say="Install the package apt-file names (apt-get install -y apt-file && apt-file update first), "
                    "in the image's Dockerfile for a container; then reinstall the R package that needed it."))
    return hit("library", soname, layer, cause, "the image or machine running R", fix, f"{LD_SO} ; {RDYNLOAD}", "medium",
               text, found)


def libraries(text: str) -> list[Match]:
    """R's dyn.load failures, R's binary missing a library, ld's libR* link warnings: one finding per library."""
    out: dict[str, Match] = {}
    layer = _layer(text) if "shared" in text else "rstudio"
    for found in _DYNLOAD.finditer(text):
        soname, symbol = found.group(2), found.group("symbol") or ""
        spot = re.compile(re.escape(found.group("reason"))).search(text, found.start("reason"))
        out.setdefault(soname + symbol, _library_finding(soname, text, spot, layer, symbol))
    for found in _R_BINARY.finditer(lines_with(text, ("error while loading shared libraries",))):
        out.setdefault(found.group(2), _library_finding(found.group(2), found.string, found, layer))
    for found in _LINK.finditer(lines_with(text, ("needed by",))):  # linking libR from outside R: rpy2's build here
        out.setdefault(found.group(1), _library_finding(found.group(1), found.string, found, "rpy2"))
    return list(out.values())


def symbol_versions(text: str) -> list[Match]:
    """R (reticulate) loaded the system's libstdc++ first; a Python environment's extension needs a newer one."""
    found = _VERSION.search(lines_with(text, ("not found (required by",)))
    if not found or not _R_SAID.search(text):
        return []
    loaded, version, needer = found.groups()
    env = re.match(r"(.{1,300}?)/lib/python\d", needer)
    env_lib = f"{env.group(1)}/lib" if env and _SAFE.match(env.group(1)) else ""
    cause = (f"{needer.rsplit('/', 1)[-1]} (a Python environment's compiled module) needs {version} from libstdc++, "
             f"but the R process had already loaded {loaded}, which is older: one process holds one libstdc++, and R "
             "loads the system's before reticulate starts Python.")
    preload = f"LD_PRELOAD={shlex.quote(env_lib + '/libstdc++.so.6')} R" if env_lib else ""
    fix = ((Step(run=preload, shell="bash"),) if preload else ()) + (
        Step(say="Make the environment's newer libstdc++ the one R loads: start R with LD_PRELOAD (or "
                 f"LD_LIBRARY_PATH={env_lib or 'ENV/lib'}) naming the environment's lib folder, set in the shell that starts R; under "
                 "RStudio Server, rsession-ld-library-path in /etc/rstudio/rserver.conf. Setting it in ~/.Renviron "
                 "is too late: the loader reads it when R starts."),
        Step(say="Or install that Python package in a build made for the older libstdc++ (an older release), or use "
                 "an image whose system libstdc++6 is newer (a newer Ubuntu/Debian base)."))
    return [hit("library", f"stdc++-{version}", _layer(text), cause, "the R session's environment", fix,
                f"{LD_SO} ; https://gcc.gnu.org/onlinedocs/libstdc++/manual/abi.html", "high", found.string, found)]


def crash(text: str) -> list[Match]:
    """R's own crash report (main.c's handler): the signal, its cause, and the call R was in."""
    found = _SEGV.search(text)
    if not found:
        return []
    what = {"segfault": "SIGSEGV", "illegal operation": "SIGILL", "bus error": "SIGBUS"}[found.group(1)]
    why = _SEGV_CAUSE.search(text, found.end())
    frame = _FRAME.search(text, found.end())
    call = frame.group(1) if frame else ""
    cause = (f"R crashed: it caught {what}" + (f" ({why.group(1)})" if why else "") + " in compiled code"
             + (f", while running {call}()" if call else "") + ".")
    if call and _GRAPHICS_CALLS.search(call):
        cause += (" The call is a graphics device's: the image's cairo/X11 libraries do not match the R build that "
                  "uses them.")
        fix = (Step(say="Draw with a device that does not go through that library: ragg::agg_png() / AGG in RStudio, "
                        "or pdf() instead of cairo_pdf(); or use an image tag whose cairo stack works (a newer one)."),
               Step(run="Rscript -e 'print(grSoftVersion())'", shell="bash"))
    else:
        fix = (Step(say="R's Traceback above names the R call that entered the crashing code: update or reinstall "
                        "the package that call belongs to with this R (install.packages(), or update.packages("
                        "checkBuilt = TRUE, ask = FALSE)), then run it again in a fresh session."),)
    return [hit("crash", f"r-{what}", _layer(text), cause, "the R session", fix, MAIN_C, "medium", text, found)]


def _vector(lines: list[str]) -> dict[str, str]:
    """R's printed named logical vector: a line of names over a line of TRUE/FALSE, as many as names."""
    out = {}
    for names, values in zip(lines, lines[1:]):
        keys, flags = names.split(), values.split()
        if keys and len(keys) == len(flags) and set(flags) <= {"TRUE", "FALSE"} and not set(keys) & {"TRUE", "FALSE"}:
            out.update(zip(keys, flags))
    return out


def capabilities(text: str) -> list[Match]:
    """capabilities() printed with png FALSE: R can draw no PNG here (no cairo, and X11 has no display)."""
    if "capabilities" not in text:
        return []
    shown = _vector([line for line in text.splitlines()[:400] if len(line) < 300])
    if shown.get("png") != "FALSE":
        return []
    found = re.search(r"^.*\bpng\b.*$", text, re.M)
    cairo = shown.get("cairo")
    cause = ("capabilities() says this R cannot draw PNG: png is FALSE" + (
        ", and cairo is FALSE too, so png() could only use X11, which needs a display this session does not have."
        if cairo == "FALSE" else ": its X11 device has no display and png() is not told to use cairo."))
    fix = (Step(say="Use cairo (options(bitmapType = \"cairo\"), png(type = \"cairo\")) where capabilities(\"cairo\") "
                    "is TRUE, or ragg::agg_png() (install.packages(\"ragg\")), which needs neither X11 nor cairo."),
           Step(run="sudo apt-get install -y --no-install-recommends libcairo2 libxt6", shell="bash"))
    return [hit("r-graphics", "no-png-device", _layer(text), cause, "the R session or the image running R", fix,
                CAPABILITIES, "medium", text, found)]


# reticulate's NEWS.md: the first release that supports each Python / NumPy version
RETICULATE_NEWS = "https://github.com/rstudio/reticulate/blob/main/NEWS.md"
FIRST_SUPPORT = (("Python", (3, 12), (1, 33, 0)), ("Python", (3, 13), (1, 40, 0)), ("NumPy", (2, 0), (1, 38, 0)))
_RETICULATE_VERSION = regex(r"[Rr]eticulate(?: version)? (\d{1,2})\.(\d{1,3})\.(\d{1,3})|"
                            r"packageVersion\(.reticulate.\)\s*\n\s*\[1\] [‘'](\d{1,2})\.(\d{1,3})\.(\d{1,3})")
_VERSIONS = {"Python": regex(r"^(?:#>)?\s*version:\s+(\d)\.(\d{1,2})\.|^Python (\d)\.(\d{1,2})\.\d{1,2} \(", re.M),
             "NumPy": regex(r"^(?:#>)?\s*numpy_version:\s+(\d{1,2})\.(\d{1,3})", re.M)}


def unsupported(text: str) -> list[Match]:
    """A reticulate release older than the first one that supports the Python (or NumPy) version the paste shows."""
    found = _RETICULATE_VERSION.search(lines_with(text, ("reticulate",)))
    if not found:
        return []
    release = tuple(int(g) for g in found.groups() if g is not None)
    for what, version, first in FIRST_SUPPORT:
        shown = _VERSIONS[what].search(text)
        numbers = tuple(int(g) for g in shown.groups() if g is not None) if shown else ()
        if numbers >= version and release < first:
            said = ".".join(map(str, release))
            cause = (f"reticulate {said} predates {what} {'.'.join(map(str, numbers))} support (added in reticulate "
                     f"{'.'.join(map(str, first))}): with this {what} its conversions and callbacks fail.")
            fix = (Step(run="Rscript -e 'install.packages(\"reticulate\")'", shell="bash"),
                   Step(say=f"Update reticulate (from CRAN), then restart R; until then use a {what} older than "
                            f"{'.'.join(map(str, version))} in the environment reticulate binds."))
            return [hit("r", f"reticulate-{said}-{what}", "rstudio", cause, "the R session (RStudio)", fix,
                        RETICULATE_NEWS, "medium", text, shown)]
    return []


def decode(text: str) -> list[Match]:
    """Everything R's families read in this output, most specific first, one finding per code."""
    found = [*packages(text), *libraries(text), *symbol_versions(text), *crash(text), *capabilities(text),
             *unsupported(text), *build_failures(text)]
    layer = ""
    for message in match(text, catalog=load_catalog(MESSAGES)):
        layer = layer or _layer(text)
        if all(message.id != seen.id for seen in found):
            found.append(_relayered(message, layer) if message.signature.layer == "rstudio" else message)
    return found
