"""connector allow-lists per workspace (connector_settings) and sent policy-update announcements
(policy_announcements)

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connector_settings",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=False),
        sa.Column("workspace_id", sa.String(length=40), nullable=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
        ),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("connector_settings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_connector_settings_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_connector_settings_workspace_id"), ["workspace_id"], unique=False)
        batch_op.create_index("ix_connector_settings_scope", ["org_id", "workspace_id", "name"], unique=False)

    op.create_table(
        "policy_announcements",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("org_id", sa.String(length=40), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("revision", sa.String(length=500), nullable=False),
        sa.Column("previous", sa.String(length=500), nullable=True),
        sa.Column("notice_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organizations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("policy_announcements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_announcements_org_id"), ["org_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_policy_announcements_revision"), ["revision"], unique=False)


def downgrade() -> None:
    op.drop_table("policy_announcements")
    op.drop_table("connector_settings")
