"""A resident's own data: the account page's overview, the export of it all, and deleting the account."""
