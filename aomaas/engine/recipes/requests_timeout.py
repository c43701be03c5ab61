"""S113: give ``requests``/``httpx`` calls a timeout (the value comes from the settings)."""

from __future__ import annotations

import libcst as cst
from libcst.codemod import CodemodContext

from aomaas.engine.recipes.base import RecipeSettings
from aomaas.engine.recipes.codemod import CallCodemod, has_star_args, keyword, with_keyword

METHODS = frozenset({"get", "options", "head", "post", "put", "patch", "delete", "request"})
MODULES = ("requests", "httpx")


class RequestsTimeout(CallCodemod):
    """Add ``timeout=<settings.requests_timeout>`` (or replace ``timeout=None``)."""

    name = "requests-timeout"
    summary = "add an explicit timeout to HTTP calls made with requests/httpx"
    rules = frozenset({"ruff:S113"})

    def fix(
        self, call: cst.Call, names: set[str], context: CodemodContext, settings: RecipeSettings
    ) -> cst.Call | None:
        """Set a timeout on a module-level HTTP call that has none."""
        if not any(n.split(".")[0] in MODULES and n.rsplit(".", 1)[-1] in METHODS for n in names):
            return None
        current = keyword(call, "timeout")
        if current is not None and not (
            isinstance(current.value, cst.Name) and current.value.value == "None"
        ):
            return None
        if current is None and has_star_args(call):
            return None
        return with_keyword(call, "timeout", cst.Integer(str(settings.requests_timeout)))
