"""`pressrun demo`: a demo account and site from the shipped keywords, one full run, shown live."""

from __future__ import annotations

import asyncio
import time
from decimal import Decimal
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text
from sqlmodel import select

from pressrun.config import Settings
from pressrun.contracts.run import RESULT_FIELDS, STAGE_NAMES
from pressrun.db import SessionFactory, transaction
from pressrun.migrations.upgrade import upgrade
from pressrun.models import Account, AutomationConfig, AutomationRun, Site
from pressrun.models.automation import FINISHED_STATUSES
from pressrun.resources import open_resources
from pressrun.runs.control import start_run
from pressrun.sealing import build_sealer
from pressrun.services.accounts import create_site
from pressrun.services.demo_tenant import DEMO_CREDITS, demo_account
from pressrun.services.keywords import demo_keywords, import_keywords


def create_demo_site(sessions: SessionFactory, keywords: int) -> tuple[int, int, int]:
    """A new site of the demo account, so every demo runs the whole pipeline."""
    rows = demo_keywords()
    if keywords:
        rows = rows[:keywords]
    with transaction(sessions) as session:
        account = demo_account(session)
        sites = len(session.exec(select(Site.id).where(Site.account_id == account.id)).all())
        site = create_site(
            session, account, name=f"Demo site {sites + 1}", url="https://demo.pressrun.local"
        )
        imported = import_keywords(session, site.id or 0, rows)
        config = session.exec(
            select(AutomationConfig).where(AutomationConfig.site_id == site.id)
        ).one()
        # The demo shows the pipeline, not the pacing: no pause between batches.
        config.within_stage_delay = 0
        config.between_stage_delay = 1
        return account.id or 0, site.id or 0, imported.created


def _stage_table(run: AutomationRun | None) -> Table:
    table = Table(title="Stages", expand=False)
    for column in ("#", "stage", "status", "processed", "created", "batches", "credits", "time"):
        table.add_column(column, justify="right" if column not in ("stage", "status") else "left")
    for number, name in STAGE_NAMES.items():
        result: dict[str, Any] = (getattr(run, f"stage_{number}_result", None) or {}) if run else {}
        processed_key, created_key = RESULT_FIELDS[number]
        status = result.get("status", "…" if run and run.current_stage == number else "")
        if run and run.current_stage == number and status == "running":
            status = "[yellow]running[/]"
        table.add_row(
            str(number),
            name,
            str(status),
            str(result.get(processed_key, "")),
            str(result.get(created_key, "")),
            str(result.get("batches_run", "")),
            str(result.get("credits_used", "")),
            f"{result['time_elapsed']}s" if "time_elapsed" in result else "",
        )
    return table


def _load_run(sessions: SessionFactory, run_id: str) -> AutomationRun | None:
    with transaction(sessions) as session:
        return session.get(AutomationRun, run_id)


async def run_demo(settings: Settings, *, keywords: int = 0) -> int:
    console = Console()
    upgrade(settings.resolved_database_url(), sealer=build_sealer(settings))
    async with open_resources(settings) as resources:
        account_id, site_id, imported = create_demo_site(resources.sessions, keywords)
        console.print(
            f"Demo account {account_id} (topped up to {DEMO_CREDITS} credits); site {site_id} "
            f"with {imported} keywords. AI provider: [bold]{resources.provider.name}[/]."
        )
        started = await start_run(
            resources.client, settings, site_id=site_id, account_id=account_id
        )
        console.print(f"Run {started.run_id} started as workflow [bold]{started.workflow_id}[/].")
        begin = time.monotonic()
        last_change = begin
        last_seen: Any = None
        run: AutomationRun | None = None
        with Live(console=console, refresh_per_second=4) as live:
            while True:
                run = await asyncio.to_thread(_load_run, resources.sessions, started.run_id)
                elapsed = time.monotonic() - begin
                marker = (run.updated_at, run.status) if run else None
                if marker != last_seen:
                    last_seen, last_change = marker, time.monotonic()
                header = Text(
                    f"{run.status} · stage {run.current_stage} · {elapsed:.1f}s · "
                    f"{run.total_credits_used} credits"
                    if run
                    else f"starting · {elapsed:.1f}s"
                )
                parts: list[Any] = [header, _stage_table(run)]
                if time.monotonic() - last_change > 15:
                    parts.append(
                        Text(
                            "No progress for 15 s: is a worker running? Start the stack with "
                            "`pressrun dev`.",
                            style="bold red",
                        )
                    )
                live.update(Group(*parts))
                if run and run.status in FINISHED_STATUSES:
                    break
                await asyncio.sleep(0.5)
        wall = time.monotonic() - begin
        history = await started.handle.fetch_history()
        with transaction(resources.sessions) as session:
            account = session.get(Account, account_id)
            balance = account.credit_balance if account else Decimal(0)
        assert run is not None
        console.print(
            f"\nRun [bold]{run.status}[/] in {wall:.1f}s wall time; "
            f"{len(history.events)} workflow history events; "
            f"{run.total_credits_used} credits used (estimate with buffer "
            f"{run.estimated_credits}); balance now {balance}."
        )
        if run.error_message:
            console.print(f"[red]{run.error_message}[/]")
        console.print(
            f"Web UI: http://localhost:{settings.temporal_ui_port}/namespaces/"
            f"{settings.temporal_namespace}/workflows/{started.workflow_id}"
        )
        return 0 if run.status == "completed" else 1
