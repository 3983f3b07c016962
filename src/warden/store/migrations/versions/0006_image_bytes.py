"""sealed image bytes: content_images.data and content_images.key_id (kept only where the operator enables it)

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('content_images', schema=None) as batch_op:
        batch_op.add_column(sa.Column('data', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('key_id', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('content_images', schema=None) as batch_op:
        batch_op.drop_column('key_id')
        batch_op.drop_column('data')
