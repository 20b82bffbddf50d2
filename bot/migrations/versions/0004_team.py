"""reading list, library import, followed authors, what the lab is reading

Adds `member.share_votes` (consent to be named in a channel's hot list), `seedpaper.origin`
(a seed the member added, or one of their imported library) and `channel.hot_weekly` (the
weekly "Hot in #channel" post). Followed authors are `memberfilter` rows of kind "author".

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 08:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("share_votes", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("seedpaper", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "origin",
                sqlmodel.sql.sqltypes.AutoString(length=16),
                nullable=False,
                server_default="added",
            )
        )
    with op.batch_alter_table("channel", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hot_weekly", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("channel", schema=None) as batch_op:
        batch_op.drop_column("hot_weekly")
    with op.batch_alter_table("seedpaper", schema=None) as batch_op:
        batch_op.drop_column("origin")
    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_column("share_votes")
