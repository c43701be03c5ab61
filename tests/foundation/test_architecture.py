"""The arrows between the parts run one way, and the wiring is plain imports a reader can follow.

``jobs/`` names no face (not even as a dotted string): the composition root
(``aomaas/app.py``) hands it the GitHub face's task handlers. No module imports
by name at run time (``importlib``), and none looks up an attribute by a name it
was given (``getattr`` on a formatted string).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import aomaas

PACKAGE = Path(aomaas.__file__).resolve().parent
FACES = ("aomaas.bot", "aomaas.api")


def modules(folder: str = "") -> list[Path]:
    """Every Python module under ``aomaas/<folder>``."""
    return sorted((PACKAGE / folder).rglob("*.py"))


def imported_names(tree: ast.AST) -> list[str]:
    """Every module a parsed module imports (``from x import y`` gives ``x`` and ``x.y``)."""
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            names.extend(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _is_face(name: str) -> bool:
    return any(name == face or name.startswith(face + ".") for face in FACES)


@pytest.mark.parametrize("path", modules("jobs"), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_jobs_never_import_or_name_a_face(path: Path) -> None:
    text = path.read_text()
    tree = ast.parse(text, filename=str(path))
    imports = [name for name in imported_names(tree) if _is_face(name)]
    assert not imports, f"{path.name} imports {imports}: jobs/ must not reach into a face"
    named = [face for face in FACES if face in text]
    assert not named, f"{path.name} names {named}: hand a face's handler in from aomaas/app.py"


def test_the_check_sees_a_face_import() -> None:
    """The checks above would catch a dotted string and an import (they are not vacuous)."""
    sample = 'from aomaas.bot import deliveries\nHANDLER = "aomaas.api.work"\n'
    assert [n for n in imported_names(ast.parse(sample)) if _is_face(n)]
    assert any(face in sample for face in FACES)
    assert modules("jobs"), "no modules found under aomaas/jobs"


def test_no_import_by_name_at_run_time() -> None:
    """``importlib.import_module``/``find_spec``/``__import__`` nowhere in the package."""
    found = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Attribute) and node.attr in ("import_module", "find_spec"):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
            if isinstance(node, ast.Name) and node.id == "__import__":
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not found, f"wire with plain imports instead: {found}"


def test_no_getattr_on_a_formatted_name() -> None:
    """``getattr(obj, f"...{value}")`` lets input pick the code that runs; use a mapping."""
    found = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "getattr"
                and len(node.args) >= 2
                and isinstance(node.args[1], ast.JoinedStr | ast.BinOp)
            ):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not found, f"getattr on a built name: {found}"


def calls_of(function: str) -> list[str]:
    """Where in the package ``function`` (a bare or dotted name's last part) is called."""
    found = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                if name == function:
                    found.append(str(path.relative_to(PACKAGE)))
    return sorted(set(found))


def test_one_authentication_module() -> None:
    """Passwords and bearer tokens are checked in ``aomaas/auth.py`` alone (API and /setup alike)."""
    assert calls_of("signed_in") == ["auth.py"]
    assert calls_of("verify_token") == ["auth.py"]


def test_one_branch_name_rule() -> None:
    """The branch a fix gets by default comes from one function, for the service and the CLI."""
    assert calls_of("default_branch_name") == ["commands/fix.py", "jobs/workflow.py"]
