"""The clustering grid: cells fixed per zoom, edges that agree with cell_of, whole-cell coverings."""

from __future__ import annotations

import random

import pytest

from geo.coordinates import BBox
from geo.grid import WORLD, CellRange, Grid


def test_a_cell_spans_a_fixed_share_of_a_tile() -> None:
    assert Grid(0, 1).size == 360.0
    assert Grid(12, 3).size == 360.0 / (4096 * 3)
    assert Grid(6, 1125).size == pytest.approx(0.005)


@pytest.mark.parametrize(("zoom", "cells_per_tile"), [(-1, 3), (25, 3), (10, 0)])
def test_a_grid_refuses_impossible_settings(zoom: int, cells_per_tile: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        Grid(zoom, cells_per_tile)


def test_every_point_lies_in_the_bounds_of_its_cell_even_on_edges() -> None:
    rng = random.Random(5)
    for grid in (Grid(6, 1125), Grid(12, 3), Grid(15, 3), Grid(3, 1)):
        points = [(round(rng.uniform(-180, 180), 7), round(rng.uniform(-90, 90), 7)) for _ in range(2000)]
        # points on edges: multiples of the size written with 7 decimals
        points += [(round(-180 + k * grid.size, 7), round(-90 + k * grid.size, 7)) for k in range(1, 200)]
        for lon, lat in points:
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                continue
            bounds = grid.cell_bounds(*grid.cell_of(lon, lat))
            assert bounds.min_lon <= lon <= bounds.max_lon, (grid, lon)
            assert bounds.min_lat <= lat <= bounds.max_lat, (grid, lat)


def test_a_box_is_covered_by_the_whole_cells_it_meets() -> None:
    grid = Grid(13, 3)
    box = BBox(10.0001, 50.0001, 10.0302, 50.0207)
    cells = grid.cells_meeting(box)
    covered = grid.covering(cells)

    assert covered.min_lon <= box.min_lon
    assert covered.min_lat <= box.min_lat
    assert covered.max_lon >= box.max_lon
    assert covered.max_lat >= box.max_lat
    # no whole column or row of cells to spare
    assert covered.max_lon - covered.min_lon < box.max_lon - box.min_lon + 2 * grid.size
    assert grid.cell_of(box.min_lon, box.min_lat) in cells
    assert grid.cell_of(box.max_lon, box.max_lat) in cells
    assert (cells.west - 1, cells.south) not in cells
    assert "not a cell" not in cells


def test_the_world_at_zoom_zero_is_one_cell_per_tile_side() -> None:
    grid = Grid(0, 1)
    assert grid.cells_meeting(WORLD) == CellRange(0, 0, 1, 0)
    assert grid.covering(grid.cells_meeting(WORLD)) == WORLD
