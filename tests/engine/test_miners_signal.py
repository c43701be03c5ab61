"""What is reported and in what order: selection, curated set, docstrings, context, guards, rank."""

from __future__ import annotations

from pathlib import Path

from aomaas.engine.findings import Finding, Priority, members
from aomaas.engine.index import build_index
from aomaas.engine.miners import mine
from aomaas.engine.workspace import head_commit
from tests.support.git import git_repo

CODE = (
    "import os\n\nimport yaml\n\n\n"
    "def load(text):\n    return yaml.load(text)\n\n\n"
    "def same(value):\n    return value == None\n\n\n"
    "def broken():\n    return undefined_thing\n"
)


def _mine(repo: Path, stats: dict[str, object] | None = None, **kw: object) -> list[Finding]:
    return mine(repo, build_index(repo, head_commit(repo)), stats=stats, **kw)  # type: ignore[arg-type]


def _rules(findings: list[Finding]) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for finding in findings:
        out.setdefault(finding.rule, []).append(finding)
    return out


def test_the_selection_decides_style_and_the_curated_set_is_always_reported(
    tmp_path: Path,
) -> None:
    repo = git_repo(tmp_path, {"pkg/core.py": CODE, "ruff.toml": '[lint]\nselect = ["E7"]\n'})
    stats: dict[str, object] = {}
    rules = _rules(_mine(repo, stats))
    assert "ruff:E711" in rules  # selected by the repository
    assert "ruff:F401" not in rules  # unused import: style the repository does not select
    assert "ruff:F821" in rules and "ruff:S506" in rules  # curated: a bug, a security risk
    assert rules["ruff:F821"][0].extra["selected"] is False
    assert stats["held_back"] == {"not-selected": 1}
    assert stats["lint_selection"] == {
        "prefixes": ["E7"],
        "sources": ["ruff.toml"],
        "docstrings": False,
        "pinned_ruff": None,
    }
    # flake8's selection counts the same way (default E, W, F: the unused import is reported)
    other = git_repo(tmp_path / "flake", {"pkg/core.py": CODE, "setup.cfg": "[flake8]\n"})
    assert "ruff:F401" in _rules(_mine(other))


def test_real_bugs_and_exploitable_security_rank_first(tmp_path: Path) -> None:
    repo = git_repo(tmp_path, {"pkg/core.py": CODE, "ruff.toml": '[lint]\nselect = ["E", "F"]\n'})
    ranked = sorted(_mine(repo), key=Finding.rank_key)
    assert {f.rule for f in ranked[:2]} == {"ruff:F821", "ruff:S506"}
    assert all(f.priority is Priority.CRITICAL for f in ranked[:2])
    assert all(f.priority is not Priority.CRITICAL for f in ranked[2:])


PUBLIC = "".join(f"def f{n}():\n    return {n}\n\n\n" for n in range(6))


def test_docstrings_one_by_one_only_where_enforced_else_one_summary_per_package(
    tmp_path: Path,
) -> None:
    files = {
        "alpha/__init__.py": PUBLIC,
        "beta/__init__.py": PUBLIC,
        "tests/test_a.py": PUBLIC,
        "downstream/run.py": PUBLIC,  # a folder of scripts, not an importable package
    }
    plain = git_repo(tmp_path / "plain", files)
    rules = _rules(_mine(plain, types=["documentation"]))
    assert not any(rule.startswith("ruff:D1") and rule != "ruff:D1" for rule in rules)
    summaries = {f.location.split("/")[0]: f for f in rules["ruff:D1"]}
    assert sorted(summaries) == ["alpha", "beta"]  # tests and script folders get none
    alpha = summaries["alpha"]
    assert alpha.priority is Priority.LOW and not alpha.fixable
    assert len(members(alpha)) == 7  # six functions and the module
    # a project documenting its API in a documentation tree gets no summary either
    site = git_repo(tmp_path / "site", {**files, "docs/index.rst": "API\n===\n"})
    assert "ruff:D1" not in _rules(_mine(site, types=["documentation"]))
    documented = PUBLIC.replace("():\n", '():\n    """Doc."""\n')
    mostly = git_repo(tmp_path / "mostly", {"alpha/__init__.py": documented})
    assert "ruff:D1" not in _rules(_mine(mostly, types=["documentation"]))
    enforced = git_repo(
        tmp_path / "enforced", {**files, "ruff.toml": '[lint]\nextend-select = ["D103"]\n'}
    )
    found = _rules(_mine(enforced, types=["documentation"]))
    assert "ruff:D1" not in found
    assert {m.location for f in found["ruff:D103"] for m in members(f)} == {
        "alpha/__init__.py",
        "beta/__init__.py",
        "downstream/run.py",
    }


def test_many_hits_of_a_rule_in_a_package_are_one_opportunity_per_package(tmp_path: Path) -> None:
    hit = "import yaml\n\n\ndef a(t):\n    return yaml.load(t)\n\n\ndef b(t):\n    return yaml.load(t)\n"
    repo = git_repo(tmp_path, {"one/a.py": hit, "one/b.py": hit, "two/c.py": hit})
    groups = {f.extra["package"]: f for f in _mine(repo) if f.rule == "ruff:S506"}
    assert sorted(groups) == ["one", "two"]
    one = groups["one"]
    assert one.extra["count"] == 4 and (one.location, one.line) == ("one/a.py", 5)
    assert [(p["location"], p["line"]) for p in one.extra["locations"]] == [
        ("one/a.py", 5),
        ("one/a.py", 9),
        ("one/b.py", 5),
        ("one/b.py", 9),
    ]
    assert len({p["fingerprint"] for p in one.extra["locations"]}) == 4


def test_tests_docs_and_examples_weigh_less_or_drop_out(tmp_path: Path) -> None:
    risky = "import os\nimport yaml\n\n\ndef load(t):\n    assert False, 'no'\n    return yaml.load(t)\n"
    bug = "def f():\n    return missing_name\n"
    repo = git_repo(
        tmp_path,
        {
            "pkg/core.py": risky,
            "docs/conf.py": risky,
            "examples/demo.py": risky,
            "tests/test_core.py": risky + bug,
            "pkg/util.py": bug,
            "pkg/extra.py": "import os\n",
            "ruff.toml": '[lint]\nselect = ["F"]\n',
        },
    )
    findings = [m for f in _mine(repo) for m in members(f)]
    where = {(f.rule, f.location): f for f in findings}
    assert ("ruff:S506", "pkg/core.py") in where and ("ruff:B011", "pkg/core.py") in where
    for path in ("docs/conf.py", "examples/demo.py", "tests/test_core.py"):
        assert ("ruff:S506", path) not in where  # security findings outside the package drop
    assert ("ruff:B011", "tests/test_core.py") not in where  # assert False is how tests fail
    assert where["ruff:B011", "examples/demo.py"].priority is Priority.LOW
    assert ("ruff:F401", "examples/demo.py") not in where  # selected style, but a script
    assert ("ruff:F401", "pkg/extra.py") in where
    assert where["ruff:F821", "pkg/util.py"].priority is Priority.CRITICAL
    in_tests = where["ruff:F821", "tests/test_core.py"]
    assert in_tests.priority is Priority.LOW and "in tests" in in_tests.extra["rank_note"]


GUARDED = """import sys
from typing import TYPE_CHECKING

try:
    text_type = unicode
except NameError:
    text_type = str

try:
    from fast import speedup
except ImportError:
    speedup = fallback_speedup

if sys.version_info < (3,):
    string_types = basestring
else:
    string_types = (str,)

if TYPE_CHECKING:
    Alias = SomethingOnlyTypeCheckersKnow

if sys.version_info < (3, 9):
    from typing import List

    def first(items: List[int]) -> int:
        return items[0]


def real():
    return not_defined_anywhere


try:
    import _tkinter
except ImportError:
    HAVE_TK = False
else:
    HAVE_TK = True
"""


def test_guards_make_undefined_name_and_version_findings_non_findings(tmp_path: Path) -> None:
    repo = git_repo(
        tmp_path,
        {
            "pkg/compat.py": GUARDED,
            "pyproject.toml": '[project]\nname = "p"\nrequires-python = ">=3.10"\n'
            '[tool.ruff.lint]\nselect = ["F", "UP"]\n',
        },
    )
    stats: dict[str, object] = {}
    findings = [m for f in _mine(repo, stats) for m in members(f)]
    undefined = [f for f in findings if f.rule == "ruff:F821"]
    assert [f.line for f in undefined] == [30]  # only the unguarded name
    assert not any(f.rule == "ruff:UP006" for f in findings)  # List under a version guard
    assert not any(f.rule == "ruff:F401" for f in findings)  # an import probing for a module
    assert stats["held_back"]["guarded"] >= 5  # type: ignore[index]


OPTIONAL = "from typing import Optional\n\n\ndef f(x: Optional[int]) -> int:\n    return x or 0\n"
PINNED = """repos:
  - repo: https://github.com/astral-sh/ruff-pre-commit
    rev: v0.4.0
    hooks:
      - id: ruff
"""


def test_rules_newer_than_the_pinned_ruff_are_not_reported(tmp_path: Path) -> None:
    config = (
        '[project]\nname = "p"\nrequires-python = ">=3.10"\n[tool.ruff.lint]\nselect = ["UP"]\n'
    )
    files = {"pkg/types.py": OPTIONAL, "pyproject.toml": config}
    unpinned = git_repo(tmp_path / "unpinned", files)
    assert "ruff:UP045" in _rules(_mine(unpinned))  # stable since ruff 0.12.0
    pinned = git_repo(tmp_path / "pinned", {**files, ".pre-commit-config.yaml": PINNED})
    stats: dict[str, object] = {}
    assert "ruff:UP045" not in _rules(_mine(pinned, stats))
    assert stats["held_back"] == {"newer-than-pinned-ruff": 1}
    assert stats["lint_selection"]["pinned_ruff"] == "0.4.0"  # type: ignore[index]
    required = git_repo(
        tmp_path / "required", {**files, "requirements-dev.txt": "ruff==0.11.2\npytest\n"}
    )
    assert "ruff:UP045" not in _rules(_mine(required))


def test_contributing_and_changelog_only_without_evidence_elsewhere(tmp_path: Path) -> None:
    code = {"pkg/__init__.py": "X = 1\n", "LICENSE": "MIT\n"}
    bare = _rules(_mine(git_repo(tmp_path / "bare", code), types=["documentation"]))
    assert "repo:missing-contributing" in bare and "repo:missing-changelog" in bare
    readme = {**code, "README.md": "# P\n\nInstall: pip install p\n\nUsage: import p\n"}
    documented = _rules(_mine(git_repo(tmp_path / "readme", readme), types=["documentation"]))
    assert "repo:missing-contributing" not in documented  # may live in the README or org .github
    assert "repo:missing-changelog" in documented
    evidence = {
        "drafter": {".github/release-drafter.yml": "template: $CHANGES\n"},
        "release-yml": {".github/release.yml": "changelog:\n  categories: []\n"},
        "towncrier": {"pyproject.toml": '[project]\nname = "p"\n[tool.towncrier]\n'},
        "folder": {"CHANGELOG/1.0.md": "# 1.0\n"},
        "docs-versions": {"docs/versions.rst": "1.0\n===\n"},
        "urls": {
            "pyproject.toml": '[project]\nname = "p"\n[project.urls]\n'
            'Releases = "https://github.com/o/p/releases"\n'
        },
    }
    for name, files in evidence.items():
        rules = _rules(
            _mine(git_repo(tmp_path / name, {**readme, **files}), types=["documentation"])
        )
        assert "repo:missing-changelog" not in rules, name


HASHES = (
    "import hashlib\n\n\n"
    "def password_digest(password):\n    return hashlib.md5(password.encode()).hexdigest()\n\n\n"
    "def checksum(data):\n    return hashlib.md5(data).hexdigest()\n\n\n"
    "def total(mapping):\n    n = 0\n    for key, _ in mapping.items():\n        n += len(key)\n"
    "    return n\n"
)


def test_weak_hash_needs_evidence_outside_the_selection(tmp_path: Path) -> None:
    repo = git_repo(tmp_path, {"pkg/h.py": HASHES, "ruff.toml": '[lint]\nselect = ["E"]\n'})
    stats: dict[str, object] = {}
    rules = _rules(_mine(repo, stats))
    (weak,) = rules["ruff:S324"]
    assert weak.line == 5 and weak.priority is Priority.HIGH  # a password: a security control
    assert stats["held_back"] == {"weak-hash-without-evidence": 1}  # the checksum
    assert [f.line for f in rules["ruff:PERF102"]] == [14]  # curated: a clear waste
    selected = git_repo(
        tmp_path / "s", {"pkg/h.py": HASHES, "ruff.toml": '[lint]\nselect = ["S"]\n'}
    )
    assert len(members(_rules(_mine(selected))["ruff:S324"][0])) == 2  # the repository asks for S


def test_a_security_contact_in_the_issue_chooser_is_a_policy(tmp_path: Path) -> None:
    net = {"pkg/net.py": "import ssl\n\n\ndef ctx():\n    return ssl.create_default_context()\n"}
    bare = git_repo(tmp_path / "bare", net)
    assert "repo:missing-security-policy" in _rules(_mine(bare, types=["security"]))
    chooser = (
        "contact_links:\n  - name: Security issue\n"
        "    url: https://github.com/o/p/security/advisories/new\n"
    )
    linked = git_repo(tmp_path / "linked", {**net, ".github/ISSUE_TEMPLATE/config.yml": chooser})
    assert "repo:missing-security-policy" not in _rules(_mine(linked, types=["security"]))
    agents = "- Security related issues MUST NOT be discussed in public. Open a draft security advisory.\n"
    guided = git_repo(tmp_path / "agents", {**net, "AGENTS.md": agents})  # bottle's way
    assert "repo:missing-security-policy" not in _rules(_mine(guided, types=["security"]))


def test_an_import_inside_a_test_is_what_the_test_checks(tmp_path: Path) -> None:
    tests = (
        "import os\n\n\ndef test_import_works():\n    from json import decoder\n    assert True\n"
    )
    repo = git_repo(
        tmp_path, {"tests/test_imports.py": tests, "ruff.toml": '[lint]\nselect = ["F"]\n'}
    )
    stats: dict[str, object] = {}
    found = [m for f in _mine(repo, stats) for m in members(f) if f.rule == "ruff:F401"]
    assert [f.line for f in found] == [1]  # the module-level import is cruft
    assert stats["held_back"] == {"import-under-test": 1}
    # six's regression tests import one name twice on purpose (F811): the same
    twice = (
        "import os\nimport os\n\n\ndef test_moves():\n    from json import dumps\n"
        "    from json import dumps\n    assert dumps and os\n"
    )
    repo = git_repo(
        tmp_path / "six", {"tests/test_six.py": twice, "ruff.toml": '[lint]\nselect = ["F"]\n'}
    )
    stats = {}
    found = [m for f in _mine(repo, stats) for m in members(f) if f.rule == "ruff:F811"]
    assert [f.line for f in found] == [2]  # a module-level import repeated is cruft
    assert stats["held_back"] == {"import-under-test": 1}


def test_evidence_found_by_the_recall_check_is_reported(tmp_path: Path) -> None:
    """The held-back findings a reviewer judged worth it (bench/realworld_heldback_labels.toml):
    Mako without escaping (bottle), a umask(0) never restored (unearth), a deprecation in a
    public class's ``__init__`` (dateutil) — while their look-alikes stay held back."""
    mako = (
        "from mako.template import Template\n\n\n"
        "def render(source):\n    return Template(source).render()\n\n\n"
        "CONTENT_TYPE = 'text/html'\n"
    )
    codegen = (  # Mako writing Python source (alembic's script.py.mako): no page, no XSS
        "from mako.template import Template\n\n\n"
        "def write_script(source, **kw):\n    return Template(source).render(**kw)\n"
    )
    perms = (
        "import os\n\n\ndef unpack(path):\n    os.chmod(path, 0o777 & ~os.umask(0) | 0o111)\n\n\n"
        "def private(path):\n    os.chmod(path, 0o750)\n\n\n"
        "def shared(path):\n    os.chmod(path, mode=0o666)\n"
    )
    warns = (
        "import warnings\n\n\nclass rrule:\n    def __init__(self, count=None):\n"
        "        warnings.warn('count is deprecated', DeprecationWarning)\n\n\n"
        "class _hidden:\n    def __init__(self):\n"
        "        warnings.warn('private', DeprecationWarning)\n"
    )
    files = {"pkg/__init__.py": "", "pkg/web.py": mako, "pkg/files.py": perms, "pkg/r.py": warns,
             "pkg/gen.py": codegen}  # fmt: skip
    stats: dict[str, object] = {}
    rules = _rules(_mine(git_repo(tmp_path, files), stats))
    assert [f.line for f in rules["ruff:S702"]] == [5]
    assert rules["ruff:S702"][0].priority is Priority.CRITICAL
    assert sorted(m.line for f in rules["ruff:S103"] for m in members(f)) == [5, 13]  # not 0o750
    assert [f.line for f in rules["ruff:B028"]] == [6]  # not the private class's
    held = stats["held_back"]
    assert isinstance(held, dict)
    assert held["permissions-without-evidence"] == 1 and held["warning-without-evidence"] == 1
    assert held["template-without-web-evidence"] == 1  # the code generator


def test_a_tasks_module_inside_a_package_is_package_code(tmp_path: Path) -> None:
    """httpie/manager/tasks/ is package code; tasks/ at the root is tooling."""
    net = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"
    files = {"app/__init__.py": "", "app/manager/tasks/sync.py": net, "tasks/release.py": net}
    found = _rules(_mine(git_repo(tmp_path, files)))["ruff:S113"]
    assert [f.location for f in found] == ["app/manager/tasks/sync.py"]


def test_held_back_lists_what_is_not_reported_with_the_reason(tmp_path: Path) -> None:
    files = {
        "pkg/core.py": CODE,
        "tools/release.py": PUBLIC,
        "docs/index.rst": "API\n===\n",
        "ruff.toml": '[lint]\nselect = ["E7"]\n',
    }
    repo = git_repo(tmp_path, files)
    stats: dict[str, object] = {}
    held: list[tuple[Finding, str]] = []
    reported = _mine(repo, stats, held_back=held)
    why = {(f.rule, f.location): reason for f, reason in held}
    assert why[("ruff:F401", "pkg/core.py")] == "not-selected"
    assert why[("ruff:D103", "tools/release.py")] == "docstrings-outside-package"
    # documented in docs/: the package's docstring findings get no summary, and say why
    assert why[("ruff:D103", "pkg/core.py")] == "docstrings-documented-elsewhere"
    assert "ruff:D1" not in _rules(reported)
    counted = stats["held_back"]
    assert isinstance(counted, dict)
    assert sum(counted.values()) == sum(1 for _, r in held if not r.startswith("docstrings-d"))
    assert not {f.fingerprint for f, _ in held} & {f.fingerprint for f in reported}
    # without the list, the same findings are reported
    assert [f.fingerprint for f in _mine(repo)] == [f.fingerprint for f in reported]
