"""Implement a plan: recipe in a scratch worktree, guarded diff, commit, proof, branch.

The repository's checked-out files are never touched: the work happens in a
detached ``git worktree`` made from ``base_commit``. The recipe's change is
diffed and passed through the patch guard, committed as the app identity
(author and committer), and proven by the validator. Only a proven commit
gets a branch; a failed one leaves no branch at all (nothing publishable).

Branch names are checked by :func:`aomaas.engine.refnames.check_branch_name` (git's
``check-ref-format --branch`` rules, as everywhere else); a name that is already taken gets a numeric suffix (``name-2``, ``name-3``, ...).
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from aomaas.engine.findings import Finding, members
from aomaas.engine.gates import GateError, apply_formatters
from aomaas.engine.patchguard import check_patch
from aomaas.engine.plans import Plan
from aomaas.engine.proof import Proof, ProofLevel, proof_of
from aomaas.engine.recipes import Recipe, RecipeSettings, recipe_named
from aomaas.engine.refnames import check_branch_name
from aomaas.engine.validator import ValidationReport, ValidationSettings, validate
from aomaas.engine.workspace import detached_worktree, run_git
from aomaas.errors import EngineError, InvalidRequest, PatchRejected, WorkspaceError

MAX_SUFFIX = 100


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the commits are from (the app's bot identity)."""

    name: str
    email: str


@dataclass(slots=True)
class ImplementSettings:
    """Recipe, proof and workflow settings for one implementation."""

    recipes: RecipeSettings = field(default_factory=RecipeSettings)
    validation: ValidationSettings = field(default_factory=ValidationSettings)


@dataclass(slots=True)
class Implementation:
    """The outcome: a proven branch, or a failure with reasons and no branch."""

    success: bool
    branch: str | None
    commit_id: str | None
    files_changed: list[str]
    diff: str
    report: ValidationReport | None
    message: str
    status: str = "failed"

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)

    @property
    def proof(self) -> Proof:
        """The proof level and its reason (:mod:`aomaas.engine.proof`)."""
        if self.report is None:
            return Proof(ProofLevel.NOT_PROVEN, self.message)
        return proof_of(self.report.to_dict())


def free_branch(repo: Path, name: str) -> str:
    """``name`` if no branch has it, else the first free ``name-2``, ``name-3``..."""
    for number in range(1, MAX_SUFFIX + 1):
        candidate = name if number == 1 else f"{name}-{number}"
        taken = run_git(
            ["rev-parse", "--verify", "--quiet", f"refs/heads/{candidate}"], repo, check=False
        ).strip()
        if not taken:
            return candidate
    raise EngineError(f"no free branch name left for {name!r}")


def _commit(worktree: Path, identity: Identity, message: str) -> str:
    who = {
        "GIT_AUTHOR_NAME": identity.name,
        "GIT_AUTHOR_EMAIL": identity.email,
        "GIT_COMMITTER_NAME": identity.name,
        "GIT_COMMITTER_EMAIL": identity.email,
    }
    run_git(
        ["commit", "--no-verify", "--no-gpg-sign", "-q", "-m", message], worktree, env_extra=who
    )
    return run_git(["rev-parse", "HEAD"], worktree).strip()


def _message(finding: Finding, plan: Plan) -> str:
    return f"{finding.title}\n\n{plan.description}\n\nFixes {finding.rule} ({finding.fingerprint})."


def _failed(message: str, **values: Any) -> Implementation:
    base: dict[str, Any] = {
        "branch": None,
        "commit_id": None,
        "files_changed": [],
        "diff": "",
        "report": None,
    }
    base.update(values)
    return Implementation(success=False, message=message, status="failed", **base)


def implement(
    repo: Path,
    base_commit: str,
    finding: Finding,
    plan: Plan,
    branch: str,
    identity: Identity,
    settings: ImplementSettings,
) -> Implementation:
    """Carry out ``plan`` for ``finding`` from ``base_commit``; branch ``branch`` only if proven."""
    name = free_branch(repo, check_branch_name(branch))
    recipe = recipe_named(plan.recipe) if plan.supported and plan.recipe else None
    if recipe is None:
        return _failed(f"the plan has no recipe to run: {plan.description}")
    try:
        base = run_git(["rev-parse", "--verify", f"{base_commit}^{{commit}}"], repo).strip()
    except WorkspaceError as exc:
        raise InvalidRequest(f"unknown base commit {base_commit!r}") from exc
    with detached_worktree(repo, base) as worktree:
        return _carry_out(repo, worktree, base, finding, plan, recipe, name, identity, settings)


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def _moved(before: list[str], after: list[str], line: int) -> int | None:
    """Where unchanged line ``line`` (1-based) of ``before`` is in ``after``; None if changed."""
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for tag, i1, i2, j1, _j2 in matcher.get_opcodes():
        if tag == "equal" and i1 < line <= i2:
            return line - i1 + j1
    return None


def _apply_everywhere(
    recipe: Recipe, worktree: Path, finding: Finding, settings: RecipeSettings
) -> None:
    """Apply the recipe at every place of a grouped opportunity (bottom up, lines followed).

    A place whose line an earlier application already rewrote is left to the proof,
    which checks that every place is gone; a recipe failing at every place fails.
    """
    pending = sorted(members(finding), key=lambda m: (m.location, m.line or 0), reverse=True)
    failures: list[EngineError] = []
    while pending:
        member = pending.pop(0)
        before = _lines(worktree / member.location)
        try:
            recipe.apply(worktree, member, settings)
        except EngineError as exc:
            failures.append(exc)
            continue
        after = _lines(worktree / member.location)
        if before == after:
            continue
        for other in [m for m in pending if m.location == member.location and m.line]:
            line = _moved(before, after, other.line or 0)
            if line is None:
                pending.remove(other)
                continue
            shift = line - (other.line or 0)
            other.line = line
            other.end_line = other.end_line + shift if other.end_line else None
    if failures and len(failures) == len(members(finding)):
        raise failures[0]


def _carry_out(
    repo: Path,
    worktree: Path,
    base: str,
    finding: Finding,
    plan: Plan,
    recipe: Recipe,
    name: str,
    identity: Identity,
    settings: ImplementSettings,
) -> Implementation:
    try:
        _apply_everywhere(recipe, worktree, finding, settings.recipes)
    except EngineError as exc:
        return _failed(f"recipe {recipe.name} failed: {exc.detail}")
    changed_now = run_git(["status", "--porcelain", "--no-renames", "-uall", "-z"], worktree).split(
        "\0"
    )
    try:
        apply_formatters(
            worktree,
            base,
            [entry[3:] for entry in changed_now if entry[3:]],
            settings.validation.gates,
            settings.validation.gate_cache(),
        )
    except GateError as exc:
        return _failed(f"the repository's formatter could not run: {exc}")
    run_git(["add", "-A"], worktree)
    diff = run_git(["diff", "--cached", "--binary", "--no-color", "--no-ext-diff", base], worktree)
    if not diff.strip():
        return _failed(f"recipe {recipe.name} changed nothing")
    try:
        changed = check_patch(worktree, diff, allow_workflows=settings.recipes.allow_workflows)
    except PatchRejected as exc:
        return _failed(f"the patch guard refused the change: {exc.detail}", diff=diff)
    commit = _commit(worktree, identity, _message(finding, plan))
    report = validate(worktree, base, finding, changed, settings.validation)
    if not report.passed:
        reasons = "; ".join(report.failures())
        return _failed(
            f"the change was not proven: {reasons}",
            commit_id=commit,
            files_changed=changed,
            diff=diff,
            report=report,
        )
    run_git(["branch", name, commit], repo)
    proof = proof_of(report.to_dict())
    return Implementation(
        True,
        name,
        commit,
        changed,
        diff,
        report,
        f"{proof.headline}; committed on branch {name}",
        status="completed",
    )
