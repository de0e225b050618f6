"""The map's clusters: issues counted per grid cell (geo.grid) in one SQL statement, per status.

At low zoom the map gets one cluster per grid cell instead of pins. The database counts every issue the
filters select in whole cells (a cell is never cut by the viewport's edge), grouped by cell and status,
so every count is exact however many issues there are; Python only merges a cell's per-status rows.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Integer, Select, bindparam, func, select

from app.database.sessions import DbSession
from app.database.spellings import floor_of, within_box_scanning
from app.models import Issue
from app.services.issues import queries
from app.services.issues.queries import IssueFilters
from app.services.issues.status_types import status_types
from geo.coordinates import COORDINATE_DECIMALS, BBox
from geo.grid import LAT_ORIGIN, LON_ORIGIN, WORLD, CellRange, Grid

# The spatial index picks candidates in the covering cells widened by this many degrees, so that a point
# whose cell SQL computes inside the range is never left out by rounding at an edge; the cell range
# itself then decides exactly.
_EDGE_SLACK = 1e-9
_CELL_PARAMS = ("west", "south", "east", "north")
_BOX_PARAMS = ("box_west", "box_south", "box_east", "box_north")


@dataclass(frozen=True)
class Cluster:
    column: int
    row: int
    count: int
    statuses: dict[str, int]  # status code -> issues
    status_types: dict[str, int]  # open / closed / fixed -> issues
    lon: float  # the centroid of the cell's issues
    lat: float
    extent: BBox  # the smallest box holding the cell's issues
    cell: BBox  # the grid cell's bounds


@dataclass(frozen=True)
class ClusterAnswer:
    grid: Grid
    covered: BBox  # the whole cells counted: the requested box widened to cell edges
    clusters: list[Cluster]

    @property
    def total(self) -> int:
        return sum(c.count for c in self.clusters)


_STATEMENTS: dict[Any, Select[Any]] = {}


def _statement(session: DbSession, shape: Any) -> Select[Any]:
    stmt = _STATEMENTS.get(shape)
    if stmt is not None:
        return stmt
    size = bindparam("cell_size", type_=Float)
    column = floor_of(session, (Issue.lon - LON_ORIGIN) / size)
    row = floor_of(session, (Issue.lat - LAT_ORIGIN) / size)
    box = tuple(bindparam(name, type_=Float) for name in _BOX_PARAMS)
    located = (
        queries.filtered(
            select(column.label("cx"), row.label("cy"), Issue.status, Issue.lon, Issue.lat), shape
        )
        .where(within_box_scanning(shape.dialect, Issue.geom, Issue.lon, Issue.lat, box))  # type: ignore[arg-type]
        .subquery("located")
    )
    west, south, east, north = (bindparam(name, type_=Integer) for name in _CELL_PARAMS)
    stmt = (
        select(
            located.c.cx,
            located.c.cy,
            located.c.status,
            func.count(),
            func.sum(located.c.lon),
            func.sum(located.c.lat),
            func.min(located.c.lon),
            func.min(located.c.lat),
            func.max(located.c.lon),
            func.max(located.c.lat),
        )
        .where(located.c.cx.between(west, east), located.c.cy.between(south, north))
        .group_by(located.c.cx, located.c.cy, located.c.status)
    )
    _STATEMENTS[shape] = stmt
    return stmt


def cluster_statement(
    session: DbSession, filters: IssueFilters, grid: Grid
) -> tuple[Select[Any], dict[str, object], CellRange]:
    """The clusters' statement, its bound values and the cells it counts (also what the benchmark
    EXPLAINs). Without a bbox in `filters` the whole world is counted."""
    cells = grid.cells_meeting(filters.bbox or WORLD)
    covered = grid.covering(cells)
    candidates = BBox(
        max(-180.0, covered.min_lon - _EDGE_SLACK),
        max(-90.0, covered.min_lat - _EDGE_SLACK),
        min(180.0, covered.max_lon + _EDGE_SLACK),
        min(90.0, covered.max_lat + _EDGE_SLACK),
    )
    # The box is the statement's own (within_box_scanning), not the lists' spatial-index lookup.
    shape, values = queries.bound_filters(session, dataclasses.replace(filters, bbox=None))
    values.update(zip(_BOX_PARAMS, candidates.as_list(), strict=True))
    values.update(zip(_CELL_PARAMS, (cells.west, cells.south, cells.east, cells.north), strict=True))
    values["cell_size"] = grid.size
    return _statement(session, shape), values, cells


def clusters(session: DbSession, filters: IssueFilters, grid: Grid) -> ClusterAnswer:
    """Every issue `filters` selects, counted per grid cell of the cells its bbox meets."""
    stmt, values, cells = cluster_statement(session, filters, grid)
    types = status_types(session)
    found: dict[tuple[int, int], list[Any]] = {}
    for cx, cy, status, count, sum_lon, sum_lat, min_lon, min_lat, max_lon, max_lat in (
        session.connection().execute(stmt, values).all()
    ):
        cell = found.get((cx, cy))
        if cell is None:
            found[(cx, cy)] = [{status: count}, count, sum_lon, sum_lat, min_lon, min_lat, max_lon, max_lat]
            continue
        cell[0][status] = count
        cell[1] += count
        cell[2] += sum_lon
        cell[3] += sum_lat
        cell[4], cell[5] = min(cell[4], min_lon), min(cell[5], min_lat)
        cell[6], cell[7] = max(cell[6], max_lon), max(cell[7], max_lat)
    answer = [
        _cluster(grid, key, parts, types) for key, parts in sorted(found.items(), key=lambda item: item[0])
    ]
    return ClusterAnswer(grid, grid.covering(cells), answer)


def _cluster(grid: Grid, key: tuple[int, int], parts: list[Any], types: dict[str, str]) -> Cluster:
    statuses, count, sum_lon, sum_lat, min_lon, min_lat, max_lon, max_lat = parts
    by_type: dict[str, int] = {}
    for code, n in statuses.items():
        kind = types.get(code, "open")
        by_type[kind] = by_type.get(kind, 0) + n
    return Cluster(
        column=key[0],
        row=key[1],
        count=count,
        statuses=dict(sorted(statuses.items())),
        status_types=dict(sorted(by_type.items())),
        lon=round(sum_lon / count, COORDINATE_DECIMALS),
        lat=round(sum_lat / count, COORDINATE_DECIMALS),
        extent=BBox(min_lon, min_lat, max_lon, max_lat),
        cell=grid.cell_bounds(*key),
    )
