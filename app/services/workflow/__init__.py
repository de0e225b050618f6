"""The city's workflow on issues: status changes, duplicates, moderation, updates, cost estimates."""
