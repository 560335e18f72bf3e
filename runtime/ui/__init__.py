"""``hsrun ui``: a local web dashboard over runs, workflows, private apps, call logs, secrets
and records, reading through the same library modules as the command line.

    from runtime.config import get_settings
    from runtime.ui import create_app, serve

    serve(get_settings(), port=8788, on_ready=lambda address: print(address.url))

It listens on 127.0.0.1 only and needs its per-start token on every request (see
:mod:`runtime.ui._security`); secret values never leave the server.
"""

from __future__ import annotations

from runtime.ui._security import Tokens
from runtime.ui.app import create_app
from runtime.ui.server import Address, serve

__all__ = ["Address", "Tokens", "create_app", "serve"]
