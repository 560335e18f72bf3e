"""``python -m runtime`` is ``hsrun``."""

from runtime.cli import main

main()
