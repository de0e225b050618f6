"""What a page loads from elsewhere: the pages must load scripts, styles and images from this site.

A search of the whole page for "cdn" is not enough: the CSRF token in every page is random text and
now and then holds those three letters. So this reads the addresses the page actually loads.
"""

from __future__ import annotations

import re

ASSET = re.compile(r'<(?:script|link|img|iframe|source)\b[^>]*?\b(?:src|href)="([^"]*)"', re.I)
CDN_HOSTS = ("cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com", "code.jquery.com")


def offsite_assets(html: str) -> list[str]:
    """Addresses of scripts, styles, images and frames that the page loads from another site."""
    loaded = [url for url in ASSET.findall(html) if not url.startswith("data:")]
    offsite = [url for url in loaded if not url.startswith("/") or url.startswith("//")]
    return offsite + [host for host in CDN_HOSTS if host in html]
