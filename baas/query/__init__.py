"""The filter and rule language: parse once (cached), compile to SQLAlchemy with bound values."""
