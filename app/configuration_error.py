"""The error a setting that cannot work raises while the app is built (app/startup.py turns it into one
line naming the setting). A leaf module: the places that check a setting import it from anywhere."""

from __future__ import annotations


class ConfigurationError(ValueError):
    """A setting (an environment variable, or a config key a test overrides) that cannot work; the
    message names it and never repeats a password."""
