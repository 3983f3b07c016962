"""trend buckets: stored aggregates of decisions per hour and day

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('trend_buckets',
    sa.Column('granularity', sa.String(length=5), nullable=False),
    sa.Column('start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('org_id', sa.String(length=40), nullable=False),
    sa.Column('surface', sa.String(length=20), nullable=False),
    sa.Column('category', sa.String(length=60), nullable=False),
    sa.Column('decisions', sa.Integer(), nullable=False),
    sa.Column('flagged', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('granularity', 'start', 'org_id', 'surface', 'category')
    )


def downgrade() -> None:
    op.drop_table('trend_buckets')
