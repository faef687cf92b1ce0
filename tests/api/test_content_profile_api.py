"""The content profile in the unified settings: its defaults, partial PATCHes, and each bad
value refused with a 422 naming its field while nothing changes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.conftest import Tenant, new_site
from tests.api.test_settings_api import error_locs, get_settings, patch

DEFAULTS = {
    "language": "en",
    "audience": "",
    "tone": "clear, friendly, practical",
    "point_of_view": "second_person",
    "target_words_min": 900,
    "target_words_max": 1500,
    "brand_name": "",
    "avoid": [],
    "house_style": "",
}


async def test_a_new_site_has_the_default_profile(http: httpx.AsyncClient, tenant: Tenant) -> None:
    site = await new_site(http, tenant)
    body = await get_settings(http, tenant, site["id"])
    assert body["content_profile"] == DEFAULTS


async def test_profile_patch_is_partial_persisted_and_normalised(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    site = await new_site(http, tenant)
    sent = {
        "language": "pt-br",
        "audience": "  home baristas with a budget machine ",
        "point_of_view": "first_person_plural",
        "target_words_min": 600,
        "target_words_max": 800,
        "brand_name": "Bean There",
        "avoid": ["medical claims", "Caffeine pills", "caffeine PILLS"],
        "house_style": "Metric units. No exclamation marks.",
    }
    response = await patch(http, tenant, site["id"], {"content_profile": sent})
    assert response.status_code == 200, response.text
    profile = response.json()["content_profile"]
    assert profile == {
        **DEFAULTS,
        **sent,
        "language": "pt-BR",
        "audience": "home baristas with a budget machine",
        "avoid": ["medical claims", "Caffeine pills"],
    }
    # Only the sent field changes; the rest is kept, and the GET body goes back whole.
    again = await patch(http, tenant, site["id"], {"content_profile": {"tone": "dry, exact"}})
    assert again.status_code == 200, again.text
    assert again.json()["content_profile"] == {**profile, "tone": "dry, exact"}
    whole = await get_settings(http, tenant, site["id"])
    assert (await patch(http, tenant, site["id"], whole)).status_code == 200
    assert (await get_settings(http, tenant, site["id"]))["content_profile"] == {
        **profile,
        "tone": "dry, exact",
    }


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"language": "english"}, "language"),
        ({"language": "en_GB"}, "language"),
        ({"language": 7}, "language"),
        ({"audience": "x" * 301}, "audience"),
        ({"tone": "x" * 201}, "tone"),
        ({"point_of_view": "omniscient"}, "point_of_view"),
        ({"target_words_min": 299}, "target_words_min"),
        ({"target_words_max": 5001}, "target_words_max"),
        ({"target_words_min": "900"}, "target_words_min"),
        ({"target_words_min": 1200, "target_words_max": 1000}, "target_words_min"),
        ({"target_words_min": 2000}, "target_words_min"),
        ({"target_words_max": 800}, "target_words_max"),
        ({"brand_name": "b" * 101}, "brand_name"),
        ({"avoid": "politics"}, "avoid"),
        ({"avoid": ["x"] * 51}, "avoid"),
        ({"avoid": ["ok", " "]}, "avoid"),
        ({"avoid": ["y" * 201]}, "avoid"),
        ({"house_style": "z" * 2001}, "house_style"),
        ({"voice": "warm"}, "voice"),
    ],
)
async def test_each_bad_profile_value_is_named_and_nothing_changes(
    http: httpx.AsyncClient, tenant: Tenant, value: dict[str, Any], field: str
) -> None:
    site = await new_site(http, tenant)
    before = await get_settings(http, tenant, site["id"])
    body = {"content_profile": {**value}, "delays": {"within_stage": 9}}
    locs = error_locs(await patch(http, tenant, site["id"], body))
    assert {loc[:2] for loc in locs} == {("content_profile", field)}
    assert await get_settings(http, tenant, site["id"]) == before


async def test_a_range_upside_down_names_min_with_its_message(
    http: httpx.AsyncClient, tenant: Tenant
) -> None:
    site = await new_site(http, tenant)
    body = {"content_profile": {"target_words_min": 1600, "target_words_max": 1000}}
    response = await patch(http, tenant, site["id"], body)
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["content_profile", "target_words_min"]
    assert "must not exceed target_words_max" in error["msg"]


async def test_the_profile_must_be_an_object(http: httpx.AsyncClient, tenant: Tenant) -> None:
    site = await new_site(http, tenant)
    locs = error_locs(await patch(http, tenant, site["id"], {"content_profile": ["en"]}))
    assert locs == {("content_profile",)}
