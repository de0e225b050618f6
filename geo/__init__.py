"""Pure geospatial domain (Shapely + stdlib): coordinates, areas, distances, duplicates, GeoJSON.

Never imports flask, sqlalchemy, geoalchemy2, folium or app/.
"""
