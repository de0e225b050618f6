"""The map's clusters: issues counted per grid cell (geo.grid) in one SQL statement, per status.

At low zoom the map gets one cluster per grid cell instead of pins. The database counts every issue the
filters select in whole cells (a cell is never cut by the viewport's edge), grouped by cell and status,
so every count is exact however many issues there are; Python only merges a cell's per-status rows.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float, Integer, Select, Text, bindparam, false, func, select

from app.database.sessions import DbSession
from app.database.spellings import floor_of, within_box_scanning
from app.models import Issue, IssueCell
from app.services.issues import queries
from app.services.issues.queries import IssueFilters
from app.services.issues.status_types import status_types
from geo.coordinates import COORDINATE_DECIMALS, BBox
from geo.grid import FINE_GRID, LAT_ORIGIN, LON_ORIGIN, WORLD, CellRange, Grid, nests_in_fine_grid

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
    extent: BBox  # a box holding the cell's issues: theirs, or their fine cells' (from issue_cells)
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


_CELL_STATEMENTS: dict[Any, Select[Any]] = {}


def _cells_statement(shape: Any) -> Select[Any]:
    """The same answer from the counts kept per fine cell (issue_cells): a cell of `grid` is `factor`
    fine cells across, and integer division of a fine cell's column or row gives the coarse one. The
    min/max columns are fine cells, not coordinates: the extent comes out to within one fine cell."""
    stmt = _CELL_STATEMENTS.get(shape)
    if stmt is not None:
        return stmt
    fine = [bindparam(f"fine_{name}", type_=Integer) for name in _CELL_PARAMS]
    # First per fine cell and status, in the primary key's order (no sort), which folds categories and
    # areas; then per coarse cell, a sort of a few thousand rows (docs/benchmarks.md, issue 17).
    per_fine = select(
        IssueCell.cell_x,
        IssueCell.cell_y,
        IssueCell.status,
        func.sum(IssueCell.issues).label("issues"),
        func.sum(IssueCell.sum_lon).label("sum_lon"),
        func.sum(IssueCell.sum_lat).label("sum_lat"),
    ).where(
        IssueCell.issues > 0,
        IssueCell.cell_x.between(fine[0], fine[2]),
        IssueCell.cell_y.between(fine[1], fine[3]),
    )
    if shape.category:
        per_fine = per_fine.where(IssueCell.category_code == bindparam("category"))
    if shape.statuses is not None:
        codes = [bindparam(f"status_{i}", type_=Text) for i in range(shape.statuses)]
        per_fine = per_fine.where(IssueCell.status.in_(codes) if codes else false())
    if shape.area:
        per_fine = per_fine.where(IssueCell.area_id == bindparam("area_id"))
    fine_cells = per_fine.group_by(IssueCell.cell_x, IssueCell.cell_y, IssueCell.status).subquery("fine")
    factor = bindparam("factor", type_=Integer)
    cx, cy = (fine_cells.c.cell_x // factor).label("cx"), (fine_cells.c.cell_y // factor).label("cy")
    stmt = select(
        cx,
        cy,
        fine_cells.c.status,
        func.sum(fine_cells.c.issues),
        func.sum(fine_cells.c.sum_lon),
        func.sum(fine_cells.c.sum_lat),
        func.min(fine_cells.c.cell_x),
        func.min(fine_cells.c.cell_y),
        func.max(fine_cells.c.cell_x),
        func.max(fine_cells.c.cell_y),
    ).group_by(cx, cy, fine_cells.c.status)
    _CELL_STATEMENTS[shape] = stmt
    return stmt


def counts_from_cells(grid: Grid, filters: IssueFilters) -> bool:
    """Whether the kept per-cell counts can answer: the grid nests in the fine one, hidden issues left
    out (issue_cells counts only visible ones)."""
    return nests_in_fine_grid(grid) and not filters.include_hidden


def cluster_statement(
    session: DbSession, filters: IssueFilters, grid: Grid, from_cells: bool | None = None
) -> tuple[Select[Any], dict[str, object], CellRange]:
    """The clusters' statement, its bound values and the cells it counts (also what the benchmark
    EXPLAINs). Without a bbox in `filters` the whole world is counted. The kept per-cell counts answer
    when they can (`from_cells` None); tests ask for either way to compare them."""
    cells = grid.cells_meeting(filters.bbox or WORLD)
    if from_cells is None:
        from_cells = counts_from_cells(grid, filters)
    if from_cells:
        shape, values = queries.bound_filters(session, dataclasses.replace(filters, bbox=None))
        factor = 2 ** (FINE_GRID.zoom - grid.zoom)
        values["factor"] = factor
        values.update(
            fine_west=cells.west * factor,
            fine_south=cells.south * factor,
            fine_east=cells.east * factor + factor - 1,
            fine_north=cells.north * factor + factor - 1,
        )
        return _cells_statement(shape), values, cells
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


def clusters(
    session: DbSession, filters: IssueFilters, grid: Grid, from_cells: bool | None = None
) -> ClusterAnswer:
    """Every issue `filters` selects, counted per grid cell of the cells its bbox meets."""
    if from_cells is None:
        from_cells = counts_from_cells(grid, filters)
    stmt, values, cells = cluster_statement(session, filters, grid, from_cells)
    types = status_types(session)
    found: dict[tuple[int, int], list[Any]] = {}
    for cx, cy, status, count, sum_lon, sum_lat, min_lon, min_lat, max_lon, max_lat in (
        session.connection().execute(stmt, values).all()
    ):
        count = int(count)  # PostgreSQL sums integers as numeric
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
    if from_cells:  # the extent is in fine cells: their bounds
        for parts in found.values():
            first = FINE_GRID.cell_bounds(parts[4], parts[5])
            last = FINE_GRID.cell_bounds(parts[6], parts[7])
            parts[4:8] = [first.min_lon, first.min_lat, last.max_lon, last.max_lat]
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
