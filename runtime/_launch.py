"""The ``hsrun`` console script: starts the action's process before the CLI is imported.

A one-shot ``hsrun invoke`` spends most of its time importing (the CLI here, HubSpot's
libraries in the child). Starting the child first lets both happen at once on two cores.
"""

from __future__ import annotations

import sys

_NO_PRESPAWN = {"--help", "-h", "--events", "--live", "--warm"}


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["invoke"] and not _NO_PRESPAWN.intersection(args):
        from runtime.invoke._process import prespawn

        try:
            prespawn()
        except Exception:
            pass
    from runtime.cli import main as cli_main

    cli_main(args)
