"""Alembic environment of the indicators service; the body is shared: shared/migrations.py."""

from alembic import context

from shared.migrations import run_env

run_env(context)
