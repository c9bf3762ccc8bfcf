"""What to start: the guide's `docker run` options per container role, and one plan per image.

The guide starts two images by hand (setup-guide §4.1, §4.2):

    docker run -u $(id -u):$(id -g) -it --gpus all -p 8888:8888 <tensorflow image>
    docker run -it --gpus all -e PASSWORD=... -p 8787:8787 -p 8888:8888 <rstudio image>
"""

from __future__ import annotations

from dataclasses import dataclass

CONTAINER_ROLES = ("tensorflow", "rstudio")


@dataclass(frozen=True)
class RoleOptions:
    """The guide's `docker run` options for one role (setup-guide §4.1, §4.2)."""

    ports: tuple[str, ...]  # names in the profile's [ports] table
    as_host_user: bool  # `-u $(id -u):$(id -g)`
    password_env: bool  # `-e PASSWORD=...`
    needs_root: bool  # the image's init (s6 /init starting rstudio-server) must run as root


ROLE_OPTIONS = {
    "tensorflow": RoleOptions(ports=("jupyter",), as_host_user=True, password_env=False, needs_root=False),
    "rstudio": RoleOptions(ports=("rstudio", "jupyter"), as_host_user=False, password_env=True, needs_root=True),
}


@dataclass(frozen=True)
class ContainerPlan:
    """One container: an image and the union of the options of every role it serves."""

    image: str
    roles: tuple[str, ...]
    container_ports: tuple[int, ...]
    user: str | None  # None: the image's default user
    password: str | None  # PASSWORD given to the container (never recorded)

    @property
    def environment(self) -> dict[str, str]:
        return {"PASSWORD": self.password} if self.password else {}


def plan_containers(profile: dict, password: str, host_user: str) -> dict[str, ContainerPlan]:
    """role -> plan; roles whose profile image is the same share one plan (one container).

    A shared container must serve every role: when one role needs root (the RStudio image's
    init) the `-u` of another is dropped, because Jupyter runs as root too (`--allow-root`)
    while s6 and rstudio-server cannot start as an unprivileged user.
    """
    by_image: dict[str, list[str]] = {}
    for role in CONTAINER_ROLES:
        image = profile.get("images", {}).get(role)
        if image:
            by_image.setdefault(image, []).append(role)
    plans = {}
    for image, roles in by_image.items():
        options = [ROLE_OPTIONS[r] for r in roles]
        ports = sorted({int(profile["ports"][name]) for o in options for name in o.ports})
        wants_user = any(o.as_host_user for o in options) and not any(o.needs_root for o in options)
        plan = ContainerPlan(
            image=image,
            roles=tuple(roles),
            container_ports=tuple(ports),
            user=host_user if wants_user else None,
            password=password if any(o.password_env for o in options) else None,
        )
        plans.update({role: plan for role in roles})
    return plans
