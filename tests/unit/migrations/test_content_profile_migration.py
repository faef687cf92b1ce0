"""Migration 0007: the content profile table, which existing sites start without (their
profile is made with the defaults when first read), and which the downgrade removes."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session

from pressrun.db import create_db_engine
from pressrun.migrations.upgrade import downgrade, upgrade
from pressrun.services.site_config import content_profile, writing_profile
from tests.unit.migrations.seeding import Seed


def test_sites_from_before_get_the_default_profile_and_the_downgrade_removes_it(
    fresh_database_url: str,
) -> None:
    url = fresh_database_url
    upgrade(url, "0006")
    engine = create_db_engine(url)
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        assert "contentprofile" not in meta.tables
        with engine.begin() as conn:
            seed = Seed(conn, meta)
            account = seed.add("account", name="a")
            site_id = seed.add("site", account_id=account, name="s", url="https://x.test")
        upgrade(url, "0007")
        with Session(engine) as session:
            assert writing_profile(session, site_id).target_words == 1200
            row = content_profile(session, site_id)
            row.avoid = ["medical claims"]
            row.language = "pt-BR"
            session.add(row)
            session.commit()
            profile = writing_profile(session, site_id)
            assert (profile.language, profile.avoid) == ("pt-BR", ["medical claims"])
            assert (profile.target_words_min, profile.target_words_max) == (900, 1500)

        downgrade(url, "0006")
        assert "contentprofile" not in sa.inspect(engine).get_table_names()
        upgrade(url, "0007")
        assert "contentprofile" in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()
