"""Static files: fingerprinted URLs cached a year, others briefly; ETags answer conditional requests."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable
from pathlib import Path

from flask.testing import FlaskClient

from app.models import User
from app.static_assets import IMMUTABLE, SHORT, build_manifest
from tests.conftest import AuthActions

STATIC_URL = re.compile(r"""["'(](/static/[^"')\s]+)""")
CSS_REFERENCE = re.compile(r"""url\(['"]?(?!data:|#)([^'")]+)['"]?\)""")
FINGERPRINTED = re.compile(r"^/static/[^?]+\?v=[0-9a-f]{16}$")
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy")


def static_urls(text: str) -> set[str]:
    return set(STATIC_URL.findall(text.replace("&amp;", "&")))


def test_every_static_file_a_page_or_stylesheet_names_is_fingerprinted_and_cached_a_year(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User]
) -> None:
    auth.login_as(make_user(role="official"))
    pages = ["/", "/priorities", "/issues/new", "/staff/dashboard", "/groups"]
    named = {  # a symbol in a sprite is named by its fragment: the file is the same
        url.split("#")[0] for page in pages for url in static_urls(client.get(page).get_data(as_text=True))
    }
    assert any("vendor/leaflet/leaflet.css" in url for url in named)
    assert any("vendor/leaflet.heat/leaflet-heat.js" in url for url in named)  # the dashboard's heatmap
    seen: set[str] = set()
    while named - seen:
        url = sorted(named - seen)[0]
        seen.add(url)
        assert FINGERPRINTED.match(url), url
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == IMMUTABLE, url
        if response.mimetype == "text/css":  # what a stylesheet names, relative to its own folder
            folder = url.split("?")[0].rsplit("/", 1)[0]
            for reference in CSS_REFERENCE.findall(response.get_data(as_text=True)):
                named.add(posixpath.normpath(f"{folder}/{reference}"))
    images = {url for url in seen if "/images/" in url}
    assert {url.split("?")[0].rsplit("/", 1)[1] for url in images} >= {
        "layers.png",
        "layers-2x.png",
        "marker-icon.png",
    }


def test_the_map_names_leaflets_default_marker_images_fingerprinted(client: FlaskClient) -> None:
    html = client.get("/").get_data(as_text=True)

    options = re.search(r"L\.Icon\.Default\.mergeOptions\((\{[^}]*\})\)", html)

    assert options is not None
    urls = re.findall(r'"(/static/[^"]+)"', options.group(1))
    assert {u.split("?")[0].rsplit("/", 1)[1] for u in urls} == {
        "marker-icon.png",
        "marker-icon-2x.png",
        "marker-shadow.png",
    }
    for url in urls:
        assert FINGERPRINTED.match(url)
        assert client.get(url).headers["Cache-Control"] == IMMUTABLE


def test_a_url_without_or_with_a_stale_fingerprint_is_cached_briefly(client: FlaskClient) -> None:
    for url in ("/static/css/app.css", "/static/css/app.css?v=0000000000000000"):
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == SHORT


def test_a_missing_static_file_is_404(client: FlaskClient) -> None:
    for url in ("/static/css/nothing.css", "/static/../config.py", "/static/%2e%2e/wsgi.py"):
        assert client.get(url).status_code == 404, url


def test_static_files_answer_conditional_requests_plain_and_compressed(client: FlaskClient) -> None:
    for encoding in ("identity", "br", "gzip"):
        first = client.get("/static/css/app.css", headers={"Accept-Encoding": encoding})
        etag = first.headers["ETag"]
        again = client.get(
            "/static/css/app.css", headers={"Accept-Encoding": encoding, "If-None-Match": etag}
        )
        assert again.status_code == 304, encoding
        assert again.data == b""
        since = client.get(
            "/static/css/app.css",
            headers={"Accept-Encoding": encoding, "If-Modified-Since": first.headers["Last-Modified"]},
        )
        assert since.status_code == 304, encoding


def test_static_files_keep_the_security_headers_and_carry_no_cookie(
    client: FlaskClient, auth: AuthActions, make_user: Callable[..., User]
) -> None:
    auth.login_as(make_user())

    response = client.get("/static/vendor/leaflet/leaflet.js", headers={"Accept-Encoding": "br"})

    assert response.headers["Content-Encoding"] == "br"
    for header in SECURITY_HEADERS:
        assert response.headers.get(header), header
    assert response.headers["Vary"] == "Accept-Encoding"  # not Cookie: one copy serves every visitor
    assert "Set-Cookie" not in response.headers


def write(folder: Path, path: str, data: bytes) -> None:
    (folder / path).parent.mkdir(parents=True, exist_ok=True)
    (folder / path).write_bytes(data)


def test_a_changed_file_gets_a_new_url_and_so_does_the_stylesheet_naming_it(tmp_path: Path) -> None:
    write(tmp_path, "css/site.css", b'a { background: url("../img/dot.png") } b { background: url(data:x) }')
    write(tmp_path, "img/dot.png", b"first")
    write(tmp_path, "js/page.js", b"one();")
    before = build_manifest(tmp_path)

    write(tmp_path, "img/dot.png", b"second")
    after = build_manifest(tmp_path)

    assert after["img/dot.png"].digest != before["img/dot.png"].digest
    assert after["css/site.css"].digest != before["css/site.css"].digest
    assert after["js/page.js"].digest == before["js/page.js"].digest
    css = after["css/site.css"].data.decode()
    assert f'url("../img/dot.png?v={after["img/dot.png"].digest}")' in css
    assert "url(data:x)" in css
    assert (tmp_path / "css/site.css").read_bytes().startswith(b'a { background: url("../img/dot.png")')


def test_templates_and_scripts_name_static_files_only_through_url_for() -> None:
    """A literal /static/ path would skip the fingerprint (and the year-long cache)."""
    app_dir = Path(__file__).resolve().parents[2] / "app"
    code = [p for p in app_dir.rglob("*.py") if p.name != "static_assets.py"]  # which serves them
    sources = [*app_dir.glob("templates/**/*.html"), *app_dir.glob("static/js/*.js"), *code]
    assert len(sources) > 100
    literal = [p.name for p in sources if STATIC_URL.search(p.read_text(encoding="utf-8"))]
    assert literal == []
