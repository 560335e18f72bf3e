"""``python -m runtime`` is ``hsrun``."""

from runtime._launch import main

main()
