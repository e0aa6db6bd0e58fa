"""Alembic environment of the religion service; the body is shared: shared/migrations.py. The
service hands the kernel its app factory, from which the kernel reads the tables it uses."""

from alembic import context

from services.religion.app import create_app
from shared.migrations import app_tables, run_env

run_env(context, tables=lambda: app_tables("religion", create_app))
