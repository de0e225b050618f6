"""Static files hashed at start-up and served at /static/<path>?v=<hash>, with their cache policy."""

from __future__ import annotations

import hashlib
import mimetypes
import posixpath
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Flask, Request, Response, abort, current_app, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin

EXTENSION_KEY = "commonfix.static_assets"
FINGERPRINT = "v"  # the query parameter carrying the content hash
# A fingerprinted URL names one content for ever: browsers and shared caches keep it a year unasked.
IMMUTABLE = "public, max-age=31536000, immutable"
# Without (or with a stale) fingerprint the content may change at the next deployment: 5 minutes,
# then a revalidation that the ETag answers with a 304.
SHORT = "public, max-age=300"
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")\s]+)\1\s*\)""")
NOT_A_FILE = ("data:", "#", "/", "http:", "https:")


@dataclass(frozen=True)
class StaticAsset:
    path: str  # under the static folder, with forward slashes
    data: bytes  # what is served: the file, or a stylesheet with fingerprinted url(...) references
    digest: str
    mimetype: str
    modified: datetime


def content_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def fingerprint_css_urls(css: bytes, path: str, assets: dict[str, StaticAsset]) -> bytes:
    """A stylesheet whose relative url(...) references to other static files carry their fingerprint
    (Leaflet's marker and layer images), so they are cached as long as the stylesheet."""
    folder = posixpath.dirname(path)

    def fingerprinted(match: re.Match[str]) -> str:
        quote, reference = match.group(1), match.group(2)
        if reference.startswith(NOT_A_FILE):
            return match.group(0)
        target = posixpath.normpath(posixpath.join(folder, reference.split("?", 1)[0].split("#", 1)[0]))
        asset = assets.get(target)
        if asset is None:
            return match.group(0)
        bare = reference.split("?", 1)[0].split("#", 1)[0]
        return f"url({quote}{bare}?{FINGERPRINT}={asset.digest}{quote})"

    return CSS_URL.sub(fingerprinted, css.decode("utf-8")).encode("utf-8")


def build_manifest(folder: Path) -> dict[str, StaticAsset]:
    """Every file under `folder`, read and hashed once; stylesheets last, after what they reference."""
    assets: dict[str, StaticAsset] = {}
    files = sorted((p for p in folder.rglob("*") if p.is_file()), key=lambda p: (p.suffix == ".css", p))
    for file in files:
        path = file.relative_to(folder).as_posix()
        data = file.read_bytes()
        if file.suffix == ".css":
            data = fingerprint_css_urls(data, path, assets)
        mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
        modified = datetime.fromtimestamp(int(file.stat().st_mtime), UTC)
        assets[path] = StaticAsset(path, data, content_digest(data), mimetype, modified)
    return assets


def manifest() -> dict[str, StaticAsset]:
    assets: dict[str, StaticAsset] = current_app.extensions[EXTENSION_KEY]
    return assets


def serve_static(filename: str) -> Response:
    """The app's static view: the start-up bytes, with an ETag and the cache policy of the URL's hash."""
    asset = manifest().get(filename)
    if asset is None:
        abort(404)
    response = Response(asset.data, mimetype=asset.mimetype)
    response.set_etag(asset.digest)
    response.last_modified = asset.modified
    fresh = request.args.get(FINGERPRINT) == asset.digest
    response.headers["Cache-Control"] = IMMUTABLE if fresh else SHORT
    response.make_conditional(request)
    return response


def add_fingerprint(endpoint: str, values: dict[str, object]) -> None:
    """url_for('static', filename=...) gains ?v=<hash> for every file the manifest holds."""
    if endpoint != "static" or FINGERPRINT in values:
        return
    asset = manifest().get(str(values.get("filename", "")))
    if asset is not None:
        values[FINGERPRINT] = asset.digest


class StaticCompressionCache:
    """Flask-Compress's cache of compressed bodies, for static assets only.

    Flask-Compress asks its cache for every compressed response; only a static asset's key names fixed
    bytes (its path and content hash), so other keys are neither kept nor found: pages and API answers
    are compressed afresh each time."""

    def __init__(self) -> None:
        self.bodies: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self.bodies.get(key) if key.endswith(STATIC_KEY_END) else None

    def set(self, key: str, value: bytes) -> None:
        if key.endswith(STATIC_KEY_END):
            self.bodies[key] = value


STATIC_KEY_END = "#static"


def compression_cache_key(req: Request) -> str:
    if req.endpoint == "static" and req.view_args:
        asset = manifest().get(str(req.view_args.get("filename", "")))
        if asset is not None:
            return f"{asset.path}@{asset.digest}{STATIC_KEY_END}"
    return ""


class CookielessStaticSessions(SecureCookieSessionInterface):
    """The session cookie, left off static files: Flask-Login reads the session after every request,
    which would answer each asset with `Vary: Cookie` (a shared cache would then keep one copy per
    visitor) and could set a cookie on a response every visitor shares."""

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if request.endpoint == "static":
            return
        super().save_session(app, session, response)


def init_static_assets(app: Flask) -> None:
    """Hash the static folder once and serve it through serve_static."""
    assert app.static_folder is not None  # create_app keeps Flask's static folder, app/static
    app.extensions[EXTENSION_KEY] = build_manifest(Path(app.static_folder))
    app.view_functions["static"] = serve_static
    app.url_defaults(add_fingerprint)
    app.session_interface = CookielessStaticSessions()
