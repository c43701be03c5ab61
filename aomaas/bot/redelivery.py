"""Getting back webhook deliveries that were lost while the service could not store them.

GitHub does not redeliver on its own, but it records every attempt to reach the app's
webhook. The workers read that log (``GET /app/hook/deliveries``, newest first, at most
``AOMAAS_REDELIVERY_MAX_SCAN`` attempts and ``AOMAAS_REDELIVERY_LOOKBACK_HOURS`` back),
keep the deliveries GitHub saw fail (a status code outside 2xx) whose guid
(``X-GitHub-Delivery``) was never stored in ``webhook_deliveries``, and ask GitHub to
send each of them again, once per sweep. The redelivered delivery then goes through the
webhook route like any other, so it is deduplicated and processed once. A delivery that
GitHub already redelivered ``MAX_REDELIVERIES`` times without success (a wrong secret, a
payload we refuse) is left alone and logged, so a lasting fault costs a bounded number
of requests, not one per sweep for as long as the lookback window.

The sweep runs shortly after a worker starts and every
``AOMAAS_REDELIVERY_INTERVAL_SECONDS``; without a GitHub App it does nothing.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aomaas.errors import AomaasError
from aomaas.forges.github.client import GitHubClient
from aomaas.forges.github.forge import GitHubForge, GitHubShared
from aomaas.settings import Settings
from aomaas.store.db import SessionMaker
from aomaas.store.deliveries import stored_delivery_ids

log = logging.getLogger(__name__)

START_DELAY = 2.0  # seconds after start: the web side is listening before GitHub resends
MAX_REDELIVERIES = 3  # redelivery attempts of one guid after which we stop asking


@dataclass
class SweepReport:
    """What one sweep read and asked for."""

    scanned: int = 0
    failed: int = 0  # distinct guids GitHub recorded as failed
    asked: list[str] = field(default_factory=list)  # guids asked again
    refused: list[str] = field(default_factory=list)  # guids GitHub would not redeliver
    given_up: list[str] = field(default_factory=list)  # redelivered MAX_REDELIVERIES times already


def _delivered_at(item: dict[str, Any]) -> datetime | None:
    try:
        return datetime.fromisoformat(str(item["delivered_at"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None


def _failed(item: dict[str, Any]) -> bool:
    code = item.get("status_code")
    return not (isinstance(code, int) and 200 <= code < 300)


async def redeliver_failed(
    settings: Settings, sessions: SessionMaker, github: GitHubClient, *, now: datetime | None = None
) -> SweepReport:
    """One sweep: ask GitHub again for each failed delivery we never stored."""
    report = SweepReport()
    cutoff = (now or datetime.now(UTC)) - timedelta(hours=settings.redelivery_lookback_hours)
    failed: dict[str, int] = {}  # guid -> its newest failed attempt's id
    redelivered: dict[str, int] = {}  # guid -> how many redelivery attempts GitHub lists
    async for item in github.webhook_deliveries():
        report.scanned += 1
        when = _delivered_at(item)
        if when is not None and when < cutoff:
            break
        guid = item.get("guid")
        if isinstance(guid, str) and guid and _failed(item):
            failed.setdefault(guid, int(item["id"]))
            if item.get("redelivery") is True:
                redelivered[guid] = redelivered.get(guid, 0) + 1
        if report.scanned >= settings.redelivery_max_scan:
            break
    report.failed = len(failed)
    stored = await stored_delivery_ids(sessions, failed)
    for guid, attempt in failed.items():
        if guid in stored:
            continue
        if redelivered.get(guid, 0) >= MAX_REDELIVERIES:
            report.given_up.append(guid)
            continue
        try:
            await github.redeliver_webhook_delivery(attempt)
        except AomaasError as exc:
            log.warning("GitHub would not redeliver %s: %s", guid, exc.detail)
            report.refused.append(guid)
        else:
            report.asked.append(guid)
    if report.given_up:
        log.warning(
            "not asking again for %d webhook delivery(ies) GitHub redelivered %d times "
            "without success: %s",
            len(report.given_up),
            MAX_REDELIVERIES,
            ", ".join(report.given_up),
        )
    if report.asked or report.refused:
        log.info(
            "asked GitHub to redeliver %d lost webhook delivery(ies): %s",
            len(report.asked),
            ", ".join(report.asked),
        )
    return report


async def sweep_redeliveries(
    settings: Settings, sessions: SessionMaker, services: GitHubShared
) -> SweepReport | None:
    """One sweep with the configured app; None (and no request) when no app is configured."""
    if not settings.github_app_id or not settings.github_private_key_pem:
        return None
    async with GitHubForge.from_settings(settings, services).client() as github:
        return await redeliver_failed(settings, sessions, github)


async def redeliver_forever(
    settings: Settings, sessions: SessionMaker, services: GitHubShared
) -> None:
    """Sweep shortly after start, then every ``redelivery_interval_seconds``, until cancelled."""
    await asyncio.sleep(min(START_DELAY, settings.redelivery_interval_seconds))
    while True:
        try:
            await sweep_redeliveries(settings, sessions, services)
        except Exception:  # GitHub or the database may be down: try again next time
            log.exception("webhook redelivery sweep failed")
        await asyncio.sleep(settings.redelivery_interval_seconds)
