"""Distances in metres on the WGS84 ellipsoid (Vincenty), and search boxes around a point."""

from __future__ import annotations

import math

from geo.coordinates import BBox

WGS84_A = 6378137.0
WGS84_F = 1 / 298.257223563
WGS84_B = WGS84_A * (1 - WGS84_F)
MEAN_RADIUS_M = 6371008.8


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance on the mean sphere; the fallback for Vincenty's rare non-convergence."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * MEAN_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Ellipsoidal distance (Vincenty's inverse formula), millimetre-accurate at city scale."""
    if lon1 == lon2 and lat1 == lat2:
        return 0.0
    f, a, b = WGS84_F, WGS84_A, WGS84_B
    u1 = math.atan((1 - f) * math.tan(math.radians(lat1)))
    u2 = math.atan((1 - f) * math.tan(math.radians(lat2)))
    big_l = math.radians(lon2 - lon1)
    lam = big_l
    sin_u1, cos_u1, sin_u2, cos_u2 = math.sin(u1), math.cos(u1), math.sin(u2), math.cos(u2)
    for _ in range(200):
        sin_lam, cos_lam = math.sin(lam), math.cos(lam)
        sin_sigma = math.hypot(cos_u2 * sin_lam, cos_u1 * sin_u2 - sin_u1 * cos_u2 * cos_lam)
        if sin_sigma == 0:
            return 0.0
        cos_sigma = sin_u1 * sin_u2 + cos_u1 * cos_u2 * cos_lam
        sigma = math.atan2(sin_sigma, cos_sigma)
        sin_alpha = cos_u1 * cos_u2 * sin_lam / sin_sigma
        cos2_alpha = 1 - sin_alpha**2
        cos_2sm = cos_sigma - 2 * sin_u1 * sin_u2 / cos2_alpha if cos2_alpha else 0.0
        c = f / 16 * cos2_alpha * (4 + f * (4 - 3 * cos2_alpha))
        lam_prev = lam
        lam = big_l + (1 - c) * f * sin_alpha * (
            sigma + c * sin_sigma * (cos_2sm + c * cos_sigma * (-1 + 2 * cos_2sm**2))
        )
        if abs(lam - lam_prev) < 1e-12:
            break
    else:
        return haversine_m(lon1, lat1, lon2, lat2)
    u_sq = cos2_alpha * (a**2 - b**2) / b**2
    big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    delta_sigma = (
        big_b
        * sin_sigma
        * (
            cos_2sm
            + big_b
            / 4
            * (
                cos_sigma * (-1 + 2 * cos_2sm**2)
                - big_b / 6 * cos_2sm * (-3 + 4 * sin_sigma**2) * (-3 + 4 * cos_2sm**2)
            )
        )
    )
    return b * big_a * (sigma - delta_sigma)


def bbox_around(lon: float, lat: float, radius_m: float) -> BBox:
    """A box in degrees that surely contains every point within `radius_m` of (lon, lat).

    Uses the smallest meridian and parallel radii of curvature with a 1% margin, so the box is
    conservative; the exact test is `distance_m`.
    """
    margin = 1.01
    dlat = math.degrees(radius_m * margin / WGS84_B)
    coslat = max(math.cos(math.radians(min(89.9, abs(lat) + dlat))), 1e-6)
    dlon = math.degrees(radius_m * margin / (WGS84_B * coslat))
    return BBox(
        max(-180.0, lon - dlon), max(-90.0, lat - dlat), min(180.0, lon + dlon), min(90.0, lat + dlat)
    )
