"""Browser tests. A package, so that `browser/test_shell.py` and `web/test_shell.py`
can share a basename under pytest's default import mode."""
