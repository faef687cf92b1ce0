"""Config changes through the API keep the site's Temporal Schedule in step; so does
`pressrun schedules sync`."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from pressrun.contracts.launch import schedule_id
from tests.api.conftest import ApiServer, Tenant, new_site

A = "/api/v1/automation"


async def test_config_changes_create_pause_and_delete_the_schedule(
    http: httpx.AsyncClient, tenant: Tenant, dev_env: WorkflowEnvironment
) -> None:
    site = await new_site(http, tenant, timezone="Europe/Berlin")
    q = {"site_id": site["id"]}
    h = tenant.headers
    handle = dev_env.client.get_schedule_handle(schedule_id(site["id"]))

    enabled = await http.put(
        f"{A}/update_config/",
        params=q,
        headers=h,
        json={"enabled": True, "frequency": "daily", "scheduled_time": "07:00"},
    )
    assert enabled.status_code == 200, enabled.text
    assert enabled.json()["next_run_at"] is not None
    description = await handle.describe()
    assert not description.schedule.state.paused
    assert description.schedule.spec.time_zone_name == "Europe/Berlin"

    disabled = await http.put(f"{A}/update_config/", params=q, headers=h, json={"enabled": False})
    assert disabled.json()["next_run_at"] is None
    assert (await handle.describe()).schedule.state.paused

    refused = await http.put(
        f"{A}/update_config/", params=q, headers=h, json={"test_mode_enabled": True}
    )
    assert refused.status_code == 403

    assert (await http.delete(f"/api/v1/sites/{site['id']}", headers=h)).status_code == 204
    try:
        await handle.describe()
        raise AssertionError("the deleted site's schedule still exists")
    except RPCError:
        pass


async def test_schedules_sync_command(
    http: httpx.AsyncClient, tenant: Tenant, api: ApiServer, dev_env: WorkflowEnvironment
) -> None:
    site = await new_site(http, tenant)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PRESSRUN_")}
    env.update(
        PRESSRUN_DATABASE_URL=api.settings.resolved_database_url(),
        PRESSRUN_DATA_DIR=str(api.settings.data_dir),
        TEMPORAL_ADDRESS=dev_env.client.service_client.config.target_host,
        TEMPORAL_NAMESPACE=dev_env.client.namespace,
    )
    command = [sys.executable, "-m", "pressrun.cli", "schedules", "sync"]
    first = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    assert f"site {site['id']}: paused" in first.stdout
    second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert f"site {site['id']}: unchanged" in second.stdout
    await dev_env.client.get_schedule_handle(schedule_id(site["id"])).delete()
