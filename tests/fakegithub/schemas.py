"""Validate webhook payloads against GitHub's webhook JSON Schemas (octokit/webhooks)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from tests.fakegithub.spec import GITHUB_DATA

ROOT = GITHUB_DATA / "webhook-schemas" / "api.github.com"


@functools.cache
def _schemas() -> tuple[dict[str, Any], Registry]:
    schemas = {str(p.relative_to(ROOT)): json.loads(p.read_text()) for p in ROOT.glob("*/*.json")}
    registry: Registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s, default_specification=DRAFT7))
        for s in schemas.values()
    )
    return schemas, registry


def validate_webhook(event: str, payload: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``payload`` fits ``<event>/<action>.schema.json``."""
    schemas, registry = _schemas()
    action = payload.get("action")
    key = f"{event}/{action}.schema.json" if action else f"{event}/event.schema.json"
    jsonschema.Draft7Validator(schemas[str(Path(key))], registry=registry).validate(payload)
