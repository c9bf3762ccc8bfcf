"""R's and Jupyter's families (families/r.py, jupyter.py, crash.py's NTSTATUS): each family shown failing with
several differently-worded members (none copied from one transcript: other packages, libraries, devices, paths,
ports, exit codes, quote styles, an R console, Rscript, reprex, pytest and rpy2 framings) and the right fix, and
shown passing: healthy R, reticulate, Jupyter and RStudio Server outputs give no finding.
"""

from __future__ import annotations

import sys

import pytest

from suite_run import REPO

sys.path.insert(0, str(REPO / "plugins"))

from wslgpu_certify.diagnose.diagnosis import diagnose  # noqa: E402
from wslgpu_certify.profile import load_profile  # noqa: E402
from wslgpu_certify.signatures import families  # noqa: E402
from wslgpu_certify.signatures.catalog import load_catalog  # noqa: E402
from wslgpu_certify.signatures.families import jupyter, libraries, r, r_build, tables  # noqa: E402

PROFILE = load_profile("current")


def decoded(text: str) -> dict[str, object]:
    return {hit.id: hit for hit in families.decode(text)}


def fix_text(hit) -> str:
    return " ".join(step.run or step.say for step in hit.signature.fix)


def only(text: str, ident: str, layer: str, *in_fix: str):
    found = decoded(text)
    assert ident in found, f"{ident} not in {list(found)}"
    hit = found[ident]
    assert hit.signature.layer == layer and hit.signature.source.startswith("https://")
    for words in in_fix:
        assert words in fix_text(hit), (words, fix_text(hit))
    return hit


# --- the tables: each row with its source ------------------------------------------------------------------

def test_tables_carry_their_sources():
    for path in (r.MESSAGES, jupyter.MESSAGES):
        rows = load_catalog(path)
        assert len(rows) >= 2 and all(row.id.startswith("family.") for row in rows)
        assert all(row.source.startswith("https://") for row in rows)
    assert tables.table("distro_libraries")["source"].startswith("https://")
    assert len(tables.table("distro_libraries")["library"]) >= 50
    assert tables.table("ntstatus")["source"].startswith("https://")


@pytest.mark.parametrize("soname, package", [
    ("libXt.so.6", "libxt6"), ("libxrender.so.1", "libxrender1"), ("libicuuc.so.74", "libicu74"),
    ("libicui18n.so.70", "libicu70"), ("libgdal.so.32", "libgdal32"), ("libpcre2-8.so.0", "libpcre2-8-0"),
    ("libgobject-2.0.so.0", "libglib2.0-0"), ("libgit2.so.1.5", "libgit2-1.5"),
    ("libpango-1.0.so.0", "libpango-1.0-0"), ("libpangocairo-1.0.so.0", "libpangocairo-1.0-0"),
])
def test_a_soname_names_its_debian_package(soname, package):
    assert libraries.distro_package(soname)[0] == package


def test_an_unknown_soname_has_no_package():
    assert libraries.distro_package("libnotalibrary.so.9") is None


# --- R's packages ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, name", [
    ("> library(lubridate)\nError in library(lubridate) : there is no package called ‘lubridate’\n", "lubridate"),
    ("Error in loadNamespace(x) : there is no package called 'data.table'\nCalls: loadNamespace -> withRestarts",
     "data.table"),
    ("#> Error in library(sf): there is no package called 'sf'", "sf"),
    ("Warning: Error in library: there is no package called ‘shinyWidgets’\n  3: runApp\n", "shinyWidgets"),
])
def test_an_r_package_missing_is_rs_library(text, name):
    hit = only(text, f"family.binding.r-{name.lower().replace('.', '-')}", "rstudio",
               f'install.packages("{name}")', "install2.r", f"r-cran-{name.lower()}")
    assert "rpy2" not in hit.signature.cause


@pytest.mark.parametrize("text", [
    "from rpy2.robjects.packages import importr\nR[write to console]: Error in loadNamespace(name) : there is no "
    "package called ‘edgeR’",
    "rpy2.rinterface_lib.embedded.RRuntimeError: Error in library(limma) : there is no package called 'limma'",
])
def test_an_r_package_missing_under_rpy2_is_the_rpy2_layer(text):
    assert any(f.layer == "rpy2" for f in diagnose(text.encode(), PROFILE).findings)


def test_a_package_name_that_is_not_one_reaches_no_command():
    assert not any(h.id.startswith("family.binding.r-") for h in families.decode(
        "Error in library(x) : there is no package called ‘a;rm -rf ~’"))


@pytest.mark.parametrize("text, ident", [
    ("Error: package ‘lattice’ was installed by an R version with different internals; it needs to be reinstalled "
     "for use with this R version", "family.r.package-built-for-other-r"),
    ("Error: package 'Rcpp' was installed before R 4.0.0: please re-install it", "family.r.package-built-for-other-r"),
    ("Error: package ‘foreign’ was built before R 3.0.0: please re-install it", "family.r.package-built-for-other-r"),
    ("Error in loadNamespace(i, c(lib.loc, .libPaths()), versionCheck = vI[[i]]) :\n  namespace ‘rlang’ 1.0.6 is "
     "already loaded, but >= 1.1.0 is required", "family.r.namespace-version"),
    ("  namespace 'vctrs' 0.5.2 is being loaded, but >= 0.6.0 is required", "family.r.namespace-version"),
    ("Warning message:\npackage ‘DESeq2’ is not available for this version of R", "family.r.package-not-available"),
    ("Warning: package 'ggplot3' is not available (for R version 4.3.1)", "family.r.package-not-available"),
])
def test_rs_package_messages(text, ident):
    only(text, ident, "rstudio")


# --- the libraries R loads ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, soname, package", [
    ("Warning message:\nIn grSoftVersion() :\n  unable to load shared object '/opt/R/4.3.2/lib/R/modules//R_X11.so':"
     "\n  libXt.so.6: cannot open shared object file: No such file or directory", "libXt.so.6", "libxt6"),
    ("Error: package or namespace load failed for ‘curl’ in dyn.load(file, DLLpath = DLLpath, ...):\n unable to load "
     "shared object '/usr/local/lib/R/site-library/curl/libs/curl.so':\n  libcurl.so.4: cannot open shared object "
     "file: No such file or directory", "libcurl.so.4", "libcurl4"),
    ("Error in dyn.load(file, DLLpath = DLLpath, ...) : \n  unable to load shared object "
     "'/usr/lib/R/library/stats/libs/stats.so':\n  libgfortran.so.5: cannot open shared object file: No such file",
     "libgfortran.so.5", "libgfortran5"),
    ("unable to load shared object ‘/home/u/R/stringi/libs/stringi.so’:\n  libicuuc.so.72: cannot open shared object "
     "file: No such file or directory", "libicuuc.so.72", "libicu72"),
    ("$ R\n/usr/lib/R/bin/exec/R: error while loading shared libraries: libreadline.so.8: cannot open shared object "
     "file: No such file or directory", "libreadline.so.8", "libreadline8"),
])
def test_a_system_library_r_loads_names_its_package(text, soname, package):
    hit = only(text, "family.library." + soname.lower().replace(".", "-"), "rstudio", f"sudo apt-get install -y "
               f"{package}", f"apt-get install -y --no-install-recommends {package} to the image's Dockerfile")
    assert hit.signature.confidence == "high"


def test_an_unknown_library_says_how_to_find_its_package():
    text = ("Error: package or namespace load failed for ‘xyz’:\n unable to load shared object '/x/xyz/libs/xyz.so':\n"
            "  libfrobnicate.so.3: cannot open shared object file: No such file or directory")
    only(text, "family.library.libfrobnicate-so-3", "rstudio", "apt-file search libfrobnicate.so.3")


def test_a_missing_symbol_is_a_mismatch_not_a_missing_package():
    text = ("2: In cairoVersion() :\n  unable to load shared object '/usr/lib/R/library/grDevices/libs//cairo.so':\n"
            "  /lib/x86_64-linux-gnu/libharfbuzz.so.0: undefined symbol: FT_Get_Color_Glyph_Layer")
    hit = only(text, "family.library.symbol-libharfbuzz-so-0", "rstudio")
    assert "FT_Get_Color_Glyph_Layer" in hit.signature.cause


@pytest.mark.parametrize("text, layer", [
    ("Error in La_library() : LAPACK routines cannot be loaded\nIn addition: Warning message:\nIn La_library() :\n  "
     "unable to load shared object '/usr/local/lib/R/modules//lapack.so':\n  libRlapack.so: cannot open shared "
     "object file: No such file or directory", "rstudio"),
    ("E   rpy2.rinterface_lib.embedded.RRuntimeError: Error in dyn.load(file, DLLpath = DLLpath, ...) :\nE     unable "
     "to load shared object '/opt/R/4.4.1/lib/R/library/utils/libs/utils.so':\nE     libR.so: cannot open shared "
     "object file: No such file or directory", "rpy2"),
    ("$ pip install rpy2\n/usr/bin/ld: warning: libRlapack.so, needed by /usr/lib64/R/lib/libR.so, not found (try "
     "using -rpath or -rpath-link)", "rpy2"),
])
def test_rs_own_libraries_mean_another_r_build_or_path(text, layer):
    hits = [h for h in families.decode(text) if h.id.startswith("family.library.libr")]
    assert hits and hits[0].signature.layer == layer and "R RHOME" in fix_text(hits[0])


@pytest.mark.parametrize("text, env_lib", [
    ("> np <- reticulate::import('scipy.sparse')\nError in py_module_import(module, convert = convert) :\n  ImportError:"
     " /usr/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.29' not found (required by "
     "/opt/conda/envs/sc/lib/python3.11/site-packages/scipy/sparse/_sparsetools.cpython-311-x86_64-linux-gnu.so)",
     "/opt/conda/envs/sc/lib"),
    ("libpython:      /home/a/miniforge3/envs/ml/lib/libpython3.10.so\nImportError: /lib64/libstdc++.so.6: version "
     "‘CXXABI_1.3.13’ not found (required by /home/a/miniforge3/envs/ml/lib/python3.10/site-packages/pyarrow/lib.so)",
     "/home/a/miniforge3/envs/ml/lib"),
])
def test_libstdcxx_under_r_loads_the_environments_first(text, env_lib):
    hit = next(h for h in families.decode(text) if h.id.startswith("family.library.stdc"))
    assert hit.signature.layer == "rstudio" and f"LD_PRELOAD={env_lib}/libstdc++.so.6 R" in fix_text(hit)


def test_libstdcxx_outside_r_is_not_rs():
    assert not r.symbol_versions("$ python3 -c 'import torch'\nImportError: /usr/lib/x86_64-linux-gnu/libstdc++.so.6:"
                                 " version `GLIBCXX_3.4.32' not found (required by /opt/venv/lib/python3.12/x.so)")


# --- R's crash handler, capabilities(), graphics devices, fonts ---------------------------------------------

@pytest.mark.parametrize("text, ident, graphics", [
    ("\n *** caught segfault ***\naddress 0x10, cause 'memory not mapped'\n\nTraceback:\n 1: .Call(C_fit, x)\n 2: "
     "fit(x)\n", "family.crash.r-sigsegv", False),
    ("\n *** caught segfault ***\naddress 0x7f00, cause 'invalid permissions'\n\nTraceback:\n 1: png(\"a.png\")\n",
     "family.crash.r-sigsegv", True),
    ("\n *** caught illegal operation ***\naddress 0x7f3a2, cause 'illegal opcode'\n\nTraceback:\n 1: "
     "py_module_import(module)\n", "family.crash.r-sigill", False),
    ("\n *** caught bus error ***\naddress 0x7f3a, cause 'non-existent physical address'\n", "family.crash.r-sigbus",
     False),
])
def test_rs_crash_report_is_a_crash(text, ident, graphics):
    hit = only(text, ident, "rstudio")
    assert ("agg_png" in fix_text(hit)) == graphics


def test_capabilities_without_png_is_a_finding_and_with_png_is_not():
    broken = ("> capabilities()\n       jpeg         png        tiff       tcltk         X11        aqua\n      FALSE "
              "      FALSE       FALSE       FALSE       FALSE       FALSE\n        NLS     profmem       cairo\n"
              "       TRUE       FALSE       FALSE\n")
    only(broken, "family.r-graphics.no-png-device", "rstudio", "agg_png")
    assert not families.decode(broken.replace("      FALSE       FALSE       FALSE       FALSE       FALSE       FALSE",
                                              "       TRUE        TRUE        TRUE        TRUE       FALSE       FALSE"))


@pytest.mark.parametrize("text, ident", [
    ("Error in .External2(C_X11, paste0(\"jpeg::\", quality, \":\", filename), g$width,  :\n  unable to start device "
     "JPEG", "family.r-graphics.no-x11-display"),
    ("Warning in png(\"out.png\") : unable to open connection to X11 display ''", "family.r-graphics.no-x11-display"),
    ("Error in X11(d$display, d$width, d$height) : unable to start device X11", "family.r-graphics.no-x11-display"),
    ("Warning message:\nIn cairo_pdf(\"fig.pdf\") : failed to load cairo DLL", "family.r-graphics.cairo-not-loadable"),
    ("Error in svg(\"a.svg\") : cairo-based devices are not supported on this build",
     "family.r-graphics.cairo-not-loadable"),
    ("Error in RStudioGD() : \n  Shadow graphics device error: r error 4 (R code execution error)",
     "family.r-graphics.rstudio-shadow-device"),
    ("Error in grid.Call(C_textBounds, as.graphicsAnnot(x$label), :\n  X11 font -adobe-helvetica-%s-%s-*-*-%d-*-*-*-*"
     "-*-*-*, face 2 at size 11 could not be loaded", "family.r-graphics.fonts-missing"),
    ("Fontconfig error: Cannot load default config file", "family.r-graphics.fonts-missing"),
])
def test_graphics_devices(text, ident):
    only(text, ident, "rstudio")


# --- reticulate, renv, rpy2 messages ------------------------------------------------------------------------

@pytest.mark.parametrize("text, ident", [
    ("Python 3.13.1 (/opt/venv/bin/python)\nReticulate 1.38.0 REPL -- A Python interpreter in R.",
     "family.r.reticulate-1-38-0-python"),
    ("python:         /usr/bin/python3\nversion:        3.12.3 (main, Apr 10 2024)\n> packageVersion(\"reticulate\")\n"
     "[1] ‘1.31’\n[1] \"Reticulate version 1.31.0\"", "family.r.reticulate-1-31-0-python"),
    ("numpy:          /v/lib/python3.11/site-packages/numpy\nnumpy_version:  2.1.0\n[1] \"Reticulate version 1.35.0\"",
     "family.r.reticulate-1-35-0-numpy"),
])
def test_a_reticulate_older_than_the_python_it_meets(text, ident):
    only(text, ident, "rstudio", 'install.packages("reticulate")')


def test_a_reticulate_that_supports_its_python_is_no_finding():
    assert not families.decode("Python 3.13.1 (/opt/venv/bin/python)\nReticulate 1.41.0 REPL -- A Python interpreter "
                               "in R.\nnumpy_version:  2.1.0")


@pytest.mark.parametrize("text, ident", [
    ("Error: Installation of Python not found, Python bindings not loaded.", "family.reticulate.python-not-found"),
    ("Warning message:\nIn system2(command = python, args = shQuote(script), stdout = TRUE) :\n  running command "
     "'/usr/local/bin/python3.13 /home/u/R/library/reticulate/config/config.py' had status 1",
     "family.reticulate.config-script-failed"),
    ("Error in initialize_python() :\n  Python shared library '/usr/lib/libpython3.9.so' not found, Python bindings "
     "not loaded.", "family.reticulate.libpython-missing"),
    ("Error: '3.12' does not refer to a valid Python interpreter", "family.renv.python-not-an-interpreter"),
    ("Error in paste0(prefix, conditionMessage(e)) :\n  4 arguments passed to .Internal(paste0) which requires 3",
     "family.r.two-r-installations"),
    ("> py_require(\"polars\")\nFehler in system2(uv, c(\"pip\", \"compile\"), stdout = TRUE) :\n  Fehler bei der "
     "Ausführung eines Kommandos", "family.reticulate.uv-env-failed"),
    ("error: No interpreter found for Python 3.14 in managed installations\nuv error code: 2",
     "family.reticulate.uv-env-failed"),
])
def test_reticulate_renv_and_r_messages(text, ident):
    only(text, ident, "rstudio")


def test_rpy2s_situation_with_two_rs():
    text = ("rpy2 version:\n3.5.16\nLooking for R's HOME:\n    Environment variable R_HOME: /usr/lib/R\n    Calling "
            "`R RHOME`: /opt/conda/lib/R\n    Warning: The environment variable R_HOME differs from the default R in "
            "the PATH.")
    only(text, "family.rpy2.r-home-differs", "rpy2", "R RHOME")


def test_numpy_not_found_alone_is_no_finding_but_beside_a_failure_it_is():
    config = ("python:         /usr/bin/python3\nlibpython:      /usr/lib/x86_64-linux-gnu/libpython3.12.so\n"
              "version:        3.12.3\nnumpy:           [NOT FOUND]\n")
    assert not families.decode(config)
    assert "family.binding.reticulate-numpy" in decoded(config + "Error in py_call_impl(callable, dots$args) :\n"
                                                        "  ModuleNotFoundError: No module named 'numpy'\n")


# --- Jupyter, IRkernel, RStudio Server ----------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "Executing the command: jupyter lab\n[I 2024-01-02 10:00:00.000 ServerApp] The port 8888 is already in use, trying "
    "another port.\n[I ServerApp] http://4f2a9c8e1b7d:8889/lab?token=...",
    "$ docker run --rm -it --gpus all my/img jupyter notebook --ip=0.0.0.0 --allow-root\n[I 12:00:01.000 NotebookApp] "
    "The port 8890 is already in use, trying another port.",
])
def test_a_port_moved_inside_a_container(text):
    only(text, "family.jupyter.port-in-use", "jupyter", "jupyter server list")


def test_a_port_moved_on_a_desktop_is_no_finding():
    assert not families.decode("[I 10:00:00.000 ServerApp] The port 8888 is already in use, trying another port.\n"
                               "[I ServerApp] http://localhost:8889/lab?token=...")


@pytest.mark.parametrize("text, chown", [
    ("PermissionError: [Errno 13] Permission denied: '/home/jovyan/.local/share'", True),
    ("notebook_1  | PermissionError: [Errno 13] Permission denied: '/home/jovyan/.jupyter'", True),
    ("OSError: [Errno 13] Permission denied: '/home/ds/.local/share/jupyter/runtime'", False),
])
def test_a_home_jupyter_cannot_write(text, chown):
    hit = only(text, "family.jupyter-container.home-not-writable", "jupyter")
    assert ("CHOWN_HOME=yes" in fix_text(hit)) == chown


@pytest.mark.parametrize("text, ident, upgrade", [
    ("    from jinja2 import contextfilter\nImportError: cannot import name 'contextfilter' from 'jinja2' "
     "(/opt/conda/lib/python3.9/site-packages/jinja2/__init__.py)", "family.jupyter.import-jinja2-contextfilter",
     "nbconvert"),
    ("ImportError: cannot import name 'soft_unicode' from 'markupsafe' (/usr/lib/python3/dist-packages/markupsafe)",
     "family.jupyter.import-markupsafe-soft-unicode", "jinja2"),
    ("ImportError: cannot import name 'AsyncKernelManager' from 'jupyter_client' (/usr/local/lib/python3.12/x.py)",
     "family.jupyter.import-jupyter-client-asynckernelmanager", "pip check"),
])
def test_the_jupyter_stack_out_of_step(text, ident, upgrade):
    only(text, ident, "jupyter", upgrade)


def test_an_import_error_outside_the_jupyter_stack_is_not_jupyters():
    assert not jupyter.import_skew("ImportError: cannot import name 'float_' from 'numpy' (/x/numpy/__init__.py)")


@pytest.mark.parametrize("text, code", [
    ("Error in IRkernel::installspec() : \n  jupyter-client has to be installed but “jupyter kernelspec --version” "
     "exited with code 127.", 127),
    ("Error in installspec(name = \"ir43\") :\n  jupyter-client has to be installed but \"jupyter kernelspec "
     "--version\" exited with code 2.", 2),
])
def test_irkernel_installspec_by_exit_code(text, code):
    hit = only(text, "family.irkernel.jupyter-not-runnable", "rstudio", "jupyter kernelspec --version")
    assert f"exit {code}" in hit.signature.cause
    assert ("command not found" in hit.signature.cause) == (code == 127)


@pytest.mark.parametrize("text", [
    "2025-02-01T10:00:00.1Z [rserver] ERROR system error 13 (Permission denied) [path: /var/lib/rstudio-server/"
    "secure-cookie-key]; OCCURRED AT rstudio::core::Error",
    "[rserver] ERROR system error 13 (Permission denied) [path: /var/run/rstudio-server/rstudio-rserver]; OCCURRED AT",
    "ERROR system error 13 (Permission denied) [path: /etc/rstudio/session-rpc-key]",
])
def test_rserver_cannot_use_its_state(text):
    only(text, "family.rstudio-server.state-not-writable", "rstudio", "secure-cookie-key-file")


def test_rserver_database_readonly():
    only("[rserver] ERROR database error 7 (sqlite3_statement_backend::prepare: attempt to write a readonly database)"
         " [description: Could not update the schema]", "family.rstudio-server.state-not-writable", "rstudio",
         "database.conf")


def test_wsl_browser_given_the_redirect_file():
    text = ("Start : This command cannot be run due to the error: The system cannot find the file specified.\n+ Start "
            "\"file:///home/ana/.local/share/jupyter/runtime/jpserver-812-open.html\"")
    only(text, "family.jupyter.wsl-browser-redirect-file", "jupyter", "use_redirect_file = False")


# --- a Windows program's NTSTATUS exit code -----------------------------------------------------------------

@pytest.mark.parametrize("text, name, layer", [
    ("from rpy2 import robjects\nProcess finished with exit code -1073740791 (0xC0000409)", "STATUS_STACK_BUFFER_OVERRUN",
     "rpy2"),
    ("[W 10:00 KernelRestarter] kernel 4b1 exited with code 3221225477", "STATUS_ACCESS_VIOLATION", "jupyter"),
    ("subprocess returncode=0xC0000135 (python.exe)", "STATUS_DLL_NOT_FOUND", "windows"),
])
def test_an_ntstatus_exit_code_is_the_programs_crash_not_wsls(text, name, layer):
    found = decoded(text)
    ident = "family.crash." + name.lower().replace("_", "-")
    assert ident in found and found[ident].signature.layer == layer
    assert not any(key.startswith("family.wsl.") for key in found)


def test_ctrl_c_is_no_crash_and_wsls_own_codes_stay_wsls():
    assert not families.decode("Process finished with exit code -1073741510 (0xC000013A: interrupted by Ctrl+C)")
    assert any(h.id.startswith("family.wsl.") for h in families.decode("Error code: Wsl/Service/0x8007019e"))


# --- healthy outputs stay clean -----------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "> sessionInfo()\nR version 4.4.1 (2024-06-14)\nPlatform: x86_64-pc-linux-gnu\nRunning under: Ubuntu 22.04.4 LTS\n"
    "Matrix products: default\nBLAS:   /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3\nattached base packages:"
    "\n[1] stats     graphics  grDevices utils     datasets  methods   base",
    "> capabilities()\n       jpeg         png        tiff       tcltk         X11        aqua\n       TRUE        "
    "TRUE        TRUE        TRUE       FALSE       FALSE\n      cairo\n       TRUE",
    "> library(ggplot2)\n> ggsave(\"p.png\", width = 4, height = 3)\n> png(\"a.png\", type = \"cairo\")\n> dev.off()",
    "python:         /home/u/.virtualenvs/r-reticulate/bin/python\nlibpython:      /usr/lib/libpython3.12.so.1.0\n"
    "version:        3.12.3\nnumpy:          /home/u/.virtualenvs/r-reticulate/lib/python3.12/site-packages/numpy\n"
    "numpy_version:  1.26.4\n\nNOTE: Python version was forced by RETICULATE_PYTHON",
    "[I 2025-03-01 09:00:00.000 ServerApp] Jupyter Server 2.15.0 is running at:\n[I ServerApp] http://localhost:8888/"
    "lab?token=x\n    To access the server, open this file in a browser:\n        file:///home/u/.local/share/jupyter/"
    "runtime/jpserver-9-open.html",
    "> IRkernel::installspec()\n[InstallKernelSpec] Installed kernelspec ir in /home/u/.local/share/jupyter/kernels/ir",
    "2025-01-01T00:00:00Z [rserver] INFO Running as server user 'rstudio' (without privilege)\n[rserver] INFO Reading "
    "rserver configuration from '/etc/rstudio/rserver.conf'",
    "Process finished with exit code 0",
])
def test_healthy_r_and_jupyter_outputs_give_no_finding(text):
    assert not families.decode(text), [h.id for h in families.decode(text)]
    assert not diagnose(text.encode(), PROFILE).findings


# --- a Jupyter container started without a published port (the docker run line in the paste) --------------

SERVING = ("[I 2024-05-01 10:00:00.000 ServerApp] Jupyter Server 2.14.0 is running at:\n[I ServerApp] "
           "http://3c9d1e2f4a5b:8888/lab?token=abc\n")


@pytest.mark.parametrize("run", [
    "$ docker run -it --rm quay.io/jupyter/scipy-notebook",
    "PS C:\\Users\\me> docker run --gpus all -v ${PWD}:/home/jovyan/work jupyter/tensorflow-notebook",
    "me@box:~$ docker container run -d cschranz/gpu-jupyter:v1.7_cuda-12.3_ubuntu-22.04",
])
def test_a_jupyter_container_without_a_published_port(run):
    found = [f for f in diagnose(f"{run}\n{SERVING}".encode(), PROFILE).findings if f.layer == "jupyter"]
    assert found and found[0].signature_id == "family.jupyter.port-not-published"
    assert any("-p 8888:8888" in (step.text or "") for step in found[0].fix)


@pytest.mark.parametrize("run", [
    "$ docker run -it --rm -p 8888:8888 quay.io/jupyter/scipy-notebook",
    "$ docker run -it -p8888:8888 img", "$ docker run --publish=127.0.0.1:8888:8888 img",
    "$ docker run -dp 8888:8888 img", "$ docker run --network host img", "$ docker run -P img",
])
def test_a_jupyter_container_with_a_published_port_is_no_finding(run):
    assert not diagnose(f"{run}\n{SERVING}".encode(), PROFILE).findings


def test_rs_crash_report_and_the_shells_word_for_it_are_one_crash():
    text = (" *** caught segfault ***\naddress 0x10, cause 'memory not mapped'\n\nTraceback:\n 1: .Call(C_fit)\n"
            "Segmentation fault (core dumped)\n")
    assert [(h.id, h.signature.layer) for h in families.decode(text)] == [("family.crash.r-sigsegv", "rstudio")]


def test_an_images_usage_banner_is_not_the_command_that_ran():
    banner = ("sudo docker run -it --gpus all -p 8888:8888 tensorflow/tensorflow:latest-gpu-jupyter\n\nWARNING: You are "
              "running this container as root\n\n$ docker run -u $(id -u):$(id -g) args...\n\n" + SERVING)
    assert not diagnose(banner.encode(), PROFILE).findings
    assert not diagnose(banner.split("\n", 1)[1].encode(), PROFILE).findings  # the banner alone decides nothing


# --- R packages compiled from source: the -dev package the build names --------------------------------------

@pytest.mark.parametrize("text, package, again", [
    ("Configuration failed because libcurl was not found. Try installing:\n * deb: libcurl4-openssl-dev (Debian, "
     "Ubuntu, etc)\n * rpm: libcurl-devel (Fedora, CentOS, RHEL)\nERROR: configuration failed for package ‘curl’\n"
     "installation of package ‘curl’ had non-zero exit status", "libcurl4-openssl-dev", "curl"),
    ("Configuration failed to find the magick++ library. Try installing:\n - deb: libmagick++-dev (Debian, Ubuntu)\n"
     " * deb: libmagick++-dev (Debian, Ubuntu)", "libmagick++-dev", ""),
    ("ft.c:2:10: fatal error: ft2build.h: No such file or directory\n    2 | #include <ft2build.h>\ncompilation "
     "terminated.\ninstallation of package 'systemfonts' had non-zero exit status", "libfreetype-dev", "systemfonts"),
    ("src/unicode.cpp:5:10: fatal error: unicode/ucnv.h: No such file or directory", "libicu-dev", ""),
    ("Package fribidi was not found in the pkg-config search path.\nPerhaps you should add the directory containing "
     "`fribidi.pc'", "libfribidi-dev", ""),
    ("checking for pkg-config... yes\nNo package 'gdal' found", "libgdal-dev", ""),
    ("* installing *source* package ‘Rcpp’ ...\nsh: 1: g++: not found\nmake: *** [api.o] Error 127", "g++", ""),
    ("make: gfortran: No such file or directory\nERROR: compilation failed for package ‘quadprog’", "gfortran", ""),
])
def test_a_source_build_names_its_dev_package(text, package, again):
    hit = only(text, "family.r-build." + package.replace("+", "x").replace(".", "-"), "rstudio",
               f"apt-get install -y --no-install-recommends {package}")
    assert (f'install.packages("{again}")' in fix_text(hit)) == bool(again)


def test_an_unknown_header_or_a_bare_failure_only_says_where_to_look():
    assert not r_build.decode("x.c:1:10: fatal error: frobnicate.h: No such file or directory")
    hit = only("Warning message:\nIn install.packages(\"qs\") :\n  installation of package ‘qs’ had non-zero exit "
               "status", "family.r-build.package-build-failed", "rstudio")
    assert hit.signature.confidence == "low"


def test_a_deb_name_that_is_not_one_reaches_no_command():
    assert not r_build.decode("Configuration failed because libx was not found. Try installing:\n * deb: $(rm -rf ~)")


@pytest.mark.parametrize("text, ident", [
    ("[I 2025-02-01 10:00:00.000 ServerApp] AsyncIOLoopKernelRestarter: restarting kernel (1/5), keep random ports",
     "family.jupyter.kernel-died"),
    ("Kernel Restarting\nThe kernel appears to have died. It will restart automatically.", "family.jupyter.kernel-died"),
    ("jupyter_client.kernelspec.NoSuchKernel: No such kernel named ir", "family.jupyter.no-such-kernel"),
    ("[E 10:00 ServerApp] No such kernel named python3.11-venv", "family.jupyter.no-such-kernel"),
    ("Jupyter command `jupyter-lab` not found.", "family.jupyter.command-not-found"),
    ("$ jupyter notebook\nbash: jupyter: command not found", "family.jupyter.command-not-found"),
])
def test_kernels_and_jupyter_commands(text, ident):
    only(text, ident, "jupyter")


@pytest.mark.parametrize("text", ["Error: cannot allocate vector of size 3.2 Gb",
                                  "Error in rnorm(1e+10) : cannot allocate vector of size 74.5 Gb",
                                  "Error: cannot allocate vector of size 512.0 Mb"])
def test_rs_out_of_memory_points_at_the_vms_memory(text):
    only(text, "family.r.out-of-memory", "rstudio", ".wslconfig")


def test_a_kernel_restarted_by_the_user_is_no_finding():
    assert not families.decode("[I 10:00:00.000 ServerApp] Kernel restarted: 2f3a4b5c-1d2e-4f5a-9b8c-7d6e5f4a3b2c")
