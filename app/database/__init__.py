"""The database layer: engine set-up, the engines' spellings and the hot paths' driver SQL."""
