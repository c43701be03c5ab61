"""Registering the GitHub App in one click: GitHub's manifest flow.

``GET /setup`` (an admin, by HTTP Basic or bearer token, or the holder of the
one-time setup token ``aomaas serve`` prints while GitHub is not configured)
serves a form that posts ``manifest.yml`` to ``GITHUB_WEB_URL/settings/apps/new``
with a ``state``. GitHub creates the app and sends the browser to
``GET /setup/callback?code=…&state=…``, which checks the state, converts the code
(``POST /app-manifests/{code}/conversions``), keeps the app id, private key and
webhook secret in ``DATA_DIR/github-app.json`` (mode 0600, never logged) and puts
them into the running app's settings at once; :func:`aomaas.settings.load_settings`
reads them on the next start.

The state is a short-lived JWT signed with the secret key, bound to the browser
that asked for it (a cookie whose hash it carries) and accepted once.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import html
import json
import logging
import os
import re
import secrets
import time
import uuid
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from string import Template
from typing import Any

import aiohttp
import jwt
import yaml
from aiohttp import web

from aomaas import appkeys
from aomaas.auth import bearer_account, bearer_token, sign_in
from aomaas.errors import (
    Conflict,
    Forbidden,
    InvalidRequest,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
)
from aomaas.forges.github.client import GitHubClient
from aomaas.settings import GITHUB_APP_FILE, Settings
from aomaas.store.models import User
from aomaas.store.users import Account
from aomaas.tokens import ISSUER

log = logging.getLogger("aomaas.bot.setup")

COOKIE = "aomaas_setup"
STATE_TTL_SECONDS = 600
STATE_TYPE = "github-manifest-state"
PLACEHOLDER = "${AOMAAS_PUBLIC_URL}"
ORG_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})")
CONVERSION_TIMEOUT = aiohttp.ClientTimeout(total=60)
BASIC_CHALLENGE = 'Basic realm="AOMaaS setup", charset="UTF-8"'
# The page holds a secret in its address (the setup token): never send it as a referrer.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}

PAGE = Template("""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>$title</title>
<style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem}
button{font-size:1.1rem;padding:.5rem 1rem}code{background:#f3f3f3;padding:0 .2rem}</style>
</head><body><h1>$title</h1>
$body
</body></html>
""")

SETUP_BODY = Template("""<p>This creates a GitHub App for this AOMaaS at <code>$public_url</code>
owned by <strong>$owner</strong>, with the permissions and events in <code>manifest.yml</code>.
GitHub then sends you back here and the service starts using the new app at once.</p>
<form id="register" method="post" action="$action">
<input type="hidden" name="manifest" value="$manifest">
<button type="submit" id="create">Create the GitHub App on GitHub</button>
</form>
<p>To create it under an organisation instead, add <code>org=NAME</code> to this page's address.</p>
""")

DONE_BODY = Template("""<p id="registered">The GitHub App <strong>$name</strong> (id $app_id) is registered;
this service uses it from now on. Its private key and webhook secret are kept in the data
directory (<code>$file</code>, readable only by the service's user).</p>
<p><a id="install" href="$install_url">Install the app on your repositories</a></p>
""")

INSTALLED_BODY = """<p>AOMaaS is installed. Comment <code>/aomaas help</code> on an issue
or pull request of an installed repository to see what it can do.</p>
"""


@dataclass
class SetupGate:
    """Who may start the flow (a hashed one-time token) and which states were used."""

    token_digest: bytes | None = None
    used_states: dict[str, float] = field(default_factory=dict)

    def issue_token(self) -> str:
        """A new setup token; only its hash is kept."""
        token = secrets.token_urlsafe(32)
        self.token_digest = _digest(token)
        return token

    def accepts_token(self, token: str) -> bool:
        """Whether ``token`` is the setup token (constant-time)."""
        return self.token_digest is not None and hmac.compare_digest(
            self.token_digest, _digest(token)
        )

    def close(self) -> None:
        """The app is registered: the setup token stops working."""
        self.token_digest = None

    def new_state(self, secret: str, browser: str) -> str:
        """A state for one round trip through GitHub, bound to the ``browser`` cookie."""
        now = int(time.time())
        claims = {
            "typ": STATE_TYPE,
            "iss": ISSUER,
            "jti": uuid.uuid4().hex,
            "sid": _digest(browser).hex(),
            "iat": now,
            "exp": now + STATE_TTL_SECONDS,
        }
        return jwt.encode(claims, secret, algorithm="HS256")

    def redeem_state(self, secret: str, state: str, browser: str | None) -> None:
        """Accept ``state`` once, from the browser it was issued to; else :class:`InvalidRequest`."""
        again = "start again at /setup"
        try:
            claims = jwt.decode(
                state,
                secret,
                algorithms=["HS256"],
                issuer=ISSUER,
                options={"require": ["jti", "sid", "exp", "iss"]},
            )
        except jwt.InvalidTokenError:
            raise InvalidRequest(f"the setup state is not valid or has expired: {again}") from None
        if claims.get("typ") != STATE_TYPE:
            raise InvalidRequest(f"the setup state is not valid: {again}")
        if not browser or not hmac.compare_digest(str(claims["sid"]), _digest(browser).hex()):
            raise InvalidRequest(f"the setup state belongs to another browser session: {again}")
        now = time.time()
        self.used_states = {k: v for k, v in self.used_states.items() if v > now}
        if claims["jti"] in self.used_states:
            raise InvalidRequest(f"the setup state was already used: {again}")
        self.used_states[str(claims["jti"])] = float(claims["exp"])


GATE = web.AppKey("setup_gate", SetupGate)


def install(app: web.Application) -> None:
    """Add ``/setup``, ``/setup/callback`` and ``/setup/installed`` to ``app``."""
    app[GATE] = SetupGate()
    app.router.add_get("/setup", setup_page)
    app.router.add_get("/setup/callback", setup_callback)
    app.router.add_get("/setup/installed", installed_page)


def issue_setup_token(app: web.Application) -> str | None:
    """A one-time setup token for ``/setup?token=…``, or None when GitHub is already configured."""
    if _has_github_credentials(app[appkeys.SETTINGS]):
        return None
    return app[GATE].issue_token()


def load_manifest(public_url: str) -> dict[str, Any]:
    """``manifest.yml`` with ``${AOMAAS_PUBLIC_URL}`` replaced by ``public_url``."""
    manifest = yaml.safe_load(resources.files("aomaas").joinpath("manifest.yml").read_text())
    base = public_url.rstrip("/")

    def fill(value: Any) -> Any:
        if isinstance(value, str):
            return value.replace(PLACEHOLDER, base)
        if isinstance(value, list):
            return [fill(item) for item in value]
        if isinstance(value, dict):
            return {key: fill(item) for key, item in value.items()}
        return value

    filled: dict[str, Any] = fill(manifest)
    return filled


async def setup_page(request: web.Request) -> web.StreamResponse:
    """``GET /setup[?token=…][&org=NAME]``: the form that posts the manifest to GitHub."""
    try:
        await _authorize(request)
    except Unauthorized as exc:
        return web.json_response(
            {"detail": exc.detail, "type": exc.type},
            status=exc.status,
            headers={"WWW-Authenticate": BASIC_CHALLENGE},
        )
    settings = request.app[appkeys.SETTINGS]
    if _has_github_credentials(settings):
        raise Conflict(
            "GitHub is already configured (GITHUB_APP_ID, GITHUB_PRIVATE_KEY, "
            f"GITHUB_WEBHOOK_SECRET or DATA_DIR/{GITHUB_APP_FILE}): remove them to register again"
        )
    org = request.query.get("org")
    if org is not None and not ORG_NAME.fullmatch(org):
        raise InvalidRequest("org must be a GitHub organisation name (letters, digits, '-')")
    web_url = settings.github_web_url.rstrip("/")
    target = f"/organizations/{org}/settings/apps/new" if org else "/settings/apps/new"
    browser = secrets.token_urlsafe(32)
    state = request.app[GATE].new_state(_secret(settings), browser)
    public_url = _public_url(request, settings)
    body = SETUP_BODY.substitute(
        public_url=html.escape(public_url),
        owner=html.escape(org or "your account"),
        action=html.escape(f"{web_url}{target}?state={state}"),
        manifest=html.escape(json.dumps(load_manifest(public_url))),
    )
    response = _page("Register the AOMaaS GitHub App", body)
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'unsafe-inline'; form-action 'self' {web_url}; "
        "frame-ancestors 'none'"
    )
    response.set_cookie(
        COOKIE,
        browser,
        max_age=STATE_TTL_SECONDS,
        path="/setup",
        httponly=True,
        samesite="Lax",
        secure=public_url.startswith("https://"),
    )
    return response


async def setup_callback(request: web.Request) -> web.StreamResponse:
    """``GET /setup/callback?code=…&state=…``: convert the code and keep the new app."""
    code, state = request.query.get("code"), request.query.get("state")
    if not code or not state:
        raise InvalidRequest("code and state are required: start at /setup")
    settings = request.app[appkeys.SETTINGS]
    gate = request.app[GATE]
    gate.redeem_state(_secret(settings), state, request.cookies.get(COOKIE))
    if _has_github_credentials(settings):
        raise Conflict("GitHub is already configured: this registration was not kept")
    app = await _convert(settings, code)
    app_id, pem, webhook_secret = app.get("id"), app.get("pem"), app.get("webhook_secret")
    if not (isinstance(app_id, int) and isinstance(pem, str) and isinstance(webhook_secret, str)):
        raise InvalidRequest("GitHub's answer did not hold the app id, key and webhook secret")
    path = settings.data_dir / GITHUB_APP_FILE
    record = {
        "app_id": app_id,
        "slug": app.get("slug"),
        "html_url": app.get("html_url"),
        "private_key": pem,
        "webhook_secret": webhook_secret,
    }
    await asyncio.to_thread(_write_private, path, json.dumps(record, indent=1))
    settings.github_app_id = str(app_id)
    settings.github_private_key = pem
    settings.github_private_key_path = None
    settings.github_webhook_secret = webhook_secret
    gate.close()
    log.info(
        "GitHub App %s (id %s) registered; credentials kept in %s", app.get("slug"), app_id, path
    )
    html_url = str(app.get("html_url") or "")
    install_url = f"{html_url.rstrip('/')}/installations/new"
    if not install_url.startswith(("https://", "http://")):
        install_url = f"{settings.github_web_url.rstrip('/')}/settings/apps"
    body = DONE_BODY.substitute(
        name=html.escape(str(app.get("name") or app.get("slug") or "AOMaaS")),
        app_id=app_id,
        file=html.escape(str(path)),
        install_url=html.escape(install_url),
    )
    response = _page("GitHub App registered", body)
    response.del_cookie(COOKIE, path="/setup")
    return response


async def installed_page(request: web.Request) -> web.StreamResponse:
    """``GET /setup/installed``: where GitHub sends the browser after an installation."""
    return _page("AOMaaS installed", INSTALLED_BODY)


# ----------------------------------------------------------------------------- helpers


async def _authorize(request: web.Request) -> None:
    """The setup token, or an admin by HTTP Basic or bearer token; else 401/403."""
    token = request.query.get("token")
    if token is not None:
        if request.app[GATE].accepts_token(token):
            return
        raise Unauthorized(
            "the setup token is wrong or no longer valid (it ends once the app is registered)"
        )
    scheme = request.headers.get("Authorization", "").partition(" ")[0].lower()
    token = bearer_token(request)
    user: User | Account
    if scheme == "basic":
        user = await _basic_user(request)
    elif token is not None:
        user = await bearer_account(request, token)
    else:
        raise Unauthorized(
            "sign in as an admin (HTTP Basic or a bearer token) or open the address with the "
            "setup token that `aomaas serve` printed"
        )
    if user.disabled:
        raise Forbidden("this account is disabled")
    if not user.is_admin:
        raise Forbidden("only an admin may register the GitHub App")


async def _basic_user(request: web.Request) -> User:
    try:
        auth = aiohttp.BasicAuth.decode(request.headers["Authorization"], encoding="utf-8")
    except ValueError:
        raise Unauthorized("malformed Basic credentials") from None
    return await sign_in(request, auth.login, auth.password)


async def _convert(settings: Settings, code: str) -> dict[str, Any]:
    """``POST /app-manifests/{code}/conversions`` (no authentication: the code is the proof)."""
    async with aiohttp.ClientSession(timeout=CONVERSION_TIMEOUT) as session:
        client = GitHubClient(
            session, settings.github_api_url, None, None, web_url=settings.github_web_url
        )
        try:
            answer = await client.create_from_manifest(code)
        except NotFound:
            raise InvalidRequest(
                "GitHub does not know this code (codes expire after an hour): start again at /setup"
            ) from None
    if not isinstance(answer, dict):
        raise InvalidRequest("GitHub's answer to the manifest conversion is not an object")
    return answer


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically and durably, readable by this user only (0600)."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _page(title: str, body: str) -> web.Response:
    text = PAGE.substitute(title=html.escape(title), body=body)
    return web.Response(text=text, content_type="text/html", headers=PAGE_HEADERS)


def _public_url(request: web.Request, settings: Settings) -> str:
    if settings.public_url:
        return settings.public_url.rstrip("/")
    return f"{request.scheme}://{request.host}"


def _has_github_credentials(settings: Settings) -> bool:
    """Whether any app credential is set (the flow never mixes two apps' credentials)."""
    return len(settings.missing_github_settings()) < 3


def _secret(settings: Settings) -> str:
    if not settings.secret_key:
        raise ServiceUnavailable("AOMAAS_SECRET_KEY is not set")
    return settings.secret_key


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()
