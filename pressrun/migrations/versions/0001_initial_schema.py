"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-29 00:54:08.301620
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import pressrun.models.base

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "account",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("credit_balance", pressrun.models.base.Credits(), nullable=False),
        sa.Column("created_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "defaultautomationconfig",
        sa.Column("stage_1_enabled", sa.Boolean(), nullable=False),
        sa.Column("stage_2_enabled", sa.Boolean(), nullable=False),
        sa.Column("stage_3_enabled", sa.Boolean(), nullable=False),
        sa.Column("stage_4_enabled", sa.Boolean(), nullable=False),
        sa.Column("stage_5_enabled", sa.Boolean(), nullable=False),
        sa.Column("stage_6_enabled", sa.Boolean(), nullable=False),
        sa.Column("stage_7_enabled", sa.Boolean(), nullable=False),
        sa.Column("stage_1_batch_size", sa.Integer(), nullable=False),
        sa.Column("stage_2_batch_size", sa.Integer(), nullable=False),
        sa.Column("stage_3_batch_size", sa.Integer(), nullable=False),
        sa.Column("stage_4_batch_size", sa.Integer(), nullable=False),
        sa.Column("stage_5_batch_size", sa.Integer(), nullable=False),
        sa.Column("stage_6_batch_size", sa.Integer(), nullable=False),
        sa.Column("stage_1_use_testing", sa.Boolean(), nullable=False),
        sa.Column("stage_2_use_testing", sa.Boolean(), nullable=False),
        sa.Column("stage_4_use_testing", sa.Boolean(), nullable=False),
        sa.Column("stage_5_use_testing", sa.Boolean(), nullable=False),
        sa.Column("stage_6_use_testing", sa.Boolean(), nullable=False),
        sa.Column("stage_1_budget_pct", sa.Integer(), nullable=False),
        sa.Column("stage_2_budget_pct", sa.Integer(), nullable=False),
        sa.Column("stage_4_budget_pct", sa.Integer(), nullable=False),
        sa.Column("stage_5_budget_pct", sa.Integer(), nullable=False),
        sa.Column("stage_6_budget_pct", sa.Integer(), nullable=False),
        sa.Column("max_keywords_per_run", sa.Integer(), nullable=False),
        sa.Column("max_clusters_per_run", sa.Integer(), nullable=False),
        sa.Column("max_ideas_per_run", sa.Integer(), nullable=False),
        sa.Column("max_tasks_per_run", sa.Integer(), nullable=False),
        sa.Column("max_content_per_run", sa.Integer(), nullable=False),
        sa.Column("max_images_per_run", sa.Integer(), nullable=False),
        sa.Column("within_stage_delay", sa.Integer(), nullable=False),
        sa.Column("between_stage_delay", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("is_enabled", sa.Boolean(), nullable=False),
        sa.Column("frequency", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("scheduled_time", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("next_scheduled_hour", sa.Integer(), nullable=False),
        sa.Column("auto_approval_enabled", sa.Boolean(), nullable=False),
        sa.Column("auto_publish_enabled", sa.Boolean(), nullable=False),
        sa.Column("daily_publish_limit", sa.Integer(), nullable=False),
        sa.Column("publish_days", sa.JSON(), nullable=False),
        sa.Column("publish_time_slots", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "apikey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("prefix", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("key_hash", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("created_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    with op.batch_alter_table("apikey", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_apikey_account_id"), ["account_id"], unique=False)

    op.create_table(
        "site",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("timezone", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_site_account_id"), ["account_id"], unique=False)

    op.create_table(
        "automationconfig",
        sa.Column("stage_1_enabled", sa.Boolean(), nullable=False),
        sa.Column("stage_2_enabled", sa.Boolean(), nullable=False),
        sa.Column("stage_3_enabled", sa.Boolean(), nullable=False),
        sa.Column("stage_4_enabled", sa.Boolean(), nullable=False),
        sa.Column("stage_5_enabled", sa.Boolean(), nullable=False),
        sa.Column("stage_6_enabled", sa.Boolean(), nullable=False),
        sa.Column("stage_7_enabled", sa.Boolean(), nullable=False),
        sa.Column("stage_1_batch_size", sa.Integer(), nullable=False),
        sa.Column("stage_2_batch_size", sa.Integer(), nullable=False),
        sa.Column("stage_3_batch_size", sa.Integer(), nullable=False),
        sa.Column("stage_4_batch_size", sa.Integer(), nullable=False),
        sa.Column("stage_5_batch_size", sa.Integer(), nullable=False),
        sa.Column("stage_6_batch_size", sa.Integer(), nullable=False),
        sa.Column("stage_1_use_testing", sa.Boolean(), nullable=False),
        sa.Column("stage_2_use_testing", sa.Boolean(), nullable=False),
        sa.Column("stage_4_use_testing", sa.Boolean(), nullable=False),
        sa.Column("stage_5_use_testing", sa.Boolean(), nullable=False),
        sa.Column("stage_6_use_testing", sa.Boolean(), nullable=False),
        sa.Column("stage_1_budget_pct", sa.Integer(), nullable=False),
        sa.Column("stage_2_budget_pct", sa.Integer(), nullable=False),
        sa.Column("stage_4_budget_pct", sa.Integer(), nullable=False),
        sa.Column("stage_5_budget_pct", sa.Integer(), nullable=False),
        sa.Column("stage_6_budget_pct", sa.Integer(), nullable=False),
        sa.Column("max_keywords_per_run", sa.Integer(), nullable=False),
        sa.Column("max_clusters_per_run", sa.Integer(), nullable=False),
        sa.Column("max_ideas_per_run", sa.Integer(), nullable=False),
        sa.Column("max_tasks_per_run", sa.Integer(), nullable=False),
        sa.Column("max_content_per_run", sa.Integer(), nullable=False),
        sa.Column("max_images_per_run", sa.Integer(), nullable=False),
        sa.Column("within_stage_delay", sa.Integer(), nullable=False),
        sa.Column("between_stage_delay", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("frequency", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("scheduled_time", sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column("scheduled_days", sa.JSON(), nullable=False),
        sa.Column("last_run_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("next_run_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("test_mode_enabled", sa.Boolean(), nullable=False),
        sa.Column(
            "test_trigger_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=True
        ),
        sa.Column("created_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["site.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id"),
    )
    with op.batch_alter_table("automationconfig", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_automationconfig_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "cluster",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("keyword_count", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["site.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("cluster", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cluster_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cluster_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cluster_status"), ["status"], unique=False)

    op.create_table(
        "creditledger",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=True),
        sa.Column("run_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("stage", sa.Integer(), nullable=True),
        sa.Column("amount", pressrun.models.base.Credits(), nullable=False),
        sa.Column("balance_after", pressrun.models.base.Credits(), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("description", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("created_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["site.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    with op.batch_alter_table("creditledger", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_creditledger_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_creditledger_run_id"), ["run_id"], unique=False)

    op.create_table(
        "publishingsettings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("auto_approval_enabled", sa.Boolean(), nullable=False),
        sa.Column("auto_publish_enabled", sa.Boolean(), nullable=False),
        sa.Column("daily_publish_limit", sa.Integer(), nullable=False),
        sa.Column("publish_days", sa.JSON(), nullable=False),
        sa.Column("time_slots", sa.JSON(), nullable=False),
        sa.Column("publisher", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("updated_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["site.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id"),
    )
    op.create_table(
        "automationrun",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("config_id", sa.Integer(), nullable=True),
        sa.Column("workflow_id", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("trigger_type", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("current_stage", sa.Integer(), nullable=False),
        sa.Column("started_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("paused_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resumed_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("total_credits_used", pressrun.models.base.Credits(), nullable=False),
        sa.Column("estimated_credits", pressrun.models.base.Credits(), nullable=False),
        sa.Column("initial_snapshot", sa.JSON(), nullable=False),
        sa.Column("plan", sa.JSON(), nullable=True),
        sa.Column("stage_1_result", sa.JSON(), nullable=True),
        sa.Column("stage_2_result", sa.JSON(), nullable=True),
        sa.Column("stage_3_result", sa.JSON(), nullable=True),
        sa.Column("stage_4_result", sa.JSON(), nullable=True),
        sa.Column("stage_5_result", sa.JSON(), nullable=True),
        sa.Column("stage_6_result", sa.JSON(), nullable=True),
        sa.Column("stage_7_result", sa.JSON(), nullable=True),
        sa.Column("error_message", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("updated_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
        ),
        sa.ForeignKeyConstraint(
            ["config_id"],
            ["automationconfig.id"],
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["site.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("automationrun", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_automationrun_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_automationrun_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_automationrun_status"), ["status"], unique=False)

    op.create_table(
        "idea",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("brief", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("outline", sa.JSON(), nullable=False),
        sa.Column("target_keyword", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cluster_id"],
            ["cluster.id"],
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["site.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("idea", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_idea_cluster_id"), ["cluster_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_idea_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_idea_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_idea_status"), ["status"], unique=False)

    op.create_table(
        "keyword",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("volume", sa.Integer(), nullable=False),
        sa.Column("difficulty", sa.Integer(), nullable=False),
        sa.Column("intent", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=True),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cluster_id"],
            ["cluster.id"],
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["site.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("site_id", "text", name="uq_keyword_site_text"),
    )
    with op.batch_alter_table("keyword", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_keyword_cluster_id"), ["cluster_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_keyword_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_keyword_status"), ["status"], unique=False)

    op.create_table(
        "automationlog",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=True),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("message", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("created_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["automationrun.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("automationlog", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_automationlog_run_id"), ["run_id"], unique=False)

    op.create_table(
        "runbatch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("stage", sa.Integer(), nullable=False),
        sa.Column("batch_index", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("created_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["automationrun.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("run_id", "stage", "batch_index", name="uq_run_batch"),
    )
    with op.batch_alter_table("runbatch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_runbatch_run_id"), ["run_id"], unique=False)

    op.create_table(
        "task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("idea_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("brief", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("outline", sa.JSON(), nullable=False),
        sa.Column("target_keyword", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["idea_id"],
            ["idea.id"],
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["site.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idea_id"),
    )
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_task_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_task_status"), ["status"], unique=False)

    op.create_table(
        "content",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("meta_description", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column("slug", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("image_prompts_done", sa.Boolean(), nullable=False),
        sa.Column("generated_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("publish_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["site.id"],
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["task.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("task_id"),
    )
    with op.batch_alter_table("content", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_content_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_content_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_content_status"), ["status"], unique=False)

    op.create_table(
        "imageprompt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("content_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("prompt", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("alt_text", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("error", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["content.id"],
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["site.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("content_id", "kind", "position", name="uq_image_prompt_slot"),
    )
    with op.batch_alter_table("imageprompt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_imageprompt_content_id"), ["content_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_imageprompt_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_imageprompt_site_id"), ["site_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_imageprompt_status"), ["status"], unique=False)

    op.create_table(
        "image",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("content_id", sa.Integer(), nullable=False),
        sa.Column("prompt_id", sa.Integer(), nullable=False),
        sa.Column("run_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("path", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("mime_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("generated_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("created_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", pressrun.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["content_id"],
            ["content.id"],
        ),
        sa.ForeignKeyConstraint(
            ["prompt_id"],
            ["imageprompt.id"],
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["site.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("prompt_id"),
    )
    with op.batch_alter_table("image", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_image_content_id"), ["content_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_image_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_image_site_id"), ["site_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("image", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_image_site_id"))
        batch_op.drop_index(batch_op.f("ix_image_run_id"))
        batch_op.drop_index(batch_op.f("ix_image_content_id"))

    op.drop_table("image")
    with op.batch_alter_table("imageprompt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_imageprompt_status"))
        batch_op.drop_index(batch_op.f("ix_imageprompt_site_id"))
        batch_op.drop_index(batch_op.f("ix_imageprompt_run_id"))
        batch_op.drop_index(batch_op.f("ix_imageprompt_content_id"))

    op.drop_table("imageprompt")
    with op.batch_alter_table("content", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_content_status"))
        batch_op.drop_index(batch_op.f("ix_content_site_id"))
        batch_op.drop_index(batch_op.f("ix_content_run_id"))

    op.drop_table("content")
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_status"))
        batch_op.drop_index(batch_op.f("ix_task_site_id"))
        batch_op.drop_index(batch_op.f("ix_task_run_id"))

    op.drop_table("task")
    with op.batch_alter_table("runbatch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_runbatch_run_id"))

    op.drop_table("runbatch")
    with op.batch_alter_table("automationlog", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_automationlog_run_id"))

    op.drop_table("automationlog")
    with op.batch_alter_table("keyword", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_keyword_status"))
        batch_op.drop_index(batch_op.f("ix_keyword_site_id"))
        batch_op.drop_index(batch_op.f("ix_keyword_cluster_id"))

    op.drop_table("keyword")
    with op.batch_alter_table("idea", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_idea_status"))
        batch_op.drop_index(batch_op.f("ix_idea_site_id"))
        batch_op.drop_index(batch_op.f("ix_idea_run_id"))
        batch_op.drop_index(batch_op.f("ix_idea_cluster_id"))

    op.drop_table("idea")
    with op.batch_alter_table("automationrun", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_automationrun_status"))
        batch_op.drop_index(batch_op.f("ix_automationrun_site_id"))
        batch_op.drop_index(batch_op.f("ix_automationrun_account_id"))

    op.drop_table("automationrun")
    op.drop_table("publishingsettings")
    with op.batch_alter_table("creditledger", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_creditledger_run_id"))
        batch_op.drop_index(batch_op.f("ix_creditledger_account_id"))

    op.drop_table("creditledger")
    with op.batch_alter_table("cluster", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cluster_status"))
        batch_op.drop_index(batch_op.f("ix_cluster_site_id"))
        batch_op.drop_index(batch_op.f("ix_cluster_run_id"))

    op.drop_table("cluster")
    with op.batch_alter_table("automationconfig", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_automationconfig_account_id"))

    op.drop_table("automationconfig")
    with op.batch_alter_table("site", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_site_account_id"))

    op.drop_table("site")
    with op.batch_alter_table("apikey", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_apikey_account_id"))

    op.drop_table("apikey")
    op.drop_table("defaultautomationconfig")
    op.drop_table("account")
