"""What surrounds a finding in its file: scope, guards, evidence (parsed with ``ast``, never run).

Used to keep a finding's identity (its enclosing scope), to drop undefined-name and
version findings that a guard makes unreachable, and to tell deliberate designs and
real evidence apart. docs/mining.md lists the rules.
"""

from __future__ import annotations

import ast
import itertools
import re
from dataclasses import dataclass, field

#: Exceptions whose handler makes an undefined or missing name a deliberate probe.
GUARD_EXCEPTIONS = frozenset({"NameError", "ImportError", "ModuleNotFoundError", "AttributeError"})
#: Names in an ``if`` test that make its branches version-, platform- or type-checking-only.
_GUARD_TEST = re.compile(
    r"\b(version_info|hexversion|PY2|PY3|PY3K|PY34|PY35|PY36|PY37|PY38|PY39|PY310|PY311|"
    r"PYTHON2|PYTHON3|IS_PY2|IS_PY3|TYPE_CHECKING|platform|implementation|PYPY)\b"
)
_DEPRECATIONS = ("DeprecationWarning", "PendingDeprecationWarning", "FutureWarning")
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
#: Names that make a hash or a random value security-relevant.
_SECRET = re.compile(
    r"pass(word|wd|phrase)?|pwd|secret|token|signature|signing|hmac|auth|credential|salt|nonce",
    re.IGNORECASE,
)


@dataclass
class SourceContext:
    """The parsed file, with each node's parent."""

    tree: ast.Module | None
    parents: dict[ast.AST, ast.AST] = field(default_factory=dict)

    @classmethod
    def parse(cls, text: str) -> SourceContext:
        """Parse ``text``; a file that does not parse gives an empty context."""
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return cls(None)
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        return cls(tree, parents)

    def _innermost(self, line: int) -> ast.AST | None:
        """The deepest statement spanning ``line``."""
        if self.tree is None:
            return None
        best: ast.AST | None = None
        node: ast.AST = self.tree
        while True:
            inner = next(
                (
                    child
                    for child in ast.iter_child_nodes(node)
                    if isinstance(child, ast.stmt | ast.excepthandler)
                    and child.lineno <= line <= (child.end_lineno or child.lineno)
                ),
                None,
            )
            if inner is None:
                return best
            best = node = inner

    def _ancestors(self, line: int) -> list[ast.AST]:
        node = self._innermost(line)
        chain = []
        while node is not None:
            chain.append(node)
            node = self.parents.get(node)
        return chain

    def import_in_scope(self, line: int) -> bool:
        """An ``import`` statement on ``line`` inside a function or class (a test importing
        a module, or importing a name twice, checks that the import works)."""
        statement = self._innermost(line)
        return isinstance(statement, ast.Import | ast.ImportFrom) and bool(self.scope(line))

    def scope(self, line: int) -> str:
        """The dotted name of the functions and classes enclosing ``line`` ("" at module level)."""
        names = [n.name for n in self._ancestors(line) if isinstance(n, _SCOPES)]
        return ".".join(reversed(names))

    def guard(self, line: int) -> str | None:
        """Why ``line`` only runs where a name may be missing, or None.

        Inside ``try`` with an ``except NameError``/``ImportError``/``AttributeError``
        handler (or in that handler), or in a branch of an ``if`` testing the Python
        version, the platform, ``TYPE_CHECKING`` or a ``PY2``/``PY3`` flag.
        """
        chain = self._ancestors(line)
        for child, node in itertools.pairwise(chain):
            if isinstance(node, ast.Try | ast.TryStar) and (
                child in node.body or isinstance(child, ast.excepthandler)
            ):
                caught = {name for h in node.handlers for name in _names(h.type)}
                if caught & GUARD_EXCEPTIONS:
                    return f"guarded by except {'/'.join(sorted(caught & GUARD_EXCEPTIONS))}"
            if isinstance(node, ast.If) and _GUARD_TEST.search(ast.unparse(node.test)):
                return f"guarded by `if {ast.unparse(node.test)[:60]}`"
        return None

    def calls_on(self, line: int, names: tuple[str, ...]) -> list[ast.Call]:
        """Calls starting on ``line`` whose function is named one of ``names``."""
        if self.tree is None:
            return []
        return [
            node
            for node in ast.walk(self.tree)
            if isinstance(node, ast.Call) and node.lineno == line and _callee(node.func) in names
        ]

    def deliberate_exec(self, line: int) -> bool:
        """``exec``/``eval`` of a ``compile(...)`` result: code run from a file on purpose."""
        return any(
            call.args
            and isinstance(call.args[0], ast.Call)
            and _callee(call.args[0].func) == "compile"
            for call in self.calls_on(line, ("exec", "eval"))
        )

    def public_deprecation(self, line: int) -> bool:
        """A deprecation warning raised inside a public function or method (a special
        method such as ``__init__`` is public when its class is).

        There a ``stacklevel`` points the warning at the caller's code, which is what the
        user must change; at module level or in a private helper it would point inside the
        library.
        """
        calls = self.calls_on(line, ("warn",))
        if not any(_is_deprecation(call) for call in calls):
            return False
        chain = self._ancestors(line)
        functions = [n for n in chain if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        if not functions:
            return False
        name = functions[0].name
        if name.startswith("__") and name.endswith("__"):  # __init__: public if its class is
            owner = next((n for n in chain if isinstance(n, ast.ClassDef)), None)
            return owner is not None and not owner.name.startswith("_")
        return not name.startswith("_")

    def web_module(self) -> bool:
        """The module speaks HTTP or HTML: a string or a name says html, http, request or
        response (a template rendering a web page, not generating code or text)."""
        if self.tree is None:
            return False
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
            elif isinstance(node, ast.Name):
                text = node.id
            elif isinstance(node, ast.Attribute):
                text = node.attr
            else:
                continue
            if _WEB.search(text):
                return True
        return False

    def world_writable(self, line: int) -> bool:
        """A ``chmod`` on ``line`` whose constant mode lets others write, or a ``umask(0)``
        there (it leaves every file the process creates world-writable until restored)."""
        for call in self.calls_on(line, ("chmod", "fchmod", "lchmod", "umask")):
            for node in ast.walk(call):
                inner = node if isinstance(node, ast.Call) else None
                if inner is not None and _callee(inner.func) == "umask" and _zero(inner):
                    return True
            keyword = next((k.value for k in call.keywords if k.arg == "mode"), None)
            mode = keyword if keyword is not None else (call.args[-1] if call.args else None)
            constant = mode.value if isinstance(mode, ast.Constant) else None
            if _callee(call.func) != "umask" and type(constant) is int:
                return bool(constant & 0o002)
        return False

    def secret_context(self, line: int) -> bool:
        """The statement on ``line`` or its enclosing functions name a secret (a password,
        a token, a signature...): evidence that a weak hash there is a security control."""
        chain = self._ancestors(line)
        if not chain:
            return False
        names = [n.name for n in chain if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
        for node in ast.walk(chain[0]):
            if isinstance(node, ast.Name):
                names.append(node.id)
            elif isinstance(node, ast.Attribute):
                names.append(node.attr)
            elif isinstance(node, ast.arg):
                names.append(node.arg)
        return any(_SECRET.search(name) for name in names)


_WEB = re.compile(r"html|http|request|response", re.IGNORECASE)


def _zero(call: ast.Call) -> bool:
    """``umask(0)``: the call's only argument is the constant 0."""
    return (
        len(call.args) == 1
        and isinstance(call.args[0], ast.Constant)
        and call.args[0].value == 0
        and not isinstance(call.args[0].value, bool)
    )


def _is_deprecation(call: ast.Call) -> bool:
    values = list(call.args[1:2]) + [k.value for k in call.keywords if k.arg == "category"]
    return any(_callee(value) in _DEPRECATIONS for value in values)


def _callee(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _names(node: ast.AST | None) -> set[str]:
    if node is None:
        return set()
    if isinstance(node, ast.Tuple):
        return {name for element in node.elts for name in _names(element)}
    return {_callee(node)}
