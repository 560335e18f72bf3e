"""pytest plugin: fixtures for testing actions (see the README)."""
