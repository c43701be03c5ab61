"""S324: mark non-security uses of MD5/SHA-1 with ``usedforsecurity=False``."""

from __future__ import annotations

import libcst as cst
from libcst.codemod import CodemodContext

from aomaas.engine.recipes.base import RecipeSettings
from aomaas.engine.recipes.codemod import CallCodemod, has_star_args, keyword, with_keyword

WEAK = frozenset({"md4", "md5", "sha", "sha1", "sha_1", "ripemd160"})


class WeakHash(CallCodemod):
    """Add ``usedforsecurity=False`` to ``hashlib.md5()``, ``hashlib.new("sha1")``...

    Python then documents that the hash is not a security control (checksums,
    cache keys), and FIPS builds keep working.
    """

    name = "weak-hash-usedforsecurity"
    summary = "declare MD5/SHA-1 hashing as not used for security (usedforsecurity=False)"
    rules = frozenset({"ruff:S324"})

    def fix(
        self, call: cst.Call, names: set[str], context: CodemodContext, settings: RecipeSettings
    ) -> cst.Call | None:
        """Add the keyword to a weak hashlib constructor call."""
        if has_star_args(call) or keyword(call, "usedforsecurity") is not None:
            return None
        if any(n.startswith("hashlib.") and n.rsplit(".", 1)[-1] in WEAK for n in names):
            return with_keyword(call, "usedforsecurity", cst.Name("False"))
        if "hashlib.new" in names and call.args:
            return with_keyword(call, "usedforsecurity", cst.Name("False"))
        return None
