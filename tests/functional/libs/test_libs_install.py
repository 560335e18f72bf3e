"""Actions against HubSpot's real library versions (one install from the package index)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from runtime.errors import PortalError
from runtime.invoke.libraries import installed_packages

pytestmark = pytest.mark.network

#: hubspot-api-client 8.x, as HubSpot runs it: GDPR deletion lives in ``gdpr_api``.
PURGE_V8 = """\
    import os

    from hubspot import HubSpot
    from hubspot.crm.contacts import PublicGdprDeleteInput


    def main(event):
        client = HubSpot(access_token=os.getenv("TOKEN"))
        contacts = client.crm.contacts
        contact_id = str(event["object"]["objectId"])
        contacts.gdpr_api.purge(PublicGdprDeleteInput(object_id=contact_id))
        return {"outputFields": {"merge_api": type(contacts.public_object_api).__name__}}
    """
#: The same written for 12.x (``basic_api.purge``, ``basic_api.merge``): fails in HubSpot.
PURGE_V12 = """\
    import os

    from hubspot import HubSpot
    from hubspot.crm.contacts import PublicGdprDeleteInput


    def main(event):
        client = HubSpot(access_token=os.getenv("TOKEN"))
        merge = client.crm.contacts.basic_api.merge
        contact_id = str(event["object"]["objectId"])
        client.crm.contacts.basic_api.purge(PublicGdprDeleteInput(object_id=contact_id))
        return {"outputFields": {"merge": merge.__name__}}
    """
VERSIONS = """\
    from importlib import metadata

    import requests
    import urllib3


    def main(event):
        return {
            "outputFields": {
                "hubspot": metadata.version("hubspot-api-client"),
                "requests": requests.__version__,
                "urllib3": urllib3.__version__,
            }
        }
    """


def test_the_set_is_hubspots_versions(installed_libs: Path) -> None:
    packages = installed_packages(installed_libs)
    assert packages["requests"] == "2.28.2"
    assert packages["hubspot-api-client"].startswith("8.")


def test_an_action_sees_hubspots_versions(
    installed_libs: Path, write_action: Any, run_action: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HSRUN_LIBS", str(installed_libs))
    result = run_action(write_action("versions", VERSIONS), timeout_s=10)
    assert result.status == "SUCCESS", result.error
    assert result.outputs["hubspot"].startswith("8.")
    assert result.outputs["requests"] == "2.28.2"
    assert result.outputs["urllib3"].startswith("1.26.")  # requests 2.28 caps urllib3 below 2
    assert result.libraries["hubspot-api-client"] == result.outputs["hubspot"]


def _purge(hubspot: Any, run_action: Any, action: Path, who: str = "ada") -> tuple[Any, Any]:
    contact = hubspot.create("contacts", {"email": f"{who}@example.com"})
    app = hubspot.private_app(who, scopes=["crm.objects.contacts.write"])
    result = run_action(action, object_id=contact.id, secrets={"TOKEN": app.token}, timeout_s=10)
    return contact, result


def test_v8_code_works_against_the_fake_portal(
    installed_libs: Path,
    write_action: Any,
    hubspot: Any,
    run_action: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HSRUN_LIBS", str(installed_libs))
    action = write_action("purge", PURGE_V8)
    action.with_suffix(".toml").write_text('secrets = ["TOKEN"]\n')
    contact, result = _purge(hubspot, run_action, action)
    assert result.status == "SUCCESS", result.error
    assert result.outputs == {"merge_api": "PublicObjectApi"}
    assert [(c["method"], c["status"]) for c in result.api_calls] == [("POST", 204)]
    with pytest.raises(PortalError):  # gone for good, not archived
        hubspot.get("contacts", contact.id, archived=True)


def test_v12_code_fails_as_it_would_in_hubspot(
    installed_libs: Path,
    write_action: Any,
    hubspot: Any,
    run_action: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HSRUN_LIBS", str(installed_libs))
    action = write_action("purge12", PURGE_V12)
    action.with_suffix(".toml").write_text('secrets = ["TOKEN"]\n')
    _, result = _purge(hubspot, run_action, action)
    assert result.status == "FAILED"
    assert result.error.type == "AttributeError"
    assert "merge" in result.error.message
    assert result.api_calls == []
    # With hsrun's own hubspot-api-client 12.x it passes: the difference the set shows.
    monkeypatch.setenv("HSRUN_LIBS", "0")
    _, passing = _purge(hubspot, run_action, action, who="grace")
    assert passing.status == "SUCCESS", passing.error
