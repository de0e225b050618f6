"""Money before rounds: groups and their pools, pledges, the ledger, the city's match, transparency."""
