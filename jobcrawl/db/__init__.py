"""Database layer: models, engine, upsert and Alembic migrations."""
