"""Settings for tests: a private data directory, the given database, fast timings."""

from __future__ import annotations

from pathlib import Path

from aomaas.settings import Settings, load_settings
from aomaas.store.db import make_engine
from aomaas.store.migrate import upgrade

# Fast enough for tests, still the real mechanisms (leases, sweeps, retries).
TEST_DEFAULTS: dict[str, object] = {
    "REDIS_URL": None,  # embedded unless a test asks for Redis
    "AOMAAS_TASK_LEASE_SECONDS": 5,
    "AOMAAS_SWEEP_INTERVAL_SECONDS": 1.0,
    "AOMAAS_WORKER_THREADS": 2,
    "AOMAAS_LOG_LEVEL": "DEBUG",
}


def make_settings(tmp_path: Path, database_url: str | None, **overrides: object) -> Settings:
    """Settings rooted in ``tmp_path``; ``overrides`` use the environment variable names.

    Without REDIS_URL the settings are embedded (the app runs its own worker).
    """
    values: dict[str, object] = {
        **TEST_DEFAULTS,
        "AOMAAS_DATA_DIR": tmp_path / "data",
        "DATABASE_URL": database_url,
    }
    values.update(overrides)
    return load_settings(**values)


def settings_env(settings: Settings) -> dict[str, str]:
    """Environment variables that give a subprocess the same settings."""
    env = {
        "AOMAAS_DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.effective_database_url,
        "AOMAAS_SECRET_KEY": settings.secret_key or "",
        "AOMAAS_TASK_LEASE_SECONDS": str(settings.task_lease_seconds),
        "AOMAAS_SWEEP_INTERVAL_SECONDS": str(settings.sweep_interval_seconds),
    }
    if settings.redis_url:
        env["REDIS_URL"] = settings.redis_url
    return env


async def migrate_database(url: str) -> None:
    """Bring the database at ``url`` to the newest schema."""
    engine = make_engine(url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
