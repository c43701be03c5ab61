"""S506: ``yaml.load`` → ``yaml.safe_load`` (no arbitrary object construction)."""

from __future__ import annotations

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor, RemoveImportsVisitor

from aomaas.engine.recipes.base import RecipeSettings
from aomaas.engine.recipes.codemod import CallCodemod, has_star_args


class YamlSafeLoad(CallCodemod):
    """Replace ``yaml.load(x[, Loader])`` with ``yaml.safe_load(x)``."""

    name = "yaml-safe-load"
    summary = "load YAML with yaml.safe_load instead of yaml.load"
    rules = frozenset({"ruff:S506"})

    def fix(
        self, call: cst.Call, names: set[str], context: CodemodContext, settings: RecipeSettings
    ) -> cst.Call | None:
        """Swap the function and drop the unsafe Loader argument."""
        if "yaml.load" not in names or has_star_args(call):
            return None
        stream = [
            arg for arg in call.args if (arg.keyword is None or arg.keyword.value == "stream")
        ]
        if not stream:
            return None
        first = stream[0].with_changes(
            comma=cst.MaybeSentinel.DEFAULT, keyword=None, equal=cst.MaybeSentinel.DEFAULT
        )
        if isinstance(call.func, cst.Attribute):
            func: cst.BaseExpression = call.func.with_changes(attr=cst.Name("safe_load"))
        else:
            RemoveImportsVisitor.remove_unused_import(context, "yaml", "load")
            AddImportsVisitor.add_needed_import(context, "yaml", "safe_load")
            func = cst.Name("safe_load")
        return call.with_changes(func=func, args=[first])
