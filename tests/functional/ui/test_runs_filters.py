"""The runs page's filters over real HTTP: action, status, period, text in the logs."""

from __future__ import annotations

import re

from ui_support import Dashboard, hsrun


def _run_ids(html: str) -> set[str]:
    return set(re.findall(r'<tr data-run="([0-9a-f]+)"', html))


def test_filters_narrow_the_runs(dashboard: Dashboard) -> None:
    phone = hsrun(
        "invoke", "actions/format_phone.py", "--input", "phone=(555) 010-2233", "--input",
        "country=US", "--json",
    )  # fmt: skip
    score = hsrun("invoke", "actions/lead_score.py", "--event", "tests/events/lead_score.json",
                  "--json")  # fmt: skip
    phone_id = re.search(r'"run_id": "([0-9a-f]+)"', phone.stdout)
    score_id = re.search(r'"run_id": "([0-9a-f]+)"', score.stdout)
    assert phone_id and score_id
    both = {phone_id.group(1), score_id.group(1)}
    session = dashboard.session()

    def runs(query: str) -> set[str]:
        answer = session.get(f"{dashboard.base}/runs?{query}", timeout=60)
        assert answer.status_code == 200
        return _run_ids(answer.text)

    assert runs("") == both
    assert runs("action=format_phone") == {phone_id.group(1)}
    assert runs("action=lead_score&status=SUCCESS") == {score_id.group(1)}
    assert runs("status=FAILED") == set()
    assert runs("since=1h") == both
    assert runs("q=formatted+%27%28555%29") == {phone_id.group(1)}  # text of its log line
    assert runs("q=no+such+words+anywhere") == set()
    # The live page swaps in just the rows.
    partial = session.get(f"{dashboard.base}/runs?partial=1&action=lead_score", timeout=60)
    assert partial.text.lstrip().startswith("<tr") and "<html" not in partial.text
    assert _run_ids(partial.text) == {score_id.group(1)}

    bad = session.get(f"{dashboard.base}/runs?since=yesterday-ish", timeout=60)
    assert bad.status_code == 200 and "cannot read" in bad.text  # said, not a crash
    missing = session.get(f"{dashboard.base}/runs/abcdef012345", timeout=60)
    assert missing.status_code == 404 and "no run" in missing.text
