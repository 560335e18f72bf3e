"""Marketing emails v3 (read): emails a seed declares."""
