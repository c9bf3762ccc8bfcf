"""tests/catalog_facts.py: the sets the tests compute from the catalog hold what the catalog and the checks say."""

from catalog_facts import DECIDED_IN_CODE, applies_only_where, catalog, never_applicable


def test_checks_decided_in_code_exist_and_leave_the_table_once_the_catalog_rules_them():
    specs = catalog()
    assert set(DECIDED_IN_CODE) <= set(specs)
    said_twice = {check_id: specs[check_id].applies_when for check_id, setting in DECIDED_IN_CODE.items()
                  if set(setting) & set(specs[check_id].applies_when)}
    assert not said_twice, f"the catalog's applies_when says it now: remove from DECIDED_IN_CODE {said_twice}"


def test_opt_in_checks_never_apply_and_profile_rules_follow_the_profile():
    opt_in = {spec.id for spec in catalog().values() if spec.opt_in}
    assert opt_in and all(opt_in <= never_applicable(p) for p in ("documented", "current", "current-desktop"))
    desktop, distro = applies_only_where("docker.engine", "desktop"), applies_only_where("docker.engine", "distro")
    assert desktop and distro and not desktop & distro
    assert desktop <= never_applicable("documented") and desktop <= never_applicable("current")
    assert distro <= never_applicable("current-desktop") and not desktop & never_applicable("current-desktop")
    # the guide's profile rules out today's checks that `current` asks for; `current` asks for them
    assert {"gpu.cuda.smoke", "docker.toolkit.ctk", "wsl.systemd.docker"} <= never_applicable("documented")
    assert not {"gpu.cuda.smoke", "docker.toolkit.ctk", "wsl.systemd.docker"} & never_applicable("current")
