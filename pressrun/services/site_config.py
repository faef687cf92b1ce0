"""A site's stored settings rows, made from the admin defaults the first time they are needed.

The one place that answers "what are this site's automation config, publishing settings and
content profile": the API, the stages, the calendar and the schedules all read them through
here.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from pressrun.ai.base import WritingProfile
from pressrun.errors import FieldError
from pressrun.models import (
    AutomationConfig,
    ContentProfile,
    DefaultAutomationConfig,
    PublishingSettings,
    Site,
)
from pressrun.models.automation import StageColumns
from pressrun.models.base import utcnow
from pressrun.sealing import Sealer

# What each publisher needs stored before a site may switch to it.
PUBLISHER_CREDENTIALS = {
    "wordpress": ("wordpress_url", "wordpress_username", "wordpress_app_password"),
    "webhook": ("webhook_url", "webhook_secret"),
}
# Write-only secrets, stored sealed: sent as null (or left out) they keep their stored value.
KEEP_WHEN_NULL = frozenset({"wordpress_app_password", "webhook_secret"})


def default_config(session: Session) -> DefaultAutomationConfig:
    """The admin's defaults for new sites (the singleton row, created on first use)."""
    defaults = session.get(DefaultAutomationConfig, 1)
    if defaults is None:
        defaults = DefaultAutomationConfig(id=1)
        session.add(defaults)
        session.flush()
    return defaults


def get_or_create_config(session: Session, site: Site) -> AutomationConfig:
    """The site's automation config, made from the defaults if it has none."""
    config = session.exec(
        select(AutomationConfig).where(AutomationConfig.site_id == site.id)
    ).first()
    if config is not None:
        return config
    defaults = default_config(session)
    stage_values = {name: getattr(defaults, name) for name in StageColumns.model_fields}
    # New sites take the next hour in turn, so scheduled runs spread over the day.
    hour = defaults.next_scheduled_hour % 24
    defaults.next_scheduled_hour = (hour + 1) % 24
    config = AutomationConfig(
        account_id=site.account_id,
        site_id=site.id or 0,
        enabled=defaults.is_enabled,
        frequency=defaults.frequency,
        scheduled_time=f"{hour:02d}:00",
        **stage_values,
    )
    session.add(config)
    session.flush()
    return config


def publishing_settings(session: Session, site_id: int) -> PublishingSettings:
    """The site's publishing settings, made from the defaults if it has none."""
    found = session.exec(
        select(PublishingSettings).where(PublishingSettings.site_id == site_id)
    ).first()
    if found is not None:
        return found
    defaults = default_config(session)
    created = PublishingSettings(
        site_id=site_id,
        auto_approval_enabled=defaults.auto_approval_enabled,
        auto_publish_enabled=defaults.auto_publish_enabled,
        daily_publish_limit=defaults.daily_publish_limit,
        publish_days=list(defaults.publish_days),
        time_slots=list(defaults.publish_time_slots),
    )
    session.add(created)
    session.flush()
    return created


def content_profile(session: Session, site_id: int) -> ContentProfile:
    """The site's content profile, made with the defaults if it has none."""
    query = select(ContentProfile).where(ContentProfile.site_id == site_id)
    found = session.exec(query).first()
    if found is not None:
        return found
    created = ContentProfile(site_id=site_id)
    try:
        # A savepoint: a concurrent first read that made the row first leaves this
        # transaction usable, and its row is the one to read.
        with session.begin_nested():
            session.add(created)
    except IntegrityError:
        return session.exec(query).one()
    return created


PROFILE_FIELDS = tuple(WritingProfile.model_fields)


def writing_profile(session: Session, site_id: int) -> WritingProfile:
    """The site's content profile as the text stages hand it to the provider; the defaults
    when it has none yet (read only: parallel batches never race to create the row)."""
    row = session.exec(select(ContentProfile).where(ContentProfile.site_id == site_id)).first()
    if row is None:
        return WritingProfile()
    return WritingProfile.model_validate({name: getattr(row, name) for name in PROFILE_FIELDS})


def missing_credentials(row: PublishingSettings, publisher: str) -> list[str]:
    """What `publisher` needs that the stored settings lack."""
    return [name for name in PUBLISHER_CREDENTIALS.get(publisher, ()) if not getattr(row, name)]


def replace_publishing(
    session: Session, site_id: int, values: dict[str, Any], sealer: Sealer
) -> PublishingSettings:
    """Replace the site's publishing settings with validated `values`; secrets are sealed
    with `sealer`, and sent as null keep their value. The chosen publisher must end up with
    what it needs, or `FieldError` naming each missing field (the caller's transaction then
    changes nothing)."""
    row = publishing_settings(session, site_id)
    for key, value in values.items():
        if key in KEEP_WHEN_NULL:
            if value is not None:
                setattr(row, key, sealer.seal(value))
        else:
            setattr(row, key, value if value is not None else "")
    publisher = str(values["publisher"])
    missing = missing_credentials(row, publisher)
    if missing:
        raise FieldError([((name,), f"required for the {publisher} publisher") for name in missing])
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    return row
