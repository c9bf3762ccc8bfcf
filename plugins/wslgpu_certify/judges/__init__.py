"""Judges: each check's comparison, one pure function that both the check and `diagnose` call.

A judge reads a parsed record (parsers/) and the profile, plus whatever else it needs named as an
argument (the distro the check is about, whether a listing may have been cut), and returns a
`Verdict`: passed, failed or not applicable, the message, and the catalog variant whose fix fits.
It runs nothing, reads no file and raises nothing: the check turns the verdict into its outcome
(`wslgpu_certify.judged.settle`), `diagnose` into a finding (diagnose/decide.py), so a record
gets the same answer from the suite and from a pasted ticket.

    judges/windows.py  the Windows host: build, WSL's defaults, distros, Docker Desktop's engine, driver
    judges/wsl.py      the distro: kernel, /dev/dxg, the driver's libraries and the loader, a Linux driver
    judges/gpu.py      nbody (runs, device, performance), nvidia-smi in WSL
    judges/docker.py   the engine, its runtime, the NVIDIA packages, the toolkit's view, dockerd under systemd
"""

from __future__ import annotations

from dataclasses import dataclass

from ..profile import loose_version, version_satisfies

PASSED, FAILED, NOT_APPLICABLE = "passed", "failed", "not_applicable"


@dataclass(frozen=True)
class Verdict:
    check_id: str
    outcome: str  # PASSED, FAILED or NOT_APPLICABLE
    message: str = ""  # the check's message (a failure's, or why it does not apply)
    variant: str | None = None  # the catalog's more specific remediation
    # A failure `diagnose` shows as a note, not a problem: a version only older than the profile expects (the
    # paste may be from another era of the stack), or a runtime entry `--gpus all` does not need.
    note: bool = False
    distro: str | None = None  # the distro the verdict concerns, when the record names several
    values: tuple[tuple[str, str], ...] = ()  # the remediation's placeholders the judge learned ({gpu}, {library})
    facts: tuple[tuple[str, object], ...] = ()  # what the check publishes beside its outcome

    @property
    def failed(self) -> bool:
        return self.outcome == FAILED

    @property
    def sentence(self) -> str:
        """The message as diagnose says it: one sentence on one line, a plain first word capitalised (never a
        command's or a package's name: `nvidia-smi`, `libnvidia-container1`)."""
        text = " ".join(self.message.split())
        first = text.split(" ", 1)[0]
        if first.isalpha() and first.islower():
            text = text[:1].upper() + text[1:]
        return text + ("" if not text or text.endswith((".", "!", "?")) else ".")


def passed(check_id: str, facts: tuple = ()) -> Verdict:
    return Verdict(check_id, PASSED, facts=tuple(facts))


def failed(check_id: str, message: str, variant: str | None = None, *, note: bool = False, distro: str | None = None,
           values: dict | None = None, facts: tuple = ()) -> Verdict:
    return Verdict(check_id, FAILED, message, variant, note, distro, tuple((values or {}).items()), tuple(facts))


def not_applicable(check_id: str, message: str, facts: tuple = ()) -> Verdict:
    return Verdict(check_id, NOT_APPLICABLE, message, facts=tuple(facts))


def satisfies(actual: str | None, wanted: str) -> bool | None:
    """Whether a version meets the profile's specifier; None when it holds no version number ("N/A", "<none>")."""
    try:
        loose_version(actual or "")
    except ValueError:  # packaging's InvalidVersion is a ValueError
        return None
    return version_satisfies(actual or "", wanted)


def held_to(check_id: str, what: str, actual: str | None, wanted: str, variant: str | None = None,
            note: bool = True, facts: tuple = ()) -> Verdict | None:
    """A failure when `what` (named with its version) does not satisfy `wanted`, else None.

    A version without a number fails too, saying so: a check never passes on what it could not read."""
    ok = satisfies(actual, wanted)
    if ok is None:
        return failed(check_id, f"{what} is not a version number, so it cannot be held to {wanted}", variant, note=note,
                      facts=facts)
    if not ok:
        return failed(check_id, f"{what} does not satisfy {wanted}", variant, note=note, facts=facts)
    return None
