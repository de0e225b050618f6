"""Use cases: take a session, validate with geo/ and budgets/, flush, raise domain errors; never commit."""
