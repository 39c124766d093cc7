"""Geometry of the demo city: a street grid around the city's centre (Ahvaz's by default), cut by a river.

Pure functions of (parcel count, seed, the configured centre): the same arguments give the same city, on any
database. All coordinates are metres of the storage CRS (EPSG:32639 for Ahvaz).
"""

import math
from dataclasses import dataclass, field

import numpy as np
import shapely

from panjereh.citymap import crs as crsmod

BLOCK_W, BLOCK_H = 100.0, 50.0  # block size between street edges
STREET_W = 20.0  # street width, edge to edge
PITCH_X, PITCH_Y = BLOCK_W + STREET_W, BLOCK_H + STREET_W
PARCELS_PER_ROW = 8  # two rows of eight parcels per block
RIVER_W = 160.0
BRIDGE_EVERY = 10  # every tenth east–west street crosses the river

# Where each network lies, as an offset from the street centreline toward north/east (DOMAIN.md).
OFFSETS = {"sewer": 0.0, "water_main": 3.5, "gas_main": -3.5, "lv_cable": -7.0, "mv_cable": -7.8,
           "telecom_duct": 7.0}
HALF = STREET_W / 2


def centre() -> tuple[float, float]:
    """The city's centre (PANJEREH_CITY_CENTRE) in the storage CRS, to the metre (Ahvaz: 278282, 3467411)."""
    from django.conf import settings

    lon, lat = settings.PANJEREH_CITY_CENTRE
    x, y = shapely.get_coordinates(crsmod.to_storage(shapely.Point(lon, lat), "OGC:CRS84"))[0]
    return float(round(x)), float(round(y))


@dataclass
class Grid:
    """The street grid: ``cols`` × ``rows`` blocks, lower-left street crossing at (x0, y0)."""

    cols: int
    rows: int
    x0: float
    y0: float
    river_col: float
    kept: np.ndarray = field(repr=False, default=None)  # kept[i, j]: block (i, j) is land, not river

    def x(self, i: float) -> float:
        return self.x0 + i * PITCH_X

    def y(self, j: float) -> float:
        return self.y0 + j * PITCH_Y

    def river_centre_x(self, y: float) -> float:
        """The Karun's centreline meanders a little around its column."""
        return self.x(self.river_col) + 45.0 * math.sin((y - self.y0) / 900.0)

    def river_polygon(self):
        ys = np.linspace(self.y(0) - 200, self.y(self.rows) + 200, 200)
        left = [(self.river_centre_x(y) - RIVER_W / 2, y) for y in ys]
        right = [(self.river_centre_x(y) + RIVER_W / 2, y) for y in ys[::-1]]
        return shapely.Polygon(left + right)

    def block_box(self, i: int, j: int):
        return shapely.box(self.x(i) + HALF, self.y(j) + HALF, self.x(i + 1) - HALF, self.y(j + 1) - HALF)


def make_grid(parcels: int) -> Grid:
    """Size a grid that holds ``parcels`` parcels once the river's blocks are taken out."""
    per_block = 2 * PARCELS_PER_ROW
    blocks = math.ceil(parcels / per_block)
    rows = max(4, math.ceil(math.sqrt(blocks * PITCH_X / PITCH_Y)))
    cols = max(4, math.ceil(blocks / rows))
    while True:
        cx, cy = centre()
        grid = Grid(cols=cols, rows=rows, x0=cx - cols * PITCH_X / 2, y0=cy - rows * PITCH_Y / 2,
                    river_col=cols / 2)
        river = grid.river_polygon()
        boxes = shapely.box(
            grid.x0 + np.arange(cols)[:, None] * PITCH_X + HALF, grid.y0 + np.arange(rows)[None, :] * PITCH_Y + HALF,
            grid.x0 + (np.arange(cols)[:, None] + 1) * PITCH_X - HALF,
            grid.y0 + (np.arange(rows)[None, :] + 1) * PITCH_Y - HALF)
        kept = ~shapely.intersects(boxes, river)
        if kept.sum() * per_block >= parcels:
            grid.kept = kept
            return grid
        cols += 1
