"""paper.revised_at: when a fuller copy of a paper replaced its truncated abstract

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 07:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("paper", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revised_at", sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_paper_revised_at"), ["revised_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("paper", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paper_revised_at"))
        batch_op.drop_column("revised_at")
