"""a content profile per site: language, audience, tone, point of view, length, brand, avoid,
house style

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 19:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import pressrun.models.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "contentprofile",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("language", text(length=35), nullable=False),
        sa.Column("audience", text(length=300), nullable=False),
        sa.Column("tone", text(length=200), nullable=False),
        sa.Column("point_of_view", text(length=32), nullable=False),
        sa.Column("target_words_min", sa.Integer(), nullable=False),
        sa.Column("target_words_max", sa.Integer(), nullable=False),
        sa.Column("brand_name", text(length=100), nullable=False),
        sa.Column("avoid", sa.JSON(), nullable=False),
        sa.Column("house_style", text(length=2000), nullable=False),
        sa.Column("updated_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["site.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id"),
    )


def downgrade() -> None:
    op.drop_table("contentprofile")
