"""Turn the service's settings into the engine's plain policy objects."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from aomaas.engine.implementer import Identity, ImplementSettings
from aomaas.engine.recipes.base import RecipeSettings
from aomaas.engine.testenv import SuiteSettings
from aomaas.engine.validator import ValidationSettings
from aomaas.engine.workspace import WorkspacePolicy
from aomaas.settings import Settings

#: A SQLite database and the files SQLite keeps beside it.
SQLITE_FILES = ("", "-wal", "-shm", "-journal")


def github_host(settings: Settings) -> str:
    """The host (and port) of the configured GitHub, derived from its web address."""
    return urlsplit(settings.github_web_url).netloc or "github.com"


def workspace_policy(settings: Settings) -> WorkspacePolicy:
    """Where the service keeps clones and which sources it accepts."""
    return WorkspacePolicy(
        cache_dir=settings.data_dir / "workspaces",
        local_root=(settings.local_repo_root or settings.data_dir / "local-repos").resolve(),
        github_host=github_host(settings),
        github_allow_http=settings.github_allow_http,
        max_repo_bytes=settings.max_repo_bytes,
        max_files=settings.max_repo_files,
    )


def recipe_settings(settings: Settings) -> RecipeSettings:
    """Operator choices the recipes honour."""
    return RecipeSettings(
        license_id=settings.license_id, allow_workflows=settings.allow_workflow_changes
    )


def sandbox_hidden(settings: Settings) -> tuple[Path, ...]:
    """What the sandbox hides from a repository's code: every file the service keeps secret.

    The data directory (the database, the generated secret key, the registered app's
    ``github-app.json``, every repository's clone and the test environments kept there),
    the GitHub App's private key file, a SQLite database kept elsewhere (with its journal
    files), the ``.env`` of the working directory and the operator's AOMAAS_SANDBOX_HIDE.
    The temporary directory, where other proofs' trees are and, when the data directory is
    out of the sandbox user's reach, every repository's test environment, is hidden by the
    engine itself in each of its test runs (:func:`aomaas.engine.testenv.hidden_paths`).
    """
    paths = [settings.data_dir]
    if settings.github_private_key_path is not None:
        paths.append(settings.github_private_key_path)
    database = settings.sqlite_path
    if database is not None:
        paths += [database.with_name(database.name + end) for end in SQLITE_FILES]
    paths += [Path(".env"), *settings.sandbox_hidden_paths]
    return tuple(path.resolve() for path in paths)


def implement_settings(settings: Settings) -> ImplementSettings:
    """Recipes plus how the proof runs the repository's tests."""
    tests = SuiteSettings(
        cache_dir=settings.data_dir.resolve() / "cache" / "testenv",
        timeout=float(settings.sandbox_timeout_seconds),
        memory_mb=settings.sandbox_memory_mb,
        install_dependencies=settings.sandbox_install_dependencies,
        hidden=sandbox_hidden(settings),
    )
    return ImplementSettings(
        recipes=recipe_settings(settings), validation=ValidationSettings(tests=tests)
    )


def identity(settings: Settings) -> Identity:
    """The app identity commits are made under."""
    return Identity(name=settings.bot_name, email=settings.bot_email)
