"""Accounts: registration, passwords, API tokens, and blocking accounts or email domains."""
