"""Leaflet maps built with folium: vendored libraries (no CDN), configured tiles, parts for our templates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import folium
import folium.plugins
from flask import current_app, url_for
from folium.template import Template
from markupsafe import Markup

from app.models import Area
from app.security import csp_nonce
from app.shapes import to_geometry
from app.status_styles import TYPES, status_icon, style_key

# (south, west), (north, east), as Leaflet and folium want bounds.
Bounds = tuple[tuple[float, float], tuple[float, float]]

# Files under app/static/vendor (see its README.md for versions and provenance).
LEAFLET_JS = ("leaflet", "vendor/leaflet/leaflet.js")
LEAFLET_CSS = ("leaflet_css", "vendor/leaflet/leaflet.css")
CLUSTER_JS = ("markercluster", "vendor/leaflet.markercluster/leaflet.markercluster.js")
CLUSTER_CSS = (
    ("markercluster_css", "vendor/leaflet.markercluster/MarkerCluster.css"),
    ("markercluster_default_css", "vendor/leaflet.markercluster/MarkerCluster.Default.css"),
)
HEAT_JS = ("heat", "vendor/leaflet.heat/leaflet-heat.js")
# Leaflet's default marker (the report page's draggable pin). Leaflet finds these images by reading
# its stylesheet's url(.../marker-icon.png) and cutting the file name off, which a fingerprint breaks:
# the map names them itself, fingerprinted like every static file.
DEFAULT_ICON_IMAGES = {
    "iconUrl": "vendor/leaflet/images/marker-icon.png",
    "iconRetinaUrl": "vendor/leaflet/images/marker-icon-2x.png",
    "shadowUrl": "vendor/leaflet/images/marker-shadow.png",
}

# TILE_URL=none draws no base map (offline tests, screenshots); the page styles a neutral ground.
NO_TILES = {"", "none", "off"}
WORLD_VIEW = (20.0, 0.0)


class CityMap(folium.Map):
    """A folium Map whose header leaves the page alone.

    folium's own header sets `html, body { height: 100% }` and a viewport that forbids zooming the
    page; ours is a part of a larger page, so the header keeps only Leaflet's global switches.
    The first view fits `initial_bounds` at once (folium's FitBounds animates a zoom on page load).
    """

    initial_bounds: list[list[float]] | None = None
    default_icon: dict[str, str] | None = None
    script_nonce = ""  # the response's, so the header's inline script may run (app.security)

    _template = Template(
        """
        {% macro header(this, kwargs) %}
            <script nonce="{{ this.script_nonce }}">
                L_NO_TOUCH = {{ this.global_switches.no_touch|tojson }};
                L_DISABLE_3D = {{ this.global_switches.disable_3d|tojson }};
            </script>
        {% endmacro %}

        {% macro html(this, kwargs) %}
            <div class="folium-map" id={{ this.get_name()|tojson }}></div>
        {% endmacro %}

        {% macro script(this, kwargs) %}
            {%- if this.default_icon %}
            L.Icon.Default.imagePath = "";
            L.Icon.Default.mergeOptions({{ this.default_icon|tojson }});
            {%- endif %}
            var {{ this.get_name() }} = L.map(
                {{ this.get_name()|tojson }},
                {
                    center: {{ this.location|tojson }},
                    crs: L.CRS.{{ this.crs }},
                    ...{{ this.options|tojavascript }}
                }
            );
            {%- if this.initial_bounds %}
            {{ this.get_name() }}.fitBounds({{ this.initial_bounds|tojson }}, {animate: false});
            {%- endif %}
            {%- if this.control_scale %}
            L.control.scale().addTo({{ this.get_name() }});
            {%- endif %}
        {% endmacro %}
        """
    )


@dataclass(frozen=True)
class RenderedMap:
    """A map split into the parts a page template places: <head>, the element, the script."""

    name: str  # the global JavaScript variable holding the L.Map
    header: Markup
    html: Markup
    script: Markup


def city_bounds(areas: Iterable[Area]) -> Bounds | None:
    """The box around every area (the city), or None when no area is loaded yet."""
    boxes = [to_geometry(area.geom).bounds for area in areas]
    if not boxes:
        return None
    return (
        (min(b[1] for b in boxes), min(b[0] for b in boxes)),
        (max(b[3] for b in boxes), max(b[2] for b in boxes)),
    )


def centre_of(bounds: Bounds) -> tuple[float, float]:
    (south, west), (north, east) = bounds
    return ((south + north) / 2, (west + east) / 2)


def vendored_assets(cluster: bool, heat: bool) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The (name, URL) script and stylesheet lists that replace folium's CDN defaults."""
    js = [LEAFLET_JS]
    css = [LEAFLET_CSS]
    if cluster:
        js.append(CLUSTER_JS)
        css.extend(CLUSTER_CSS)
    if heat:
        js.append(HEAT_JS)
    return (
        [(name, url_for("static", filename=path)) for name, path in js],
        [(name, url_for("static", filename=path)) for name, path in css],
    )


def build_map(
    *,
    location: tuple[float, float] | None = None,
    zoom: int = 14,
    bounds: Bounds | None = None,
    cluster: bool = False,
    heat: bool = False,
    min_zoom: int = 3,
    max_zoom: int = 19,
) -> CityMap:
    """A map on our vendored Leaflet with the configured tile layer (or none)."""
    if location is None:
        location = centre_of(bounds) if bounds else WORLD_VIEW
        if bounds is None:
            zoom = 2
    city = CityMap(location=location, zoom_start=zoom, tiles=None, min_zoom=min_zoom, max_zoom=max_zoom)
    # The map's own zoom limits (folium gives them only to its tile layer): without tiles, and for
    # the marker clusters, Leaflet needs them on the map.
    city.options.update(min_zoom=min_zoom, max_zoom=max_zoom)
    # Instance attributes: folium's add_js_link would otherwise mutate the class-wide CDN lists.
    city.default_js, city.default_css = vendored_assets(cluster, heat)
    tile_url = str(current_app.config.get("TILE_URL") or "").strip()
    if tile_url.lower() not in NO_TILES:
        folium.TileLayer(
            tiles=tile_url,
            attr=str(current_app.config.get("TILE_ATTRIBUTION") or ""),
            min_zoom=min_zoom,
            max_zoom=max_zoom,
            max_native_zoom=min(max_zoom, 19),
        ).add_to(city)
    city.initial_bounds = [list(bounds[0]), list(bounds[1])] if bounds else None
    city.default_icon = {
        option: url_for("static", filename=path) for option, path in DEFAULT_ICON_IMAGES.items()
    }
    return city


def add_pin(city: folium.Map, lat: float, lon: float, status_type: str, status_code: str = "") -> None:
    """A pin like the city map's (its status's colour and symbol), for a single problem."""
    key = style_key(status_code, status_type)
    kind = status_type if status_type in TYPES else "open"
    icon = folium.DivIcon(
        html=str(status_icon(status_code, status_type)),
        class_name=f"cf-pin status-pin cf-pin--{kind} status--{key}",
        icon_size=(30, 30),
        icon_anchor=(15, 15),
    )
    folium.Marker([lat, lon], icon=icon, keyboard=False).add_to(city)


def heat_layer(points: list[tuple[float, float, float]], **options: object) -> folium.plugins.HeatMap:
    """HeatMap on the vendored leaflet.heat for (lat, lon, weight) points; needs build_map(heat=True)."""
    layer = folium.plugins.HeatMap(points, **options)
    # The plugin's class default is a CDN copy; same name as build_map's entry, so it is loaded once.
    layer.default_js = [(HEAT_JS[0], url_for("static", filename=HEAT_JS[1]))]
    return layer


def render(city: folium.Map) -> RenderedMap:
    """Render the map's header, element and script for embedding in one of our pages."""
    figure = city.get_root()
    assert isinstance(figure, folium.Figure)  # a folium Map makes a Figure its root when it is created
    figure.header._children.pop("meta_http", None)  # our base template declares the charset
    if isinstance(city, CityMap):
        city.script_nonce = csp_nonce()
    figure.render()
    # Markup is safe here: folium writes every value into the script as escaped JSON, and our
    # templates pass it only numbers, vendored URLs and the configured tile attribution.
    return RenderedMap(
        name=city.get_name(),
        header=Markup(figure.header.render()),
        html=Markup(figure.html.render()),
        script=Markup(figure.script.render()),
    )
