"""The shared machinery of the libcst call codemods: find the flagged call, rewrite it.

Each security codemod supplies a function that receives a call (and its
qualified names) and returns the fixed call, or ``None`` when the call is not
one it fixes. Only calls spanning the finding's line are touched, so one finding
gives one small change; imports a fix needs are added by libcst itself.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider, QualifiedNameProvider

from aomaas.engine.findings import Finding
from aomaas.engine.recipes.base import Recipe, RecipeFailed, RecipeSettings, rewrite

CallFix = Callable[[cst.Call, set[str], CodemodContext], cst.BaseExpression | None]


class _CallTransformer(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider, QualifiedNameProvider)

    def __init__(self, context: CodemodContext, line: int | None, fix: CallFix) -> None:
        super().__init__()
        self.context = context
        self.line = line
        self.fix = fix
        self.changed = 0

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        if self.line is not None:
            span = self.get_metadata(PositionProvider, original_node)
            if not span.start.line <= self.line <= span.end.line:
                return updated_node
        names = {q.name for q in self.get_metadata(QualifiedNameProvider, original_node, set())}
        fixed = self.fix(updated_node, names, self.context)
        if fixed is None:
            return updated_node
        self.changed += 1
        return fixed


def fix_calls(source: str, line: int | None, fix: CallFix) -> str:
    """Apply ``fix`` to the calls on ``line`` (all calls when ``line`` is None)."""
    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as exc:
        raise RecipeFailed(f"the file does not parse: {exc.message}") from exc
    context = CodemodContext()
    transformer = _CallTransformer(context, line, fix)
    changed = MetadataWrapper(module).visit(transformer)
    if not transformer.changed:
        return source
    changed = AddImportsVisitor(context).transform_module(changed)
    return RemoveImportsVisitor(context).transform_module(changed).code


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    """The keyword argument ``name`` of ``call``, if given."""
    return next((arg for arg in call.args if arg.keyword and arg.keyword.value == name), None)


def has_star_args(call: cst.Call) -> bool:
    """Whether ``call`` passes ``*args`` or ``**kwargs`` (a new keyword could then clash)."""
    return any(arg.star for arg in call.args)


def kwarg(name: str, value: cst.BaseExpression, comma: bool = False) -> cst.Arg:
    """A ``name=value`` argument written the PEP 8 way (optionally followed by ``, ``)."""
    no_space = cst.SimpleWhitespace("")
    return cst.Arg(
        keyword=cst.Name(name),
        value=value,
        equal=cst.AssignEqual(whitespace_before=no_space, whitespace_after=no_space),
        comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        if comma
        else cst.MaybeSentinel.DEFAULT,
    )


def with_keyword(call: cst.Call, name: str, value: cst.BaseExpression) -> cst.Call:
    """``call`` with keyword ``name`` set to ``value`` (replaced when present, else appended)."""
    new_arg = kwarg(name, value)
    args = [arg for arg in call.args if not (arg.keyword and arg.keyword.value == name)]
    if args and args[-1].comma is cst.MaybeSentinel.DEFAULT:
        args[-1] = args[-1].with_changes(
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        )
    elif args and isinstance(args[-1].comma, cst.Comma):
        # keep a trailing comma layout: the new argument goes after it, with its own comma
        new_arg = new_arg.with_changes(comma=args[-1].comma)
        args[-1] = args[-1].with_changes(
            comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
        )
    return call.with_changes(args=[*args, new_arg])


class CallCodemod(Recipe):
    """A recipe that rewrites the flagged call in the finding's file with ``fix``."""

    def fix(
        self, call: cst.Call, names: set[str], context: CodemodContext, settings: RecipeSettings
    ) -> cst.BaseExpression | None:
        """Return the fixed expression, or None when ``call`` is not one this recipe fixes."""
        raise NotImplementedError

    def apply(self, root: Path, finding: Finding, settings: RecipeSettings) -> list[str]:
        """Rewrite the flagged call(s) on the finding's line."""

        def fix(
            call: cst.Call, names: set[str], context: CodemodContext
        ) -> cst.BaseExpression | None:
            return self.fix(call, names, context, settings)

        return rewrite(root, finding.location, lambda text: fix_calls(text, finding.line, fix))
