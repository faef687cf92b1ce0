"""publisher secrets sealed at rest

Existing WordPress application passwords and webhook secrets are sealed with the first key of
PRESSRUN_SECRET_KEYS (`pressrun.sealing`), their columns widened for the tokens; empty ones
stay empty. A database holding secrets and no key configured fails here, changing nothing.
The downgrade opens them again (with any configured key) and narrows the columns back.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 18:00:00.000000
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from pressrun.errors import SealingError
from pressrun.sealing import Sealer

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SECRETS = ("wordpress_app_password", "webhook_secret")
PLAIN_LENGTH = 200
SEALED_LENGTH = 2000


def _sealer() -> Sealer:
    config = op.get_context().config
    sealer = config.attributes.get("sealer") if config is not None else None
    return sealer if isinstance(sealer, Sealer) else Sealer([])


def _changed(change: Callable[[str], str], what: str) -> list[dict[str, str | int]]:
    """Every row with a secret, its secrets passed through `change` (seal or open); a
    `SealingError` (no key, or a token no key opens) before anything is written."""
    rows = (
        op.get_bind()
        .execute(sa.text(f"SELECT id, {', '.join(SECRETS)} FROM publishingsettings ORDER BY id"))
        .all()
    )
    with_secrets = [row for row in rows if any(row[1:])]
    try:
        return [
            {"id": row[0], **{k: change(v or "") for k, v in zip(SECRETS, row[1:], strict=True)}}
            for row in with_secrets
        ]
    except SealingError as err:
        raise SealingError(
            f"migration 0005 {what} the publisher secrets of {len(with_secrets)} "
            f"site(s), and cannot: {err}"
        ) from None


def _write(updates: list[dict[str, str | int]]) -> None:
    if updates:
        op.get_bind().execute(
            sa.text(
                f"UPDATE publishingsettings SET {', '.join(f'{k} = :{k}' for k in SECRETS)} "
                "WHERE id = :id"
            ),
            updates,
        )


def _resize(old: int, new: int) -> None:
    with op.batch_alter_table("publishingsettings") as batch:
        for name in SECRETS:
            batch.alter_column(
                name,
                type_=sqlmodel.sql.sqltypes.AutoString(length=new),
                existing_type=sqlmodel.sql.sqltypes.AutoString(length=old),
                existing_nullable=False,
                existing_server_default="",
            )


def upgrade() -> None:
    sealed = _changed(_sealer().seal, "seals")
    _resize(PLAIN_LENGTH, SEALED_LENGTH)
    _write(sealed)


def downgrade() -> None:
    _write(_changed(_sealer().open, "opens"))
    _resize(SEALED_LENGTH, PLAIN_LENGTH)
