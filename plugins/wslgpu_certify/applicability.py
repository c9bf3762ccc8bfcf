"""A check that does not apply here: neither a pass nor a gap in the certification.

Raise it (through `not_applicable(reason)`) where a check learns that the machine, the env,
the profile or the options make it meaningless: a Windows check on native Linux, a component
the profile says the image lacks, an opt-in check that was not asked for. Every other skip
(a requirement that did not pass, a command not recorded in a snapshot) is a gap, and a run
with a gap is never CERTIFIED.
"""

from __future__ import annotations

from _pytest.outcomes import Skipped  # what pytest.skip raises; public as pytest.skip.Exception


class NotApplicable(Skipped):
    """pytest shows it as a skip; the suite records the outcome `not_applicable`."""


def not_applicable(reason: str):
    """End the check now as not applicable, saying why in words."""
    raise NotApplicable(msg=reason, allow_module_level=False)


# What a profile setting means, in the words a skip reason gives: `applies_when` in a check's catalog
# entry names the setting, this says what the machine is instead.
SETTING_WORDS = {
    ("docker.engine", "desktop"): "Docker here is Docker Desktop's WSL 2 engine (profile docker.engine = \"desktop\"): "
                                  "its daemon and NVIDIA runtime live in Docker's own docker-desktop distro, not in this one",
    ("docker.engine", "distro"): "Docker here is Docker Engine inside the distro (profile docker.engine = \"distro\"), "
                                 "not Docker Desktop",
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
        held = bool(value) if wanted is True else value in wanted
        if not held:
            return SETTING_WORDS.get((dotted, value)) or (
                f"the profile sets {dotted} = {value!r}; this check applies where it is "
                + ("set" if wanted is True else " or ".join(repr(w) for w in wanted)))
    return None
