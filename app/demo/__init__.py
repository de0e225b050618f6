"""The demo city: fictional neighbourhoods, residents, problems and likes for `seed-demo`."""
