"""Schema migrations of the religion service (Alembic); see shared/migrations.py."""
