"""Which checks apply under a bundled profile, computed from the catalog (checks/*.toml through catalog.py).

The tests read these sets instead of keeping lists of check ids by hand: a check added to the catalog with an
`applies_when` or an `opt_in` is counted here without anyone editing a test.
"""

from __future__ import annotations

from wslgpu_certify.catalog import CheckSpec, load_checks
from wslgpu_certify.profile import load_profile, not_applicable_under, profile_setting

# Checks whose own code still rules them out from a profile setting alone (a `not_applicable(...)` before they
# read anything): the `applies_when` each would have in the catalog. The catalog is their place (issue 24,
# catalog-driven applicability): an entry leaves this table once its catalog entry says it
# (tests/checks/test_catalog_facts.py fails while both say it). A string value: a name the setting's list must hold.
DECIDED_IN_CODE: dict[str, dict] = {}  # empty: every profile-ruled check says so in its catalog entry


def catalog() -> dict[str, CheckSpec]:
    return load_checks()


def _ruled_out_in_code(profile: dict, check_id: str) -> bool:
    for dotted, wanted in DECIDED_IN_CODE.get(check_id, {}).items():
        value = profile_setting(profile, dotted)
        if not (wanted in (value or ()) if isinstance(wanted, str) else bool(value)):
            return True
    return False


def never_applicable(profile_name: str, env: str = "wsl") -> set[str]:
    """The checks no machine of ENV runs under this profile without an opt-in: the opt-in ones, those whose
    catalog `env` leaves ENV out (gpu.driver.present: native Linux only), those whose `applies_when` the profile
    does not hold, and those of DECIDED_IN_CODE whose setting it does not hold."""
    profile = load_profile(profile_name)
    return {spec.id for spec in catalog().values()
            if spec.opt_in or (spec.envs and env not in spec.envs) or not_applicable_under(profile, spec.applies_when)
            or _ruled_out_in_code(profile, spec.id)}


def applies_only_where(setting: str, value) -> set[str]:
    """The checks whose catalog entry applies them only where the profile's SETTING is VALUE."""
    return {spec.id for spec in catalog().values() if spec.applies_when.get(setting) == [value]}
