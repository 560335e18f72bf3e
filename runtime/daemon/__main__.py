"""``python -P -m runtime.daemon --home DIR --idle SECONDS --ready-fd N``: the daemon process.

Started by :func:`runtime.daemon.start_daemon`, which reads one JSON object from fd N: the
daemon's status once it listens, or ``{"error": ..., "busy": true}`` when another daemon
holds the folder's lock, or ``{"error": ...}``.
"""

from __future__ import annotations

import json
import os
import sys


def main(argv: list[str]) -> int:
    args = dict(zip(argv[::2], argv[1::2], strict=False))
    home, ready_fd = args["--home"], int(args["--ready-fd"])
    # Fork once more and let the launcher exit: whoever started us reaps the launcher and
    # the daemon is nobody's child (no zombie in a long-lived caller, no wait on us).
    if os.fork():
        os._exit(0)
    os.chdir(home)
    from runtime.daemon._server import Daemon, log, preload
    from runtime.errors import RunnerError

    daemon = Daemon(home, idle_s=float(args["--idle"]), libs_path=args.get("--libs"))
    with os.fdopen(ready_fd, "w") as ready:
        try:
            daemon.claim()
        except RunnerError as exc:
            # Another start got there first: the starter waits for that daemon instead.
            ready.write(json.dumps({"error": str(exc), "busy": True}))
            return 1
        try:
            preload()
            daemon.open()
        except Exception as exc:
            log(f"cannot start: {exc}")
            daemon.close()
            ready.write(json.dumps({"error": str(exc)}))
            return 1
        ready.write(json.dumps(daemon.status()))
    daemon.serve()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
