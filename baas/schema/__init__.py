"""The schema engine: field types, collection definitions, indexes and live DDL."""
