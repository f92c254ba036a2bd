"""Helpers for baas's tests: fresh databases, a live server, JS SDK scenarios, CI-aware skips.

`tests/conftest.py` puts `tests/` on `sys.path`, so any test can `from support.js import run_js`.
"""
