"""The site's name as residents see it (config.SITE_NAME): pages, mails and feeds name the site by it.

The software keeps its own name, Commonfix, where it speaks as software: the API's title, commands,
start-up errors and data exports."""

from __future__ import annotations

from flask import current_app


def site_name() -> str:
    return str(current_app.config["SITE_NAME"])
