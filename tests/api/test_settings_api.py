"""Settings over HTTP: the defaults body, unified settings GET/PATCH (all-or-nothing, every bad
field named), reset to defaults, tenancy; and the update_config rules the automation router uses."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any, get_args
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlmodel import Session

from pressrun.db import SessionFactory, transaction
from pressrun.errors import FieldError
from pressrun.models import AutomationConfig, Site
from pressrun.models.automation import Frequency
from pressrun.services.accounts import create_account, create_site
from pressrun.services.settings_patch import update_config
from pressrun.services.settings_rules import FrequencyName
from pressrun.services.settings_view import CONFIG_FIELDS, CONFIG_READ_ONLY, config_json
from pressrun.services.site_config import get_or_create_config
from tests.api.conftest import ADMIN, ApiServer, Tenant, new_site

DEFAULTS = "/api/v1/integration/settings/defaults/"
STAGE_KEYS = {"number", "enabled", "batch_size", "per_run_limit", "use_testing", "budget_pct"}


def unified(site_id: int) -> str:
    return f"/api/v1/integration/sites/{site_id}/unified-settings/"


async def get_settings(http: httpx.AsyncClient, tenant: Tenant, site_id: int) -> dict[str, Any]:
    response = await http.get(unified(site_id), headers=tenant.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def patch(http: httpx.AsyncClient, tenant: Tenant, site_id: int, body: Any) -> httpx.Response:
    return await http.patch(unified(site_id), json=body, headers=tenant.headers)


def error_locs(response: httpx.Response) -> set[tuple[str | int, ...]]:
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "validation_error"
    return {tuple(e["loc"]) for e in response.json()["detail"]}


def stage(body: dict[str, Any], number: int) -> dict[str, Any]:
    found: dict[str, Any] = next(s for s in body["stages"] if s["number"] == number)
    return found


async def test_defaults_body_is_the_specs(http: httpx.AsyncClient, tenant: Tenant) -> None:
    response = await http.get(DEFAULTS, headers=tenant.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"automation", "stages", "delays", "publishing"}
    assert body["automation"] == {"enabled": False, "frequency": "daily", "time": "02:00"}
    assert [s["number"] for s in body["stages"]] == [1, 2, 3, 4, 5, 6, 7]
    assert all(set(s) == STAGE_KEYS for s in body["stages"])
    assert stage(body, 1) == {
        "number": 1,
        "enabled": True,
        "batch_size": 50,
        "per_run_limit": 0,
        "use_testing": False,
        "budget_pct": 15,
    }
    assert {n: stage(body, n)["budget_pct"] for n in (1, 2, 4, 5, 6)} == {
        1: 15,
        2: 15,
        4: 60,
        5: 5,
        6: 45,
    }
    # Stages without AI have no testing model nor budget; stage 7 has no batches.
    for n in (3, 7):
        assert stage(body, n)["use_testing"] is None
        assert stage(body, n)["budget_pct"] is None
    assert stage(body, 7)["batch_size"] is None
    assert stage(body, 7)["per_run_limit"] is None
    assert body["delays"] == {"within_stage": 3, "between_stage": 5}
    assert body["publishing"] == {
        "auto_approval_enabled": False,
        "auto_publish_enabled": False,
        "daily_publish_limit": 3,
        "publish_days": ["mon", "tue", "wed", "thu", "fri"],
        "time_slots": ["09:00", "14:00", "18:00"],
    }


async def test_defaults_need_a_key_and_allow_the_admin(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    assert (await http.get(DEFAULTS)).status_code == 401
    bad = {"Authorization": "Bearer nope"}
    assert (await http.get(DEFAULTS, headers=bad)).status_code == 401
    admin = await http.get(DEFAULTS, headers=ADMIN)
    assert admin.status_code == 200
    assert admin.json() == (await http.get(DEFAULTS, headers=tenant.headers)).json()


async def test_unified_settings_shape(
    http: httpx.AsyncClient, tenant: Tenant, api: ApiServer
) -> None:
    site = await new_site(http, tenant, timezone="Europe/Paris")
    body = await get_settings(http, tenant, site["id"])
    assert set(body) == {
        "site_id",
        "schedule",
        "capacity",
        "ai",
        "stages",
        "delays",
        "publishing",
        "content_profile",
    }
    assert body["site_id"] == site["id"]
    schedule = body["schedule"]
    assert set(schedule) == {
        "enabled",
        "frequency",
        "time",
        "days",
        "timezone",
        "next_run_at",
        "last_run_at",
    }
    assert schedule["timezone"] == "Europe/Paris"
    assert schedule["frequency"] == "daily"
    # New sites are spread over the day: "HH:00" with the hour handed out in turn.
    hour, minute = schedule["time"].split(":")
    assert minute == "00" and 0 <= int(hour) <= 23
    assert body["capacity"] == {
        "total_items_per_run": None,
        "stages": [{"number": n, "per_run_limit": 0} for n in range(1, 7)]
        + [{"number": 7, "per_run_limit": None}],
    }
    models = api.settings
    assert body["ai"]["testing_model"] == models.text_models.testing
    assert body["ai"]["live_model"] == models.text_models.live
    assert body["ai"]["image_model"] == models.image_model.live
    assert body["ai"]["image_testing_model"] == models.image_model.testing
    assert [s["number"] for s in body["ai"]["stages"]] == [1, 2, 4, 5, 6]
    assert body["ai"]["stages"][0] == {
        "number": 1,
        "use_testing": False,
        "model": models.text_models.live,
    }
    assert [s["number"] for s in body["stages"]] == [1, 2, 3, 4, 5, 6, 7]
    assert all(set(s) == STAGE_KEYS | {"name"} for s in body["stages"])
    assert stage(body, 1)["name"] == "Keywords → Clusters"
    assert stage(body, 1)["batch_size"] == 50
    assert body["delays"] == {"within_stage": 3, "between_stage": 5}
    assert body["publishing"] == {
        "auto_approval_enabled": False,
        "auto_publish_enabled": False,
        "daily_publish_limit": 3,
        "publish_days": ["mon", "tue", "wed", "thu", "fri"],
        "time_slots": ["09:00", "14:00", "18:00"],
        "publisher": "folder",
    }


async def test_patch_is_persisted(http: httpx.AsyncClient, tenant: Tenant, api: ApiServer) -> None:
    site = await new_site(http, tenant)
    # A publisher needs its credentials stored (write-only) before a site switches to it.
    refused = await patch(http, tenant, site["id"], {"publishing": {"publisher": "webhook"}})
    assert error_locs(refused) == {("publishing", "publisher")}
    assert "webhook_url, webhook_secret" in refused.text
    stored = await http.put(
        f"/api/v1/sites/{site['id']}/publishing-settings",
        json={
            "auto_approval_enabled": False,
            "auto_publish_enabled": False,
            "daily_publish_limit": 3,
            "publish_days": ["mon"],
            "time_slots": ["09:00"],
            "publisher": "folder",
            "webhook_url": "https://hooks.example.test/in",
            "webhook_secret": "per-site-secret",
        },
        headers=tenant.headers,
    )
    assert stored.status_code == 200, stored.text
    response = await patch(
        http,
        tenant,
        site["id"],
        {
            "schedule": {
                "enabled": True,
                "frequency": "weekly",
                "time": "6:00",
                "days": ["thu", "mon"],
                "timezone": "America/New_York",
            },
            "stages": [
                {"number": 1, "batch_size": 25, "per_run_limit": 100},
                {"number": 3, "enabled": False},
                {"number": 4, "use_testing": True, "budget_pct": 70},
            ],
            "capacity": {"stages": [{"number": 2, "per_run_limit": 10}]},
            "ai": {"stages": [{"number": 6, "use_testing": True}]},
            "delays": {"within_stage": 0, "between_stage": 600},
            "publishing": {
                "auto_publish_enabled": True,
                "daily_publish_limit": 5,
                "publish_days": ["sun", "sat"],
                "time_slots": ["17:30", "08:00"],
                "publisher": "webhook",
            },
        },
    )
    assert response.status_code == 200, response.text
    body = await get_settings(http, tenant, site["id"])
    assert response.json() == body
    # The site's Temporal Schedule was reconciled in the same request: its next fire is the
    # next Monday or Thursday, 06:00 in New York.
    next_run = datetime.fromisoformat(body["schedule"].pop("next_run_at").replace("Z", "+00:00"))
    local = next_run.astimezone(ZoneInfo("America/New_York"))
    assert (local.strftime("%a"), local.hour, local.minute) in {("Mon", 6, 0), ("Thu", 6, 0)}
    assert body["schedule"] == {
        "enabled": True,
        "frequency": "weekly",
        "time": "06:00",
        "days": ["mon", "thu"],
        "timezone": "America/New_York",
        "last_run_at": None,
    }
    assert (stage(body, 1)["batch_size"], stage(body, 1)["per_run_limit"]) == (25, 100)
    assert stage(body, 2)["per_run_limit"] == 10
    assert stage(body, 3)["enabled"] is False
    assert (stage(body, 4)["use_testing"], stage(body, 4)["budget_pct"]) == (True, 70)
    assert stage(body, 6)["use_testing"] is True
    ai = {s["number"]: s["model"] for s in body["ai"]["stages"]}
    assert ai[4] == api.settings.text_models.testing
    assert ai[6] == api.settings.image_model.testing
    assert ai[1] == api.settings.text_models.live
    # Stage 3 is disabled, so its (unlimited) limit does not count.
    assert body["capacity"]["total_items_per_run"] is None
    assert body["delays"] == {"within_stage": 0, "between_stage": 600}
    assert body["publishing"] == {
        "auto_approval_enabled": False,
        "auto_publish_enabled": True,
        "daily_publish_limit": 5,
        "publish_days": ["sat", "sun"],
        "time_slots": ["08:00", "17:30"],
        "publisher": "webhook",
    }
    site_row = await http.get(f"/api/v1/sites/{site['id']}", headers=tenant.headers)
    assert site_row.json()["timezone"] == "America/New_York"


async def test_capacity_total_sums_the_enabled_stages(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    site = await new_site(http, tenant)
    limits = [{"number": n, "per_run_limit": 10 * n} for n in range(1, 6)]
    response = await patch(
        http,
        tenant,
        site["id"],
        {"stages": [*limits, {"number": 6, "enabled": False}]},
    )
    assert response.status_code == 200, response.text
    assert response.json()["capacity"]["total_items_per_run"] == 10 + 20 + 30 + 40 + 50


async def test_a_get_body_can_be_sent_back_whole(http: httpx.AsyncClient, tenant: Tenant) -> None:
    site = await new_site(http, tenant)
    before = await get_settings(http, tenant, site["id"])
    response = await patch(http, tenant, site["id"], before)
    assert response.status_code == 200, response.text
    assert response.json() == before
    # Edit one value in a GET body: the stale copies elsewhere (ai, capacity) do not conflict.
    edited = copy.deepcopy(before)
    stage(edited, 2)["use_testing"] = True
    stage(edited, 2)["per_run_limit"] = 9
    response = await patch(http, tenant, site["id"], edited)
    assert response.status_code == 200, response.text
    assert stage(response.json(), 2)["use_testing"] is True
    assert stage(response.json(), 2)["per_run_limit"] == 9


async def test_many_bad_values_are_all_named_and_nothing_changes(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    site = await new_site(http, tenant)
    before = await get_settings(http, tenant, site["id"])
    response = await patch(
        http,
        tenant,
        site["id"],
        {
            "schedule": {
                "enabled": True,
                "frequency": "monthly",
                "time": "25:00",
                "days": ["mon", "funday"],
                "timezone": "Mars/Olympus_Mons",
            },
            "stages": [
                {"number": 1, "batch_size": 0, "budget_pct": 101},
                {"number": 2, "per_run_limit": -1, "enabled": False},
                {"number": 4, "batch_size": "10"},
                {"number": 7, "batch_size": 5},
                {"number": 9, "enabled": True},
            ],
            "ai": {"live_model": "gpt-5"},
            "delays": {"within_stage": 10, "between_stage": 86401},
            "publishing": {
                "daily_publish_limit": 101,
                "publish_days": [],
                "time_slots": ["09:00", "09:00"],
                "publisher": "ftp",
            },
            "colour": "blue",
        },
    )
    assert error_locs(response) == {
        ("schedule", "frequency"),
        ("schedule", "time"),
        ("schedule", "days"),
        ("schedule", "timezone"),
        ("stages", 0, "batch_size"),
        ("stages", 0, "budget_pct"),
        ("stages", 1, "per_run_limit"),
        ("stages", 2, "batch_size"),
        ("stages", 3, "batch_size"),
        ("stages", 4, "number"),
        ("ai", "live_model"),
        ("delays", "between_stage"),
        ("publishing", "daily_publish_limit"),
        ("publishing", "publish_days"),
        ("publishing", "time_slots"),
        ("publishing", "publisher"),
        ("colour",),
    }
    messages = {tuple(e["loc"]): e["msg"] for e in response.json()["detail"]}
    assert "server settings" in messages[("ai", "live_model")]
    assert messages[("stages", 0, "batch_size")].startswith("stage 1: ")
    assert "stage 7 has no batch size" in messages[("stages", 3, "batch_size")]
    # The valid values in the same body (enabled, stage 2 disabled, within_stage) were not kept.
    assert await get_settings(http, tenant, site["id"]) == before
    site_row = await http.get(f"/api/v1/sites/{site['id']}", headers=tenant.headers)
    assert site_row.json()["timezone"] == "UTC"


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"stages": [{"number": 1, "batch_size": 0}]}, ("stages", 0, "batch_size")),
        ({"stages": [{"number": 5, "batch_size": -3}]}, ("stages", 0, "batch_size")),
        ({"stages": [{"number": 2, "batch_size": 1001}]}, ("stages", 0, "batch_size")),
        ({"stages": [{"number": 1, "batch_size": None}]}, ("stages", 0, "batch_size")),
        ({"schedule": {"frequency": "monthly"}}, ("schedule", "frequency")),
        ({"schedule": {"time": "24:00"}}, ("schedule", "time")),
        ({"schedule": {"time": "-1:00"}}, ("schedule", "time")),
        ({"schedule": {"time": "7pm"}}, ("schedule", "time")),
        ({"schedule": {"timezone": "Mars/Olympus_Mons"}}, ("schedule", "timezone")),
        ({"schedule": {"timezone": "../../etc/passwd"}}, ("schedule", "timezone")),
        ({"stages": [{"number": 4, "budget_pct": 101}]}, ("stages", 0, "budget_pct")),
        ({"stages": [{"number": 4, "budget_pct": -1}]}, ("stages", 0, "budget_pct")),
        ({"stages": [{"number": 3, "budget_pct": 10}]}, ("stages", 0, "budget_pct")),
        ({"stages": [{"number": 3, "use_testing": True}]}, ("stages", 0, "use_testing")),
        ({"stages": [{"batch_size": 10}]}, ("stages", 0, "number")),
        ({"stages": {"number": 1}}, ("stages",)),
        ({"schedule": {"enabled": "yes"}}, ("schedule", "enabled")),
        ({"schedule": {"next_run_at": "2030-01-01T00:00:00Z"}}, ("schedule", "next_run_at")),
        ({"capacity": {"total_items_per_run": 5}}, ("capacity", "total_items_per_run")),
        ({"ai": {"image_model": "dall-e-2"}}, ("ai", "image_model")),
        ({"ai": {"stages": [{"number": 1, "model": "gpt-5"}]}}, ("ai", "stages", 0, "model")),
        (
            {"ai": {"stages": [{"number": 3, "use_testing": True}]}},
            ("ai", "stages", 0, "use_testing"),
        ),
        ({"delays": {"within_stage": -1}}, ("delays", "within_stage")),
        ({"publishing": {"publish_days": []}}, ("publishing", "publish_days")),
        ({"publishing": {"time_slots": ["9:60"]}}, ("publishing", "time_slots", 0)),
        ({"site_id": 999999}, ("site_id",)),
    ],
)
async def test_each_bad_value_is_named(
    http: httpx.AsyncClient, tenant: Tenant, body: dict[str, Any], loc: tuple[str | int, ...]
) -> None:
    site = await new_site(http, tenant)
    before = await get_settings(http, tenant, site["id"])
    response = await patch(http, tenant, site["id"], body)
    assert error_locs(response) == {loc}
    assert await get_settings(http, tenant, site["id"]) == before


async def test_two_new_values_for_one_setting_conflict(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    site = await new_site(http, tenant)
    response = await patch(
        http,
        tenant,
        site["id"],
        {
            "stages": [{"number": 1, "per_run_limit": 10}],
            "capacity": {"stages": [{"number": 1, "per_run_limit": 20}]},
        },
    )
    assert error_locs(response) == {
        ("stages", 0, "per_run_limit"),
        ("capacity", "stages", 0, "per_run_limit"),
    }


async def test_stage_listed_twice_and_schedule_given_twice(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    site = await new_site(http, tenant)
    response = await patch(
        http,
        tenant,
        site["id"],
        {
            "stages": [{"number": 1, "enabled": False}, {"number": 1, "enabled": True}],
            "schedule": {"enabled": True},
            "automation": {"enabled": True},
        },
    )
    assert error_locs(response) == {("stages", 1, "number"), ("automation",)}


async def test_reset_to_defaults_round_trip(http: httpx.AsyncClient, tenant: Tenant) -> None:
    site = await new_site(http, tenant)
    changed = await patch(
        http,
        tenant,
        site["id"],
        {
            "schedule": {"enabled": True, "frequency": "hourly", "time": "13:00"},
            "stages": [
                {"number": 1, "batch_size": 7, "per_run_limit": 3, "use_testing": True},
                {"number": 7, "enabled": False},
            ],
            "delays": {"within_stage": 60, "between_stage": 120},
            "publishing": {"daily_publish_limit": 50, "time_slots": ["23:59"]},
        },
    )
    assert changed.status_code == 200, changed.text
    defaults = (await http.get(DEFAULTS, headers=tenant.headers)).json()

    # The defaults body as it stands ("automation" is an alias of "schedule").
    response = await patch(http, tenant, site["id"], defaults)
    assert response.status_code == 200, response.text
    body = await get_settings(http, tenant, site["id"])
    assert response.json() == body
    schedule = body["schedule"]
    assert {k: schedule[k] for k in ("enabled", "frequency", "time")} == defaults["automation"]
    assert [{k: v for k, v in s.items() if k != "name"} for s in body["stages"]] == defaults[
        "stages"
    ]
    assert body["delays"] == defaults["delays"]
    assert {k: body["publishing"][k] for k in defaults["publishing"]} == defaults["publishing"]

    # Renamed to "schedule", it is accepted as well.
    renamed = {"schedule": defaults.pop("automation"), **defaults}
    response = await patch(http, tenant, site["id"], renamed)
    assert response.status_code == 200, response.text
    assert response.json() == body


async def test_auth_and_tenancy(
    http: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    site = await new_site(http, tenant)
    url = unified(site["id"])
    assert (await http.get(url)).status_code == 401
    assert (await http.patch(url, json={"delays": {"within_stage": 9}})).status_code == 401
    before = await get_settings(http, tenant, site["id"])
    theirs = await http.get(url, headers=other_tenant.headers)
    assert theirs.status_code == 404
    attempt = await http.patch(
        url, json={"delays": {"within_stage": 9}}, headers=other_tenant.headers
    )
    assert attempt.status_code == 404
    assert (await http.get(unified(987654), headers=tenant.headers)).status_code == 404
    # Site settings belong to an account: the admin key is refused.
    assert (await http.get(url, headers=ADMIN)).status_code == 403
    assert await get_settings(http, tenant, site["id"]) == before


async def test_body_must_be_an_object(http: httpx.AsyncClient, tenant: Tenant) -> None:
    site = await new_site(http, tenant)
    response = await patch(http, tenant, site["id"], ["schedule"])
    assert response.status_code == 422


# update_config: the rules behind `PUT /automation/update_config/`, called directly.


@pytest.fixture
def config_site(sessions: SessionFactory) -> int:
    with transaction(sessions) as session:
        account = create_account(session, "config-tests")
        site = create_site(session, account, name="Config", url="https://config.test")
        return site.id or 0


def load(session: Session, site_id: int) -> AutomationConfig:
    site = session.get(Site, site_id)
    assert site is not None
    return get_or_create_config(session, site)


def test_update_config_applies_a_partial_update(sessions: SessionFactory, config_site: int) -> None:
    with transaction(sessions) as session:
        config = load(session, config_site)
        current = config_json(config)
        update_config(
            session,
            config,
            {
                "enabled": True,
                "frequency": "weekly",
                "scheduled_time": "23:00",
                "scheduled_days": ["sun", "wed"],
                "stage_2_batch_size": 1000,
                "stage_7_enabled": False,
                "stage_5_use_testing": True,
                "stage_6_budget_pct": 0,
                "max_images_per_run": 12,
                "between_stage_delay": 86400,
                "test_mode_enabled": True,
                "test_trigger_at": "2026-01-18T03:00:00+01:00",
                # Read-only fields are accepted unchanged.
                "id": current["id"],
                "site_id": current["site_id"],
                "next_run_at": None,
            },
        )
    with transaction(sessions) as session:
        view = config_json(load(session, config_site))
    assert view["enabled"] is True
    assert view["frequency"] == "weekly"
    assert view["scheduled_time"] == "23:00"
    assert view["scheduled_days"] == ["wed", "sun"]
    assert view["stage_2_batch_size"] == 1000
    assert view["stage_7_enabled"] is False
    assert view["stage_5_use_testing"] is True
    assert view["stage_6_budget_pct"] == 0
    assert view["max_images_per_run"] == 12
    assert view["between_stage_delay"] == 86400
    assert view["test_trigger_at"] == "2026-01-18T02:00:00Z"
    assert view["stage_1_batch_size"] == current["stage_1_batch_size"]
    with transaction(sessions) as session:
        config = load(session, config_site)
        update_config(session, config, {"test_trigger_at": None})
        assert config.test_trigger_at is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("stage_1_batch_size", 0),
        ("stage_3_batch_size", -1),
        ("stage_6_batch_size", 1001),
        ("stage_4_batch_size", "5"),
        ("stage_4_batch_size", 5.0),
        ("stage_4_batch_size", True),
        ("frequency", "monthly"),
        ("frequency", None),
        ("scheduled_time", "24:00"),
        ("scheduled_time", "02:30"),
        ("scheduled_time", "0200"),
        ("scheduled_days", ["mon", "someday"]),
        ("scheduled_days", []),
        ("scheduled_days", "mon"),
        ("stage_1_budget_pct", 101),
        ("stage_2_budget_pct", -5),
        ("max_keywords_per_run", -1),
        ("within_stage_delay", -1),
        ("between_stage_delay", 86401),
        ("enabled", 1),
        ("test_mode_enabled", "true"),
        ("test_trigger_at", "2026-01-18T02:00:00"),
        ("test_trigger_at", "tomorrow"),
        ("test_trigger_at", 1768700000),
        ("stage_3_use_testing", True),
        ("stage_7_batch_size", 10),
        ("account_id", 1),
        ("last_run_at", "2020-01-01T00:00:00Z"),
    ],
)
def test_update_config_names_each_bad_field(
    sessions: SessionFactory, config_site: int, field: str, value: Any
) -> None:
    with transaction(sessions) as session:
        config = load(session, config_site)
        before = config_json(config)
        with pytest.raises(FieldError) as raised:
            # With a valid change alongside, which must not be applied either.
            update_config(session, config, {"stage_5_batch_size": 4, field: value})
        assert [loc for loc, _ in raised.value.errors] == [(field,)]
        assert config_json(config) == before


def test_update_config_reports_every_error_and_changes_nothing(
    sessions: SessionFactory, config_site: int
) -> None:
    with transaction(sessions) as session:
        config = load(session, config_site)
        before = config_json(config)
        payload = {
            "enabled": True,
            "stage_1_batch_size": 0,
            "frequency": "yearly",
            "scheduled_time": "99:00",
            "stage_4_budget_pct": 150,
            "max_tasks_per_run": -2,
            "bogus": 1,
        }
        with pytest.raises(FieldError) as raised:
            update_config(session, config, payload)
        # Named in the order they were sent.
        assert [loc for loc, _ in raised.value.errors] == [
            ("stage_1_batch_size",),
            ("frequency",),
            ("scheduled_time",),
            ("stage_4_budget_pct",),
            ("max_tasks_per_run",),
            ("bogus",),
        ]
        assert config_json(config) == before
        with pytest.raises(FieldError):
            update_config(session, config, [])  # type: ignore[arg-type]


def test_config_json_covers_every_setting(sessions: SessionFactory, config_site: int) -> None:
    internal = {"account_id", "created_at", "updated_at"}
    columns = set(AutomationConfig.model_fields) - internal
    with transaction(sessions) as session:
        view = config_json(load(session, config_site))
    assert set(view) == columns
    assert set(CONFIG_FIELDS) | {"id", "site_id"} == columns
    assert columns >= CONFIG_READ_ONLY
    assert set(get_args(FrequencyName)) == {f.value for f in Frequency}
