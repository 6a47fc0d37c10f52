"""The report library: every organ's reports across years in one database (SQLite or PostgreSQL).

Sits above the readers, checks and app layers (it ingests through converter.published, converter.app.pipeline
and converter.check) and below the faces: it must not import typer or fastapi (its commands are in
converter/cli/library.py). `collect/` fetches reports from the organs' portal
columns into it. Storage is SQLAlchemy Core, its schema versioned by the Alembic migrations here.
"""
