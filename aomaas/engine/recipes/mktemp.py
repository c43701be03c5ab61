"""S306: ``tempfile.mktemp`` → a name created safely by ``NamedTemporaryFile``.

``mktemp`` returns a name another process can claim before it is used. The
replacement ``tempfile.NamedTemporaryFile(suffix=..., prefix=..., dir=...,
delete=False).name`` creates the file atomically (mode 0600) and returns its
name, so the caller's code keeps receiving a path; the file exists already,
which the repository's tests must accept (the proof checks that).
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from aomaas.engine.recipes.base import RecipeSettings
from aomaas.engine.recipes.codemod import CallCodemod, has_star_args, kwarg

POSITIONAL = ("suffix", "prefix", "dir")


class SafeTempfile(CallCodemod):
    """Replace ``tempfile.mktemp(...)`` with ``NamedTemporaryFile(..., delete=False).name``."""

    name = "safe-tempfile"
    summary = "create temporary files safely instead of tempfile.mktemp"
    rules = frozenset({"ruff:S306"})

    def fix(
        self, call: cst.Call, names: set[str], context: CodemodContext, settings: RecipeSettings
    ) -> cst.BaseExpression | None:
        """Build the safe call, keeping suffix/prefix/dir."""
        if "tempfile.mktemp" not in names or has_star_args(call):
            return None
        args = [
            kwarg(arg.keyword.value if arg.keyword else POSITIONAL[index], arg.value, comma=True)
            for index, arg in enumerate(call.args)
        ]
        args.append(kwarg("delete", cst.Name("False")))
        func = call.func
        if isinstance(func, cst.Attribute):
            new_func: cst.BaseExpression = func.with_changes(attr=cst.Name("NamedTemporaryFile"))
        else:
            RemoveImportsVisitor.remove_unused_import(context, "tempfile", "mktemp")
            AddImportsVisitor.add_needed_import(context, "tempfile", "NamedTemporaryFile")
            new_func = cst.Name("NamedTemporaryFile")
        created = cst.Call(func=new_func, args=args)
        return cst.Attribute(value=created, attr=cst.Name("name"))
