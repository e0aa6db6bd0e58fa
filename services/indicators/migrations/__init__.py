"""Schema migrations of the indicators service (Alembic); see shared/migrations.py."""
