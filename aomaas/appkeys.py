"""Typed application state shared by both faces (aiohttp ``web.AppKey``)."""

from __future__ import annotations

from typing import Any

import dramatiq
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from aomaas.jobs.queue import Enqueuer
from aomaas.settings import Settings
from aomaas.store.db import SessionMaker

SETTINGS = web.AppKey("settings", Settings)
SESSIONS = web.AppKey("sessions", SessionMaker)
READ_ENGINE = web.AppKey("read_engine", AsyncEngine)  # the same pool in autocommit mode, for reads
ENQUEUER = web.AppKey("enqueuer", Enqueuer)
BROKER = web.AppKey("broker", dramatiq.Broker)
LIMITS: web.AppKey[Any] = web.AppKey("limits")
SERVICES: web.AppKey[dict[str, Any]] = web.AppKey("services")
