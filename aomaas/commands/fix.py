"""``aomaas fix PATH OPPORTUNITY``: plan, implement and prove one fix as a local branch.

OPPORTUNITY is a fingerprint (or a unique prefix of one) or the number
``aomaas scan`` printed (numbers are kept per repository, so a number means the
same finding whatever filters the scan used). The work starts from the committed
HEAD in a scratch worktree, so the repository's checked-out files (uncommitted
changes included) stay as they are; only a proven change becomes a branch.
The last line is the proof level (:mod:`aomaas.engine.proof`), the same words the
API, the pull request and the check run use. Exit status: 0 proven (branch made,
the tests ran), 3 checked with the tests not run (branch made; the line says
why), 1 not proven (no branch), 2 bad input. With ``--owner-files DIR`` (a local
checkout of the owner's ``.github`` repository) the plan says when the owner's
files already provide the community file a finding asks for: no fix is needed
(exit 1, no branch).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from aomaas.commands.scan import add_owner_files
from aomaas.engine.findings import Finding
from aomaas.engine.refnames import default_branch_name
from aomaas.errors import AomaasError, InvalidRequest
from aomaas.settings import Settings

if TYPE_CHECKING:  # the engine is imported when the command runs, not at CLI start-up
    from aomaas.engine.implementer import Implementation
    from aomaas.engine.plans import Plan
    from aomaas.engine.scan import ScanReport


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``fix``."""
    p = sub.add_parser(
        "fix",
        help="plan, implement and prove a fix on a new local branch",
        description="Plan, implement and prove a fix for one opportunity on a new branch of the "
        "repository at PATH (its checked-out files are not touched). Exit 0 when proven (the "
        "tests ran), 3 when checked with the tests not run (the branch is made and the last "
        "line says why), 1 when not proven, 2 on bad input. With --owner-files, a community file "
        "the owner's .github repository already provides needs no fix (exit 1).",
    )
    p.add_argument("path", type=Path, help="a local git repository")
    p.add_argument(
        "opportunity", help="a fingerprint (or unique prefix) or the number scan printed"
    )
    p.add_argument(
        "--branch", help="branch name (default aomaas/<number>-<rule>, as the service names it)"
    )
    p.add_argument("--max-steps", type=int, default=5, help="at most this many plan steps")
    p.add_argument("--no-tests", action="store_true", help="do not run the repository's tests")
    add_owner_files(p)
    p.set_defaults(run=run)


def resolve(report: ScanReport, wanted: str) -> Finding:
    """The finding ``wanted`` names: its number (as scan printed it, ``#`` allowed) or a
    fingerprint prefix; InvalidRequest saying what was scanned when none is found."""
    digits = wanted.removeprefix("#")
    if digits.isdigit() and len(digits) < 6:
        number = int(digits)
        named = [fp for fp, n in report.numbers.items() if n == number]
        if not named:
            highest = max(report.numbers.values(), default=0)
            raise InvalidRequest(
                f"no opportunity number {number} (numbers given so far: 1 to {highest})"
            )
        matches = [f for f in report.findings if f.fingerprint == named[0]]
        if not matches:
            raise InvalidRequest(
                f"opportunity #{number} ({named[0][:12]}) is not found in {report.scanned()}"
            )
        return matches[0]
    matches = [f for f in report.findings if f.fingerprint.startswith(wanted.lower())]
    if len(matches) != 1:
        why = "no opportunity has" if not matches else f"{len(matches)} opportunities share"
        raise InvalidRequest(f"{why} the fingerprint prefix {wanted!r} in {report.scanned()}")
    return matches[0]


def print_plan(plan: Plan) -> None:
    """The plan as people read it."""
    print(f"Plan: {plan.title}\n  {plan.description}")
    for step in plan.steps:
        recipe = f" [recipe {step.recipe}]" if step.recipe else ""
        print(f"  {step.id}. {step.title}{recipe}: {step.description}")


def print_outcome(result: Implementation) -> None:
    """The proof, the diff and the verdict."""
    if result.report is not None:
        print("Proof:")
        for check in result.report.checks:
            print(f"  [{check.outcome}] {check.name} ({check.duration:.1f} s): {check.detail}")
    if result.diff:
        print("Diff:")
        print(result.diff, end="" if result.diff.endswith("\n") else "\n")
    if result.success:
        print(f"{result.proof.headline}; branch {result.branch}")
    else:
        print(f"Not proven: {result.message}")


def run(args: argparse.Namespace) -> int:
    """Run ``aomaas fix``; 0 proven, 3 checked (tests not run), 1 not proven, 2 bad input."""
    from aomaas.engine.brain import make_brain
    from aomaas.engine.implementer import implement
    from aomaas.engine.planner import make_plan
    from aomaas.engine.plans import PlanContext
    from aomaas.engine.proof import EXIT_CODES
    from aomaas.engine.recipes.covered import owner_checkout_facts
    from aomaas.engine.scan import scan
    from aomaas.jobs.engine_settings import identity, implement_settings

    try:
        settings = Settings()
    except ValidationError as exc:
        print(f"aomaas: bad settings: {exc}", file=sys.stderr)
        return 2
    try:
        community = owner_checkout_facts(args.owner_files) if args.owner_files else None
        report = scan(args.path.resolve())
        root, base = report.root, report.commit
        finding = resolve(report, args.opportunity)
        branch = args.branch or default_branch_name(report.number(finding), finding.rule)
        brain = make_brain(settings.brain)
    except AomaasError as exc:
        print(f"aomaas: {exc.detail}", file=sys.stderr)
        return 2
    where = f"{finding.location}:{finding.line}" if finding.line else finding.location
    print(
        f"Opportunity #{report.number(finding)} ({finding.fingerprint[:12]}): {finding.title} "
        f"({finding.rule}) at {where}"
    )
    if report.uncommitted:
        print(
            f"Note: fixing {report.scanned()}; the fix starts from HEAD and leaves your "
            "uncommitted changes as they are"
        )
    try:
        context = PlanContext(root=root, community=community)
        plan = make_plan(finding, args.max_steps, brain, context)
        print_plan(plan)
        if not plan.supported:
            print("Not proven: no recipe can carry out this plan")
            return 1
        chosen = implement_settings(settings)
        chosen.validation.run_tests = not args.no_tests
        result = implement(root, base, finding, plan, branch, identity(settings), chosen)
    except InvalidRequest as exc:
        print(f"aomaas: {exc.detail}", file=sys.stderr)
        return 2
    except AomaasError as exc:
        print(f"aomaas: {exc.detail}", file=sys.stderr)
        return 1
    print_outcome(result)
    return EXIT_CODES[result.proof.level]
