"""Alembic environment of the reporting service; the body is shared: shared/migrations.py. The
service hands the kernel its app factory, from which the kernel reads the tables it uses."""

from alembic import context

from services.reporting.app import create_app
from shared.migrations import app_tables, run_env

run_env(context, tables=lambda: app_tables("reporting", create_app))
