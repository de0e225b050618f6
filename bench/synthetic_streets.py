"""A synthetic gazetteer for benchmarks: many uniquely named streets on a grid over the demo city."""

from __future__ import annotations

import itertools
import random

from shapely.geometry import LineString, MultiLineString

from geo.streets import Gazetteer, NamedStreet, StreetAddress

CITY_BOX = (3.666, 51.012, 3.778, 51.09)  # the demo city's extent (app/demo/demo_city.geojson)
FIRST = [
    "Willow",
    "Oak",
    "Ash",
    "Elm",
    "Birch",
    "Cedar",
    "Maple",
    "Linden",
    "Poplar",
    "Hazel",
    "Rowan",
    "Alder",
    "Beech",
    "Cherry",
    "Holly",
    "Juniper",
    "Laurel",
    "Myrtle",
    "Olive",
    "Pine",
    "Quince",
    "Rose",
    "Sorrel",
    "Thistle",
    "Violet",
    "Yarrow",
    "Acorn",
    "Bramble",
    "Clover",
    "Daisy",
    "Fern",
    "Heather",
    "Iris",
    "Jasmine",
    "Lilac",
    "Meadow",
    "Nettle",
    "Orchard",
    "Primrose",
    "Reed",
    "Saffron",
    "Tansy",
    "Ivy",
    "Heron",
    "Kingfisher",
    "Lark",
    "Robin",
    "Swallow",
    "Wren",
    "Église",
]
MIDDLE = [
    "Mill",
    "Church",
    "Market",
    "Station",
    "Bridge",
    "Harbour",
    "Park",
    "School",
    "Chapel",
    "Quarry",
    "Foundry",
    "Abbey",
    "Castle",
    "Garden",
    "Green",
    "Hill",
    "Valley",
    "Brook",
    "River",
    "Canal",
    "Dock",
    "Field",
    "Farm",
    "Manor",
    "Priory",
    "Forge",
    "Tannery",
    "Weaver",
    "Baker",
    "Cooper",
    "Saint",
    "North",
    "South",
    "East",
    "West",
    "Upper",
    "Lower",
    "Old",
    "New",
    "Long",
]
LAST = [
    "Street",
    "Road",
    "Lane",
    "Drive",
    "Avenue",
    "Way",
    "Close",
    "Court",
    "Place",
    "Row",
    "Walk",
    "Terrace",
    "Crescent",
    "Grove",
    "Rise",
    "Hill",
    "Square",
    "Gardens",
    "Mews",
    "Parade",
    "Quay",
    "Wharf",
    "Yard",
    "Path",
    "Boulevard",
]


def street_names(count: int) -> list[str]:
    """`count` distinct names such as "Willow Mill Lane"; "Willow Drive" is always among them."""
    names = ["Willow Drive"]
    for first, middle, last in itertools.product(FIRST, MIDDLE, LAST):
        if len(names) == count:
            break
        names.append(f"{first} {middle} {last}")
    if len(names) < count:
        raise ValueError(f"at most {len(names)} synthetic names")
    return names


def synthetic_gazetteer(count: int, addresses: int, seed: int = 15) -> Gazetteer:
    """`count` short streets (two segments each) in a shuffled grid over the city, and addresses on some."""
    rng = random.Random(seed)
    names = street_names(count)
    rng.shuffle(names)
    columns = int(count**0.5 * 1.3) + 1
    rows = count // columns + 1
    min_lon, min_lat, max_lon, max_lat = CITY_BOX
    dx, dy = (max_lon - min_lon) / columns, (max_lat - min_lat) / rows
    streets, found = [], []
    for n, name in enumerate(names):
        x0, y0 = min_lon + (n % columns) * dx, min_lat + (n // columns) * dy
        line = LineString([(x0, y0), (x0 + dx * 0.9, y0 + dy * 0.1), (x0 + dx * 0.9, y0 + dy * 0.9)])
        streets.append(NamedStreet(name, MultiLineString([line])))
        if len(found) < addresses:
            middle = line.interpolate(0.5, normalized=True)
            found.append(StreetAddress(name, str(1 + n % 200), middle.x + dx * 0.01, middle.y))
    return Gazetteer(streets, found, [])
