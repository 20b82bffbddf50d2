"""interest: one row per member and text (a double-submitted follow stores it once)

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-01 08:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # rows a double submit stored twice: keep each member's first copy of a text
    op.execute(
        "DELETE FROM interest WHERE id NOT IN "
        "(SELECT MIN(id) FROM interest GROUP BY member_id, text)"
    )
    op.create_index("uq_interest_member_text", "interest", ["member_id", "text"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_interest_member_text", table_name="interest")
