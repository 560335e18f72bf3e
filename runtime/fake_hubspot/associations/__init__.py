"""Associations v4: associations between records and their types (labels)."""
