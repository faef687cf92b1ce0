"""failed items keep their reason and attempt count; per-item results of unfinished batches

Items already failed count one attempt (no run will have failed them twice). Drafts that were
marked as having image prompts but have none (stage 5 used to mark them before checking its
answer) go back to stage 5's queue.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import pressrun.models.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The item tables, with the status their failed rows have (content has no failed status:
# stage 5's failure is its error).
ITEM_TABLES = {
    "keyword": "failed",
    "cluster": "failed",
    "task": "failed",
    "content": None,
    "imageprompt": "failed",
}


def upgrade() -> None:
    with op.batch_alter_table("content") as batch:
        batch.add_column(sa.Column("error", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    for table, failed in ITEM_TABLES.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("attempts", sa.Integer(), nullable=False, server_default="0")
            )
            batch.add_column(
                sa.Column("last_run_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
            )
        if failed is not None:
            op.execute(sa.text(f"UPDATE {table} SET attempts = 1 WHERE status = '{failed}'"))
    op.execute(
        sa.text(
            "UPDATE content SET image_prompts_done = :no "
            "WHERE status = 'draft' AND image_prompts_done = :yes "
            "AND NOT EXISTS (SELECT 1 FROM imageprompt WHERE imageprompt.content_id = content.id)"
        ).bindparams(no=False, yes=True)
    )
    op.create_table(
        "batchitemresult",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("batch_index", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("output", sa.JSON(), nullable=True),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["automationrun.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "run_id", "stage", "batch_index", "item_id", name="uq_batch_item_result"
        ),
    )
    op.create_index(op.f("ix_batchitemresult_run_id"), "batchitemresult", ["run_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_batchitemresult_run_id"), table_name="batchitemresult")
    op.drop_table("batchitemresult")
    # Plain DROP COLUMN (SQLite 3.35+ has it): a batch operation would copy each table and
    # drop the original, which SQLite's foreign keys refuse while rows refer to it.
    for table in ITEM_TABLES:
        op.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN last_run_id"))
        op.execute(sa.text(f"ALTER TABLE {table} DROP COLUMN attempts"))
    op.execute(sa.text("ALTER TABLE content DROP COLUMN error"))
