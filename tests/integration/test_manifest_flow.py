"""The GitHub App manifest flow against the stand-in, with the page driven by a real browser.

``/setup`` → the stand-in's "new app" page → ``/setup/callback`` → the app is
registered: credentials on disk (0600), used at once by the webhook route and
by the next start. Plus who may open ``/setup`` and how a bad state is refused.
"""

from __future__ import annotations

import asyncio
import html
import json
import os
import re
import shutil
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import jwt
import pytest
from sqlalchemy import func, select

from aomaas.bot.manifest_flow import issue_setup_token
from aomaas.settings import GITHUB_APP_FILE, load_settings
from aomaas.store.models import Task, WebhookDelivery
from tests.fakegithub.server import FakeGitHub
from tests.support.config import make_settings
from tests.support.live import LiveServer, free_port, live_server
from tests.support.processes import start_server_process

BROWSER_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ACTION = re.compile(r'action="([^"]+)"')


@dataclass
class Unconfigured:
    """A live server pointed at the stand-in with no GitHub App yet, and its setup token."""

    fake: FakeGitHub
    server: LiveServer
    token: str


@pytest.fixture
async def unconfigured(fake_github: FakeGitHub, tmp_path: Path) -> AsyncIterator[Unconfigured]:
    settings = make_settings(
        tmp_path,
        None,
        GITHUB_API_URL=fake_github.url,
        GITHUB_WEB_URL=fake_github.git_url,
        GITHUB_ALLOW_HTTP=True,
    )
    async with live_server(settings, run_worker=False) as server:
        token = issue_setup_token(server.app)
        assert token is not None
        yield Unconfigured(fake_github, server, token)


def chromium_or_skip() -> str:
    """Debian's chromium; skips without it, but fails in CI (scripts/ci-system-deps installs it)."""
    found = shutil.which("chromium")
    if found is None:
        reason = "Debian's chromium is not installed (scripts/ci-system-deps or apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return found


async def delivery_status(env: Unconfigured) -> int:
    """The status of a signed ``installation.created`` delivery (signed with the app's secret)."""
    installation = env.fake.add_installation("octo-org")
    payload = env.fake.webhook_payload(
        "installation", "created.payload.json", installation=installation
    )
    status, _ = await env.fake.deliver(env.server.url + "/webhooks/github", "installation", payload)
    return status


def state_of(page: str) -> str:
    """The ``state`` in the setup page's form action."""
    found = ACTION.search(page)
    assert found, page
    action = html.unescape(found.group(1))
    return action.split("state=", 1)[1]


async def test_browser_registers_the_app(unconfigured: Unconfigured, tmp_path: Path) -> None:
    from playwright.async_api import async_playwright

    chromium = chromium_or_skip()
    env, fake, server = unconfigured, unconfigured.fake, unconfigured.server
    assert await delivery_status(env) == 503
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=BROWSER_ARGS)
        try:
            page = await browser.new_page()
            opened = await page.goto(f"{server.url}/setup?token={env.token}")
            assert opened is not None and opened.status == 200
            async with page.expect_navigation(url=re.compile(r"/setup/callback\?")) as landed:
                await page.click("#create")
            response = await landed.value
            assert response is not None and response.status == 200, await page.content()
            registered = await page.inner_text("#registered")
            install_url = await page.get_attribute("#install", "href")
            content = await page.content()
        finally:
            await browser.close()

    assert f"id {fake.app_id}" in registered
    assert install_url is not None and install_url.startswith(fake.git_url)
    assert install_url.endswith("/installations/new")
    assert fake.private_key_pem not in content and fake.webhook_secret not in content
    [manifest] = fake.manifests
    assert manifest["org"] is None
    assert manifest["hook_attributes"]["url"] == server.url + "/webhooks/github"
    assert manifest["redirect_url"] == server.url + "/setup/callback"
    assert manifest["default_permissions"]["checks"] == "write"
    assert set(manifest["default_events"]) == {"issues", "issue_comment", "pull_request", "push"}

    stored = server.settings.data_dir / GITHUB_APP_FILE
    assert stored.stat().st_mode & 0o777 == 0o600
    assert json.loads(stored.read_text())["app_id"] == fake.app_id
    # The running app uses the new app at once...
    assert server.settings.github_app_id == str(fake.app_id)
    assert server.settings.github_private_key_pem == fake.private_key_pem
    assert await delivery_status(env) == 202
    # ...the one-time token is spent...
    status, _, _ = await server.request("GET", f"/setup?token={env.token}")
    assert status == 401
    # ...and the next start reads the stored app.
    again = load_settings(AOMAAS_DATA_DIR=server.settings.data_dir, REDIS_URL=None)
    assert again.github_app_id == str(fake.app_id) and not again.missing_github_settings()
    assert again.github_webhook_secret == fake.webhook_secret


async def test_callback_checks_the_state(unconfigured: Unconfigured) -> None:
    env, server = unconfigured, unconfigured.server
    jar = aiohttp.CookieJar(unsafe=True)  # keep the cookie of 127.0.0.1
    async with aiohttp.ClientSession(cookie_jar=jar) as browser:

        async def setup_state() -> str:
            async with browser.get(f"{server.url}/setup?token={env.token}&org=octo-org") as resp:
                assert resp.status == 200
                page = await resp.text()
            assert "/organizations/octo-org/settings/apps/new?state=" in html.unescape(page)
            return state_of(page)

        async def callback(
            code: str, state: str | None, session: aiohttp.ClientSession = browser
        ) -> int:
            query = {"code": code} if state is None else {"code": code, "state": state}
            async with session.get(f"{server.url}/setup/callback", params=query) as resp:
                body = await resp.text()
                if resp.status != 200:
                    assert json.loads(body)["type"] in ("invalid_request", "conflict"), body
                return resp.status

        code = env.fake.new_manifest_code()
        assert await callback(code, None) == 400
        assert await callback(code, "not-a-state") == 400
        forged = jwt.encode(
            {
                "typ": "github-manifest-state",
                "iss": "aomaas",
                "jti": "x",
                "sid": "y",
                "exp": int(time.time()) + 60,
            },
            "another key of more than 32 characters!",
            "HS256",
        )
        assert await callback(code, forged) == 400
        expired = jwt.encode(
            {
                "typ": "github-manifest-state",
                "iss": "aomaas",
                "jti": "x",
                "sid": "y",
                "exp": int(time.time()) - 60,
            },
            server.settings.secret_key or "",
            "HS256",
        )
        assert await callback(code, expired) == 400
        async with aiohttp.ClientSession() as other_browser:  # the state without its cookie
            assert await callback(code, await setup_state(), other_browser) == 400
        assert await callback("unknown-code", await setup_state()) == 400
        state = await setup_state()
        assert await callback(code, state) == 200
        assert await callback(code, state) == 400  # a state works once
    assert server.settings.github_webhook_secret == env.fake.webhook_secret
    await burst_is_stored_once(env)


async def burst_is_stored_once(env: Unconfigured) -> None:
    """With the new secret, 12 concurrent deliveries, 4 of them redelivered, make 12 rows and tasks."""
    installation = env.fake.add_installation("octo-org")
    payload = env.fake.webhook_payload(
        "installation", "created.payload.json", installation=installation
    )
    body, headers = env.fake.delivery("installation", payload)
    ids = [f"burst-{n}" for n in range(12)] + ["burst-0", "burst-3", "burst-7", "burst-11"]

    async def post(delivery_id: str) -> int:
        sent = {**headers, "X-GitHub-Delivery": delivery_id}
        async with env.server.session.post(
            env.server.url + "/webhooks/github", data=body, headers=sent
        ) as resp:
            return resp.status

    statuses = sorted(await asyncio.gather(*(post(i) for i in ids)))
    assert statuses == [200] * 4 + [202] * 12
    async with env.server.sessions() as session:
        rows = await session.scalar(select(func.count()).select_from(WebhookDelivery))
        tasks = await session.scalar(
            select(func.count()).select_from(Task).where(Task.kind == "github_delivery")
        )
    assert rows == tasks == 12


async def test_only_admins_or_the_token_holder_open_setup(unconfigured: Unconfigured) -> None:
    server = unconfigured.server
    await server.create_user("root", admin=True)
    await server.create_user("dev")
    basic = aiohttp.encode_basic_auth

    async def open_setup(headers: dict[str, str] | None = None, query: str = "") -> tuple[int, str]:
        async with server.session.get(f"{server.url}/setup{query}", headers=headers) as resp:
            text = await resp.text()
            if resp.status == 401:
                assert resp.headers["WWW-Authenticate"].startswith("Basic ")
            if resp.status in (401, 403):
                assert json.loads(text)["type"] in ("unauthorized", "forbidden")
            return resp.status, text

    assert (await open_setup())[0] == 401
    assert (await open_setup(query="?token=wrong"))[0] == 401
    assert (await open_setup({"Authorization": basic("root", "nope")}))[0] == 401
    assert (await open_setup({"Authorization": basic("dev", "password123")}))[0] == 403
    dev_token = await server.token("dev")
    assert (await open_setup({"Authorization": f"Bearer {dev_token}"}))[0] == 403
    assert (await open_setup({"Authorization": "Bearer forged.token.here"}))[0] == 401
    status, page = await open_setup({"Authorization": basic("root", "password123")})
    assert status == 200 and 'name="manifest"' in page
    status, page = await open_setup({"Authorization": f"Bearer {await server.token('root')}"})
    assert status == 200 and "/settings/apps/new?state=" in html.unescape(page)
    assert (await open_setup(query=f"?token={unconfigured.token}&org=bad/org"))[0] == 400


async def test_setup_refuses_once_github_is_configured(
    fake_github: FakeGitHub, tmp_path: Path
) -> None:
    settings = make_settings(tmp_path, None, **fake_github.settings_env())
    async with live_server(settings, run_worker=False) as server:
        assert issue_setup_token(server.app) is None
        await server.create_user("root", admin=True)
        headers = {"Authorization": aiohttp.encode_basic_auth("root", "password123")}
        status, body, _ = await server.request("GET", "/setup", headers=headers)
    assert status == 409 and body["type"] == "conflict"


async def test_serve_prints_a_working_setup_address(tmp_path: Path) -> None:
    port = free_port()
    env = {"AOMAAS_DATA_DIR": str(tmp_path / "data")}
    server = start_server_process(env, port)
    try:
        found = re.search(r"(http://\S+/setup\?token=\S+)", server.output())
        assert found, server.output()
        async with aiohttp.ClientSession() as session, session.get(found.group(1)) as resp:
            assert resp.status == 200
            assert 'name="manifest"' in await resp.text()
            assert resp.headers["Referrer-Policy"] == "no-referrer"
    finally:
        server.stop()
