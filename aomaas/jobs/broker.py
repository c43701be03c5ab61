"""The Dramatiq broker: Redis when REDIS_URL is set, otherwise in-process (embedded)."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO

from aomaas.settings import Settings

CONNECT_TIMEOUT = 5.0  # seconds


def make_broker(settings: Settings) -> dramatiq.Broker:
    """A broker for these settings, with the AsyncIO middleware our actors need."""
    broker: dramatiq.Broker
    if settings.redis_url:
        # An unreachable Redis fails a send or a ping within seconds instead of hanging it.
        broker = RedisBroker(
            url=settings.redis_url, namespace="aomaas", socket_connect_timeout=CONNECT_TIMEOUT
        )
    else:
        broker = StubBroker()
        broker.emit_after("process_boot")
    broker.add_middleware(AsyncIO())
    return broker


def broker_is_healthy(broker: dramatiq.Broker) -> bool:
    """Whether the broker answers (Redis ping; the in-process broker always does)."""
    if isinstance(broker, RedisBroker):
        try:
            return bool(broker.client.ping())
        except Exception:  # any connection problem means unhealthy
            return False
    return True
