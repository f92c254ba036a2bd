"""One module per console screen; each exposes `register(bp)` with its URL table at the top."""
