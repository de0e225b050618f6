"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from app.startup import build_or_exit

app = build_or_exit()
