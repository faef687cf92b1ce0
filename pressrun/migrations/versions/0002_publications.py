"""publications and publisher credentials

Existing sites get empty publisher credentials (the folder publisher needs none).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 03:27:08.237928
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import pressrun.models.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "publication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("content_id", sa.Integer(), nullable=False),
        sa.Column("publisher", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("publish_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("workflow_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("remote_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("remote_url", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.Column("media", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("published_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["content.id"],
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["site.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("content_id"),
    )
    with op.batch_alter_table("publication", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_publication_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_publication_status"), ["status"], unique=False)

    with op.batch_alter_table("publishingsettings", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "wordpress_url",
                sqlmodel.sql.sqltypes.AutoString(length=500),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column(
                "wordpress_username",
                sqlmodel.sql.sqltypes.AutoString(length=200),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column(
                "wordpress_app_password",
                sqlmodel.sql.sqltypes.AutoString(length=200),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column(
                "webhook_url",
                sqlmodel.sql.sqltypes.AutoString(length=500),
                nullable=False,
                server_default="",
            )
        )
        batch_op.add_column(
            sa.Column(
                "webhook_secret",
                sqlmodel.sql.sqltypes.AutoString(length=200),
                nullable=False,
                server_default="",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("publishingsettings", schema=None) as batch_op:
        batch_op.drop_column("webhook_secret")
        batch_op.drop_column("webhook_url")
        batch_op.drop_column("wordpress_app_password")
        batch_op.drop_column("wordpress_username")
        batch_op.drop_column("wordpress_url")

    with op.batch_alter_table("publication", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_publication_status"))
        batch_op.drop_index(batch_op.f("ix_publication_site_id"))

    op.drop_table("publication")
