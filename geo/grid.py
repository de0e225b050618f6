"""The map's clustering grid: square cells in degrees, fixed per zoom level and anchored at (-180, -90).

A cell at zoom `z` is `360 / (2**z * cells_per_tile)` degrees wide and as many degrees tall, so a cell
spans `256 / cells_per_tile` pixels across on a 256-pixel Web Mercator tile (taller than wide away from
the equator). The grid depends only on the zoom, never on the viewport: a cell holds the same issues
wherever the map is panned, and the database computes a point's cell with the same two floating-point
operations as `cell_of` (`floor((lon + 180) / size)`), so SQL and Python agree on points on a boundary.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from geo.coordinates import BBox

MAX_ZOOM = 24
EDGE_DECIMALS = 10
LON_ORIGIN = -180.0
LAT_ORIGIN = -90.0


@dataclass(frozen=True, slots=True)
class Grid:
    zoom: int
    cells_per_tile: int

    def __post_init__(self) -> None:
        if not 0 <= self.zoom <= MAX_ZOOM:
            raise ValueError(f"zoom must be between 0 and {MAX_ZOOM}")
        if self.cells_per_tile < 1:
            raise ValueError("cells_per_tile must be at least 1")

    @property
    def size(self) -> float:
        """A cell's width and height in degrees."""
        return 360.0 / float(2**self.zoom * self.cells_per_tile)

    def cell_of(self, lon: float, lat: float) -> tuple[int, int]:
        """The (column, row) of the cell holding a point, columns from lon -180, rows from lat -90."""
        size = self.size
        return math.floor((lon - LON_ORIGIN) / size), math.floor((lat - LAT_ORIGIN) / size)

    def cell_bounds(self, column: int, row: int) -> BBox:
        """A cell's bounds, clipped to the valid range of lon and lat.

        Rounded to EDGE_DECIMALS: `origin + column * size` may land a few ulps off an edge that
        `cell_of` puts a stored point (7 decimals) on; rounding far below the stored precision puts
        the published edge back on it, so a cell's bounds hold every point `cell_of` assigns it.
        """
        size = self.size
        return BBox(
            max(LON_ORIGIN, round(LON_ORIGIN + column * size, EDGE_DECIMALS)),
            max(LAT_ORIGIN, round(LAT_ORIGIN + row * size, EDGE_DECIMALS)),
            min(180.0, round(LON_ORIGIN + (column + 1) * size, EDGE_DECIMALS)),
            min(90.0, round(LAT_ORIGIN + (row + 1) * size, EDGE_DECIMALS)),
        )

    def cells_meeting(self, box: BBox) -> CellRange:
        """The cells that `box` meets (a point on a cell's edge belongs to the cell east or north)."""
        west, south = self.cell_of(box.min_lon, box.min_lat)
        east, north = self.cell_of(box.max_lon, box.max_lat)
        return CellRange(west, south, east, north)

    def covering(self, cells: CellRange) -> BBox:
        """The bounds of a range of whole cells: the area a clustered answer counts."""
        first = self.cell_bounds(cells.west, cells.south)
        last = self.cell_bounds(cells.east, cells.north)
        return BBox(first.min_lon, first.min_lat, last.max_lon, last.max_lat)


@dataclass(frozen=True, slots=True)
class CellRange:
    """Columns west..east and rows south..north, inclusive."""

    west: int
    south: int
    east: int
    north: int

    def __contains__(self, cell: object) -> bool:
        if not isinstance(cell, tuple) or len(cell) != 2:
            return False
        column, row = cell
        return bool(self.west <= column <= self.east and self.south <= row <= self.north)


WORLD = BBox(-180.0, -90.0, 180.0, 90.0)
# The finest clustering grid, which the database keeps counts for (the issue_cells table and its
# triggers, migration d7e2a9c41b5f, spell out its cell size, 360 / (2**15 * 3) = 0.003662109375 degrees).
# Grids of the same cells_per_tile at lower zooms nest in it exactly: a cell at zoom z is 2**(15 - z)
# fine cells across, and floor(x / 2**k) computed from the fine cell's integer is what cell_of gives,
# since dividing a double by a power of two is exact.
FINE_GRID = Grid(15, 3)


def nests_in_fine_grid(grid: Grid) -> bool:
    """Whether `grid`'s cells are whole blocks of FINE_GRID's."""
    return grid.cells_per_tile == FINE_GRID.cells_per_tile and grid.zoom <= FINE_GRID.zoom
