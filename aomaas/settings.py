"""Every environment variable the service reads, in one place (pydantic-settings).

Nothing is read at import time: call :func:`load_settings`. Bad values raise
:class:`SettingsError` with a message that says which variable to fix.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Annotated, Literal

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from limits import parse_many
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url

# Where the manifest flow (``GET /setup/callback``) keeps the app it registered (mode 0600).
GITHUB_APP_FILE = "github-app.json"


class SettingsError(Exception):
    """A setting is missing or has a bad value; the message says how to fix it."""


class Settings(BaseSettings):
    """The service's configuration; each field maps to the environment variable in its alias."""

    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore", frozen=False)

    data_dir: Path = Field(Path("var"), alias="AOMAAS_DATA_DIR")
    database_url: str | None = Field(None, alias="DATABASE_URL")
    redis_url: str | None = Field(None, alias="REDIS_URL")
    secret_key: str | None = Field(None, alias="AOMAAS_SECRET_KEY")
    host: str = Field("127.0.0.1", alias="AOMAAS_HOST")
    port: int = Field(8000, alias="AOMAAS_PORT", ge=1, le=65535)
    public_url: str | None = Field(None, alias="AOMAAS_PUBLIC_URL")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", alias="AOMAAS_LOG_LEVEL"
    )

    token_ttl_minutes: int = Field(60, alias="AOMAAS_TOKEN_TTL_MINUTES", ge=1, le=7 * 24 * 60)
    rate_limit_ip: str = Field("100/minute", alias="AOMAAS_RATE_LIMIT_IP")
    rate_limit_user: str = Field("1000/hour", alias="AOMAAS_RATE_LIMIT_USER")
    rate_limit_login: str = Field("10/minute", alias="AOMAAS_RATE_LIMIT_LOGIN")
    # NoDecode: the environment gives a comma-separated list, not JSON (split below)
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list, alias="AOMAAS_TRUSTED_PROXIES"
    )
    max_body_bytes: int = Field(1_048_576, alias="AOMAAS_MAX_BODY_BYTES", ge=1024)
    webhook_max_body_bytes: int = Field(25 * 1024 * 1024, alias="AOMAAS_WEBHOOK_MAX_BODY_BYTES")

    worker_threads: int = Field(2, alias="AOMAAS_WORKER_THREADS", ge=1, le=64)
    task_lease_seconds: int = Field(60, alias="AOMAAS_TASK_LEASE_SECONDS", ge=5)
    task_max_attempts: int = Field(3, alias="AOMAAS_TASK_MAX_ATTEMPTS", ge=1, le=20)
    sweep_interval_seconds: float = Field(30.0, alias="AOMAAS_SWEEP_INTERVAL_SECONDS", gt=0)
    redelivery_interval_seconds: float = Field(
        600.0, alias="AOMAAS_REDELIVERY_INTERVAL_SECONDS", gt=0
    )
    redelivery_lookback_hours: float = Field(
        24.0, alias="AOMAAS_REDELIVERY_LOOKBACK_HOURS", gt=0, le=72
    )
    redelivery_max_scan: int = Field(1000, alias="AOMAAS_REDELIVERY_MAX_SCAN", ge=1, le=100_000)

    local_repo_root: Path | None = Field(None, alias="AOMAAS_LOCAL_REPO_ROOT")
    max_repo_bytes: int = Field(2_000_000_000, alias="AOMAAS_MAX_REPO_BYTES")
    max_repo_files: int = Field(200_000, alias="AOMAAS_MAX_REPO_FILES")
    allow_workflow_changes: bool = Field(False, alias="AOMAAS_ALLOW_WORKFLOW_CHANGES")
    brain: Literal["rules", "claude"] = Field("rules", alias="AOMAAS_BRAIN")
    license_id: str = Field("MIT", alias="AOMAAS_LICENSE")
    bot_name: str = Field("aomaas[bot]", alias="AOMAAS_BOT_NAME")
    bot_email: str = Field("aomaas[bot]@users.noreply.github.com", alias="AOMAAS_BOT_EMAIL")
    sandbox_timeout_seconds: int = Field(600, alias="AOMAAS_SANDBOX_TIMEOUT_SECONDS", ge=1)
    sandbox_memory_mb: int = Field(2048, alias="AOMAAS_SANDBOX_MEMORY_MB", ge=64)
    sandbox_install_dependencies: bool = Field(True, alias="AOMAAS_SANDBOX_INSTALL_DEPENDENCIES")
    # Comma-separated files and directories a repository's code must not read, besides the
    # service's own (see ``sandbox_hidden_paths``); kept as text, split when read.
    sandbox_hide: str = Field("", alias="AOMAAS_SANDBOX_HIDE")
    open_unproven_pull_requests: Literal["draft", "never"] = Field(
        "draft", alias="AOMAAS_OPEN_UNPROVEN_PULL_REQUESTS"
    )

    github_app_id: str | None = Field(None, alias="GITHUB_APP_ID")
    github_private_key: str | None = Field(None, alias="GITHUB_PRIVATE_KEY")
    github_private_key_path: Path | None = Field(None, alias="GITHUB_PRIVATE_KEY_PATH")
    github_webhook_secret: str | None = Field(None, alias="GITHUB_WEBHOOK_SECRET")
    github_api_url: str = Field("https://api.github.com", alias="GITHUB_API_URL")
    github_web_url: str = Field("https://github.com", alias="GITHUB_WEB_URL")
    github_allow_http: bool = Field(False, alias="GITHUB_ALLOW_HTTP")

    anthropic_api_key: str | None = Field(None, alias="ANTHROPIC_API_KEY")
    anthropic_base_url: str | None = Field(None, alias="ANTHROPIC_BASE_URL")
    anthropic_model: str = Field("claude-sonnet-4-5", alias="ANTHROPIC_MODEL")

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if value.startswith("postgres://") or value.startswith("postgresql://"):
            value = "postgresql+asyncpg://" + value.split("://", 1)[1]
        if not (
            value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")
        ):
            raise ValueError("use sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB")
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("use redis://HOST:PORT/DB")
        return value

    @field_validator("rate_limit_ip", "rate_limit_user", "rate_limit_login")
    @classmethod
    def _check_rate_limit(cls, value: str) -> str:
        try:
            items = parse_many(value)
        except ValueError:
            items = []
        if len(items) != 1 or items[0].amount < 1:
            raise ValueError(
                "use COUNT/PERIOD with PERIOD one of second, minute, hour, day (e.g. 100/minute)"
            )
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    # Derived values -----------------------------------------------------------------

    @property
    def embedded(self) -> bool:
        """True when no Redis is configured: the worker runs inside the web process."""
        return self.redis_url is None

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'aomaas.db').resolve()}"

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite database file, or None when the database is not a SQLite file."""
        url = make_url(self.effective_database_url)
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        return Path(url.database)

    @property
    def sandbox_hidden_paths(self) -> list[Path]:
        """AOMAAS_SANDBOX_HIDE as absolute paths (relative ones from the working directory)."""
        return [
            Path(part.strip()).resolve() for part in self.sandbox_hide.split(",") if part.strip()
        ]

    @property
    def github_private_key_pem(self) -> str | None:
        """The app's private key text, from the variable or the file it names."""
        if self.github_private_key:
            return self.github_private_key.replace("\\n", "\n")
        if self.github_private_key_path:
            return self.github_private_key_path.read_text()
        return None

    @property
    def github_configured(self) -> bool:
        """Whether every setting the webhook route needs is present."""
        return bool(self.github_webhook_secret)

    def missing_github_settings(self) -> list[str]:
        """Names of the GitHub variables still unset."""
        missing = []
        if not self.github_app_id:
            missing.append("GITHUB_APP_ID")
        if not (self.github_private_key or self.github_private_key_path):
            missing.append("GITHUB_PRIVATE_KEY or GITHUB_PRIVATE_KEY_PATH")
        if not self.github_webhook_secret:
            missing.append("GITHUB_WEBHOOK_SECRET")
        return missing


def read_settings(**overrides: object) -> Settings:
    """Read and check the environment (plus explicit overrides); creates nothing.

    The data directory is made absolute; :func:`load_settings` finishes the settings.
    """
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(_explain(exc)) from None
    settings.data_dir = settings.data_dir.resolve()
    return settings


def load_settings(**overrides: object) -> Settings:
    """Read the environment (plus explicit overrides) and finish the settings.

    Creates the data directory (mode 0700), in embedded mode generates the secret key once
    and keeps it in ``DATA_DIR/secret_key`` (mode 0600), and checks that the GitHub App's
    private key, if any, is a readable PEM RSA key.
    """
    settings = read_settings(**overrides)
    try:
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingsError(
            f"AOMAAS_DATA_DIR={settings.data_dir}: cannot create it ({exc.strerror})"
        ) from None
    if not settings.secret_key:
        if not settings.embedded:
            raise SettingsError(
                "AOMAAS_SECRET_KEY is required when REDIS_URL is set (several processes must "
                "share it): set it to a long random string, e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`"
            )
        settings.secret_key = _stored_secret(settings.data_dir / "secret_key")
    if len(settings.secret_key) < 32:
        raise SettingsError("AOMAAS_SECRET_KEY is too short: use at least 32 characters")
    key_source = (
        "GITHUB_PRIVATE_KEY"
        if settings.github_private_key
        else f"GITHUB_PRIVATE_KEY_PATH={settings.github_private_key_path}"
    )
    if _load_stored_github_app(settings):
        key_source = f"the private key in {settings.data_dir / GITHUB_APP_FILE}"
    _check_private_key(settings, key_source)
    return settings


def _check_private_key(settings: Settings, source: str) -> None:
    """The app's private key, if set, is a readable file (when a path) holding a PEM RSA key."""
    path = settings.github_private_key_path
    if path is not None and not settings.github_private_key:
        if not path.exists():
            raise SettingsError(f"{source}: no such file")
        if not path.is_file():
            raise SettingsError(f"{source}: not a file (give the path of the .pem file)")
        try:
            path.read_bytes()
        except OSError as exc:
            raise SettingsError(
                f"{source}: cannot read it ({exc.strerror}): make it readable by the "
                "service's user (and by no one else: chmod 600)"
            ) from None
    pem = settings.github_private_key_pem
    if pem is None:
        return
    fix = "download a new private key from the GitHub App's settings page"
    try:
        key = load_pem_private_key(pem.encode(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise SettingsError(
            f"{source}: not a PEM private key (or it is encrypted): {fix}"
        ) from None
    if not isinstance(key, RSAPrivateKey):
        raise SettingsError(f"{source}: not an RSA key (GitHub Apps sign with RSA): {fix}")


def _stored_secret(path: Path) -> str:
    """The secret kept in ``path``, generated (mode 0600) the first time."""
    if path.exists():
        return path.read_text().strip()
    value = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(value + "\n")
    return value


def _load_stored_github_app(settings: Settings) -> bool:
    """Use the app the manifest flow registered (``DATA_DIR/github-app.json``); True if it did.

    Only when none of GITHUB_APP_ID, GITHUB_PRIVATE_KEY(_PATH) and GITHUB_WEBHOOK_SECRET is
    set: the environment always wins, and credentials of two apps are never mixed.
    """
    if (
        settings.github_app_id
        or settings.github_private_key
        or settings.github_private_key_path
        or settings.github_webhook_secret
    ):
        return False
    path = settings.data_dir / GITHUB_APP_FILE
    if not path.is_file():
        return False
    if path.stat().st_mode & 0o077:
        raise SettingsError(f"{path} holds the GitHub App's private key: `chmod 600 {path}`")
    try:
        stored = json.loads(path.read_text())
        app_id, key, secret = stored["app_id"], stored["private_key"], stored["webhook_secret"]
    except (ValueError, KeyError, TypeError):
        raise SettingsError(
            f"{path} is not a GitHub App registration: remove it and register again at /setup"
        ) from None
    settings.github_app_id = str(app_id)
    settings.github_private_key = str(key)
    settings.github_webhook_secret = str(secret)
    return True


def _explain(exc: ValidationError) -> str:
    """One line naming each bad variable and what to put there (secrets are never echoed)."""
    problems = []
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"]) or "?"
        field = Settings.model_fields.get(name)
        variable = field.alias if field and field.alias else name.upper()
        message = str(error["msg"]).removeprefix("Value error, ")
        shown = "" if _is_secret(variable) else f" (got {error.get('input')!r})"
        problems.append(f"{variable}: {message}{shown}")
    return "bad setting " + "; ".join(problems)


def _is_secret(variable: str) -> bool:
    """Whether a variable may hold a secret, so its value is never echoed."""
    return any(word in variable for word in ("SECRET", "KEY", "PASSWORD", "URL", "TOKEN"))
