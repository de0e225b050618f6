"""Typed request and response bodies of /api/v1 (pydantic), one module per feature."""
