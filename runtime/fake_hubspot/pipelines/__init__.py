"""Pipelines v3: the default deal and ticket pipelines every portal has."""
