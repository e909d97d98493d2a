"""Fails while being imported."""

VALUE = 1
raise RuntimeError("fixture plugin cannot start")
