"""S324: MD5/SHA-1 — a stronger algorithm where the value stays in place, else declared
not for security only with evidence, otherwise no fix.

Where the digest is only compared with another digest made the same way in the same
expression (``hashlib.md5(a).hexdigest() == hashlib.md5(b).hexdigest()``, or the two
arguments of ``compare_digest``), the value crosses no storage or protocol boundary:
both sides become SHA-256 and the comparison means what it meant, without the weak hash.

A weak hash is a risk only where it protects something (passwords, signatures,
sessions, tokens, HTTP digest authentication). Marking such a call
``usedforsecurity=False`` would declare the risk away, and swapping the
algorithm would change a value that stored data or the other side of a
protocol expects. So the recipe acts only with evidence, read from the code,
that the hash is not security-relevant: the names around the call (the
function, class and variable it sits in, the function's docstring) say cache, checksum, ETag,
fingerprint..., and none says password, token, session, sign, digest... The
evidence is written into the plan. Without it — or where the repository still
supports a Python older than 3.9, which has no ``usedforsecurity`` argument —
there is no deterministic fix, and the plan says so plainly.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodContext

from aomaas.engine.findings import Finding
from aomaas.engine.gates import oldest_python
from aomaas.engine.recipes.base import Preflight, RecipeFailed, RecipeSettings, rewrite, target
from aomaas.engine.recipes.codemod import (
    CallCodemod,
    fix_calls,
    has_star_args,
    keyword,
    with_keyword,
)

WEAK = frozenset({"md4", "md5", "sha", "sha1", "sha_1", "ripemd160"})
SECURITY_WORDS = (
    "password", "passwd", "auth", "digest", "sign", "session", "token", "secret", "nonce",
    "hmac", "credential", "login", "cookie", "csrf", "salt", "verify", "apikey", "api_key",
)  # fmt: skip
BENIGN_WORDS = (
    "cache", "etag", "checksum", "fingerprint", "dedup", "filename", "shard", "bucket",
    "avatar", "gravatar", "color", "colour", "slug", "file_hash", "content_hash",
)  # fmt: skip


def _names_around(source: str, line: int | None) -> list[str]:
    """Function, class and assigned names enclosing ``line`` (innermost last)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names: list[str] = []
    for node in ast.walk(tree):
        start, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        if line is None or start is None or end is None or not start <= line <= end:
            continue
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.append(node.name)
            doc = (ast.get_docstring(node) or "").strip().splitlines()
            if doc:
                names.append(doc[0])
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for item in targets:
                names += [n.id for n in ast.walk(item) if isinstance(n, ast.Name)]
                names += [n.attr for n in ast.walk(item) if isinstance(n, ast.Attribute)]
        elif isinstance(node, ast.keyword) and node.arg:
            names.append(node.arg)
    return names


def _words(names: list[str], vocabulary: tuple[str, ...]) -> list[str]:
    return [
        name for name in names if any(re.search(word, name, re.IGNORECASE) for word in vocabulary)
    ]


_DIGESTS = frozenset({"hexdigest", "digest"})


def _weak_algorithm(node: ast.expr) -> str | None:
    """The weak algorithm and digest form of ``hashlib.<weak>(...).<digest>()``."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return None
    if node.func.attr not in _DIGESTS or node.args or node.keywords:
        return None
    made = node.func.value
    name = _weak_constructor(made) if isinstance(made, ast.Call) else None
    return f"{name}.{node.func.attr}" if name else None


def _pair(node: ast.AST) -> list[ast.expr] | None:
    """The two sides of an ``==``/``!=`` comparison or a ``compare_digest`` call."""
    if (
        isinstance(node, ast.Compare)
        and len(node.ops) == 1
        and isinstance(node.ops[0], ast.Eq | ast.NotEq)
    ):
        return [node.left, node.comparators[0]]
    if isinstance(node, ast.Call) and len(node.args) == 2 and not node.keywords:
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "compare_digest":
            return list(node.args)
    return None


def compared_in_place(source: str, line: int | None) -> bool:
    """Whether the weak digest on ``line`` is only compared with one made the same way there.

    Both sides of one comparison on that single line are
    ``hashlib.<weak>(...).<digest>()`` of the same algorithm and digest form.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    if line is None:
        return False
    weak_on_line = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and node.lineno == line
        and _weak_constructor(node) is not None
    ]
    if len(weak_on_line) != 2:  # the rewrite touches every weak call on the line: the pair only
        return False
    for node in ast.walk(tree):
        sides = _pair(node)
        if sides is None:
            continue
        if getattr(node, "lineno", None) != line or getattr(node, "end_lineno", None) != line:
            continue
        kinds = {_weak_algorithm(side) for side in sides}
        if len(kinds) == 1 and None not in kinds:
            return True
    return False


def _weak_constructor(call: ast.Call) -> str | None:
    """The weak algorithm ``hashlib.<weak>(...)`` or ``hashlib.new("<weak>", ...)`` makes."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
        return None
    if func.value.id != "hashlib":
        return None
    name = func.attr
    if name == "new" and call.args and isinstance(call.args[0], ast.Constant):
        name = str(call.args[0].value).lower()
    return name if name in WEAK else None


STRONGER = (
    "The digest is only compared with another digest made the same way in the same "
    "expression: it is not stored or sent, so SHA-256 replaces the weak hash on both sides "
    "and the comparison keeps its meaning."
)


def assess(root: Path, finding: Finding) -> Preflight:
    """How the weak hash at the finding is fixed (a stronger algorithm, or declared), or why not."""
    path = target(root, finding.location)
    try:
        source = path.read_text(encoding="utf-8") if path.is_file() else ""
    except UnicodeDecodeError:
        return Preflight(f"no deterministic fix: {finding.location} is not UTF-8 text")
    if compared_in_place(source, finding.line):
        return Preflight(None, [STRONGER])
    declared = oldest_python(root)
    if declared is not None and declared[0] < (3, 9):
        (major, minor), where = declared
        return Preflight(
            "no deterministic fix: `usedforsecurity=` exists from Python 3.9 and the repository "
            f"supports Python {major}.{minor} ({where}); replacing the algorithm would change "
            "values that stored data or other programs may expect, so a person must decide"
        )
    names = _names_around(source, finding.line)
    risky = _words(names, SECURITY_WORDS)
    if risky:
        return Preflight(
            f"no deterministic fix: the hash is used in {', '.join(f'`{n}`' for n in risky)}, "
            "which looks security-relevant; declaring it not used for security would hide the "
            "risk and a stronger algorithm would change a value another side expects"
        )
    benign = _words(names, BENIGN_WORDS)
    if not benign:
        return Preflight(
            "no deterministic fix: nothing in the code shows that this hash is not used for "
            "security (no cache, checksum, ETag or fingerprint name around it), so it cannot "
            "be declared away; a person must decide between a stronger algorithm and a "
            "documented exception"
        )
    where = ", ".join(f"`{n}`" for n in benign)
    return Preflight(
        None, [f"Evidence that the hash is not security-relevant: the code around it says {where}."]
    )


class WeakHash(CallCodemod):
    """SHA-256 for a digest compared in place; else ``usedforsecurity=False`` with evidence."""

    name = "weak-hash-usedforsecurity"
    summary = (
        "replace a weak hash compared in place by SHA-256, or declare an MD5/SHA-1 checksum "
        "not used for security (with evidence)"
    )
    rules = frozenset({"ruff:S324"})

    def preflight(self, root: Path | None, finding: Finding, facts: object = None) -> Preflight:
        """The evidence read from the checkout (checked again when the recipe runs)."""
        if root is None:
            return Preflight(None, ["The evidence that the hash is not security-relevant is "
                                    "read from the checkout when the recipe runs."])  # fmt: skip
        return assess(root, finding)

    def apply(self, root: Path, finding: Finding, settings: RecipeSettings) -> list[str]:
        """Refuse without evidence; otherwise add the keyword."""
        verdict = assess(root, finding)
        if verdict.refusal:
            raise RecipeFailed(verdict.refusal)
        if STRONGER in verdict.notes:
            return rewrite(
                root, finding.location, lambda text: fix_calls(text, finding.line, _sha256)
            )
        return super().apply(root, finding, settings)

    def fix(
        self, call: cst.Call, names: set[str], context: CodemodContext, settings: RecipeSettings
    ) -> cst.Call | None:
        """Add the keyword to a weak hashlib constructor call."""
        if has_star_args(call) or keyword(call, "usedforsecurity") is not None:
            return None
        if _weak_constructor_named(names) or ("hashlib.new" in names and call.args):
            return with_keyword(call, "usedforsecurity", cst.Name("False"))
        return None


def _weak_constructor_named(names: set[str]) -> bool:
    """Whether a call's qualified names are a weak hashlib constructor (``hashlib.md5``)."""
    return any(n.startswith("hashlib.") and n.rsplit(".", 1)[-1] in WEAK for n in names)


def _sha256(call: cst.Call, names: set[str], context: CodemodContext) -> cst.Call | None:
    """``hashlib.<weak>(...)`` → ``hashlib.sha256(...)``; ``hashlib.new("<weak>", ...)`` too."""
    func = call.func
    if not isinstance(func, cst.Attribute):
        return None
    if _weak_constructor_named(names):
        return call.with_changes(func=func.with_changes(attr=cst.Name("sha256")))
    first = call.args[0].value if call.args else None
    if "hashlib.new" not in names or not isinstance(first, cst.SimpleString):
        return None
    if str(first.evaluated_value).lower() not in WEAK:
        return None
    quote = first.value[-1]
    algorithm = call.args[0].with_changes(value=cst.SimpleString(f"{quote}sha256{quote}"))
    return call.with_changes(args=[algorithm, *call.args[1:]])
