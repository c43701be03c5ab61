"""Typed application state shared by both faces (aiohttp ``web.AppKey``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dramatiq
from aiohttp import web

from aomaas.jobs.queue import Enqueuer
from aomaas.settings import Settings
from aomaas.store.db import SessionMaker
from aomaas.store.lookups import Lookups

if TYPE_CHECKING:  # the limiter is built by the composition root; both faces only use it
    from aomaas.api.ratelimit import RateLimits

SETTINGS = web.AppKey("settings", Settings)
SESSIONS = web.AppKey("sessions", SessionMaker)
LOOKUPS = web.AppKey("lookups", Lookups)  # point reads by key on the raw driver
ENQUEUER = web.AppKey("enqueuer", Enqueuer)
BROKER = web.AppKey("broker", dramatiq.Broker)
LIMITS: web.AppKey[RateLimits] = web.AppKey("limits")
