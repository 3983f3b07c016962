"""policy tiers: stored overlay versions (policy_overlays) and granted exemptions (exemptions)

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('policy_overlays',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('org_id', sa.String(length=40), nullable=False),
    sa.Column('workspace_id', sa.String(length=40), nullable=True),
    sa.Column('account_id', sa.String(length=40), nullable=True),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('layer', sa.String(length=20), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('activated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('activated_by', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], ),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('policy_overlays', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_overlays_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_policy_overlays_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_policy_overlays_workspace_id'), ['workspace_id'], unique=False)
        batch_op.create_index('ix_policy_overlays_scope', ['org_id', 'workspace_id', 'account_id', 'status'],
                              unique=False)

    op.create_table('exemptions',
    sa.Column('id', sa.String(length=40), nullable=False),
    sa.Column('org_id', sa.String(length=40), nullable=False),
    sa.Column('account_id', sa.String(length=40), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('rule_ids', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('granted_by', sa.String(length=200), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('exemptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exemptions_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exemptions_org_id'), ['org_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('exemptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exemptions_org_id'))
        batch_op.drop_index(batch_op.f('ix_exemptions_account_id'))
    op.drop_table('exemptions')
    with op.batch_alter_table('policy_overlays', schema=None) as batch_op:
        batch_op.drop_index('ix_policy_overlays_scope')
        batch_op.drop_index(batch_op.f('ix_policy_overlays_workspace_id'))
        batch_op.drop_index(batch_op.f('ix_policy_overlays_org_id'))
        batch_op.drop_index(batch_op.f('ix_policy_overlays_account_id'))
    op.drop_table('policy_overlays')
