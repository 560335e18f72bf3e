import os

from hubspot import HubSpot
from hubspot.crm.contacts import ApiException


def main(event):
    client = HubSpot(access_token=os.getenv("TEST_SECRET"))
    contact_id = str(event["object"]["objectId"])
    email = event["inputFields"].get("email")
    try:
        client.crm.contacts.basic_api.archive(contact_id=contact_id)
    except ApiException as e:
        print(f"archiving contact {contact_id} ({email}) failed: {e.status} {e.body}")
        # Re-raise so HubSpot retries on a rate limit (429) or a server error (5xx).
        raise
    print(f"archived contact {contact_id} ({email})")
    return {"outputFields": {"archived": True, "contact_id": contact_id}}
