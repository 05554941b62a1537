"""Jinja templates of the generated job scripts (thin: load config, call the runtime)."""
