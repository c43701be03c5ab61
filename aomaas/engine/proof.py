"""The one proof level of a fix, shown the same in the CLI, the API, pull requests and checks.

``proven``
    every check held and the repository's tests ran: N passed before and after
    the change (the test files that import the changed modules named when known).
``checked``
    every check held but the tests did not run (the reason is given): the change
    is checked, not proven. Its pull request opens as a draft that says so, or
    not at all (``AOMAAS_OPEN_UNPROVEN_PULL_REQUESTS``).
``not proven``
    a check failed; nothing is published.

:func:`proof_of` reads a validation report in its stored (JSON) form, so every
face derives the level and its sentence from the same record.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ProofLevel(StrEnum):
    """How far a fix is proven."""

    PROVEN = "proven"
    CHECKED = "checked"
    NOT_PROVEN = "not proven"

    @property
    def label(self) -> str:
        """The level as people read it."""
        return _LABELS[self]


_LABELS = {
    ProofLevel.PROVEN: "Proven",
    ProofLevel.CHECKED: "Checked, tests not run",
    ProofLevel.NOT_PROVEN: "Not proven",
}

#: ``aomaas fix`` exit status per level (2 is bad input).
EXIT_CODES = {ProofLevel.PROVEN: 0, ProofLevel.NOT_PROVEN: 1, ProofLevel.CHECKED: 3}


@dataclass(frozen=True, slots=True)
class Proof:
    """A fix's proof level and the sentence that explains it."""

    level: ProofLevel
    reason: str

    @property
    def headline(self) -> str:
        """``<Label>: <reason>`` — the line every face shows."""
        return f"{self.level.label}: {self.reason}"

    def to_dict(self) -> dict[str, str]:
        """JSON-ready form (``level``, ``label``, ``reason``)."""
        return {"level": self.level.value, "label": self.level.label, "reason": self.reason}


def _failures(report: Mapping[str, Any]) -> str:
    failed = [
        f"{check.get('name')}: {check.get('detail')}"
        for check in report.get("checks", [])
        if check.get("outcome") == "failed"
    ]
    return "; ".join(failed) or "a check failed"


def proof_of(report: Mapping[str, Any] | None) -> Proof:
    """The proof level of a validation report (as :meth:`ValidationReport.to_dict` gives it)."""
    if not report:
        return Proof(ProofLevel.NOT_PROVEN, "no proof was recorded")
    if not report.get("passed", False):
        return Proof(ProofLevel.NOT_PROVEN, _failures(report))
    detail = str(report.get("tests_detail") or "no test command was found")
    if not report.get("tests_ran", False):
        return Proof(ProofLevel.CHECKED, detail.removeprefix("tests not run: "))
    before, after = report.get("tests_passed_before"), report.get("tests_passed_after")
    if before is None or after is None:  # a report recorded before the counts were kept
        return Proof(ProofLevel.PROVEN, detail)
    counts = (
        f"{before} passed before and after"
        if before == after
        else (f"{before} passed before, {after} after")
    )
    covering = list(report.get("tests_covering") or [])
    if covering:
        shown = ", ".join(covering[:5]) + (
            f" and {len(covering) - 5} more" if len(covering) > 5 else ""
        )
        counts += f", including {shown}, which import the changed modules"
    return Proof(ProofLevel.PROVEN, f"tests ran: {counts}")
