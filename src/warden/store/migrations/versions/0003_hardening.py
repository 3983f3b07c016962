"""hardening: shared rate-limit buckets, the key id of encrypted evidence

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rate_buckets',
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('tokens', sa.Float(), nullable=False),
    sa.Column('updated', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('evidence') as batch:
        batch.add_column(sa.Column('key_id', sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('evidence') as batch:
        batch.drop_column('key_id')
    op.drop_table('rate_buckets')
