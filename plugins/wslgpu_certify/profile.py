"""Profiles: the expected values checks compare against, as TOML data.

A profile may `extends = "documented"` (a bundled name or a path relative to
itself); tables are merged key by key, so a site profile only states what differs.
"""

from __future__ import annotations

from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from .lazy_regex import regex
from .toml_cache import TOMLDecodeError, read_toml

BUNDLED = Path(__file__).with_name("profiles")


class ProfileError(ValueError):
    """A profile that cannot be used; the message is one line for the user."""


def bundled_profiles() -> list[str]:
    return sorted(p.stem for p in BUNDLED.glob("*.toml"))


def _locate(name_or_path: str, relative_to: Path | None) -> Path:
    if name_or_path in bundled_profiles():
        return BUNDLED / f"{name_or_path}.toml"
    path = Path(name_or_path).expanduser()
    if relative_to is not None and not path.is_absolute():
        path = relative_to / path
    if path.suffix == ".toml" and path.is_file():
        return path
    if path.suffix == ".toml" or "/" in name_or_path or "\\" in name_or_path:  # meant as a file: say it is not there
        what = "is not a file" if path.exists() else "not found"
        raise ProfileError(f"profile file {name_or_path!r} {what}"
                           + (f" (looked in {relative_to})" if relative_to is not None else ""))
    raise ProfileError(
        f"unknown profile {name_or_path!r}: use auto, one of {', '.join(bundled_profiles())} or a path to a .toml file"
    )


def _merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_profile(name_or_path: str, _relative_to: Path | None = None, _depth: int = 0) -> dict:
    if _depth > 8:
        raise ProfileError(f"profile {name_or_path!r}: `extends` nests too deep (a loop?)")
    path = _locate(name_or_path, _relative_to)
    try:
        data = read_toml(path, cached=path.parent == BUNDLED)  # a site profile is read as it is
    except (TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"profile {path} is not valid TOML: {exc}") from None
    base_name = data.pop("extends", None)
    own_name = data.get("name", path.stem)
    base = load_profile(base_name, path.parent, _depth + 1) if base_name else {}
    data = _merge(base, data)
    data.setdefault("name", path.stem)
    # this profile, then the ones it extends: a fix written for `current` holds for current-desktop too
    data["lineage"] = [own_name, *(name for name in base.get("lineage", []) if name != own_name)]
    return data


def fix_lineage(profile: dict, env: str | None = None) -> list[str]:
    """The names a fix is looked up by, most specific first: `linux` on native Linux (`wsl` elsewhere: a variant
    written `under = ["wsl"]` only), then the profile's lineage."""
    return (["linux"] if env == "linux" else ["wsl"]) + list(profile.get("lineage") or [profile.get("name", "")])


_LEADING_VERSION = regex(r"\d+(?:\.\d+)*")


def loose_version(text: str) -> Version:
    """The leading dotted number of a version string: '2.5.0-1' -> 2.5.0, '4.19.128-microsoft-standard' -> 4.19.128."""
    match = _LEADING_VERSION.search(text or "")
    if not match:
        raise InvalidVersion(f"no version number in {text!r}")
    return Version(match.group(0))


def version_satisfies(actual: str, specifier: str) -> bool:
    """Compare a tool's version string with a profile specifier such as '>=4.19.128'."""
    try:
        return SpecifierSet(specifier).contains(loose_version(actual), prereleases=True)
    except InvalidSpecifier:
        raise ProfileError(f"invalid version specifier in profile: {specifier!r}") from None


# What a profile setting means, in the words a skip reason gives: `applies_when` in a check's catalog
# entry names the setting, this says what the machine is instead.
SETTING_WORDS = {
    ("docker.engine", "desktop"): "Docker here is Docker Desktop's WSL 2 engine (profile docker.engine = \"desktop\"): "
                                  "its daemon and NVIDIA runtime live in Docker's own docker-desktop distro, not in this one",
    ("docker.engine", "distro"): "Docker here is Docker Engine inside the distro (profile docker.engine = \"distro\"), "
                                 "not Docker Desktop",
    # settings a site profile turns on (unset: None; an empty string, list or false reads as unset too)
    ("windows.export_path", None): "no export path configured (set windows.export_path in a profile)",
    ("windows.export_path", ""): "no export path configured (set windows.export_path in a profile)",
    ("windows.imported_distros", None): "no imported distros configured (set windows.imported_distros in a profile)",
    ("windows.driver_model", None): "the profile does not check the GPUs' driver model (set windows.driver_model)",
    ("windows.driver_model", ""): "the profile does not check the GPUs' driver model (set windows.driver_model)",
    ("wsl.libcuda_unversioned", None): "the profile does not ask for an unversioned libcuda.so (set wsl.libcuda_unversioned)",
    ("gpu.cuda_smoke", None): "the profile does not run the CUDA smoke test in the distro (set gpu.cuda_smoke)",
}


def profile_setting(profile: dict, dotted: str):
    """`profile["docker"]["engine"]` for "docker.engine"; None when a table or the key is absent."""
    value = profile
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def not_applicable_under(profile: dict, applies_when: dict) -> str | None:
    """Why a check does not apply under this profile, or None: each `applies_when` setting must hold.

    A setting's wanted value is a list of the values it applies under, or `true` for "set to anything".
    Asked before a check's requirements are evaluated, so a check the profile rules out is not applicable,
    never "blocked" by a requirement that fails for the same reason.
    """
    for dotted, wanted in applies_when.items():
        value = profile_setting(profile, dotted)
        # a list setting (wsl.autostart = ["bashrc", "systemd"]) holds when it has one of the wanted values
        held = bool(value) if wanted is True else \
            any(v in wanted for v in value) if isinstance(value, list) else value in wanted
        if not held:
            return SETTING_WORDS.get((dotted, value if isinstance(value, str) else None)) or (
                f"the profile sets {dotted} = {value!r}; this check applies where it is "
                + ("set" if wanted is True else " or ".join(repr(w) for w in wanted)))
    return None
