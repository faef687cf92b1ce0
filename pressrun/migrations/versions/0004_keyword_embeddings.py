"""keyword embeddings, intents, and cluster names unique per site

Existing keywords get an unknown intent source (stage 1 detects their intent); existing
clusters are `informational` with no head; a site's repeated cluster names get a number.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import pressrun.models.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _number_repeated_names() -> None:
    """Rename the second and later clusters of a site sharing a name to `name (n)`, so the
    unique constraint can be added over existing data."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.text("SELECT id, site_id, name FROM cluster ORDER BY site_id, id")
    ).all()
    taken: dict[int, set[str]] = {}
    for cluster_id, site_id, name in rows:
        used = taken.setdefault(site_id, set())
        if name.lower() not in used:
            used.add(name.lower())
            continue
        n = 2
        while f"{name[:290]} ({n})".lower() in used:
            n += 1
        renamed = f"{name[:290]} ({n})"
        used.add(renamed.lower())
        connection.execute(
            sa.text("UPDATE cluster SET name = :name WHERE id = :id"),
            {"name": renamed, "id": cluster_id},
        )


def upgrade() -> None:
    op.create_table(
        "keywordembedding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("keyword_id", sa.Integer(), nullable=False),
        sa.Column("model", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("dims", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["keyword_id"], ["keyword.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("keyword_id", "model", name="uq_keyword_embedding_model"),
    )
    op.create_index(
        op.f("ix_keywordembedding_keyword_id"), "keywordembedding", ["keyword_id"], unique=False
    )
    with op.batch_alter_table("keyword") as batch:
        batch.add_column(
            sa.Column(
                "intent_source",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="",
            )
        )
    _number_repeated_names()
    with op.batch_alter_table("cluster") as batch:
        batch.add_column(
            sa.Column(
                "intent",
                sqlmodel.sql.sqltypes.AutoString(length=32),
                nullable=False,
                server_default="informational",
            )
        )
        batch.add_column(sa.Column("head_keyword_id", sa.Integer(), nullable=True))
        batch.create_unique_constraint("uq_cluster_site_name", ["site_id", "name"])


def downgrade() -> None:
    with op.batch_alter_table("cluster") as batch:
        batch.drop_constraint("uq_cluster_site_name", type_="unique")
        batch.drop_column("head_keyword_id")
        batch.drop_column("intent")
    with op.batch_alter_table("keyword") as batch:
        batch.drop_column("intent_source")
    op.drop_index(op.f("ix_keywordembedding_keyword_id"), table_name="keywordembedding")
    op.drop_table("keywordembedding")
