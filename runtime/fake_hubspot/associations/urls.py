"""Routes of the associations v4 API (contract §4.7) and of the older v3 API."""

from __future__ import annotations

from runtime.fake_hubspot.associations import configurations as c
from runtime.fake_hubspot.associations import responses as r
from runtime.fake_hubspot.associations import v3
from runtime.fake_hubspot.core.routing import Route
from runtime.fake_hubspot.core.scopes import associations_rule, fixed

OBJECT = "/crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}"
DEFAULT = (
    "/crm/v4/objects/{fromObjectType}/{fromObjectId}/associations/default"
    "/{toObjectType}/{toObjectId}"
)
PAIR = "/crm/v4/associations/{fromObjectType}/{toObjectType}"
V3_PAIR = "/crm/v3/associations/{fromObjectType}/{toObjectType}"
CONFIGS = "/crm/v4/associations/definitions/configurations"
V3_OBJECT = "/crm/v3/objects/{objectType}/{objectId}/associations/{toObjectType}"


#: ``/configurations/all`` names no type: any contacts or companies object scope will do
#: (UNCONFIRMED; the spec lists the object scopes of every type).
LIMIT_SCOPES = (
    "crm.objects.contacts.read",
    "crm.objects.contacts.write",
    "crm.objects.companies.read",
    "crm.objects.companies.write",
)


def routes() -> list[Route]:
    """Every associations v4 route; scopes: any object scope of either type (contract §1.5)."""
    on_object = associations_rule("objectType", "toObjectType")
    on_pair = associations_rule("fromObjectType", "toObjectType")
    return [
        # Definition configurations (user-enforced limits) before the pair routes.
        Route("GET", f"{CONFIGS}/all", c.list_all, fixed(*LIMIT_SCOPES)),
        Route("GET", f"{CONFIGS}/{{fromObjectType}}/{{toObjectType}}", c.list_pair, on_pair),
        Route(
            "POST",
            f"{CONFIGS}/{{fromObjectType}}/{{toObjectType}}/batch/create",
            c.batch_create,
            on_pair,
        ),
        Route(
            "POST",
            f"{CONFIGS}/{{fromObjectType}}/{{toObjectType}}/batch/update",
            c.batch_update,
            on_pair,
        ),
        Route(
            "POST",
            f"{CONFIGS}/{{fromObjectType}}/{{toObjectType}}/batch/purge",
            c.batch_purge,
            on_pair,
        ),
        Route("PUT", f"{OBJECT}/{{toObjectId}}", r.create_labelled, on_object),
        Route("DELETE", f"{OBJECT}/{{toObjectId}}", r.delete_pair, on_object),
        Route("GET", OBJECT, r.list_associations, on_object),
        Route("PUT", DEFAULT, r.create_default, on_pair),
        Route("POST", f"{PAIR}/batch/create", r.batch_create, on_pair),
        Route("POST", f"{PAIR}/batch/associate/default", r.batch_default, on_pair),
        Route("POST", f"{PAIR}/batch/read", r.batch_read, on_pair),
        Route("POST", f"{PAIR}/batch/archive", r.batch_archive, on_pair),
        Route("POST", f"{PAIR}/batch/labels/archive", r.batch_archive_labels, on_pair),
        Route("GET", f"{PAIR}/labels", r.list_labels, on_pair),
        Route("POST", f"{PAIR}/labels", r.create_label, on_pair),
        Route("PUT", f"{PAIR}/labels", r.update_label, on_pair),
        Route("DELETE", f"{PAIR}/labels/{{associationTypeId}}", r.delete_label, on_pair),
        # v3, over the same associations.
        Route("POST", f"{V3_PAIR}/batch/read", v3.batch_read, on_pair),
        Route("POST", f"{V3_PAIR}/batch/create", v3.batch_create, on_pair),
        Route("POST", f"{V3_PAIR}/batch/archive", v3.batch_archive, on_pair),
        Route("GET", f"{V3_PAIR}/types", v3.list_types, on_pair),
        Route("GET", V3_OBJECT, v3.list_for_object, on_object),
        Route(
            "PUT",
            f"{V3_OBJECT}/{{toObjectId}}/{{associationType}}",
            v3.create_for_object,
            on_object,
        ),
        Route(
            "DELETE",
            f"{V3_OBJECT}/{{toObjectId}}/{{associationType}}",
            v3.delete_for_object,
            on_object,
        ),
    ]
