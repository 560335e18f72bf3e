"""hsrun's own control routes on the portal: health, reset, call log."""
