"""HubSpot's retry rule for custom code actions.

"If the call fails with a rate-limit error, or with a 429 or 5XX error from axios or
@hubspot/api-client, HubSpot re-attempts the action for up to three days, starting one minute
after the failure, then at increasing intervals, with a maximum gap of eight hours."
(custom code actions guide, ``docs/hubspot-custom-code-contract.md`` §5.4)

The steps between one minute and eight hours are not published: hsrun doubles the gap.
"""

from __future__ import annotations

FIRST_RETRY_SECONDS = 60
MAX_GAP_SECONDS = 8 * 3600
RETRY_WINDOW_SECONDS = 3 * 24 * 3600


def is_retryable_status(status: int | None) -> bool:
    """True for the HTTP statuses that make HubSpot retry: 429 and any 5xx."""
    return status is not None and (status == 429 or 500 <= status <= 599)


def retry_schedule() -> list[int]:
    """Seconds after the first failure at which HubSpot would try again."""
    schedule: list[int] = []
    gap, elapsed = FIRST_RETRY_SECONDS, 0
    while elapsed + gap <= RETRY_WINDOW_SECONDS:
        elapsed += gap
        schedule.append(elapsed)
        gap = min(gap * 2, MAX_GAP_SECONDS)
    return schedule
