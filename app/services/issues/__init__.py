"""Reported problems: reporting, photos, places, likes, follows, reading issues, timelines, notifications."""
