"""Miners on real repositories: right findings, noise kept out, maintainers' config respected."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from aomaas.engine.findings import Finding, OpportunityType, make_fingerprint, members
from aomaas.engine.index import build_index
from aomaas.engine.miners import dependencies, mine
from aomaas.engine.miners.rules import rules_markdown
from aomaas.engine.miners.signal import curated_markdown
from aomaas.engine.workspace import head_commit
from tests.support.git import git, git_repo

APP = (
    "import hashlib\nimport tempfile\n\nimport requests\nimport yaml\n\n\n"
    "def load(text):\n    return yaml.load(text)\n\n\n"
    "def fetch(url):\n    return requests.get(url)\n\n\n"
    "def digest(data):\n    return hashlib.md5(data).hexdigest()\n\n\n"
    "def scratch():\n    return tempfile.mktemp()\n"
)
TESTS = (
    "def test_load():\n    password = 'hunter2hunter2'\n    assert password\n"
    "    import yaml\n    yaml.load('a: 1')\n"
)
SELECT_S = '[lint]\nselect = ["S"]\n'


def _mine(repo: Path, **kw: object) -> list[Finding]:
    index = build_index(repo, head_commit(repo))
    return mine(repo, index, **kw)  # type: ignore[arg-type]


def _by_rule(findings: list[Finding]) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for finding in findings:
        out.setdefault(finding.rule, []).append(finding)
    return out


def test_security_findings_and_noise(tmp_path: Path) -> None:
    repo = git_repo(
        tmp_path,
        {"app.py": APP, "tests/test_app.py": TESTS, "README.md": "# App\n", "ruff.toml": SELECT_S},
    )
    findings = _mine(repo, types=["security"])
    rules = _by_rule(findings)
    for code, line in (("S506", 9), ("S113", 13), ("S324", 17), ("S306", 21)):
        (finding,) = rules[f"ruff:{code}"]
        assert finding.location == "app.py" and finding.line == line
        assert finding.fixable and finding.extra["code"] == code and finding.extra["column"] == 12
        assert finding.type is OpportunityType.SECURITY and finding.title and finding.description
    assert "yaml.load(text)" in rules["ruff:S506"][0].snippet
    assert all(f.location != "tests/test_app.py" for f in findings)  # asserts, passwords in tests
    assert {f.type for f in findings} == {OpportunityType.SECURITY}
    (policy,) = rules["repo:missing-security-policy"]
    assert policy.location == "SECURITY.md" and policy.line is None
    # No address in the metadata: only the maintainers can choose the route.
    assert not policy.fixable and "no deterministic fix" in policy.description


def test_repository_level_checks(tmp_path: Path) -> None:
    repo = git_repo(
        tmp_path,
        {
            "setup.py": "from setuptools import setup\nsetup(name='x', install_requires=['requests'])\n",
            "requirements.txt": "flask==3.0.0\nclick>=8\n",
            "README.rst": "X\n=\n\nA thing.\n",
            "x.py": "def f():\n    return 1\n",
        },
    )
    findings = _mine(repo, types=["documentation", "dependencies", "testing"])
    rules = _by_rule(findings)
    assert (
        rules["repo:missing-license"][0].location == "LICENSE"
        and rules["repo:missing-license"][0].fixable
    )
    assert rules["repo:readme-missing-install"][0].location == "README.rst"
    assert rules["repo:readme-missing-usage"][0].location == "README.rst"
    assert [f.snippet for f in rules["repo:unpinned-requirement"]] == ["click>=8"]
    assert rules["repo:unpinned-requirement"][0].line == 2
    assert "repo:unbounded-dependency" not in rules  # a library's ranges are its choice
    assert rules["repo:missing-requires-python"][0].location == "setup.py"
    assert rules["repo:legacy-setup-py"][0].location == "pyproject.toml"
    declarative = git_repo(
        tmp_path / "declarative",
        {
            "setup.py": "from setuptools import setup\nsetup()\n",
            "setup.cfg": "[metadata]\nname = x\n[options]\npython_requires = >=3.9\n",
            "x.py": "X = 1\n",
        },
    )
    assert "repo:legacy-setup-py" not in _by_rule(_mine(declarative, types=["dependencies"]))
    assert rules["repo:no-tests"][0].type is OpportunityType.TESTING
    assert rules["repo:no-ci"][0].location == ".github/workflows/tests.yml"
    # docstrings are not enforced and one undocumented function is no summary
    assert not any(rule.startswith("ruff:D") for rule in rules)
    assert len({f.fingerprint for f in findings}) == len(findings)


def test_fingerprints_survive_line_shifts_and_moves(tmp_path: Path) -> None:
    repo = git_repo(tmp_path, {"app.py": APP, "other.py": "import yaml\nyaml.load('a')\n"})
    before = {(f.rule, f.location): f for f in _mine(repo, types=["security"])}
    (repo / "app.py").write_text('"""Module."""\n\nimport os\n\nprint(os.sep)\n' + APP)
    (repo / "other.py").write_text("import yaml\n\nX = 1\nyaml.load('a')\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "shift")
    after = {(f.rule, f.location): f for f in _mine(repo, types=["security"])}
    assert after[("ruff:S506", "app.py")].line == before[("ruff:S506", "app.py")].line + 5
    assert {k: f.fingerprint for k, f in after.items()} == {
        k: f.fingerprint for k, f in before.items()
    }
    git(repo, "mv", "app.py", "moved.py")
    git(repo, "commit", "-q", "-m", "move")
    moved = {(f.rule, f.location): f for f in _mine(repo, types=["security"])}
    finding = moved[("ruff:S506", "moved.py")]
    assert finding.extra["flagged"] == "return yaml.load"  # the line up to the flagged end
    assert finding.fingerprint == make_fingerprint(
        "ruff:S506", "moved.py", "return yaml.load", scope="load"
    )
    assert ("ruff:S506", "app.py") not in moved


def test_fixing_one_finding_keeps_the_id_of_another_on_the_same_line(tmp_path: Path) -> None:
    """httpie's update check: adding ``timeout=`` (S113) beside ``verify=False`` (S501) must
    not make the S501 finding look new."""
    line = "import requests\n\n\ndef fetch(url):\n    return requests.get(url, verify=False{})\n"
    repo = git_repo(tmp_path, {"net.py": line.format("")})
    before = {f.rule: f.fingerprint for f in _mine(repo, types=["security"])}
    (repo / "net.py").write_text(line.format(", timeout=30"))
    git(repo, "commit", "-qam", "timeout")
    after = {f.rule: f.fingerprint for f in _mine(repo, types=["security"])}
    assert "ruff:S113" in before and "ruff:S113" not in after
    assert after["ruff:S501"] == before["ruff:S501"]


def test_a_new_look_alike_above_does_not_take_an_existing_finding_s_id(tmp_path: Path) -> None:
    """Three ``verify=False`` calls in one function: a new one above the others must not
    inherit the first one's id (a dismissed finding would hide the new insecure call)."""
    body = "    a = requests.get(A, verify=False)\n    b = requests.get(B, verify=False)\n"
    head = "import requests\n\n\ndef sync(A, B, C):\n"
    repo = git_repo(tmp_path, {"net.py": head + body})
    before = {m.line: m.fingerprint for f in _mine(repo, types=["security"])
              for m in members(f) if m.rule == "ruff:S501"}  # fmt: skip
    (repo / "net.py").write_text(head + "    c = requests.get(C, verify=False)\n" + body)
    git(repo, "commit", "-qam", "one more")
    after = {m.line: m.fingerprint for f in _mine(repo, types=["security"])
             for m in members(f) if m.rule == "ruff:S501"}  # fmt: skip
    assert sorted(before) == [5, 6] and sorted(after) == [5, 6, 7]
    assert (after[6], after[7]) == (before[5], before[6])  # a and b keep their own ids
    assert after[5] not in before.values()  # the new call c is new


def test_identical_lines_get_distinct_stable_fingerprints(tmp_path: Path) -> None:
    body = "".join(
        f"def {name}(t):\n    if t:\n        assert False, 'unreachable'\n    return t\n\n\n"
        for name in ("a", "b", "c")
    )
    repo = git_repo(tmp_path, {"m.py": body})
    (group,) = [f for f in _mine(repo, types=["testing"]) if f.rule == "ruff:B011"]
    ids = [m.fingerprint for m in members(group)]
    assert [m.line for m in members(group)] == [3, 9, 15] and len(set(ids)) == 3
    again = [f for f in _mine(repo, types=["testing"]) if f.rule == "ruff:B011"]
    assert [f.fingerprint for f in again] == [group.fingerprint]
    assert [m.fingerprint for m in members(again[0])] == ids
    # fixing the first sibling leaves the others' ids and the opportunity's id as they were
    (repo / "m.py").write_text(
        body.replace("assert False, 'unreachable'", "raise AssertionError", 1)
    )
    git(repo, "commit", "-qam", "fix a")
    (after,) = [f for f in _mine(repo, types=["testing"]) if f.rule == "ruff:B011"]
    assert after.fingerprint == group.fingerprint
    assert [m.fingerprint for m in members(after)] == ids[1:]


def test_repository_config_is_respected_and_never_applied(tmp_path: Path) -> None:
    pyproject = (
        '[project]\nname = "x"\nrequires-python = ">=3.8"\n'
        "[tool.ruff]\nfix = true\nunsafe-fixes = true\n"
        '[tool.ruff.lint]\nselect = ["E", "F", "UP"]\nignore = ["S113"]\n'
        '[tool.ruff.lint.per-file-ignores]\n"legacy.py" = ["S506"]\n'
    )
    typed = "from typing import List\n\n\ndef f(x: List[int]) -> List[int]:\n    return x\n"
    unused = "import os\nimport sys\n\nprint(sys.argv)\n"
    repo = git_repo(
        tmp_path,
        {
            "pyproject.toml": pyproject,
            "app.py": APP,
            "legacy.py": APP,
            "typed.py": typed,
            "unused.py": unused,
        },
    )
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in repo.glob("*.py")}
    rules = _by_rule(_mine(repo, types=["security", "maintainability"]))
    assert "ruff:S113" not in rules  # lint.ignore
    assert [f.location for f in rules["ruff:S506"]] == ["app.py"]  # per-file-ignores
    assert "ruff:UP006" not in rules  # List[int] must stay while 3.8 is supported
    assert [f.location for f in rules["ruff:F401"]] == ["unused.py"]
    assert {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in repo.glob("*.py")
    } == digests
    (repo / "pyproject.toml").write_text(pyproject.replace(">=3.8", ">=3.10"))
    git(repo, "commit", "-qam", "drop 3.8")
    (group,) = _by_rule(_mine(repo, types=["maintainability"]))["ruff:UP006"]
    assert [(m.location, m.line) for m in members(group)] == [("typed.py", 4), ("typed.py", 4)]


def test_config_reaching_outside_runs_isolated(tmp_path: Path) -> None:
    outside = tmp_path / "outside.toml"
    outside.write_text('[lint]\nignore = ["S506"]\n')
    repo = git_repo(tmp_path, {"ruff.toml": f'extend = "{outside}"\n', "app.py": APP})
    index = build_index(repo, head_commit(repo))
    stats: dict[str, object] = {}
    findings = mine(repo, index, types=["security"], stats=stats)
    assert stats["ruff_isolated"] is True and "outside" in str(stats["ruff_isolated_reason"])
    assert "ruff:S506" in _by_rule(findings)  # the outside file was not consulted


def test_paths_restrict_mining_and_skip_repo_checks(tmp_path: Path) -> None:
    repo = git_repo(tmp_path, {"app.py": APP, "other.py": "import yaml\nyaml.load('a')\n"})
    findings = _mine(repo, paths=["other.py"])
    assert findings and {f.location for f in findings} == {"other.py"}
    assert not any(f.rule.startswith("repo:") for f in findings)


def test_docs_table_matches_the_code() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs" / "mining.md"
    text = docs.read_text()
    assert rules_markdown() in text and curated_markdown() in text


def test_python_range_ci_and_lock_inputs(tmp_path: Path) -> None:
    matrix = '    strategy:\n      matrix:\n        python-version: ["3.9", "3.12"]\n'
    tests_yml = f"jobs:\n  test:\n{matrix}    steps:\n      - run: pytest\n"
    repo = git_repo(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.8"\ndependencies = ["attrs"]\n',
            "requirements/tests.in": "pytest\n",
            "requirements/tests.txt": "pytest==8.0.0\n",
            "examples/demo/requirements.txt": "flask\n",
            ".github/workflows/lint.yml": "jobs:\n  lint:\n    steps:\n      - run: ruff check .\n",
            "x.py": "def f():\n    return 1\n",
            "tests/test_x.py": "def test_f():\n    assert True\n",
        },
    )
    index = build_index(repo, head_commit(repo))
    rules = _by_rule(dependencies.repo_checks(index, today=dt.date(2026, 1, 1)))
    assert "repo:eol-python-supported" not in rules  # no CI versions: no evidence
    assert "repo:unbounded-dependency" not in rules
    assert "repo:unpinned-requirement" not in rules  # .in inputs and example projects are skipped
    testing_rules = _by_rule(mine(repo, index, types=["testing"]))
    assert testing_rules["repo:ci-without-tests"][0].location == ".github/workflows/lint.yml"
    assert "repo:no-ci" not in testing_rules and "repo:no-tests" not in testing_rules
    # CI tests 3.9 and later while 3.8 (end of life) is still declared: a real gap
    (repo / ".github/workflows/tests.yml").write_text(tests_yml)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "ci")
    index = build_index(repo, head_commit(repo))
    (eol,) = _by_rule(dependencies.repo_checks(index, today=dt.date(2026, 1, 1)))[
        "repo:eol-python-supported"
    ]
    assert eol.location == "pyproject.toml" and "3.8" in eol.title and "3.9" in eol.description
    assert "repo:eol-python-supported" not in _by_rule(
        dependencies.repo_checks(index, today=dt.date(2024, 1, 1))
    )
    # a version list computed at run time (from the classifiers, say) is no evidence
    dynamic = "${{ fromJson(needs.build.outputs.python-versions) }}"
    (repo / ".github/workflows/tests.yml").write_text(
        tests_yml.replace('["3.9", "3.12"]', dynamic)
        + "      - run: uv tool install --python 3.14 tox\n"
    )
    git(repo, "commit", "-qam", "dynamic")
    index = build_index(repo, head_commit(repo))
    assert "repo:eol-python-supported" not in _by_rule(
        dependencies.repo_checks(index, today=dt.date(2026, 1, 1))
    )
    # a project whose CI still tests its oldest Python supports it on purpose
    (repo / ".github/workflows/tests.yml").write_text(tests_yml.replace('"3.9"', '"3.8"'))
    git(repo, "commit", "-qam", "test 3.8")
    index = build_index(repo, head_commit(repo))
    assert "repo:eol-python-supported" not in _by_rule(
        dependencies.repo_checks(index, today=dt.date(2026, 1, 1))
    )


def test_rejected_config_falls_back_to_isolated(tmp_path: Path) -> None:
    repo = git_repo(
        tmp_path,
        {
            "pyproject.toml": '[tool.ruff]\nline-length = "wide"\n[tool.ruff.lint]\nignore = ["S506"]\n',
            "app.py": APP,
            "web/app.js": "function f() {}\n",
        },
    )
    index = build_index(repo, head_commit(repo))
    stats: dict[str, object] = {}
    rules = _by_rule(mine(repo, index, types=["security"], stats=stats))
    assert stats["ruff_isolated"] is True and "rejected" in str(stats["ruff_isolated_reason"])
    assert "ruff:S506" not in rules and "ruff:S113" in rules  # their ignore still applies


def test_symlinks_out_of_the_tree_are_never_mined(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "evil.py").write_text(APP)
    (outside / "pyproject.toml").write_text('[tool.ruff.lint]\nignore = ["S"]\n')
    repo = git_repo(tmp_path, {"ok.py": "import yaml\nyaml.load('a')\n"})
    (repo / "leak.py").symlink_to(outside / "evil.py")
    (repo / "linked").symlink_to(outside)
    (repo / "pyproject.toml").symlink_to(outside / "pyproject.toml")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "links")
    index = build_index(repo, head_commit(repo))
    stats: dict[str, object] = {}
    findings = mine(repo, index, types=["security"], stats=stats)
    assert {f.location for f in findings if f.rule.startswith("ruff:")} == {"ok.py"}
    assert stats["ruff_isolated"] is True  # the symlinked configuration was not used
