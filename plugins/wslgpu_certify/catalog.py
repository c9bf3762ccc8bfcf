"""The check registry and its catalog data.

A check is a test function decorated with `@check("layer.thing.aspect")`. Its
title, dependencies and remediation live in `<layer>.toml` beside the module that
defines it, so the words can be edited without touching code. Placeholders in
braces (`{user}`, `{distro}`, a check's own parameters) are filled per machine.
"""

from __future__ import annotations

import difflib
import importlib.util
import itertools
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from .findings import LAYERS, SHELLS, FixStep, Remediation
from .placeholders import fill, fill_command
from .proof import LAYER_DEFAULT, PROOF
from .toml_cache import read_toml


@dataclass(frozen=True)
class CheckSpec:
    id: str
    template: str
    layer: str
    title: str
    requires: tuple[str, ...]
    remediation: Remediation
    variants: dict[str, Remediation]
    advisory: bool
    wsl_only: bool
    envs: tuple[str, ...]  # `env = ["linux"]`: the machine kinds (hosts/machine.ENVS) it applies on; () every one
    opt_in: str | None  # the option that asks for it ("-m slow", "--prove-autostart"); not asked: not applicable
    applies_when: dict = field(default_factory=dict)  # profile settings it needs: {"docker.engine" = ["distro"]}
    params: dict = field(default_factory=dict)
    func: Callable | None = None
    # a fix per profile (or `linux`): {(variant or "", profile name): Remediation}; see remediation_for
    by_profile: dict = field(default_factory=dict)
    variant_under: dict = field(default_factory=dict)  # {variant: profiles it is written for}; others: the base fix
    proof: str = ""  # where its fix is proven (proof.PROOF): "container", or why it cannot be here


REGISTRY: dict[str, CheckSpec] = {}
_CATALOGS: dict[Path, dict] = {}


class CatalogError(Exception):
    pass


def _catalog_for(module_file: Path, layer: str) -> dict:
    path = module_file.with_name(f"{layer}.toml")
    if path not in _CATALOGS:
        try:
            _CATALOGS[path] = read_toml(path, cached=True)  # beside the check modules, like their bytecode
        except FileNotFoundError:
            raise CatalogError(f"catalog {path} is missing") from None
    return _CATALOGS[path]


def _step(template: str, raw, where: str) -> FixStep:
    """A fix step of the catalog: {run = "...", shell = "bash|cmd|powershell|r|dockerfile", key = true} or {say = "..."}."""
    if isinstance(raw, str):  # a bare string: a command for the shell `where` names
        lowered = where.lower()
        shell = "cmd" if "cmd" in lowered else "powershell" if "powershell" in lowered else "bash"
        return FixStep(raw, shell)
    if not isinstance(raw, dict) or ("run" in raw) == ("say" in raw):
        raise CatalogError(f"check {template}: a fix step is {{run = ..., shell = ...}} or {{say = ...}}, not {raw!r}")
    if "run" in raw and raw.get("shell", "bash") not in SHELLS:
        raise CatalogError(f"check {template}: fix step shell {raw.get('shell')!r} is not one of {', '.join(SHELLS)}")
    return FixStep(raw["run"], raw.get("shell", "bash"), bool(raw.get("key"))) if "run" in raw else \
        FixStep(raw["say"], None, bool(raw.get("key")))


def _remediation(template: str, entry: dict) -> Remediation:
    where = entry.get("where", "")
    return Remediation(
        why=entry["why"].strip(),
        steps=tuple(_step(template, raw, where) for raw in entry.get("fix", ())),
        where=where,
        links=tuple(entry.get("links", ())),
    )


def _by_profile(template: str, entry: dict) -> dict:
    """`[id.profiles.current]` and `[id.variants.x.profiles.current]`: the fix written for that profile's machine.

    A profile table overrides why/where/fix/links of the entry (or variant) it sits in; what it leaves out is
    the entry's. `linux` names native Linux (--env=linux), whatever the profile.
    """
    found = {}
    for variant, body in [("", entry), *entry.get("variants", {}).items()]:
        base = entry if variant == "" else {**entry, **body}
        for profile, override in body.get("profiles", {}).items():
            found[(variant, profile)] = _remediation(template, {**base, **override})
    return found


def remediation_for(spec: CheckSpec, variant: str | None, lineage: list[str]) -> Remediation:
    """The one place a check's fix is chosen: its variant (when written for this profile), for the most specific
    name of the lineage (profile.fix_lineage: `linux`, then the profile and those it extends) that has one."""
    chosen = variant if variant in spec.variants else ""
    if chosen and chosen in spec.variant_under and not set(spec.variant_under[chosen]) & set(lineage):
        chosen = ""  # a variant written for other profiles (a systemd fix under `documented`): the base fix
    for name in lineage:
        if (chosen, name) in spec.by_profile:
            return spec.by_profile[(chosen, name)]
    return spec.variants[chosen] if chosen else spec.remediation


def _applies_when(template: str, raw) -> dict:
    """`applies_when = { "docker.engine" = ["distro"], "toolkit.nvidia_ctk" = true }`: checked once, here."""
    if not isinstance(raw, dict) or not all(v is True or (isinstance(v, list) and v) for v in raw.values()):
        raise CatalogError(f"check {template}: applies_when maps profile settings to a list of values or true, "
                           f"not {raw!r}")
    return raw


def _envs(template: str, raw) -> tuple[str, ...]:
    """`env = ["linux"]`: a check that only makes sense on those machines (gpu.driver.present: NVIDIA's Linux
    driver, which WSL never has); elsewhere it is not applicable, as a WSL-only check is on native Linux."""
    if not isinstance(raw, (list, tuple)) or not all(e in ("wsl", "windows", "linux") for e in raw):
        raise CatalogError(f"check {template}: env lists machine kinds (wsl, windows, linux), not {raw!r}")
    return tuple(raw)


def _proof(template: str, layer: str, raw) -> str:
    """`proof = "container"` (tests/checks/test_fixes_proven.py proves the fix) or why it cannot be here (proof.PROOF)."""
    name = raw if raw is not None else LAYER_DEFAULT.get(layer, "unproven")
    if name not in PROOF:
        raise CatalogError(f"check {template}: proof is one of {', '.join(PROOF)}, not {name!r}")
    return name


def _spec(template: str, entry: dict, params: dict, func: Callable) -> CheckSpec:
    layer = template.split(".", 1)[0]
    if layer not in LAYERS:
        raise CatalogError(f"check {template}: layer {layer!r} is not one of {LAYERS}")
    return CheckSpec(
        id=fill(template, params),
        template=template,
        layer=layer,
        title=fill(entry["title"], params),
        requires=tuple(fill(r, params) for r in entry.get("requires", ())),
        remediation=_remediation(template, entry),
        variants={name: _remediation(template, {**entry, **v}) for name, v in entry.get("variants", {}).items()},
        by_profile=_by_profile(template, entry),
        variant_under={name: tuple(v["under"]) for name, v in entry.get("variants", {}).items() if "under" in v},
        advisory=entry.get("advisory", False),
        opt_in=entry.get("opt_in"),
        applies_when=_applies_when(template, entry.get("applies_when", {})),
        wsl_only=entry.get("wsl_only", layer in ("windows", "wsl")),
        envs=_envs(template, entry.get("env", ())),
        proof=_proof(template, layer, entry.get("proof")),
        params=params,
        func=func,
    )


def check(template: str, **param_values: list):
    """Register a check; keyword lists parametrize it (one check id per combination).

    >>> @check("docker.package.{package}", package=["nvidia-docker2"])
    ... def test_package(wsl_host, profile, package): ...
    """

    def decorate(func: Callable) -> Callable:
        module_file = Path(sys.modules[func.__module__].__file__)
        layer = template.split(".", 1)[0]
        entry = _catalog_for(module_file, layer).get(template)
        if entry is None:
            raise CatalogError(f"check {template} has no entry in {module_file.with_name(layer + '.toml')}")
        names = list(param_values)
        combos = [dict(zip(names, values)) for values in itertools.product(*param_values.values())] or [{}]
        ids = []
        for params in combos:
            spec = _spec(template, entry, params, func)
            known = REGISTRY.get(spec.id)
            # the same file imported twice (pytest and catalog_doc) is fine; two definitions are not
            if known is not None and (_origin(known.func) != _origin(func)):
                raise CatalogError(f"check id {spec.id} is defined twice")
            REGISTRY[spec.id] = spec
            ids.append(spec.id)
        if names:
            func = pytest.mark.parametrize(
                names, [tuple(p.values()) for p in combos], ids=ids
            )(func)
        return pytest.mark.check(template)(func)

    return decorate


def _origin(func: Callable) -> tuple[str, str]:
    return (str(Path(func.__code__.co_filename).resolve()), func.__qualname__)


def spec_for(template: str, params: dict) -> CheckSpec:
    return REGISTRY[fill(template, params)]


def bundled_checks_dir() -> Path:
    """The suite's own checks: packaged beside this module in a wheel, the checkout's checks/ otherwise."""
    packaged = Path(__file__).with_name("checks")
    return packaged if packaged.is_dir() else Path(__file__).resolve().parents[2] / "checks"


def load_checks(checks_dir: Path | None = None) -> dict[str, CheckSpec]:
    """Import every check module of a folder (registering its checks) without running pytest: the whole catalog.

    What a run is measured against: a check of the catalog that did not run is a gap.
    """
    # a module pytest collected already (here, or a copy of it elsewhere) is not imported twice
    registered = {Path(spec.func.__code__.co_filename).stem for spec in REGISTRY.values() if spec.func is not None}
    for module in sorted((checks_dir or bundled_checks_dir()).glob("test_*.py")):
        name = f"_wslgpu_checks_{module.stem}"
        if name in sys.modules or module.stem in registered:
            continue
        spec = importlib.util.spec_from_file_location(name, module)
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return REGISTRY


def fill_remediation(rem: Remediation, values: dict) -> Remediation:
    return Remediation(
        why=fill(rem.why, values),
        # a command's values quoted for the shell it names (a distro called `x & y` is one argument); words as they are
        steps=tuple(FixStep(fill_command(step.text, values, step.shell) if step.is_command else fill(step.text, values),
                            step.shell, step.key) for step in rem.steps),
        where=rem.where,
        links=rem.links,
    )


def selection_error(layers: list[str] | None, wanted: list[str] | None) -> str | None:
    """One line for the first --layer or --check value that selects no check, naming the nearest ones
    (difflib); None when every value selects something. --check loads the catalog (imports the checks)."""
    for layer in layers or ():
        if layer not in LAYERS:
            return _not_found(f"--layer {layer!r} is not a layer", layer, list(LAYERS), f"the layers: {', '.join(LAYERS)}")
    if not wanted:
        return None
    ids = sorted(load_checks())
    for value in wanted:
        stem = value.rstrip(".")
        if not any(i == value or i.startswith(stem + ".") for i in ids):
            prefixes = {".".join(i.split(".")[:n]) for i in ids for n in range(1, i.count(".") + 1)}
            return _not_found(f"--check {value!r} selects no check", value, ids + sorted(prefixes),
                              "wslgpu-certify --list-checks lists them")
    return None


def _not_found(what: str, value: str, candidates: list[str], listing: str) -> str:
    near = difflib.get_close_matches(value, candidates, n=3, cutoff=0.5)
    return f"{what}: did you mean {', '.join(near)}? ({listing})" if near else f"{what} ({listing})"
