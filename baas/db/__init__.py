"""Infrastructure: engines, transactions, dialect differences and the system tables."""
