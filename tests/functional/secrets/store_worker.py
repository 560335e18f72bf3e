"""A separate process writing to the secret store, for the concurrency and crash tests.

    python store_worker.py set PREFIX COUNT     set PREFIX_0 .. PREFIX_{COUNT-1}
    python store_worker.py churn                rewrite BIG and COUNTER until killed

Settings come from the environment (HSRUN_HOME, HSRUN_CONFIG_DIR), as for ``hsrun``.
"""

from __future__ import annotations

import sys

from runtime.config import get_settings
from runtime.secrets.local import LocalSecretStore


def churn_value(counter: int) -> str:
    """The value written on round ``counter``: big, so a kill often lands mid-write."""
    return f"{counter}:" + "x" * (200_000 + (counter % 7) * 50_000)


def main(argv: list[str]) -> None:
    store = LocalSecretStore.from_settings(get_settings(), notice=lambda _: None)
    if argv[0] == "set":
        prefix, count = argv[1], int(argv[2])
        for i in range(count):
            store.set(f"{prefix}_{i}", f"value-of-{prefix}-{i}")
        return
    counter = 0
    while True:
        store.set("BIG", churn_value(counter))
        store.set("COUNTER", str(counter))
        print(counter, flush=True)
        counter += 1


if __name__ == "__main__":
    main(sys.argv[1:])
