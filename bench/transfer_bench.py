"""Transfer-size benchmark (issue 17): what a browser downloads for the home page (the map) and the Top
priorities page, uncompressed as before versus brotli and gzip, and what a repeat visit still asks for.

    .venv/bin/python -m bench.transfer_bench            # what `make bench` runs; writes docs/benchmarks.md
    .venv/bin/python -m bench.transfer_bench --no-write # print only

The demo city (`seed-demo`, 320 problems) in a fresh SQLite file, the app as production runs it, the
Flask test client. A page's resources are what a browser loads for it: the HTML, every script, stylesheet
and icon it names, and for the map the JSON requests its script makes (neighbourhoods, then the open
problems of the city's box). Sizes are response bodies (headers excluded). "Uncompressed" asks without
Accept-Encoding: the bytes every browser received before this change (static URLs now carry
`?v=<hash>`, 20 bytes more each). A repeat visit counts the requests a browser still sends within the
cache lifetimes: before, static files went out with `no-cache`, so each was revalidated (a 304); now a
fingerprinted file is `immutable` for a year and not asked for at all.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import brotli
from flask.testing import FlaskClient

from bench.benchmarks_doc import publish
from bench.databases import bench_app

HEADING = "## Static assets and compression (issue 17)"
COMMAND = ".venv/bin/python -m bench.transfer_bench"
ASSET = re.compile(r"""<(?:script[^>]*\ssrc|link[^>]*\shref)="(/static/[^"]+)\"""")
ENCODINGS = ("identity", "gzip", "br")


@dataclass(frozen=True)
class Fetched:
    url: str
    sizes: dict[str, int]  # body bytes by Accept-Encoding
    static: bool


def fetch(client: FlaskClient, url: str) -> Fetched:
    sizes: dict[str, int] = {}
    bodies: dict[str, bytes] = {}
    for encoding in ENCODINGS:
        response = client.get(url, headers={"Accept-Encoding": encoding})
        if response.status_code != 200:
            raise RuntimeError(f"GET {url} answered {response.status_code}")
        sent = response.headers.get("Content-Encoding", "identity")
        if sent not in (encoding, "identity"):
            raise RuntimeError(f"GET {url} with {encoding} came back as {sent}")
        sizes[encoding] = len(response.data)
        if sent == "br":
            bodies[encoding] = brotli.decompress(response.data)
        elif sent == "gzip":
            bodies[encoding] = gzip.decompress(response.data)
    for encoding, body in bodies.items():  # decoded, the same length as the plain body (pages differ in
        if abs(len(body) - sizes["identity"]) > 64:  # their CSRF token and folium's random names only)
            raise RuntimeError(f"GET {url}: {encoding} decodes to {len(body)} bytes, not {sizes['identity']}")
    return Fetched(url, sizes, url.startswith("/static/"))


def city_box(areas: dict[str, object]) -> str:
    points: list[tuple[float, float]] = []

    def walk(value: object) -> None:
        if isinstance(value, list) and len(value) == 2 and all(isinstance(v, float | int) for v in value):
            points.append((float(value[0]), float(value[1])))
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for feature in areas["features"]:  # type: ignore[attr-defined]
        walk(feature["geometry"]["coordinates"])
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    return f"{min(lons)},{min(lats)},{max(lons)},{max(lats)}"


def page_resources(client: FlaskClient, page: str) -> list[Fetched]:
    html = client.get(page).get_data(as_text=True)
    urls = [page, *dict.fromkeys(url.replace("&amp;", "&") for url in ASSET.findall(html))]
    if page == "/":
        areas = client.get("/api/v1/areas").get_json()
        urls += ["/api/v1/areas", "/api/v1/issues?" + urlencode({"bbox": city_box(areas), "status": "open"})]
    return [fetch(client, url) for url in urls]


def server_times(client: FlaskClient, urls: list[str], repeats: int) -> dict[str, dict[str, float]]:
    """Median in-process milliseconds per URL and encoding, the encodings interleaved (a noisy machine)."""
    samples: dict[str, dict[str, list[float]]] = {url: {e: [] for e in ENCODINGS} for url in urls}
    for _ in range(repeats):
        for url in urls:
            for encoding in ENCODINGS:
                started = time.perf_counter()
                client.get(url, headers={"Accept-Encoding": encoding}).close()
                samples[url][encoding].append((time.perf_counter() - started) * 1000)
    return {url: {e: statistics.median(t) for e, t in by.items()} for url, by in samples.items()}


def kib(size: int) -> str:
    return f"{size / 1024:,.1f} KiB"


def report(results: dict[str, list[Fetched]], times: dict[str, dict[str, float]], when: str) -> str:
    lines = [
        f"Command: `{COMMAND}` (measured {when}; the demo city in SQLite, in-process Flask test client, "
        "response bodies without headers; `make bench` runs it).",
        "",
        "First visit: every resource of the page.",
        "",
        "| Page | Requests | Uncompressed (before) | gzip | brotli | brotli / before |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for page, fetched in results.items():
        total = {e: sum(f.sizes[e] for f in fetched) for e in ENCODINGS}
        lines.append(
            f"| `{page}` | {len(fetched)} | {kib(total['identity'])} | {kib(total['gzip'])} | "
            f"{kib(total['br'])} | {total['br'] / total['identity']:.2f} |"
        )
    lines += [
        "",
        "Repeat visit within the cache lifetimes (static files were `no-cache` before: one revalidation "
        "each; fingerprinted now: none). Bytes are the bodies still downloaded (HTML and JSON).",
        "",
        "| Page | Requests before | Requests now | Bytes before (uncompressed) | Bytes now (brotli) |",
        "|---|---:|---:|---:|---:|",
    ]
    for page, fetched in results.items():
        dynamic = [f for f in fetched if not f.static]
        before, now = sum(f.sizes["identity"] for f in dynamic), sum(f.sizes["br"] for f in dynamic)
        lines.append(f"| `{page}` | {len(fetched)} | {len(dynamic)} | {kib(before)} | {kib(now)} |")
    lines += [
        "",
        "What compressing costs the server: median in-process time of a response (ms, 60 interleaved "
        "runs). Static files are compressed once per process and kept; pages and JSON every time.",
        "",
        "| Response | Uncompressed | gzip | brotli |",
        "|---|---:|---:|---:|",
    ]
    for url, by in times.items():
        name = url.split("?")[0] + "?v=…" if url.startswith("/static/") else url
        lines.append(f"| `{name}` | {by['identity']:.1f} | {by['gzip']:.1f} | {by['br']:.1f} |")
    lines += ["", "Per resource of the home page (bytes: uncompressed / gzip / brotli):", ""]
    for f in results["/"]:
        name = f.url.split("?")[0] if f.static else f.url
        lines.append(f"- `{name}`: {f.sizes['identity']:,} / {f.sizes['gzip']:,} / {f.sizes['br']:,}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-write", action="store_true", help="print the figures, leave docs/benchmarks.md")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="transfer-bench-") as workdir:
        app = bench_app(f"sqlite:///{Path(workdir) / 'demo.db'}")
        app.config.update(UPLOAD_FOLDER=str(Path(workdir) / "uploads"), TILE_URL="none")
        runner = app.test_cli_runner()
        for command in (["init-db"], ["seed-demo"]):
            outcome = runner.invoke(args=command)
            if outcome.exit_code != 0:
                raise RuntimeError(f"flask {' '.join(command)} failed: {outcome.output}")
        client = app.test_client()
        results = {page: page_resources(client, page) for page in ("/", "/priorities")}
        pins = next(f.url for f in results["/"] if f.url.startswith("/api/v1/issues?"))
        leaflet = next(f.url for f in results["/"] if "leaflet.js" in f.url)
        times = server_times(client, ["/", pins, leaflet], repeats=60)
    load = os.getloadavg()[0]
    when = f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {load:.1f} on {os.cpu_count()} CPUs"
    text = report(results, times, when)
    publish(HEADING, text, write=not args.no_write)


if __name__ == "__main__":
    main()
