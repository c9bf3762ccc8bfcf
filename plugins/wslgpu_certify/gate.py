"""Dependencies between checks: one root cause, not thirty failures.

A check lists the checks it `requires` in its catalog entry. Before it runs, each
requirement's verdict is looked up, or computed on the spot by calling that check
with the same fixtures (probes are memoized, so this costs nothing twice). That
keeps the verdict right whatever order, subset (-k) or xdist worker runs it.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import pytest

from .applicability import NotApplicable
from .catalog import REGISTRY, CheckSpec
from .evidence import EvidenceBuffer, collecting
from .findings import OUTCOMES, CheckFailed


@dataclass(frozen=True)
class Verdict:
    outcome: str  # a name in findings.OUTCOMES
    message: str = ""
    root: str | None = None  # the check down the requirement chain that caused a skip: it failed or did not run
    root_failed: bool = False  # ... and it failed (rather than not running itself)

    @property
    def blocks(self) -> bool:
        return OUTCOMES[self.outcome].blocks

    @property
    def fails_verdict(self) -> bool:
        return OUTCOMES[self.outcome].fails_verdict


class Gate:
    def __init__(self, applies):
        self.applies = applies  # spec -> skip reason or None
        self.verdicts: dict[str, Verdict] = {}

    def note(self, check_id: str, verdict: Verdict) -> None:
        self.verdicts.setdefault(check_id, verdict)

    def blocker(self, spec: CheckSpec, request) -> Verdict | None:
        """A skip verdict naming the root cause when a requirement of `spec` did not pass, else None.

        The root is the first check down the chain that failed, or that did not run itself
        (not recorded, unreachable): the one to fix or to look at.
        """
        for required in spec.requires:
            verdict = self.verdict(required, request)
            if not verdict.blocks:
                continue
            root = verdict.root or required
            root_verdict = self.verdicts.get(root, verdict)
            what = "failed" if root_verdict.fails_verdict else "did not run"
            return Verdict("skipped", f"depends on {root}, which {what}: {root_verdict.message}", root,
                           root_verdict.fails_verdict)
        return None

    def blocked_unless_slow(self, spec: CheckSpec, request, slow: set[str]) -> bool:
        """Whether a requirement blocks `spec`: requirements in `slow` that have not run are not
        evaluated but looked through (their own requirements decide); the others are evaluated."""
        for required in spec.requires:
            if required in slow and required not in self.verdicts:
                if self.blocked_unless_slow(REGISTRY[required], request, slow):
                    return True
            elif self.verdict(required, request).blocks:
                return True
        return False

    def verdict(self, check_id: str, request) -> Verdict:
        if check_id not in REGISTRY:  # its module was not collected (e.g. one layer run alone)
            return Verdict("not_applicable", f"{check_id} is not part of this run")
        if check_id not in self.verdicts:
            self.verdicts[check_id] = self._evaluate(REGISTRY[check_id], request)
        return self.verdicts[check_id]

    def _evaluate(self, spec: CheckSpec, request) -> Verdict:
        reason = self.applies(spec)
        if reason:  # a requirement that does not apply here (WSL-only on native Linux) never blocks
            return Verdict("not_applicable", reason)
        blocked = self.blocker(spec, request)
        if blocked:
            return blocked
        try:
            with collecting(EvidenceBuffer()):  # what it reads is not the evidence of the check being set up
                kwargs = {
                    name: spec.params[name] if name in spec.params else request.getfixturevalue(name)
                    for name in inspect.signature(spec.func).parameters
                }
                spec.func(**kwargs)
            return Verdict("passed")
        except CheckFailed as exc:
            return Verdict("warning" if spec.advisory else "failed", str(exc))
        except NotApplicable as exc:
            return Verdict("not_applicable", str(exc.msg))
        except pytest.skip.Exception as exc:
            return Verdict("skipped", str(exc.msg))
        except Exception as exc:  # a bug or an unexpected state: an error, not a pass
            return Verdict("error", f"{type(exc).__name__}: {exc}")
