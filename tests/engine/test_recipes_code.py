"""Each code recipe on real code: ruff flags the rule before and not after."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from aomaas.engine.recipes import RecipeFailed, RecipeSettings, recipe_for
from aomaas.engine.recipes.ruff_fix import ruff_bin
from tests.engine.hands_util import finding


def ruff_hits(root: Path, rel: str, code: str) -> list[int]:
    done = subprocess.run(
        [
            ruff_bin(),
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            code,
            "--output-format",
            "json",
            rel,
        ],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    return [item["location"]["row"] for item in json.loads(done.stdout)]


CASES = {
    "S113": (
        "import requests\n\n\ndef fetch(url):\n    return requests.get(url, headers={'a': 'b'})\n",
        5,
        ["requests.get(url, headers={'a': 'b'}, timeout=30)"],
    ),
    "S506": (
        "import yaml\n\n\ndef load(text):\n    return yaml.load(text, Loader=yaml.Loader)\n",
        5,
        ["yaml.safe_load(text)"],
    ),
    "S324": (
        "import hashlib\n\n\ndef cache_key(data):\n    return hashlib.md5(data).hexdigest()\n",
        5,
        ["hashlib.md5(data, usedforsecurity=False)"],
    ),
    "S306": (
        "import tempfile\n\n\ndef scratch():\n    return tempfile.mktemp('.txt', dir='/tmp')\n",
        5,
        ["tempfile.NamedTemporaryFile(suffix='.txt', dir='/tmp', delete=False).name"],
    ),
    "F401": ("import os\nimport sys\n\nprint(sys.argv)\n", 1, ["import sys\n"]),
    "UP008": (
        "class A:\n    def f(self):\n        return 1\n\n\nclass B(A):\n    def f(self):\n"
        "        return super(B, self).f()\n",
        8,
        ["super().f()"],
    ),
    "PERF102": (
        "def names(d):\n    out = []\n    for k, _ in d.items():\n        out.append(k)\n    return out\n",
        3,
        ["    for k in d:\n"],
    ),
    "D209": ('def f():\n    """Do it.\n\n    More text."""\n', 2, ['    More text.\n    """']),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_recipe_removes_the_finding(tmp_path: Path, code: str) -> None:
    source, line, expected = CASES[code]
    (tmp_path / "mod.py").write_text(source)
    assert ruff_hits(tmp_path, "mod.py", code), "the case must trigger the rule"
    item = finding(f"ruff:{code}", "mod.py", line)
    recipe = recipe_for(item)
    assert recipe is not None
    assert recipe.apply(tmp_path, item, RecipeSettings()) == ["mod.py"]
    text = (tmp_path / "mod.py").read_text()
    for fragment in expected:
        assert fragment in text
    assert ruff_hits(tmp_path, "mod.py", code) == []
    compile(text, "mod.py", "exec")


def test_codemod_only_touches_the_flagged_line(tmp_path: Path) -> None:
    source = "import requests\n\nA = requests.get('a')\nB = requests.post('b')\n"
    (tmp_path / "mod.py").write_text(source)
    item = finding("ruff:S113", "mod.py", 4)
    recipe_for(item).apply(tmp_path, item, RecipeSettings(requests_timeout=7))  # type: ignore[union-attr]
    assert (tmp_path / "mod.py").read_text() == (
        "import requests\n\nA = requests.get('a')\nB = requests.post('b', timeout=7)\n"
    )


def test_imported_name_forms_are_fixed(tmp_path: Path) -> None:
    source = "from yaml import load\n\n\ndef read(f):\n    return load(f)\n"
    (tmp_path / "mod.py").write_text(source)
    item = finding("ruff:S506", "mod.py", 5)
    recipe_for(item).apply(tmp_path, item, RecipeSettings())  # type: ignore[union-attr]
    text = (tmp_path / "mod.py").read_text()
    assert "return safe_load(f)" in text and "from yaml import safe_load\n" in text


def test_recipe_refuses_when_nothing_matches(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text("import requests\n\nrequests.get('a', timeout=3)\n")
    item = finding("ruff:S113", "mod.py", 3)
    with pytest.raises(RecipeFailed):
        recipe_for(item).apply(tmp_path, item, RecipeSettings())  # type: ignore[union-attr]


def test_recipe_refuses_a_path_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (real / "mod.py").write_text("import os\n")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "pkg").symlink_to(real)
    item = finding("ruff:F401", "pkg/mod.py", 1)
    with pytest.raises(Exception, match="symbolic link"):
        recipe_for(item).apply(tree, item, RecipeSettings())  # type: ignore[union-attr]
    assert (real / "mod.py").read_text() == "import os\n"


def test_ruff_fix_touches_only_the_flagged_diagnostic(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text("import os\nimport json\n\nx = 1\n")
    item = finding("ruff:F401", "mod.py", 2)
    recipe_for(item).apply(tmp_path, item, RecipeSettings())  # type: ignore[union-attr]
    assert (tmp_path / "mod.py").read_text() == "import os\n\nx = 1\n"


def test_unsafe_fix_only_when_allowed(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text("def f(v):\n    return v == None\n")
    item = finding("ruff:E711", "mod.py", 2)
    item.fixable, item.extra["fix_applicability"] = False, "unsafe"
    recipe = recipe_for(item)
    assert recipe is not None
    with pytest.raises(RecipeFailed, match="no usable fix"):
        recipe.apply(tmp_path, item, RecipeSettings(allow_unsafe_fixes=False))
    recipe.apply(tmp_path, item, RecipeSettings())
    assert (tmp_path / "mod.py").read_text() == "def f(v):\n    return v is None\n"
