"""Schema migrations of the dialogue service (Alembic); see shared/migrations.py."""
