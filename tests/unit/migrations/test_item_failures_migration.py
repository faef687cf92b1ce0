"""Migration 0006: items already failed count one attempt, and drafts wrongly marked as having
image prompts go back to stage 5's queue."""

from __future__ import annotations

import sqlalchemy as sa

from pressrun.db import create_db_engine
from pressrun.migrations.upgrade import downgrade, upgrade
from tests.unit.migrations.seeding import Seed


def test_failed_items_count_one_attempt_and_drafts_without_prompts_go_back_to_stage_5(
    fresh_database_url: str,
) -> None:
    url = fresh_database_url
    upgrade(url, "0005")
    engine = create_db_engine(url)
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        with engine.begin() as conn:
            seed = Seed(conn, meta)
            account = seed.add("account", name="a")
            site = seed.add("site", account_id=account, name="s", url="https://x.test")
            failed_kw = seed.add("keyword", site_id=site, text="failed", status="failed")
            new_kw = seed.add("keyword", site_id=site, text="new", status="new")
            cluster = seed.add("cluster", site_id=site, name="c", status="ideas_generated")
            contents = []
            for n, has_prompts in enumerate((False, True)):
                idea = seed.add("idea", site_id=site, cluster_id=cluster, title=f"i{n}")
                task = seed.add("task", site_id=site, idea_id=idea, title=f"t{n}", status="done")
                content = seed.add(
                    "content", site_id=site, task_id=task, title=f"a{n}", status="draft",
                    image_prompts_done=True,
                )  # fmt: skip
                if has_prompts:
                    seed.add("imageprompt", site_id=site, content_id=content, kind="featured")
                contents.append(content)
        upgrade(url, "0006")
        with engine.connect() as conn:
            keywords = conn.execute(sa.text("SELECT id, attempts FROM keyword")).all()
            attempts = {int(row[0]): int(row[1]) for row in keywords}
            contents_done = conn.execute(sa.text("SELECT id, image_prompts_done FROM content"))
            done = {int(row[0]): bool(row[1]) for row in contents_done}
        assert attempts == {failed_kw: 1, new_kw: 0}
        without, with_prompts = contents
        assert not done[without] and done[with_prompts]

        downgrade(url, "0005")
        upgrade(url, "0006")
    finally:
        engine.dispose()
