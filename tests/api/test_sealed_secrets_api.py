"""Over HTTP: a publisher secret saved through the API is stored sealed and never answered."""

from __future__ import annotations

import asyncio

import httpx
import sqlalchemy as sa

from pressrun.db import SessionFactory, transaction
from pressrun.sealing import build_sealer
from tests.api.conftest import ApiServer, Tenant, new_site

BODY = {
    "auto_approval_enabled": False,
    "auto_publish_enabled": False,
    "daily_publish_limit": 3,
    "publish_days": ["mon"],
    "time_slots": ["09:00"],
    "publisher": "wordpress",
    "wordpress_url": "https://blog.example.test",
    "wordpress_username": "editor",
    "wordpress_app_password": "abcd EFGH 1234 wxyz",
    "webhook_url": "https://hooks.example.test/in",
    "webhook_secret": "hook-signing-secret",
}


def _stored(sessions: SessionFactory, site_id: int) -> tuple[str, str]:
    with transaction(sessions) as s:
        row = s.execute(
            sa.text(
                "SELECT wordpress_app_password, webhook_secret FROM publishingsettings "
                "WHERE site_id = :site_id"
            ),
            {"site_id": site_id},
        ).one()
        return row[0], row[1]


async def test_secrets_saved_over_http_are_stored_sealed(
    http: httpx.AsyncClient, tenant: Tenant, api: ApiServer, sessions: SessionFactory
) -> None:
    site = await new_site(http, tenant)
    url = f"/api/v1/sites/{site['id']}/publishing-settings"
    response = await http.put(url, json=BODY, headers=tenant.headers)
    assert response.status_code == 200, response.text
    assert "abcd EFGH" not in response.text and "hook-signing-secret" not in response.text
    answered = response.json()
    assert answered["wordpress_app_password_set"] and answered["webhook_secret_set"]

    password, secret = await asyncio.to_thread(_stored, sessions, site["id"])
    assert password and "abcd" not in password and "EFGH" not in password
    assert secret and "hook-signing" not in secret
    sealer = build_sealer(api.settings)
    assert sealer.open(password) == BODY["wordpress_app_password"]
    assert sealer.open(secret) == BODY["webhook_secret"]

    # Read back, or sent again without them, the secrets stay sealed and unanswered.
    kept = {**BODY, "wordpress_app_password": None, "webhook_secret": None}
    again = await http.put(url, json=kept, headers=tenant.headers)
    assert again.status_code == 200, again.text
    assert await asyncio.to_thread(_stored, sessions, site["id"]) == (password, secret)
    read = await http.get(url, headers=tenant.headers)
    assert "abcd EFGH" not in read.text and password not in read.text
    # An empty secret clears it, and stays empty.
    cleared = {**BODY, "publisher": "folder", "webhook_secret": ""}
    assert (await http.put(url, json=cleared, headers=tenant.headers)).status_code == 200
    assert (await asyncio.to_thread(_stored, sessions, site["id"]))[1] == ""
