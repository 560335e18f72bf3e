"""Shared machinery: errors, HTTP types, routing, auth, scopes, rate limits, logs, ids."""
