"""Jupyter, IRkernel and RStudio Server failures, decoded as families from each program's own messages.

    jupyter_server/serverapp.py   `The port %i is already in use, trying another port.` (a server moved to a port a
                                  container may not publish); the WSL browser and the redirect file (data table)
    jupyter_core.paths            PermissionError `[Errno 13] Permission denied: '/home/<user>/.local'` (its
                                  ensure_dir_exists on the user's runtime / data folders): a home the user cannot write
    a Python ImportError `cannot import name 'X' from 'Y'` inside the Jupyter stack: releases that do not fit
    IRkernel R/installspec.r      `jupyter-client has to be installed but "jupyter kernelspec --version" exited with
                                  code %s.`: 127 is the shell's `command not found`, another code a broken jupyter
    RStudio Server (rserver)      `system error 13 (Permission denied) [path: ...]` on its keys and state folders;
                                  `database error 7 ... readonly database` (data table)
The fixed messages are data/jupyter_messages.toml. Paths read from a paste reach a fix only plain and quoted.
"""

from __future__ import annotations

import re
import shlex

from ..catalog import Step, load_catalog
from ..matcher import Match, match
from .tables import DATA, hit, lines_with
from ...lazy_regex import regex

MESSAGES = DATA / "jupyter_messages.toml"
SERVERAPP = "https://github.com/jupyter-server/jupyter_server/blob/main/jupyter_server/serverapp.py"
DOCKER_STACKS = "https://jupyter-docker-stacks.readthedocs.io/en/latest/using/common.html"
INSTALLSPEC = "https://github.com/IRkernel/IRkernel/blob/master/R/installspec.r"
RSERVER = "https://docs.posit.co/ide/server-pro/rstudio_server_configuration/rserver_conf.html"
SINGULARITY = "https://rocker-project.org/use/singularity.html"
PIP_CHECK = "https://pip.pypa.io/en/stable/cli/pip_check/"

_PORT_MOVED = regex(r"The port (\d{2,5}) is already in use, trying another port")
# signs the server runs in a container: docker-stacks' start.sh, an address on all interfaces, a container id host
_CONTAINER = regex(r"--ip[= ]0\.0\.0\.0|/home/jovyan|Executing the command: jupyter|--allow-root|"
                   r"https?://[0-9a-f]{12}:\d|\bdocker (?:run|compose)|docker-compose", re.I)
_HOME = regex(r"Permission ?denied: '(/home/[A-Za-z0-9_.-]{1,64}(?:/[^'\n]{0,200})?)'")
_IMPORT = regex(r"ImportError: cannot import name '(\w{1,80})' from '(\w{1,40})'")
_JUPYTER_STACK = {"jinja2", "markupsafe", "jupyter_client", "jupyter_server", "jupyter_core", "nbconvert",
                  "nbformat", "notebook", "traitlets", "tornado", "ipykernel", "zmq", "jupyterlab", "nbclient"}
# names a release removed, with the release and its changelog: the package that still imports them is older
REMOVED = {("contextfilter", "jinja2"): ("Jinja2 3.1.0 removed contextfilter (use pass_context)", "nbconvert",
                                        "https://jinja.palletsprojects.com/en/stable/changes/#version-3-1-0"),
           ("contextfunction", "jinja2"): ("Jinja2 3.1.0 removed contextfunction (use pass_context)", "nbconvert",
                                          "https://jinja.palletsprojects.com/en/stable/changes/#version-3-1-0"),
           ("Markup", "jinja2"): ("Jinja2 3.1.0 removed Markup and escape (import them from markupsafe)", "nbconvert",
                                  "https://jinja.palletsprojects.com/en/stable/changes/#version-3-1-0"),
           ("escape", "jinja2"): ("Jinja2 3.1.0 removed Markup and escape (import them from markupsafe)", "nbconvert",
                                 "https://jinja.palletsprojects.com/en/stable/changes/#version-3-1-0"),
           ("soft_unicode", "markupsafe"): ("MarkupSafe 2.1.0 removed soft_unicode (use soft_str)", "jinja2",
                                           "https://markupsafe.palletsprojects.com/en/stable/changes/#version-2-1-0")}
_IRKERNEL = regex(r"jupyter-client has to be installed but [“\"]?jupyter kernelspec --version[”\"]? exited with "
                  r"code (\d{1,3})")
_RSERVER_DENIED = regex(r"system error 13 \(Permission denied\) \[path: (/(?:var/lib/rstudio-server|var/run/"
                        r"rstudio-server|run/rstudio-server|etc/rstudio|var/log/rstudio)[^\]\s]{0,200})\]")
_SAFE = regex(r"^[A-Za-z0-9_./~+-]{1,300}$")


def port_moved(text: str, command: str | None = None) -> list[Match]:
    found = _PORT_MOVED.search(text)
    if not found or not _CONTAINER.search(f"{command or ''}\n{text}"):  # on a desktop the browser opens the new port
        return []
    port = found.group(1)
    cause = (f"Port {port} inside the container is taken (another Jupyter already runs there, often the one the "
             "image starts itself), so this server moved to the next port, which docker run did not publish: the "
             "URL it prints cannot be reached from the host.")
    fix = (Step(run="jupyter server list", shell="bash"),
           Step(say=f"Use the server already on {port} (published with -p {port}:{port}), or stop it first; or start "
                    "this one on a port you publish (jupyter lab --port 8889 with docker run -p 8889:8889 ...)."))
    return [hit("jupyter", "port-in-use", "jupyter", cause, "the container running Jupyter", fix, SERVERAPP,
                "medium", text, found)]


# `docker run` of a Jupyter server with no published port (docker run's -p/--publish/-P, or the host's network):
# the server runs, but nothing on the host reaches it (Docker's docs: "Publishing ports")
_DOCKER_RUN = regex(r"^[^\n]{0,80}?\bdocker(?:\.exe)? (?:container )?run\b([^\n]{0,1000})$", re.M)
_PUBLISHED = regex(r"(?:^|\s)(?:-p|--publish(?:=|\s)|-P\b|--publish-all|--net(?:work)?[= ]host\b)|-\w*p\s*\d")
_SERVING = regex(r"(?:Jupyter Server|Jupyter Notebook|ServerApp|NotebookApp|LabApp)\b[^\n]{0,120}(?:is running at|"
                 r"https?://)", re.I)
PUBLISHING = "https://docs.docker.com/engine/network/#published-ports"
# a usage line an image prints in its banner (TensorFlow's `$ docker run -u $(id -u):$(id -g) args...`), not the command
_EXAMPLE = regex(r"\bargs\.\.\.|\.\.\.\s*$|<[A-Za-z_ -]{1,40}>")


def port_not_published(text: str, command: str | None = None) -> list[Match]:
    """`command`: the command line that printed `text` (diagnose splits a paste at its prompts)."""
    text = f"{command}\n{text}" if command else text
    runs = [run for run in _DOCKER_RUN.finditer(lines_with(text, ("docker",))) if not _EXAMPLE.search(run.group(1))]
    if not runs or any(_PUBLISHED.search(run.group(1)) for run in runs) or not _SERVING.search(text):
        return []
    run = runs[0]
    cause = ("The Jupyter server starts inside the container, but the docker run that started it publishes no port "
             "(no -p 8888:8888): the URL it prints is the container's own, and nothing on the host (or the Windows "
             "browser) can reach it.")
    fix = (Step(run="docker run -it --rm -p 8888:8888 {image}", shell="bash"),
           Step(say="Add -p 8888:8888 (host:container; the container side is the port the log prints) to the same "
                    "docker run, keep the rest of it, then open http://127.0.0.1:8888/?token=... on the host."))
    return [hit("jupyter", "port-not-published", "jupyter", cause, "the docker run that starts Jupyter", fix,
                PUBLISHING, "high", run.string, run)]


def home_not_writable(text: str) -> list[Match]:
    found = _HOME.search(lines_with(text, ("permission",)))
    if not found:
        return []
    path = found.group(1)
    home = "/".join(path.split("/")[:3])
    jovyan = home == "/home/jovyan"
    cause = (f"The user Jupyter runs as cannot write {path}: the folder mounted over {home} (a volume or a bind "
             "mount) belongs to another user (root, or the host user's uid), so Jupyter cannot create its "
             "~/.local / ~/.jupyter folders and does not start.")
    fix = (Step(say="Mount the project under the home, not over it (-v \"$PWD\":/home/jovyan/work for the Jupyter "
                    "Docker Stacks images), or make the mounted folder the container user's: on the host, chown -R "
                    "1000:100 the folder (jovyan is uid 1000, gid 100)." if jovyan else
                "Mount the project below the home instead of over it, or give the mounted folder to the uid the "
                "container runs as (chown -R on the host, or docker run --user to match the folder's owner)."),
           Step(run="docker run --user root -e CHOWN_HOME=yes -e CHOWN_HOME_OPTS='-R' -v jupyter-home:/home/jovyan "
                    "{image}", shell="bash") if jovyan else
           Step(run=f"ls -ld {shlex.quote(home)}", shell="bash") if _SAFE.match(home) else
           Step(say="ls -ld the home folder to see its owner."))
    return [hit("jupyter-container", "home-not-writable", "jupyter", cause, "the container running Jupyter (its mounts)", fix,
                DOCKER_STACKS, "high", found.string, found)]


def import_skew(text: str) -> list[Match]:
    found = _IMPORT.search(lines_with(text, ("cannot import name",)))
    if not found or found.group(2).lower() not in _JUPYTER_STACK:
        return []
    name, module = found.groups()
    removed = REMOVED.get((name, module.lower()))
    if removed:
        what, older, source = removed
        cause = (f"{what}, and the {older} installed here is older and still imports it: the Jupyter packages in "
                 "this environment come from releases that do not fit together.")
        fix = (Step(run=f"python3 -m pip install --upgrade {shlex.quote(older)}", shell="bash"),
               Step(say=f"Or pin {module} below the release that removed {name} (e.g. jinja2<3.1 / markupsafe<2.1) "
                        "in the image's requirements; then rebuild the image."))
    else:
        cause = (f"{module} has no {name}: the Jupyter packages in this environment come from releases that do not "
                 f"fit together (or {module} itself failed to import its parts: the warning above it names why).")
        source = PIP_CHECK
        fix = (Step(run="python3 -m pip check", shell="bash"),
               Step(say=f"Reinstall {module} and what imports it in one step (python3 -m pip install --force-reinstall "
                        f"{module}); upgrade the packages pip check names together, in one pip install (e.g. python3 -m pip "
                        "install --upgrade jupyter_client jupyter_server notebook), in the image's Dockerfile for a "
                        "container; then rebuild it."))
    return [hit("jupyter", f"import-{module}-{name}", "jupyter", cause, "the Python environment running Jupyter", fix,
                source, "medium", found.string, found)]


def irkernel(text: str) -> list[Match]:
    found = _IRKERNEL.search(text)
    if not found:
        return []
    code = int(found.group(1))
    if code == 127:
        cause = ("IRkernel::installspec() runs `jupyter kernelspec --version` from R, and the shell found no "
                 "jupyter on the PATH this R session has (exit 127: command not found): R was started from RStudio, "
                 "a desktop shortcut or another environment than the shell where Jupyter is installed.")
    else:
        cause = (f"IRkernel::installspec() runs `jupyter kernelspec --version` from R; it found a jupyter but that "
                 f"one failed (exit {code}): a broken or mismatched Jupyter install (another conda env's, an old one).")
    fix = (Step(run="jupyter kernelspec --version", shell="bash"),
           Step(say="If it works in a terminal, start R from that terminal (or add Jupyter's bin folder to PATH in "
                    "~/.Renviron) and run IRkernel::installspec() again; if it fails there too, install a working "
                    "Jupyter first (python3 -m pip install jupyter, or conda install jupyter)."),
           Step(run="Rscript -e 'IRkernel::installspec()'", shell="bash"))
    return [hit("irkernel", "jupyter-not-runnable", "rstudio", cause, "the machine running R and Jupyter", fix,
                INSTALLSPEC, "high", text, found)]


def rserver(text: str) -> list[Match]:
    found = _RSERVER_DENIED.search(lines_with(text, ("system error 13",)))
    if not found:
        return []
    path = found.group(1)
    cause = (f"RStudio Server (rserver) cannot read or write {path}: it runs as an unprivileged user (Singularity, "
             "repo2docker, docker run --user) and its key and state files live in folders that belong to root "
             "(or another user).")
    fix = (Step(say="Point rserver at files its user owns, in /etc/rstudio/rserver.conf or on its command line: "
                    "secure-cookie-key-file=, server-data-dir= and database.conf's directory= under a writable folder "
                    "(e.g. the user's home); or bind writable folders over /var/lib/rstudio-server and /var/run "
                    "(rocker's Singularity instructions)."),
           Step(run=f"ls -l {shlex.quote(path)}", shell="bash") if _SAFE.match(path) else
           Step(say="ls -l the file named above to see its owner."))
    return [hit("rstudio-server", "state-not-writable", "rstudio", cause, "the container running RStudio Server", fix,
                f"{RSERVER} ; {SINGULARITY}", "high", found.string, found)]


def decode(text: str, command: str | None = None) -> list[Match]:
    """Everything these families read in this output, each once: the messages table last."""
    found = [*irkernel(text), *rserver(text), *home_not_writable(text), *port_moved(text, command),
             *port_not_published(text, command), *import_skew(text)]
    for message in match(text, catalog=load_catalog(MESSAGES)):
        if all(message.id != seen.id for seen in found):
            found.append(message)
    return found
