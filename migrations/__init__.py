"""Alembic migrations of baas's system tables; run by `baas migrate` and on server start."""
