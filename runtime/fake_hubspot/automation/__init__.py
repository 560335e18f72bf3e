"""Automation v4: workflows (``/automation/v4/flows``) with their custom code actions."""
