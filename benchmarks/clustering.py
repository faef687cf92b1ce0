"""Clustering quality, speed and memory through the real stage-1 code, per embedding path.

    .venv/bin/python -m benchmarks.clustering                  # the test split, every path
    .venv/bin/python -m benchmarks.clustering --tune           # choose thresholds (tune split)
    .venv/bin/python -m benchmarks.clustering --scale 10000    # 10,000 keywords, one site
    .venv/bin/python -m benchmarks.clustering --scale 10000 --worker   # the same, as a run

Each path runs in its own process (so its peak RSS is its own) over a fresh SQLite database:
the labelled keywords are imported in a fixed shuffled order (seed 0: a file grouped by
cluster would hand each batch whole clusters), then stage 1's `run_batch` runs batch after
batch at the default batch size until no keyword is left, exactly as the workflow calls it.

- `lexical`: the fallback embedder (word stems and 3-grams), offline naming.
- `local`: the packaged all-MiniLM-L6-v2 ONNX model, offline naming.
- `openai`: `/v1/embeddings` and `cluster_names` of a local fake OpenAI-compatible server
  (tests/fakes), whose vectors are the local model's: it measures the wire path, not OpenAI.

With `--worker`, the keywords are clustered by a real stage-1-only run instead: a Temporal dev
server (its own process), and the worker in the measured process, so the RSS is the worker's.

Pairwise precision/recall/F1 count keyword pairs put together; ARI is the adjusted Rand
index. Thresholds are chosen with `--tune` on `clustering_eval_tune.csv` (topics disjoint
from the test split): the value with the best pairwise F1 on a 0.02 grid; the test split is
never used to choose anything.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlmodel import select

from pressrun.ai.base import AIProvider
from pressrun.ai.offline import OfflineProvider
from pressrun.config import Settings
from pressrun.contracts.run import BatchRequest
from pressrun.db import SessionFactory, create_db_engine, make_session_factory, transaction
from pressrun.embeddings.base import Embedder
from pressrun.embeddings.lexical import LexicalEmbedder
from pressrun.embeddings.local import load_local_embedder
from pressrun.migrations.upgrade import upgrade
from pressrun.models import AutomationRun, Cluster, Keyword
from pressrun.models.automation import DEFAULT_BATCH_SIZES
from pressrun.services.accounts import create_account, create_site
from pressrun.services.keywords import KeywordRow, import_keywords
from pressrun.stages import clustering
from pressrun.stages.common import StageDeps

DATA = Path(__file__).parent / "data"
PATHS = ("lexical", "local", "openai")


@dataclass(frozen=True)
class Labelled:
    keyword: str
    volume: int
    cluster: str


def load_split(split: str) -> list[Labelled]:
    with (DATA / f"clustering_eval_{split}.csv").open(newline="") as handle:
        return [
            Labelled(r["keyword"].strip(), int(r["volume"]), r["cluster"].strip())
            for r in csv.DictReader(handle)
        ]


# --- metrics ------------------------------------------------------------------------------


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def scores(gold: list[str], predicted: list[str]) -> dict[str, float]:
    """Pairwise precision, recall, F1 and the adjusted Rand index of two labelings."""
    joint = Counter(zip(gold, predicted, strict=True))
    together_both = sum(_pairs(c) for c in joint.values())
    together_pred = sum(_pairs(c) for c in Counter(predicted).values())
    together_gold = sum(_pairs(c) for c in Counter(gold).values())
    precision = together_both / together_pred if together_pred else 1.0
    recall = together_both / together_gold if together_gold else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    expected = together_pred * together_gold / _pairs(len(gold)) if len(gold) > 1 else 0.0
    top = (together_pred + together_gold) / 2
    ari = (together_both - expected) / (top - expected) if top != expected else 1.0
    return {"precision": precision, "recall": recall, "f1": f1, "ari": ari}


# --- one path, in its own process ---------------------------------------------------------


def _embedder(path: str, threshold: float | None) -> Embedder:
    if path == "lexical":
        return LexicalEmbedder() if threshold is None else LexicalEmbedder(threshold=threshold)
    return load_local_embedder(threshold=threshold)


async def _stage_one(
    sessions: SessionFactory,
    settings: Settings,
    provider: AIProvider,
    embedder: Embedder,
    rows: list[KeywordRow],
    batch_size: int,
) -> tuple[float, int, dict[str, int]]:
    with transaction(sessions) as session:
        account = create_account(session, "bench", Decimal(10_000_000))
        site = create_site(session, account, name="Bench", url="https://bench.test")
        import_keywords(session, site.id or 0, rows)
        account_id, site_id = account.id or 0, site.id or 0
        run_id = uuid.uuid4().hex
        session.add(
            AutomationRun(id=run_id, account_id=account_id, site_id=site_id, workflow_id="bench")
        )
    deps = StageDeps(sessions=sessions, provider=provider, settings=settings, embedder=embedder)
    begin = time.perf_counter()
    batch = 0
    while True:
        result = await clustering.run_batch(
            deps,
            BatchRequest(
                run_id=run_id,
                site_id=site_id,
                account_id=account_id,
                stage=1,
                batch_index=batch,
                limit=batch_size,
            ),
        )
        batch += 1
        if result.processed == 0 or result.remaining == 0:
            break
    seconds = time.perf_counter() - begin
    with transaction(sessions) as session:
        labels = {
            text: str(cluster_id)
            for text, cluster_id in session.exec(
                select(Keyword.text, Keyword.cluster_id).where(Keyword.site_id == site_id)
            ).all()
        }
        clusters = len(session.exec(select(Cluster.id).where(Cluster.site_id == site_id)).all())
    return seconds, batch, {"clusters": clusters, **{k: int(v) for k, v in labels.items()}}


async def _stage_one_by_worker(
    sessions: SessionFactory, settings: Settings, embedder: Embedder, rows: list[KeywordRow]
) -> tuple[float, int, dict[str, int]]:
    """Stage 1 as a real run: dev server, worker in this process, default budgets."""
    from temporalio.testing import WorkflowEnvironment

    from pressrun.contracts.search_attributes import ALL_KEYS
    from pressrun.dev.temporal_server import temporal_binary
    from pressrun.models import AutomationConfig
    from pressrun.runs.control import start_run
    from pressrun.temporal_client import DATA_CONVERTER
    from pressrun.worker import build_worker

    with transaction(sessions) as session:
        account = create_account(session, "bench", Decimal(10_000_000))
        site = create_site(session, account, name="Bench", url="https://bench.test")
        import_keywords(session, site.id or 0, rows)
        config = session.exec(
            select(AutomationConfig).where(AutomationConfig.site_id == site.id)
        ).one()
        config.within_stage_delay = config.between_stage_delay = 0
        for n in range(2, 8):
            setattr(config, f"stage_{n}_enabled", False)
        account_id, site_id = account.id or 0, site.id or 0
    env = await WorkflowEnvironment.start_local(
        data_converter=DATA_CONVERTER,
        dev_server_existing_path=temporal_binary(),
        search_attributes=ALL_KEYS,
    )
    provider = OfflineProvider()
    async with env, build_worker(env.client, settings, sessions, provider, embedder=embedder):
        begin = time.perf_counter()
        started = await start_run(env.client, settings, site_id=site_id, account_id=account_id)
        outcome = await started.handle.result()
        seconds = time.perf_counter() - begin
    if outcome.status != "completed" or outcome.stage_results[1]["status"] != "completed":
        raise SystemExit(f"the run ended {outcome.status}: {outcome.stage_results.get(1)}")
    with transaction(sessions) as session:
        clusters = len(session.exec(select(Cluster.id).where(Cluster.site_id == site_id)).all())
    return seconds, int(outcome.stage_results[1]["batches_run"]), {"clusters": clusters}


def _synthetic(n: int) -> list[KeywordRow]:
    """`n` distinct keywords from topics x modifiers x forms, for the scale run."""
    rng = random.Random(0)
    topics = [f"{a} {b}" for a in _WORDS_A for b in _WORDS_B]
    forms = [
        "{t}",
        "best {t}",
        "how to choose {t}",
        "{t} vs {u}",
        "what is {t}",
        "{t} not working",
        "cheap {t}",
        "{t} for beginners",
        "{t} {m}",
        "how to clean {t}",
        "{t} review",
    ]
    seen: set[str] = set()
    rows: list[KeywordRow] = []
    while len(rows) < n:
        t, u, m = rng.choice(topics), rng.choice(topics), rng.choice(_MODIFIERS)
        text = rng.choice(forms).format(t=t, u=u, m=m)
        if text not in seen:
            seen.add(text)
            rows.append(KeywordRow(keyword=text, volume=rng.randint(10, 50_000)))
    return rows


_WORDS_A = [
    "electric",
    "wooden",
    "portable",
    "smart",
    "outdoor",
    "kids",
    "vintage",
    "compact",
    "organic",
    "wireless",
    "heavy duty",
    "travel",
    "indoor",
    "ceramic",
    "solar",
]
_WORDS_B = [
    "kettle",
    "bike",
    "lamp",
    "tent",
    "speaker",
    "desk",
    "grill",
    "blender",
    "backpack",
    "heater",
    "camera",
    "mattress",
    "drill",
    "stroller",
    "fan",
    "vacuum",
    "printer",
    "watch",
    "pan",
    "chair",
]
_MODIFIERS = [
    "2026",
    "uk",
    "under 100",
    "for small spaces",
    "for home",
    "reviews",
    "sale",
    "with battery",
    "for seniors",
    "ideas",
    "amazon",
    "black",
    "large",
    "mini",
]


def run_path(
    path: str, split: str, batch_size: int, threshold: float | None, scale: int, worker: bool
) -> dict[str, Any]:
    if scale:
        rows = _synthetic(scale)
        gold: dict[str, str] = {}
    else:
        labelled = load_split(split)
        random.Random(0).shuffle(labelled)
        rows = [KeywordRow(keyword=k.keyword, volume=k.volume) for k in labelled]
        gold = {" ".join(k.keyword.lower().split()): k.cluster for k in labelled}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        sessions = make_session_factory(create_db_engine(url))
        if path == "openai":
            from pressrun.ai.openai_provider import OpenAIProvider
            from pressrun.embeddings.factory import build_embedder
            from tests.fakes.openai_server import FakeOpenAIServer

            local = load_local_embedder()
            server = FakeOpenAIServer(embed=lambda texts: local.embed_sync(texts).tolist())
            with server:
                settings = Settings(
                    data_dir=Path(tmp),
                    database_url=url,
                    embeddings="openai",
                    openai_api_key="bench",
                    openai_base_url=server.base_url,
                    cluster_similarity_threshold=threshold or local.similarity_threshold,
                )
                embedder = build_embedder(settings)
                provider = OpenAIProvider(api_key="bench", base_url=server.base_url)
                seconds, batches, labels = asyncio.run(
                    _stage_one(sessions, settings, provider, embedder, rows, batch_size)
                )
                calls = {r: len(server.requests_to(r)) for r in ("embeddings", "chat")}
        elif worker:
            settings = Settings(data_dir=Path(tmp), database_url=url, task_queue="bench-runs")
            seconds, batches, labels = asyncio.run(
                _stage_one_by_worker(sessions, settings, _embedder(path, threshold), rows)
            )
            calls = {}
        else:
            settings = Settings(data_dir=Path(tmp), database_url=url)
            seconds, batches, labels = asyncio.run(
                _stage_one(
                    sessions,
                    settings,
                    OfflineProvider(),
                    _embedder(path, threshold),
                    rows,
                    batch_size,
                )
            )
            calls = {}
    clusters = labels.pop("clusters")
    out: dict[str, Any] = {
        "path": path,
        "keywords": len(rows),
        "batches": batches,
        "clusters": clusters,
        "seconds": seconds,
        "seconds_per_1000": seconds * 1000 / len(rows),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "calls": calls,
    }
    if gold:
        order = sorted(gold)
        out.update(scores([gold[k] for k in order], [str(labels[k]) for k in order]))
        out["gold_clusters"] = len(set(gold.values()))
    return out


# --- the driver ---------------------------------------------------------------------------


def _child(
    path: str,
    split: str,
    batch_size: int,
    threshold: float | None,
    scale: int,
    worker: bool = False,
) -> dict[str, Any]:
    command = [
        sys.executable,
        "-m",
        "benchmarks.clustering",
        "--child",
        path,
        "--split",
        split,
        "--batch-size",
        str(batch_size),
        "--scale",
        str(scale),
    ]
    if threshold is not None:
        command += ["--threshold", str(threshold)]
    if worker:
        command.append("--worker")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{path} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _table(results: list[dict[str, Any]]) -> None:
    columns = ("kw", 6), ("gold", 5), ("clust", 6), ("P", 5), ("R", 5), ("F1", 5), ("ARI", 5)
    head = " ".join(f"{name:>{width}}" for name, width in columns)
    print(f"{'path':8} {head} {'s/1k kw':>8} {'RSS MB':>7}")
    for r in results:
        metrics = (
            f"{r['precision']:5.2f} {r['recall']:5.2f} {r['f1']:5.2f} {r['ari']:5.2f}"
            if "f1" in r
            else f"{'-':>5} {'-':>5} {'-':>5} {'-':>5}"
        )
        print(
            f"{r['path']:8} {r['keywords']:6d} {r.get('gold_clusters', '-'):>5} {r['clusters']:6d} "
            f"{metrics} {r['seconds_per_1000']:8.2f} {r['peak_rss_mb']:7.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--paths", default=",".join(PATHS))
    parser.add_argument("--split", default="test", choices=["test", "tune"])
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZES[1])
    parser.add_argument("--threshold", type=float)
    parser.add_argument(
        "--tune", action="store_true", help="grid-search thresholds on the tune split"
    )
    parser.add_argument(
        "--scale", type=int, default=0, help="synthetic keywords instead of a split"
    )
    parser.add_argument("--worker", action="store_true", help="stage 1 as a real run (--scale)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = run_path(
            args.child, args.split, args.batch_size, args.threshold, args.scale, args.worker
        )
        print(json.dumps(result))
        return
    paths = [p for p in args.paths.split(",") if p]
    if args.tune:
        for path in [p for p in paths if p != "openai"]:
            grid = [round(0.30 + 0.02 * i, 2) for i in range(30)]
            found = [(_child(path, "tune", args.batch_size, t, 0)["f1"], t) for t in grid]
            for f1, t in found:
                print(f"{path:8} threshold {t:.2f}  F1 {f1:.3f}")
            best_f1, best_t = max(found)
            print(f"== {path}: best threshold {best_t:.2f} (tune F1 {best_f1:.3f})")
        return
    split = "scale" if args.scale else args.split
    print(f"split {split}, batch size {args.batch_size}")
    _table(
        [
            _child(p, args.split, args.batch_size, args.threshold, args.scale, args.worker)
            for p in paths
        ]
    )


if __name__ == "__main__":
    main()
