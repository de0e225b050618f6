"""The officials' workspace: the ranked priority list, its statistics and its exports."""
