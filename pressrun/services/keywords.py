"""Keyword import, and the demo keyword sample shipped with pressrun."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources

from pydantic import BaseModel, Field
from sqlmodel import Session, select

from pressrun.clustering.intent import detect_intent, parse_intent
from pressrun.models import Keyword


class KeywordRow(BaseModel):
    keyword: str = Field(min_length=1, max_length=300)
    volume: int = Field(default=0, ge=0)
    difficulty: int = Field(default=0, ge=0, le=100)
    # None: pressrun reads the intent from the query (`pressrun.clustering.intent`).
    intent: str | None = None


@dataclass(frozen=True)
class ImportResult:
    created: int
    duplicates: int


def demo_keywords() -> list[KeywordRow]:
    text = resources.files("pressrun.data").joinpath("demo_keywords.csv").read_text("utf-8")
    return [KeywordRow.model_validate(row) for row in csv.DictReader(io.StringIO(text))]


def normal_keyword(text: str) -> str:
    """A keyword as stored: lowercase, single spaces. Keywords compare in this form."""
    return " ".join(text.lower().split())


def import_keywords(session: Session, site_id: int, rows: list[KeywordRow]) -> ImportResult:
    """Add keywords to a site; ones the site already has (or repeated in `rows`) are counted."""
    existing = set(session.exec(select(Keyword.text).where(Keyword.site_id == site_id)).all())
    created = duplicates = 0
    for row in rows:
        text = normal_keyword(row.keyword)
        if text in existing:
            duplicates += 1
            continue
        existing.add(text)
        imported = parse_intent(row.intent) if row.intent else None
        session.add(
            Keyword(
                site_id=site_id,
                text=text,
                volume=row.volume,
                difficulty=row.difficulty,
                intent=imported or detect_intent(text),
                intent_source="imported" if imported else "detected",
            )
        )
        created += 1
    session.flush()
    return ImportResult(created=created, duplicates=duplicates)
