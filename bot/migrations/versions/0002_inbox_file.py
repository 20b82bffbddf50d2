"""rename digestfile to inbox_file: what arrives in the inbox is a source, not a digest

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01 06:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("digestfile", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_digestfile_content_hash"))
    op.rename_table("digestfile", "inbox_file")
    with op.batch_alter_table("inbox_file", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inbox_file_content_hash"), ["content_hash"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("inbox_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_file_content_hash"))
    op.rename_table("inbox_file", "digestfile")
    with op.batch_alter_table("digestfile", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_digestfile_content_hash"), ["content_hash"], unique=True
        )
