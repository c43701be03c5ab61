"""The service's secret values, kept out of what a task stores and shows (a second line of defence).

The sandbox hides the service's secret files from a repository's code
(:func:`aomaas.jobs.engine_settings.sandbox_hidden`). Should a secret value still reach
that code's output, the proof quoting it is scrubbed before it is stored, so it never
reaches a pull request, a reply comment or an API answer.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

from aomaas.engine.prefetch import userinfo
from aomaas.engine.testinstall import SHORTEST_CREDENTIAL, index_credentials
from aomaas.engine.workspace import redact
from aomaas.settings import Settings

#: Shorter values are not replaced: they would mangle ordinary text and protect nothing.
MIN_LENGTH = SHORTEST_CREDENTIAL


def service_secrets(settings: Settings) -> list[str]:
    """Every secret value the service holds, longest first (a whole key before its lines):
    its keys, the password of its database and Redis URLs, and the user names and
    passwords of the package index URLs the test environments are installed from."""
    values = [settings.secret_key, settings.github_webhook_secret, settings.anthropic_api_key]
    for url in (settings.effective_database_url, settings.redis_url or ""):
        password = userinfo(url)[1]
        values += [password, urllib.parse.unquote(password)]
    values += index_credentials()
    try:
        pem = settings.github_private_key_pem
    except OSError:  # the key file went away: nothing of it can be known here either
        pem = None
    if pem:
        values.append(pem.strip())
        values += [line.strip() for line in pem.splitlines() if "-----" not in line]
    found = {value for value in values if value and len(value) >= MIN_LENGTH}
    return sorted(found, key=len, reverse=True)


def scrub(value: Any, secrets: list[str]) -> Any:
    """``value`` (text, or lists and mappings of it) with every secret replaced by ``***``."""
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {key: scrub(item, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [scrub(item, secrets) for item in value]
    return value
