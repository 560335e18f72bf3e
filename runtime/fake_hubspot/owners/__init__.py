"""Owners v3: the users who can own records."""
