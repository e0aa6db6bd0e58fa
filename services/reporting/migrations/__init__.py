"""Schema migrations of the reporting service (Alembic); see shared/migrations.py."""
