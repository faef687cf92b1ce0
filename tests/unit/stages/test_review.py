"""Stage 7 over a real database: ready drafts go to review or are auto-approved, approved
articles get the calendar's next free slots with auto-publish, and the rest is left alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlmodel import select

from pressrun.contracts.run import BatchResult
from pressrun.db import SessionFactory, transaction
from pressrun.models import Content, ImagePrompt, Publication, PublishingSettings, Site
from pressrun.models.content import ContentStatus, ItemStatus
from pressrun.models.publishing import PublicationStatus
from pressrun.services.site_config import default_config, get_or_create_config
from pressrun.stages import review
from tests.unit.stages.conftest import StageSite

# A Monday, before the day's first slot.
MONDAY_8AM = datetime(2030, 1, 7, 8, 0, tzinfo=UTC)


def at(day: int, hour: int) -> datetime:
    """January 2030, UTC: the 7th is a Monday."""
    return datetime(2030, 1, day, hour, 0, tzinfo=UTC)


def publishing(site: StageSite, **fields: Any) -> None:
    with transaction(site.sessions) as session:
        row = session.exec(
            select(PublishingSettings).where(PublishingSettings.site_id == site.site_id)
        ).one()
        for key, value in fields.items():
            setattr(row, key, value)


def pending(site: StageSite) -> int:
    with transaction(site.sessions) as session:
        return review.pending(session, site.site_id, site.deps.settings.item_max_attempts)


def statuses(site: StageSite) -> dict[int, str]:
    return {c.id or 0: c.status for c in site.rows(Content)}


def publications(site: StageSite) -> dict[int, tuple[str, datetime]]:
    return {p.content_id: (p.status, p.publish_at) for p in site.rows(Publication)}


async def run(site: StageSite, batch: int = 0, *, limit: int = 50) -> BatchResult:
    return await review.run_batch(site.deps, site.request(7, batch, limit=limit, now=MONDAY_8AM))


async def test_without_auto_approval_ready_drafts_wait_in_review(site: StageSite) -> None:
    first, second = site.content(image_prompts_done=True), site.content(image_prompts_done=True)
    assert pending(site) == 2
    result = await run(site)

    assert (result.processed, result.created, result.approved, result.remaining) == (2, 2, 0, 0)
    assert result.scheduled == [] and result.credits == 0
    assert statuses(site) == {first: ContentStatus.REVIEW, second: ContentStatus.REVIEW}
    assert site.rows(Publication) == []
    assert site.charges() == [] and site.balance() == Decimal("1000")
    progress = site.progress(7)
    assert (progress["content_processed"], progress["ready_for_review"]) == (2, 2)
    assert progress["approved"] == 0
    assert site.logs() == ["2 articles ready for review"]
    assert pending(site) == 0


async def test_with_auto_approval_ready_drafts_are_approved_and_wait_for_a_slot(
    site: StageSite,
) -> None:
    publishing(site, auto_approval_enabled=True)
    first, second = site.content(image_prompts_done=True), site.content(image_prompts_done=True)
    result = await run(site)

    assert (result.processed, result.created, result.approved) == (2, 0, 2)
    assert result.scheduled == []
    assert statuses(site) == {first: ContentStatus.APPROVED, second: ContentStatus.APPROVED}
    # Without auto-publish nothing is put on the calendar.
    assert site.rows(Publication) == [] and result.remaining == 0
    assert site.progress(7)["approved"] == 2
    assert site.logs() == ["Auto-approved 2 articles"]


async def test_a_draft_whose_images_are_still_pending_is_left_alone(site: StageSite) -> None:
    publishing(site, auto_approval_enabled=True)
    waiting = site.content(image_prompts_done=True)
    site.prompt(waiting, "done one", status=ItemStatus.DONE)
    site.prompt(waiting, "still going", kind="in_article")
    # A failed image a later run will try again keeps its article waiting too.
    retried = site.content(image_prompts_done=True)
    site.prompt(retried, "done two", status=ItemStatus.DONE)
    site.prompt(retried, "failed once", kind="in_article", status=ItemStatus.FAILED)
    settled = site.content(image_prompts_done=True)
    site.prompt(settled, "done", status=ItemStatus.DONE)
    given_up = site.prompt(settled, "failed", kind="in_article", status=ItemStatus.FAILED)
    site.failed_out(ImagePrompt, given_up)
    assert pending(site) == 1
    result = await run(site)

    assert (result.processed, result.approved, result.remaining) == (1, 1, 0)
    assert statuses(site) == {
        waiting: ContentStatus.DRAFT,
        retried: ContentStatus.DRAFT,
        settled: ContentStatus.APPROVED,
    }


async def test_a_draft_stage_5_has_not_given_prompts_is_not_ready(site: StageSite) -> None:
    publishing(site, auto_approval_enabled=True)
    unreached = site.content()  # stage 5 never took it (its limit, its budget)
    failing = site.content()
    site.update(Content, failing, attempts=1, error="invalid output")
    given_up = site.content()
    site.failed_out(Content, given_up)
    assert pending(site) == 1
    result = await run(site)

    # Only the draft stage 5 gave up on goes on, without images, its reason kept.
    assert (result.processed, result.approved) == (1, 1)
    assert statuses(site) == {
        unreached: ContentStatus.DRAFT,
        failing: ContentStatus.DRAFT,
        given_up: ContentStatus.APPROVED,
    }
    assert site.get(Content, given_up).error == "failed every time"


async def test_content_past_the_draft_stage_is_not_touched(site: StageSite) -> None:
    publishing(site, auto_approval_enabled=True)
    states = [ContentStatus.REVIEW, ContentStatus.SCHEDULED, ContentStatus.PUBLISHED]
    ids = [site.content(image_prompts_done=True, status=s) for s in states]
    assert pending(site) == 0
    result = await run(site)
    assert result == BatchResult(remaining=0)
    assert statuses(site) == dict(zip(ids, states, strict=True))
    assert site.batches() == [] and site.logs() == []


async def test_auto_publish_gives_the_calendars_next_free_slots_within_the_daily_limit(
    site: StageSite,
) -> None:
    publishing(
        site,
        auto_approval_enabled=True,
        auto_publish_enabled=True,
        daily_publish_limit=2,
        publish_days=["mon", "tue", "wed", "thu", "fri"],
        time_slots=["14:00", "09:00", "18:00"],
    )
    ids = [site.content(image_prompts_done=True) for _ in range(3)]
    result = await run(site)

    assert (result.processed, result.approved, result.remaining) == (3, 3, 0)
    assert result.scheduled == ids
    slots = [at(7, 9), at(7, 14), at(8, 9)]  # two on Monday, then Tuesday's first
    assert publications(site) == {
        cid: (PublicationStatus.SCHEDULED, slot) for cid, slot in zip(ids, slots, strict=True)
    }
    for article, slot in zip(site.rows(Content), slots, strict=True):
        assert (article.status, article.publish_at) == (ContentStatus.SCHEDULED, slot)
    assert site.logs() == ["Auto-approved 3 articles; scheduled 3 for publishing"]


async def test_auto_publish_skips_slots_taken_and_days_off_in_the_sites_time_zone(
    site: StageSite,
) -> None:
    with transaction(site.sessions) as session:
        row = session.get(Site, site.site_id)
        assert row is not None
        row.timezone = "America/New_York"  # UTC-5 in January
    publishing(
        site,
        auto_approval_enabled=True,
        auto_publish_enabled=True,
        daily_publish_limit=2,
        publish_days=["mon", "wed"],
        time_slots=["09:00", "18:00"],
    )
    # Another article already holds Monday 09:00 New York time.
    held = site.content(image_prompts_done=True, status=ContentStatus.SCHEDULED)
    with transaction(site.sessions) as session:
        session.add(Publication(site_id=site.site_id, content_id=held, publish_at=at(7, 14)))
    ids = [site.content(image_prompts_done=True) for _ in range(2)]
    result = await run(site)

    assert result.scheduled == ids
    found = publications(site)
    # Monday 18:00 local (23:00 UTC) is Monday's last; then Wednesday 09:00 local.
    assert [found[i][1] for i in ids] == [at(7, 23), at(9, 14)]


async def test_earlier_approved_articles_get_slots_and_count_once_slotted(
    site: StageSite,
) -> None:
    publishing(site, auto_publish_enabled=True)  # approval stays manual
    approved = site.content(image_prompts_done=True, status=ContentStatus.APPROVED)
    draft = site.content(image_prompts_done=True)
    result = await run(site)

    # The draft waits in review; the approved article gets Monday's first slot.
    assert (result.processed, result.created, result.approved) == (2, 1, 0)
    assert result.scheduled == [approved]
    assert statuses(site) == {approved: ContentStatus.SCHEDULED, draft: ContentStatus.REVIEW}
    assert publications(site) == {approved: (PublicationStatus.SCHEDULED, at(7, 9))}
    assert site.logs() == ["1 articles ready for review; scheduled 1 for publishing"]


async def test_a_withdrawn_or_failed_publication_is_not_scheduled_again(
    site: StageSite,
) -> None:
    publishing(site, auto_publish_enabled=True)
    withdrawn = site.content(image_prompts_done=True, status=ContentStatus.APPROVED)
    failed = site.content(image_prompts_done=True, status=ContentStatus.APPROVED)
    fresh = site.content(image_prompts_done=True, status=ContentStatus.APPROVED)
    with transaction(site.sessions) as session:
        for cid, status in (
            (withdrawn, PublicationStatus.UNSCHEDULED),
            (failed, PublicationStatus.FAILED),
        ):
            session.add(
                Publication(
                    site_id=site.site_id, content_id=cid, status=status, publish_at=at(1, 9)
                )
            )
    assert pending(site) == 1
    result = await run(site)
    assert result.scheduled == [fresh] and result.processed == 1
    assert statuses(site) == {
        withdrawn: ContentStatus.APPROVED,
        failed: ContentStatus.APPROVED,
        fresh: ContentStatus.SCHEDULED,
    }
    assert publications(site)[withdrawn][0] == PublicationStatus.UNSCHEDULED


async def test_a_calendar_with_no_room_leaves_articles_approved_and_processes_nothing(
    site: StageSite,
) -> None:
    publishing(site, auto_approval_enabled=True, auto_publish_enabled=True, publish_days=[])
    article = site.content(image_prompts_done=True)
    first = await run(site)
    assert (first.processed, first.approved, first.scheduled) == (1, 1, [])
    assert statuses(site) == {article: ContentStatus.APPROVED}
    # Still waiting for a slot, but a further batch does nothing: the stage can end.
    assert first.remaining == 1
    second = await run(site, batch=1)
    assert (second.processed, second.scheduled, second.remaining) == (0, [], 1)
    assert site.rows(Publication) == []


async def test_a_replayed_batch_schedules_nothing_twice(site: StageSite) -> None:
    publishing(site, auto_approval_enabled=True, auto_publish_enabled=True)
    article = site.content(image_prompts_done=True)
    first = await run(site, batch=2)
    late = site.content(image_prompts_done=True)
    again = await run(site, batch=2)

    assert again.replayed and again.scheduled == first.scheduled == [article]
    assert again.model_dump(exclude={"replayed"}) == first.model_dump(exclude={"replayed"})
    assert list(publications(site)) == [article]
    assert statuses(site)[late] == ContentStatus.DRAFT
    assert len(site.batches()) == 1 and site.progress(7)["batches_run"] == 1


async def test_the_limit_caps_the_drafts_a_batch_takes(site: StageSite) -> None:
    ids = [site.content(image_prompts_done=True) for _ in range(3)]
    result = await run(site, limit=2)
    assert (result.processed, result.remaining) == (2, 1)
    assert [statuses(site)[i] for i in ids] == [
        ContentStatus.REVIEW,
        ContentStatus.REVIEW,
        ContentStatus.DRAFT,
    ]


async def test_with_auto_publish_a_batch_processes_no_more_than_its_limit(
    site: StageSite,
) -> None:
    publishing(site, auto_approval_enabled=True, auto_publish_enabled=True, daily_publish_limit=10)
    earlier = [site.content(status=ContentStatus.APPROVED) for _ in range(3)]
    drafts = [site.content(image_prompts_done=True) for _ in range(2)]
    result = await run(site, limit=3)
    # Both drafts, and one of the articles approved earlier: three in all.
    assert result.processed == 3 and result.approved == 2
    assert sorted(result.scheduled) == sorted([*drafts, earlier[0]])
    assert result.remaining == 2


@pytest.fixture
def auto_defaults(sessions: SessionFactory) -> Iterator[None]:
    """The admin defaults with auto-approval and auto-publish on, restored afterwards."""
    fields = (
        "auto_approval_enabled",
        "auto_publish_enabled",
        "daily_publish_limit",
        "publish_days",
        "publish_time_slots",
    )
    with transaction(sessions) as session:
        defaults = default_config(session)
        saved = {f: getattr(defaults, f) for f in fields}
        defaults.auto_approval_enabled = True
        defaults.auto_publish_enabled = True
        defaults.daily_publish_limit = 1
        defaults.publish_days = ["tue"]
        defaults.publish_time_slots = ["10:30"]
    try:
        yield
    finally:
        with transaction(sessions) as session:
            defaults = default_config(session)
            for key, value in saved.items():
                setattr(defaults, key, value)


@pytest.mark.usefixtures("auto_defaults")
async def test_a_site_without_publishing_settings_takes_the_admin_defaults(
    site: StageSite,
) -> None:
    with transaction(site.sessions) as session:
        row = session.exec(
            select(PublishingSettings).where(PublishingSettings.site_id == site.site_id)
        ).one()
        session.delete(row)
    ids = [site.content(image_prompts_done=True) for _ in range(2)]
    result = await run(site)

    assert (result.approved, result.scheduled) == (2, ids)
    # One a day, Tuesdays at 10:30.
    found = publications(site)
    assert [found[i][1] for i in ids] == [
        datetime(2030, 1, 8, 10, 30, tzinfo=UTC),
        datetime(2030, 1, 15, 10, 30, tzinfo=UTC),
    ]
    # The settings row was made from the defaults, and stays.
    with transaction(site.sessions) as session:
        made = session.exec(
            select(PublishingSettings).where(PublishingSettings.site_id == site.site_id)
        ).one()
        assert (made.auto_approval_enabled, made.publish_days) == (True, ["tue"])


async def test_with_stage_5_disabled_a_draft_needs_no_prompts(site: StageSite) -> None:
    with transaction(site.sessions) as session:
        owner = session.get(Site, site.site_id)
        assert owner is not None
        get_or_create_config(session, owner).stage_5_enabled = False
    draft = site.content()
    assert pending(site) == 1
    result = await run(site)
    assert (result.processed, result.created) == (1, 1)
    assert statuses(site) == {draft: ContentStatus.REVIEW}
