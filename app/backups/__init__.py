"""Backups that restore: `flask --app wsgi backup DIR` and `restore DIR` (database, photos, a manifest)."""
