"""The repository index: files, symbols, imports, manifests, tests, docs (see :func:`build_index`)."""

from aomaas.engine.index.builder import build_index
from aomaas.engine.index.model import RepoIndex
from aomaas.engine.index.project import is_test_path, python_versions

__all__ = ["RepoIndex", "build_index", "is_test_path", "python_versions"]
