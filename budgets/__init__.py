"""Commonfix allocation engine: exact, explained participatory-budgeting rules and Pabulib I/O."""
