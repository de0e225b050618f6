"""The street gazetteer: importing streets, searching places by name, and naming the street at a point."""
