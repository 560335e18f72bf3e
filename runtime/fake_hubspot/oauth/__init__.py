"""OAuth endpoints that concern private-app tokens (token introspection)."""
