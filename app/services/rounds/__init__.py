"""Participatory-budgeting rounds: phases, candidates, ballots, tallies and their jobs, results, export."""
