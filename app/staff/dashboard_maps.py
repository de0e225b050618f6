"""The dashboard's two maps: open issues per area (choropleth) and where open issues cluster (heatmap)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import folium
from markupsafe import escape

from app import maps
from app.models import Area
from app.shapes import to_geometry
from geo.geojson import geometry_of

# Sequential blues (ColorBrewer "Blues", 5 classes); the lightest still shows on a blank base map.
SHADES = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
EMPTY_SHADE = "#f4f4f4"


@dataclass(frozen=True)
class LegendStep:
    colour: str
    label: str


def class_breaks(values: Sequence[int], classes: int = len(SHADES)) -> list[int]:
    """Upper bounds of equal-width classes from 1 to the largest value (at least 1 per class)."""
    top = max(values, default=0)
    if top <= 0:
        return []
    width = max(1, -(-top // classes))
    return [min(top, width * (i + 1)) for i in range(classes) if width * i < top]


def _shade(index: int, classes: int) -> str:
    """With fewer classes than shades, the darkest shades are used: the top class is always darkest."""
    return SHADES[len(SHADES) - classes + index]


def shade_for(count: int, breaks: Sequence[int]) -> str:
    if count <= 0 or not breaks:
        return EMPTY_SHADE
    for i, upper in enumerate(breaks):
        if count <= upper:
            return _shade(i, len(breaks))
    return SHADES[-1]


def legend(breaks: Sequence[int]) -> list[LegendStep]:
    steps = [LegendStep(EMPTY_SHADE, "0")]
    lower = 1
    for i, upper in enumerate(breaks):
        steps.append(
            LegendStep(_shade(i, len(breaks)), f"{lower:,}" if lower == upper else f"{lower:,}–{upper:,}")
        )
        lower = upper + 1
    return steps


def choropleth(
    areas: Sequence[Area], open_counts: dict[int, int], selected_area_id: int | None
) -> tuple[maps.RenderedMap, list[LegendStep]]:
    """Areas shaded by their number of open issues; the selected area outlined in black."""
    breaks = class_breaks(list(open_counts.values()))
    features = []
    for area in areas:
        count = open_counts.get(area.id, 0)
        features.append(
            {
                "type": "Feature",
                "id": area.id,
                "geometry": geometry_of(to_geometry(area.geom)),
                # Leaflet puts tooltip text in as HTML: escape the name here.
                "properties": {
                    "name": str(escape(area.name)),
                    "open": f"{count:,}",
                    "fill": shade_for(count, breaks),
                    "selected": area.id == selected_area_id,
                },
            }
        )
    city = maps.build_map(bounds=maps.city_bounds(areas))
    city.options["zoomSnap"] = 0.25  # fill the frame: the city is small at whole zoom levels
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="Open problems per area",
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "fillOpacity": 0.8,
            "color": "#111" if f["properties"]["selected"] else "#555",
            "weight": 3 if f["properties"]["selected"] else 1,
        },
        highlight_function=lambda _f: {"weight": 3, "color": "#111"},
        tooltip=folium.GeoJsonTooltip(fields=["name", "open"], aliases=["Area", "Open problems"]),
    ).add_to(city)
    return maps.render(city), legend(breaks)


@dataclass(frozen=True)
class HeatMapParts:
    rendered: maps.RenderedMap
    layer: str  # the JavaScript variable of the (initially empty) L.heatLayer


def heatmap(areas: Sequence[Area], selected: Area | None) -> HeatMapParts:
    """An empty heat layer over the city (or the chosen area); the page fills it from heat.json.

    Loading the cells separately keeps the dashboard's own response small and quick at city scale.
    """
    bounds = maps.city_bounds([selected] if selected is not None else areas)
    city = maps.build_map(bounds=bounds, heat=True)
    city.options["zoomSnap"] = 0.25
    layer = maps.heat_layer([], radius=18, blur=14, min_opacity=0.35, max_zoom=14)
    layer.add_to(city)
    return HeatMapParts(maps.render(city), layer.get_name())
