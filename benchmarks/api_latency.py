"""Latency of `run_progress` and `/healthz` under a fixed request rate, on this machine.

    apt-get install hey          # the load tool (Debian package)
    .venv/bin/python -m benchmarks.api_latency [--rate 200] [--seconds 30]

Seeds a database with one real completed run (offline provider, Temporal dev server), serves
the API alone in its own process (`pressrun api`), then runs two `hey` load generators at
once: `run_progress` at `--rate` requests per second and `/healthz` at a tenth of that.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import httpx
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from pressrun.ai.offline import OfflineProvider
from pressrun.config import Settings
from pressrun.contracts.search_attributes import ALL_KEYS
from pressrun.db import create_db_engine, make_session_factory, transaction
from pressrun.dev.temporal_server import temporal_binary
from pressrun.migrations.upgrade import upgrade
from pressrun.models import AutomationConfig
from pressrun.runs.control import start_run
from pressrun.services.accounts import create_account, create_site
from pressrun.services.api_keys import issue_key
from pressrun.services.keywords import demo_keywords, import_keywords
from pressrun.temporal_client import DATA_CONVERTER
from pressrun.worker import build_worker

PORT = 8765


async def seed(settings: Settings) -> tuple[str, int, str]:
    """One account, key and site with a completed run; returns (key, site_id, run_id)."""
    sessions = make_session_factory(create_db_engine(settings.resolved_database_url()))
    with transaction(sessions) as session:
        account = create_account(session, "bench", Decimal(1_000_000))
        key = issue_key(session, account.id or 0).key
        site = create_site(session, account, name="Bench", url="https://bench.test")
        import_keywords(session, site.id or 0, demo_keywords()[:40])
        config = session.exec(
            select(AutomationConfig).where(AutomationConfig.site_id == site.id)
        ).one()
        config.within_stage_delay = config.between_stage_delay = 0
        account_id, site_id = account.id or 0, site.id or 0
    env = await WorkflowEnvironment.start_local(
        data_converter=DATA_CONVERTER,
        dev_server_existing_path=temporal_binary(),
        search_attributes=ALL_KEYS,
    )
    async with env, build_worker(env.client, settings, sessions, OfflineProvider()):
        started = await start_run(env.client, settings, site_id=site_id, account_id=account_id)
        await started.handle.result()
    return key, site_id, started.run_id


def hey(url: str, rate: float, seconds: float, headers: dict[str, str]) -> subprocess.Popen[str]:
    workers = 20
    command = ["hey", "-z", f"{seconds:g}s", "-c", str(workers), "-q", f"{rate / workers:g}"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    return subprocess.Popen([*command, url], stdout=subprocess.PIPE, text=True)


def summary(output: str) -> dict[str, float]:
    """Requests/s, status counts and latency percentiles (ms) from hey's report."""
    figures: dict[str, float] = {}
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("Requests/sec:"):
            figures["rps"] = float(line.split()[1])
        match = re.match(r"(\d+)% in ([\d.]+) secs", line)
        if match:
            figures[f"p{match.group(1)}"] = float(match.group(2)) * 1000
        match = re.match(r"\[(\d+)\]\s+(\d+) responses", line)
        if match:
            figures[f"status_{match.group(1)}"] = float(match.group(2))
    return figures


async def main(rate: float, seconds: float, api_workers: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        settings = Settings(data_dir=Path(tmp), database_url=url, image_size="128x128")
        key, site_id, run_id = await seed(settings)
        env = {
            **os.environ,
            "PRESSRUN_DATA_DIR": tmp,
            "PRESSRUN_DATABASE_URL": url,
            "PRESSRUN_API_PORT": str(PORT),
            "PRESSRUN_LOG_JSON": "true",
            "PRESSRUN_API_WORKERS": str(api_workers),
        }
        with open(Path(tmp) / "api.log", "wb") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "pressrun.cli", "api"], env=env, stdout=log, stderr=log
            )
        try:
            base = f"http://127.0.0.1:{PORT}"
            for _ in range(100):
                try:
                    if httpx.get(f"{base}/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            progress_url = (
                f"{base}/api/v1/automation/run_progress/?site_id={site_id}&run_id={run_id}"
            )
            headers = {"Authorization": f"Bearer {key}"}
            loads = [
                hey(progress_url, rate, seconds, headers),
                hey(f"{base}/healthz", rate / 10, seconds, {}),
            ]
            progress, health = (summary(p.communicate()[0]) for p in loads)
        finally:
            server.terminate()
            server.wait(10)
    print(f"API worker processes: {api_workers}")
    print(f"run_progress at {rate:g}/s for {seconds:g}s: {progress}")
    print(f"healthz at {rate / 10:g}/s, same run: {health}")
    print(
        f"ratio run_progress/healthz: p50 {progress['p50'] / health['p50']:.2f}x, "
        f"p99 {progress['p99'] / health['p99']:.2f}x"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--api-workers", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(main(args.rate, args.seconds, args.api_workers))
