"""No secret value in any response of the dashboard: every page it links to, crawled."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import deque
from pathlib import Path

from ui_support import ROOT, Dashboard, hsrun

VALUE = "sk-live-0123456789-very-secret"
TYPED = "typed-into-the-form-secret-value"


def _leaky_action(folder: Path) -> Path:
    """An action that prints, returns and raises with its secret."""
    action = folder / "leaky.py"
    action.write_text(
        "import os\n\n"
        "def main(event):\n"
        "    value = os.environ['LEAKY']\n"
        "    print('the secret is', value)\n"
        "    return {'outputFields': {'echo': value}}\n",
        encoding="utf-8",
    )
    (folder / "leaky.toml").write_text(
        'secrets = ["LEAKY"]\n[outputs]\necho = "string"\n', encoding="utf-8"
    )
    return action


def _set_secret(name: str, value: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "runtime", "secrets", "set", name, "--from-stdin"],
        cwd=ROOT,
        input=value,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HSRUN_DAEMON": "0"},
    )
    assert done.returncode == 0, done.stderr


def test_no_secret_value_in_any_page_or_answer(dashboard: Dashboard, tmp_path: Path) -> None:
    _set_secret("LEAKY", VALUE)
    hsrun("portal", "seed", "--demo")
    hsrun("portal", "apps", "create", "ci", "--scopes", "crm.objects.contacts.read")
    hsrun("workflow", "run", "flows/lead_routing.json", "--object-id", "5")
    done = hsrun("invoke", str(_leaky_action(tmp_path)), "--json")
    assert "[LEAKY]" in done.stdout and VALUE not in done.stdout
    run_id = re.search(r'"run_id": "([0-9a-f]+)"', done.stdout)
    assert run_id

    session = dashboard.session()
    csrf = dashboard.csrf(session)
    answers: list[tuple[str, str]] = []
    # A value set from the form, replaced, and a failed attempt: none of them is echoed.
    for name, value in (("FORM_SECRET", TYPED), ("FORM_SECRET", TYPED + "2"), ("1BAD", TYPED)):
        posted = session.post(
            f"{dashboard.base}/secrets", data={"name": name, "value": value, "csrf": csrf}
        )
        answers.append((f"POST /secrets {name}", posted.text))
    rerun = session.post(f"{dashboard.base}/runs/{run_id.group(1)}/rerun", data={"csrf": csrf})
    assert rerun.status_code == 200
    answers.append(("POST rerun", rerun.text))

    # Every page reachable from the start page, and the live stream's first bytes.
    seen: set[str] = set()
    queue = deque(["/runs"])
    while queue and len(seen) < 400:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        answer = session.get(f"{dashboard.base}{path}", timeout=60)
        assert answer.status_code in (200, 404), (path, answer.status_code)
        answers.append((path, answer.text))
        for link in re.findall(r'href="(/[^"#]*)"', answer.text):
            link = link.replace("&amp;", "&")
            if not link.startswith(("/static/", "/runs/stream")) and link not in seen:
                queue.append(link)
    with session.get(f"{dashboard.base}/runs/stream", stream=True, timeout=60) as stream:
        answers.append(("/runs/stream", next(stream.iter_content(chunk_size=None)).decode()))
    token = session.post(
        f"{dashboard.base}/apps/ci/token", headers={"X-CSRF-Token": csrf}, timeout=60
    )
    assert token.json()["token"].startswith("pat-na1-")  # an app token, shown on request
    answers.append(("POST token", token.text))

    assert f"/runs/{run_id.group(1)}" in seen  # the leaky run's page was looked at
    assert {"/secrets", "/apps", "/workflows", "/records"} <= seen
    assert any(p.startswith("/records/contacts/") for p in seen)
    assert any(p.startswith("/workflows/enrollments/") for p in seen)
    for where, body in answers:
        assert VALUE not in body, where
        assert TYPED not in body, where
    run_page = dict(answers)[f"/runs/{run_id.group(1)}"]
    assert "the secret is [LEAKY]" in run_page  # masked, as in every other sink
