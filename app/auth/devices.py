"""A login's device in words ("Firefox on Android"), from its User-Agent, for the account page."""

from __future__ import annotations

PLATFORMS = (
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("Mac OS X", "a Mac"),
    ("CrOS", "ChromeOS"),
    ("Linux", "Linux"),
)
# Order matters: Edge and Chrome also say "Safari", Edge also says "Chrome".
BROWSERS = (("Firefox/", "Firefox"), ("Edg/", "Edge"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))


def describe_device(user_agent: str) -> str:
    browser = next((name for mark, name in BROWSERS if mark in user_agent), "A browser")
    platform = next((name for mark, name in PLATFORMS if mark in user_agent), None)
    return f"{browser} on {platform}" if platform else browser
