"""The index of real repositories: content, bad files, incremental updates, hostile trees."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from aomaas.engine.index import RepoIndex, build_index, builder
from aomaas.engine.workspace import head_commit
from tests.support.git import git, git_repo

PROJECT = {
    "pyproject.toml": (
        '[project]\nname = "demo"\nrequires-python = ">=3.9"\n'
        'dependencies = ["requests>=2.0", "pyyaml"]\n'
        '[project.optional-dependencies]\ntest = ["pytest>=8"]\n'
        "[tool.pytest.ini_options]\naddopts = '-q'\n"
    ),
    "requirements-dev.txt": "black==24.1.0\nruff\n# comment\n-e .\n",
    "README.md": "# Demo\n\n## Installation\n\n    pip install demo\n\n## Usage\n\n```py\nimport demo\n```\n",
    "LICENSE": "MIT\n",
    ".github/workflows/ci.yml": "jobs:\n  test:\n    steps:\n      - run: python -m pytest\n",
    "demo/__init__.py": '"""Demo."""\nimport os\nfrom .core import run as go\n',
    "demo/core.py": (
        "import yaml\nfrom os import path as p\n\n\n"
        "class Runner:\n    '''Runs.'''\n\n    def start(self):\n        return 1\n\n"
        "    def _stop(self):\n        '''Stops.'''\n\n\n"
        "@decorator\ndef run():\n    def inner():\n        pass\n    return inner\n"
    ),
    "tests/test_core.py": "import pytest\nfrom demo.core import run\n\n\ndef test_run():\n    assert run()\n",
    "web/app.ts": (
        'import { x } from "./x";\nconst fs = require("fs");\n'
        "/** Adds. */\nexport function add(a: number, b: number): number { return a + b; }\n"
        "export class Box { open(): void {} }\nconst f = () => 1;\n"
    ),
    "web/util.js": "function helper() {}\nmodule.exports = { helper };\n",
}


def _index(repo: Path, previous: RepoIndex | None = None, **kw: object) -> RepoIndex:
    return build_index(repo, head_commit(repo), previous=previous, **kw)  # type: ignore[arg-type]


def _commit(repo: Path, message: str = "change") -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def test_full_index_content(tmp_path: Path) -> None:
    repo = git_repo(tmp_path, PROJECT)
    index = _index(repo)
    assert index.commit == head_commit(repo)
    core = index.files["demo/core.py"]
    assert core["language"] == "python" and core["status"] == "ok" and core["lines"] == 19
    assert core["blob"] == git(repo, "rev-parse", "HEAD:demo/core.py").strip()
    symbols = {s["qualname"]: s for s in index.symbols["demo/core.py"]}
    assert set(symbols) == {"Runner", "Runner.start", "Runner._stop", "run"}
    assert symbols["Runner"]["kind"] == "class" and symbols["Runner"]["documented"]
    assert symbols["Runner.start"]["kind"] == "method" and not symbols["Runner.start"]["documented"]
    assert (symbols["Runner.start"]["line"], symbols["Runner.start"]["end_line"]) == (8, 9)
    assert symbols["run"]["kind"] == "function"
    assert index.imports["demo/core.py"] == ["os", "yaml"]
    assert index.imports["demo/__init__.py"] == [".core", "os"]
    ts = {s["qualname"]: s for s in index.symbols["web/app.ts"]}
    assert set(ts) == {"add", "Box", "Box.open", "f"} and ts["add"]["documented"]
    assert index.imports["web/app.ts"] == ["./x", "fs"]
    assert [s["name"] for s in index.symbols["web/util.js"]] == ["helper"]
    manifest = index.manifests["pyproject.toml"]
    deps = {d["name"]: d for d in manifest["dependencies"]}
    assert deps["requests"]["spec"] == ">=2.0" and deps["requests"]["lower"]
    assert deps["pyyaml"]["spec"] == "" and not deps["pyyaml"]["lower"]
    assert deps["pytest"]["group"] == "test"
    reqs = {d["name"]: d for d in index.manifests["requirements-dev.txt"]["dependencies"]}
    assert reqs["black"]["pinned"] and not reqs["ruff"]["pinned"] and len(reqs) == 2
    assert index.requires_python == ">=3.9"
    assert index.tests["framework"] == "pytest" and index.tests["command"] == "python -m pytest"
    assert index.tests["files"] == 1 and index.tests["ci_runs_tests"]
    assert index.docs["readme"] == ["README.md"] and index.docs["license"] == ["LICENSE"]
    assert index.docs["ci"] == [".github/workflows/ci.yml"] and index.docs["security"] == []
    readme = index.facts["README.md"]
    assert readme["has_install"] and readme["has_usage"]
    assert index.stats["files"] == len(PROJECT) and index.stats["files_read"] == len(PROJECT)
    assert index.stats["languages"]["python"]["files"] == 3
    assert sorted(index.last_read_paths) == sorted(PROJECT)
    again = RepoIndex.from_dict(json.loads(json.dumps(index.to_dict())))
    assert again == index


def test_bad_files_are_recorded_not_fatal(tmp_path: Path) -> None:
    repo = git_repo(tmp_path, {"ok.py": "x = 1\n"})
    (repo / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\0\0\0binary")
    (repo / "latin.py").write_bytes(
        "# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n".encode("latin-1")
    )
    (repo / "broken_enc.py").write_bytes(b"x = '\xff\xfe\xfa'\n")
    (repo / "syntax.py").write_text("def f(:\n    pass\n\nclass Ok:\n    pass\n")
    (repo / "pyproject.toml").write_text("[project\nname = \n")
    (repo / "big.txt").write_text("y" * (builder.MAX_FILE_BYTES + 1))
    _commit(repo)
    index = _index(repo)
    status = {p: f["status"] for p, f in index.files.items()}
    assert status == {
        "ok.py": "ok",
        "image.png": "binary",
        "latin.py": "ok",
        "broken_enc.py": "undecodable",
        "syntax.py": "syntax_error",
        "pyproject.toml": "ok",
        "big.txt": "too_large",
    }
    assert index.files["syntax.py"]["error"] == "syntax error at line 1"
    assert [s["name"] for s in index.symbols["syntax.py"]][-1] == "Ok"  # recovered
    assert "error" in index.facts["pyproject.toml"]  # recorded, not raised
    assert "big.txt" not in index.last_read_paths


def test_incremental_reads_only_changed_files(tmp_path: Path) -> None:
    files = {f"pkg/m{i}.py": f"def f{i}():\n    return {i}\n" for i in range(8)}
    repo = git_repo(tmp_path, {**files, "README.md": "# x\n"})
    first = _index(repo)
    (repo / "pkg/m0.py").write_text("def changed():\n    return 0\n")
    (repo / "pkg/m1.py").unlink()
    git(repo, "mv", "pkg/m2.py", "pkg/moved.py")
    (repo / "pkg/new.py").write_text("class New:\n    pass\n")
    _commit(repo)
    second = _index(repo, previous=first)
    assert second.last_read_paths == ["pkg/m0.py", "pkg/new.py"]
    assert second.stats["files_read"] == 2 and second.stats["incremental"]
    assert second.renamed == {"pkg/m2.py": "pkg/moved.py"}
    assert "pkg/m1.py" not in second.files and "pkg/m1.py" not in second.symbols
    assert [s["name"] for s in second.symbols["pkg/moved.py"]] == ["f2"]
    assert [s["name"] for s in second.symbols["pkg/m0.py"]] == ["changed"]
    full = _index(repo)
    assert second.files == full.files and second.symbols == full.symbols
    assert second.imports == full.imports and second.docs == full.docs
    # The same commit again reads nothing; an unknown previous commit falls back to a full index.
    assert _index(repo, previous=second).stats["files_read"] == 0
    stale = RepoIndex.from_dict({**second.to_dict(), "commit": "0" * 40})
    assert _index(repo, previous=stale).stats["files_read"] == len(full.files)


def test_worker_processes_give_the_same_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = git_repo(
        tmp_path, {**PROJECT, **{f"gen/m{i}.py": f"def g{i}(): pass\n" for i in range(30)}}
    )
    inline = _index(repo, workers=1)
    monkeypatch.setattr(builder, "POOL_MIN_BYTES", 0)
    pooled = _index(repo, workers=2)
    assert replace(pooled, stats={}) == replace(inline, stats={})
    assert pooled.stats["files_read"] == inline.stats["files_read"] == 40
    assert (pooled.stats["processes"], inline.stats["processes"]) == (2, 1)


def test_incremental_index_uses_the_worker_pool_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Changed files come from git diff without a size; they still count as work to spread."""
    repo = git_repo(tmp_path, {f"gen/m{i}.py": f"def g{i}(): pass\n" for i in range(20)})
    before = _index(repo, workers=1)
    for i in range(20):
        (repo / f"gen/m{i}.py").write_text(f"def g{i}(x): return x\n")
    _commit(repo)
    monkeypatch.setattr(builder, "POOL_MIN_BYTES", builder.UNKNOWN_FILE_BYTES * 2)
    pooled = _index(repo, previous=before, workers=2)
    inline = _index(repo, previous=before, workers=1)
    assert pooled.stats["files_read"] == inline.stats["files_read"] == 20
    assert (pooled.stats["processes"], inline.stats["processes"]) == (2, 1)
    assert replace(pooled, stats={}) == replace(inline, stats={})


def test_hostile_repository_is_indexed_without_escaping(tmp_path: Path) -> None:
    secret = tmp_path / "secret.py"
    secret.write_text("import yaml\nSECRET_TOKEN_VALUE = 'outside-the-tree'\n")
    repo = git_repo(tmp_path, {"a.py": "x = 1\n"})
    (repo / "leak.py").symlink_to(secret)
    (repo / "etc").symlink_to("/etc")
    _commit(repo)
    inner = git_repo(tmp_path, {"inner.py": "y = 1\n"}, name="inner")
    git(
        repo,
        "update-index",
        "--add",
        "--cacheinfo",
        f"160000,{git(inner, 'rev-parse', 'HEAD').strip()},vendor/sub",
    )
    git(repo, "commit", "-q", "-m", "submodule")
    index = _index(repo)
    assert index.files["leak.py"]["status"] == "symlink"
    assert index.files["etc"]["status"] == "symlink"
    assert index.files["vendor/sub"]["status"] == "submodule"
    assert "leak.py" not in index.symbols and "leak.py" not in index.last_read_paths
    assert "outside-the-tree" not in json.dumps(index.to_dict())
