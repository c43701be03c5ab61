"""The repository's own gates on real repositories made here: formatter, linter, oldest Python."""

from __future__ import annotations

import subprocess
from pathlib import Path

from aomaas.engine import gates
from aomaas.engine.implementer import Identity, ImplementSettings, implement
from aomaas.engine.planner import PlanContext, make_plan
from aomaas.engine.recipes import RecipeSettings, recipe_for
from aomaas.engine.recipes.ruff_fix import ruff_bin
from aomaas.engine.testenv import SuiteSettings
from aomaas.engine.validator import ValidationSettings
from tests.engine.hands_util import finding, git, make_repo, shared_cache

BOT = Identity("aomaas[bot]", "bot@example.org")
RUFF_FORMAT = '[tool.ruff]\nline-length = 60\n\n[tool.ruff.format]\nquote-style = "single"\n'
CALL = "    return requests.get(url, headers={'Accept': 'application/json'})\n"
NET = f"import requests\n\n\ndef fetch(url):\n{CALL}"


def settings() -> ImplementSettings:
    suite = SuiteSettings(cache_dir=shared_cache(), timeout=120, memory_mb=1024)
    return ImplementSettings(validation=ValidationSettings(suite, run_tests=False))


def check(result: object, name: str) -> tuple[str, str]:
    report = getattr(result, "report")
    found = next(c for c in report.checks if c.name == name)
    return found.outcome, found.detail


def checkout(root: Path, branch: str, dest: Path) -> Path:
    git(root, "worktree", "add", "-q", "--detach", str(dest), branch)
    return dest


def test_fix_is_formatted_by_the_repository_formatter_and_passes_its_check(
    tmp_path: Path,
) -> None:
    root = tmp_path / "repo"
    base = make_repo(root, {"pyproject.toml": RUFF_FORMAT, "net.py": NET})
    item = finding("ruff:S113", "net.py", 5)
    result = implement(root, base, item, make_plan(item), "fix/t", BOT, settings())
    assert result.success, result.message
    # the added keyword made the line too long for the repository's 60 columns: wrapped its way
    assert "+    return requests.get(\n" in result.diff
    assert "timeout=30" in result.diff
    assert check(result, "repo-gates")[0] == "passed"
    tree = checkout(root, "fix/t", tmp_path / "head")
    done = subprocess.run(
        [ruff_bin(), "format", "--check", "net.py"], cwd=tree, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_formatter_touches_only_the_changed_lines_of_an_unformatted_file(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    untidy = "X = [1,2,  3]\n"
    base = make_repo(root, {"pyproject.toml": RUFF_FORMAT, "net.py": untidy + NET})
    item = finding("ruff:S113", "net.py", 6)
    result = implement(root, base, item, make_plan(item), "fix/t", BOT, settings())
    assert result.success, result.message
    assert "+    return requests.get(\n" in result.diff
    # the line the fix did not touch keeps the project's own (unformatted) layout
    tree = checkout(root, "fix/t", tmp_path / "head")
    assert (tree / "net.py").read_text().startswith(untidy)
    assert "X = [1,2,  3]" not in result.diff


def test_fix_that_adds_a_lint_violation_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    config = '[tool.ruff]\nline-length = 40\n\n[tool.ruff.lint]\nselect = ["E501"]\n'
    net = 'import requests\n\n\ndef fetch():\n    return requests.get("https://e.org")\n'
    base = make_repo(root, {"pyproject.toml": config, "net.py": net})
    item = finding("ruff:S113", "net.py", 5)
    result = implement(root, base, item, make_plan(item), "fix/t", BOT, settings())
    assert not result.success and result.branch is None
    outcome, detail = check(result, "repo-gates")
    assert outcome == "failed"
    assert "E501 in net.py (0 → 1)" in detail
    assert "repo-gates: E501" in result.message


def test_pinned_formatter_version_is_installed_and_used(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    hooks = (
        "repos:\n  - repo: https://github.com/psf/black-pre-commit-mirror\n"
        "    rev: 24.8.0\n    hooks:\n      - id: black\n"
    )
    pyproject = "[tool.black]\nline-length = 60\n"
    net = NET.replace("'", '"')
    base = make_repo(
        root, {".pre-commit-config.yaml": hooks, "pyproject.toml": pyproject, "net.py": net}
    )
    assert gates.detect_tools(root) == [
        gates.Tool("black", "24.8.0", "pyproject.toml [tool.black]")
    ]
    item = finding("ruff:S113", "net.py", 5)
    result = implement(root, base, item, make_plan(item), "fix/t", BOT, settings())
    assert result.success, result.message
    outcome, detail = check(result, "repo-gates")
    assert outcome == "passed" and "black 24.8.0" in detail, detail
    assert "+    return requests.get(\n" in result.diff


def test_configuration_is_read_from_every_place_with_its_pins(tmp_path: Path) -> None:
    make_repo(
        tmp_path,
        {
            "setup.cfg": "[flake8]\nmax-line-length = 99\n\n[tool:isort]\nprofile = black\n",
            "requirements-dev.txt": "flake8==7.1.1\nisort==5.13.2\n",
            ".pre-commit-config.yaml": (
                "repos:\n  - repo: https://github.com/astral-sh/ruff-pre-commit\n"
                "    rev: v0.6.9\n    hooks:\n      - id: ruff\n      - id: ruff-format\n"
            ),
        },
    )
    assert [(t.name, t.pin) for t in gates.detect_tools(tmp_path)] == [
        ("isort", "5.13.2"),
        ("ruff-format", "0.6.9"),
        ("ruff", "0.6.9"),
        ("flake8", "7.1.1"),
    ]


def test_oldest_python_comes_from_what_the_repository_declares(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nrequires-python = ">=3.9"\n'
        'classifiers = ["Programming Language :: Python :: 3.8"]\n'
    )
    assert gates.oldest_python(tmp_path) == ((3, 8), "classifier 'Python :: 3.8'")
    (tmp_path / "pyproject.toml").write_text('[tool.ruff]\ntarget-version = "py310"\n')
    assert gates.oldest_python(tmp_path) == ((3, 10), "ruff target-version 'py310'")


PY38 = '[project]\nname = "calc"\nversion = "1"\nrequires-python = ">=3.8"\n'
CACHE = "import hashlib\n\n\ndef cache_key(data):\n    return hashlib.md5(data).hexdigest()\n"


def test_python38_repository_gets_no_usedforsecurity(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    base = make_repo(root, {"pyproject.toml": PY38, "calc/keys.py": CACHE})
    item = finding("ruff:S324", "calc/keys.py", 5)
    plan = make_plan(item, context=PlanContext(root=root))
    assert not plan.supported
    assert "`usedforsecurity=` exists from Python 3.9" in plan.description
    assert "Python 3.8 (pyproject.toml requires-python '>=3.8')" in plan.description
    # the recipe refuses too when it is run from a plan made without the checkout
    result = implement(root, base, item, make_plan(item), "fix/h", BOT, settings())
    assert not result.success and "usedforsecurity" in result.message and not result.diff


def test_vermin_refuses_newer_api_than_the_oldest_python(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    make_repo(root, {"pyproject.toml": PY38, "calc/keys.py": CACHE})
    head = tmp_path / "head"
    head.mkdir()
    (head / "pyproject.toml").write_text(PY38)
    (head / "calc").mkdir()
    (head / "calc/keys.py").write_text(CACHE.replace("(data)", "(data, usedforsecurity=False)"))
    outcome, detail = gates.python_check(root, head, ["calc/keys.py"])
    assert outcome == "failed"
    assert "newer Python than 3.8" in detail
    assert "'hashlib.md5(usedforsecurity)' needs Python 3.9" in detail
    (head / "calc/keys.py").write_text(CACHE.replace("md5", "sha256"))
    assert gates.python_check(root, head, ["calc/keys.py"])[0] == "passed"


def test_weak_hash_is_declared_away_only_with_evidence(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    py39 = PY38.replace("3.8", "3.9")
    auth = "import hashlib\n\n\ndef digest_auth(a1):\n    return hashlib.md5(a1).hexdigest()\n"
    plain = "import hashlib\n\n\ndef compute(a1):\n    return hashlib.md5(a1).hexdigest()\n"
    make_repo(root, {"pyproject.toml": py39, "a.py": auth, "b.py": plain, "c.py": CACHE})
    refused = make_plan(finding("ruff:S324", "a.py", 5), context=PlanContext(root=root))
    assert not refused.supported and "`digest_auth`" in refused.description
    unknown = make_plan(finding("ruff:S324", "b.py", 5), context=PlanContext(root=root))
    assert not unknown.supported and unknown.description.startswith("No deterministic fix")
    cache = make_plan(finding("ruff:S324", "c.py", 5), context=PlanContext(root=root))
    assert cache.supported and "the code around it says `cache_key`" in cache.description


def test_flake8_local_plugins_are_never_imported_on_the_host(tmp_path: Path) -> None:
    """flake8 would import a ``[flake8:local-plugins]`` module, repository code, outside the
    sandbox: the service's ruff stands in for it instead, and the proof says why."""
    root = tmp_path / "repo"
    marker = tmp_path / "plugin-ran"
    plugin = (
        "import pathlib\n\n"
        f"pathlib.Path({str(marker)!r}).write_text('ran')\n\n\n"
        "class Plugin:\n    name = 'evil'\n    version = '1'\n\n"
        "    def __init__(self, tree):\n        self.tree = tree\n\n"
        "    def run(self):\n        return iter(())\n"
    )
    flake8 = (
        "[flake8]\nmax-line-length = 100\n\n"
        "[flake8:local-plugins]\nextension =\n    EVL = evil:Plugin\npaths = ./\n"
    )
    net = 'import requests\n\n\ndef fetch():\n    return requests.get("https://e.org")\n'
    base = make_repo(root, {".flake8": flake8, "evil.py": plugin, "net.py": net})
    item = finding("ruff:S113", "net.py", 5)
    result = implement(root, base, item, make_plan(item), "fix/t", BOT, settings())
    assert not marker.exists(), "flake8 imported the repository's plugin on the host"
    assert result.success, result.message
    outcome, detail = check(result, "repo-gates")
    assert outcome == "passed" and "loads local plugins" in detail, detail


def test_a_vermin_module_in_the_repository_is_not_run(tmp_path: Path) -> None:
    """The oldest-Python check runs vermin with the repository as working directory:
    a ``vermin.py`` there must not be what Python imports."""
    root = tmp_path / "repo"
    marker = tmp_path / "vermin-ran"
    trap = f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n"
    make_repo(root, {"pyproject.toml": PY38, "calc/keys.py": CACHE, "vermin.py": trap})
    head = tmp_path / "head"
    (head / "calc").mkdir(parents=True)
    (head / "pyproject.toml").write_text(PY38)
    (head / "vermin.py").write_text(trap)
    (head / "calc/keys.py").write_text(CACHE.replace("md5", "sha256"))
    assert gates.python_check(root, head, ["calc/keys.py"])[0] == "passed"
    assert not marker.exists(), "the repository's vermin.py ran on the host"


def test_a_ruff_configuration_reaching_outside_the_tree_is_not_read(tmp_path: Path) -> None:
    """``extend`` to a host file (or a symlinked configuration) would make ruff read it and
    print it in its error; the gate runs ruff ``--isolated`` instead."""
    secret = tmp_path / "host-secret.toml"
    secret.write_text("this is = not toml: TOPSECRET\n")
    root = tmp_path / "repo"
    config = f'[tool.ruff]\nextend = "{secret}"\n'
    make_repo(root, {"pyproject.toml": config, "net.py": "import os\n"})
    assert gates.ruff_config_args(root) == ["--isolated"]
    runner = gates.Runner(gates.Tool("ruff", None, "pyproject.toml"), [ruff_bin()], "ruff", "ruff")
    assert gates.lint_codes(runner, root, "net.py")["F401"] == 1
    (root / "pyproject.toml").unlink()
    (root / "ruff.toml").symlink_to(secret)
    assert gates.ruff_config_args(root) == ["--isolated"]
    (root / "ruff.toml").unlink()
    (root / "ruff.toml").write_text('extend = "inner/base.toml"\n')
    (root / "inner").mkdir()
    (root / "inner/base.toml").write_text("line-length = 90\n")
    assert gates.ruff_config_args(root) == ["--config", str(root / "ruff.toml")]


def test_a_symlinked_flake8_configuration_counts_as_loading_code(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "conf").mkdir(parents=True)
    (root / "conf/lint.cfg").write_text("[flake8:local-plugins]\npaths = ./\n")
    (root / ".flake8").symlink_to("conf/lint.cfg")
    assert gates.loads_repository_code(root, "flake8")
    (root / ".flake8").unlink()
    (root / ".flake8").write_text("[flake8]\nmax-line-length = 100\n")
    assert not gates.loads_repository_code(root, "flake8")


def test_a_weak_hash_compared_in_place_becomes_sha256(tmp_path: Path) -> None:
    """A digest only compared with one made the same way crosses no storage or protocol
    boundary: a stronger algorithm on both sides, even where Python 3.8 is supported; a
    digest compared with a stored value is not such a case."""
    root = tmp_path / "repo"
    same = (
        "import hashlib\n\n\ndef same_token(a, b):\n"
        "    return hashlib.md5(a).hexdigest() == hashlib.md5(b).hexdigest()\n"
    )
    stored = (
        "import hashlib\n\n\ndef check_token(a, stored):\n"
        "    return hashlib.md5(a).hexdigest() == stored\n"
    )
    viahmac = (
        "import hashlib\nimport hmac\n\n\ndef same(a, b):\n"
        "    return hmac.compare_digest(hashlib.new('sha1', a).digest(), "
        "hashlib.new('sha1', b).digest())\n"
    )
    make_repo(root, {"pyproject.toml": PY38, "a.py": same, "b.py": stored, "c.py": viahmac})
    plan = make_plan(finding("ruff:S324", "a.py", 5), context=PlanContext(root=root))
    assert plan.supported and "SHA-256 replaces the weak hash on both sides" in plan.description
    item = finding("ruff:S324", "a.py", 5)
    result = implement(root, git(root, "rev-parse", "HEAD").strip(), item, plan, "fix/h", BOT,
                       settings())  # fmt: skip
    assert result.success, result.message
    changed = git(root, "show", "fix/h:a.py")
    assert "hashlib.sha256(a).hexdigest() == hashlib.sha256(b).hexdigest()" in changed
    assert check(result, "oldest-python")[0] == "passed"  # sha256 exists on 3.8
    refused = make_plan(finding("ruff:S324", "b.py", 5), context=PlanContext(root=root))
    assert not refused.supported  # the stored side: 3.8 has no usedforsecurity, no evidence
    # a third weak call on the line (a stored cache key) would be rewritten too: no rewrite
    keyed = (
        "import hashlib\n\n\ndef same(new, old, cache):\n"
        "    return hashlib.md5(new).hexdigest() == hashlib.md5(old).hexdigest() "
        "and cache[hashlib.md5(new).hexdigest()]\n"
    )
    (root / "d.py").write_text(keyed)
    mixed = make_plan(finding("ruff:S324", "d.py", 5), context=PlanContext(root=root))
    assert not mixed.supported
    item = finding("ruff:S324", "c.py", 6)
    recipe = recipe_for(item)
    assert recipe is not None
    recipe.apply(root, item, RecipeSettings())
    assert "hashlib.new('sha256', a).digest(), hashlib.new('sha256', b).digest()" in (
        (root / "c.py").read_text()
    )
