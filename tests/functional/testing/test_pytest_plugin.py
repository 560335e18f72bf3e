"""The pytest plugin as a user's test suite meets it: installed by entry point, run by pytest."""

from __future__ import annotations

import pytest

from runtime.contract.hosts import HUBSPOT_HOSTS

pytest_plugins = ("pytester",)

ACTION = """\
import os
import requests

def main(event):
    token = os.environ["TOKEN"]
    answer = requests.get(
        "https://api.hubapi.com/crm/v3/objects/contacts",
        headers={"Authorization": "Bearer " + token},
        timeout=5,
    )
    return {"outputFields": {"status": answer.status_code, "n": len(answer.json()["results"])}}
"""


def test_the_fixtures_give_each_test_a_fresh_portal(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_user="""
        import hubspot
        import pytest
        import requests

        def test_the_sdk_keeps_its_name(hubspot_portal, hubspot_client):
            app = hubspot_portal.private_app("ci", ["crm.objects.contacts.write"])
            client = hubspot_client(app)
            assert isinstance(client, hubspot.Client)
            client.crm.contacts.basic_api.create({"properties": {"email": "a@example.com"}})
            assert len(hubspot_portal.calls()) == 1

        def test_the_old_name_is_the_same_portal(hubspot, hubspot_portal):
            assert hubspot is hubspot_portal
            assert hubspot.calls() == []  # nothing left from the test before

        @pytest.mark.hubspot(tier="enterprise", rate_limits=False)
        def test_the_marker_configures_the_portal(hubspot_portal):
            assert hubspot_portal.tier == "enterprise"
            assert not hubspot_portal.rate_limits.enabled

        def test_the_server_serves_the_same_portal(hubspot_portal, hubspot_server):
            app = hubspot_portal.private_app("ci", ["crm.objects.contacts.read"])
            answer = requests.get(
                hubspot_server.url + "/crm/v3/objects/contacts",
                headers={"Authorization": "Bearer " + app.token},
                timeout=5,
            )
            assert answer.status_code == 200
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=4)


def test_run_action_routes_the_actions_calls_and_keeps_every_option(
    pytester: pytest.Pytester,
) -> None:
    # In actions/, as in a project: pytester makes its folder HOME, which the sandbox hides.
    actions = pytester.mkdir("actions")
    (actions / "act.py").write_text(ACTION)
    (actions / "act.toml").write_text('secrets = ["TOKEN"]\n')
    pytester.makepyfile(
        test_user="""
        from runtime.invoke import RunOptions

        def test_run(hubspot_portal, run_action):
            app = hubspot_portal.private_app("ci", ["crm.objects.contacts.read"])
            hubspot_portal.create("contacts", {"email": "a@example.com"})
            result = run_action(
                "actions/act.py",
                secrets={"TOKEN": app.token},
                options=RunOptions(timeout_s=7),
                memory_mb=96,
            )
            assert result.status == "SUCCESS", result.error
            assert result.outputs == {"status": 200, "n": 1}
            assert [c["path"] for c in result.api_calls] == ["/crm/v3/objects/contacts"]
            # Both the options object and the extra field took effect.
            assert (result.timeout_s, result.memory_limit_mb) == (7, 96)
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_every_hubspot_host_is_intercepted_in_a_users_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_user=f"""
        import pytest
        import requests

        @pytest.mark.parametrize("host", {sorted(HUBSPOT_HOSTS)!r})
        def test_host(hubspot_portal, host):
            app = hubspot_portal.private_app("ci", ["crm.objects.contacts.read"])
            answer = requests.get(
                "https://" + host + "/crm/v3/objects/contacts",
                headers={{"Authorization": "Bearer " + app.token}},
                timeout=5,
            )
            assert answer.status_code == 200
        """
    )
    # In a process of its own, as a user's test session is: this one's earlier tests have
    # imported and patched the same libraries.
    outcome = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    outcome.assert_outcomes(passed=len(HUBSPOT_HOSTS))
