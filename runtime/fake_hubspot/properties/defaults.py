"""HubSpot-defined properties a fresh portal has, per object type.

A faithful subset: the properties the default GET and search sets name (contract §4.4, §4.6),
the ones HubSpot calculates on create (§4.6's captured contact), and the common fields actions
read and write. Enumerations carry HubSpot's standard option values (lifecycle stages, the
default deal pipeline, the default ticket pipeline) so that a wrong value is the same 400 as on
a real portal. ``industry`` is a plain string here (HubSpot's list has ~150 options; a partial
list would reject valid values).
"""

from __future__ import annotations

from runtime.fake_hubspot.properties import standard_types

#: (name, label, type, fieldType, flags, options). Flags: ``ro`` calculated/read-only value,
#: ``unique`` unique values, ``hidden``.
Spec = tuple[str, str, str, str, str, tuple[str, ...]]

LIFECYCLE = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)
DEAL_STAGES = (
    "appointmentscheduled",
    "qualifiedtobuy",
    "presentationscheduled",
    "decisionmakerboughtin",
    "contractsent",
    "closedwon",
    "closedlost",
)
#: HubSpot's contact property ``numemployees`` is a range picker, not a number.
NUM_EMPLOYEES = ("1-5", "5-25", "25-50", "50-100", "100-500", "500-1000", "1000+")
TRAFFIC = (
    "ORGANIC_SEARCH",
    "PAID_SEARCH",
    "EMAIL_MARKETING",
    "SOCIAL_MEDIA",
    "REFERRALS",
    "OTHER_CAMPAIGNS",
    "DIRECT_TRAFFIC",
    "OFFLINE",
    "PAID_SOCIAL",
)
TICKET_STAGES = ("1", "2", "3", "4")  # New, Waiting on contact, Waiting on us, Closed
SOURCE = ("INTEGRATION", "CRM_UI", "IMPORT", "API", "FORM", "EMAIL", "CONTACTS")

_COMMON: tuple[Spec, ...] = (
    ("createdate", "Create Date", "datetime", "date", "", ()),
    ("hs_object_id", "Record ID", "number", "number", "ro", ()),
    ("hubspot_owner_id", "Owner", "enumeration", "select", "", ()),
    ("hs_object_source", "Record source", "string", "text", "ro", ()),
    ("hs_object_source_id", "Record source ID", "string", "text", "ro", ()),
    ("hs_object_source_label", "Record source", "enumeration", "select", "ro", SOURCE),
    ("hs_merged_object_ids", "Merged record IDs", "enumeration", "checkbox", "ro", ()),
)

CONTACTS: tuple[Spec, ...] = (
    ("email", "Email", "string", "text", "", ()),
    ("firstname", "First Name", "string", "text", "", ()),
    ("lastname", "Last Name", "string", "text", "", ()),
    ("phone", "Phone Number", "string", "phonenumber", "", ()),
    ("mobilephone", "Mobile Phone Number", "string", "phonenumber", "", ()),
    ("company", "Company Name", "string", "text", "", ()),
    ("website", "Website URL", "string", "text", "", ()),
    ("jobtitle", "Job Title", "string", "text", "", ()),
    ("address", "Street Address", "string", "text", "", ()),
    ("city", "City", "string", "text", "", ()),
    ("state", "State/Region", "string", "text", "", ()),
    ("zip", "Postal Code", "string", "text", "", ()),
    ("country", "Country/Region", "string", "text", "", ()),
    ("message", "Message", "string", "textarea", "", ()),
    ("industry", "Industry", "string", "text", "", ()),
    ("annualrevenue", "Annual Revenue", "string", "text", "", ()),
    ("numemployees", "Number of Employees", "enumeration", "select", "", NUM_EMPLOYEES),
    ("date_of_birth", "Date of birth", "string", "text", "", ()),
    ("salutation", "Salutation", "string", "text", "", ()),
    ("fax", "Fax Number", "string", "text", "", ()),
    ("twitterhandle", "Twitter Username", "string", "text", "", ()),
    ("hs_language", "Preferred language", "string", "text", "", ()),
    # Analytics counters are calculated by HubSpot; writable here so tests can seed them.
    ("hs_analytics_num_visits", "Number of Sessions", "number", "number", "", ()),
    ("hs_analytics_num_page_views", "Number of Pageviews", "number", "number", "", ()),
    ("hs_analytics_source", "Original Traffic Source", "enumeration", "select", "", TRAFFIC),
    ("hs_additional_emails", "Additional email addresses", "enumeration", "checkbox", "ro", ()),
    ("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", "", LIFECYCLE),
    (
        "hs_lead_status",
        "Lead Status",
        "enumeration",
        "radio",
        "",
        (
            "NEW",
            "OPEN",
            "IN_PROGRESS",
            "OPEN_DEAL",
            "UNQUALIFIED",
            "ATTEMPTED_TO_CONTACT",
            "CONNECTED",
            "BAD_TIMING",
        ),
    ),
    ("lastmodifieddate", "Last Modified Date", "datetime", "date", "ro", ()),
    ("hs_email_domain", "Email Domain", "string", "text", "ro", ()),
    ("hs_all_contact_vids", "All vids for a contact", "enumeration", "checkbox", "ro", ()),
    ("hs_is_contact", "Is a contact", "bool", "booleancheckbox", "ro", ("true", "false")),
    ("hs_is_unworked", "Contact unworked", "bool", "booleancheckbox", "ro", ("true", "false")),
    ("hs_full_name_or_email", "Full name or email", "string", "text", "ro", ()),
    ("hs_pipeline", "Pipeline", "enumeration", "select", "ro", ("contacts-lifecycle-pipeline",)),
    ("num_notes", "Number of Sales Activities", "number", "number", "ro", ()),
    ("associatedcompanyid", "Primary Associated Company ID", "number", "number", "ro", ()),
)

COMPANIES: tuple[Spec, ...] = (
    ("name", "Company name", "string", "text", "", ()),
    ("domain", "Company Domain Name", "string", "text", "", ()),
    ("website", "Website URL", "string", "text", "", ()),
    ("phone", "Phone Number", "string", "phonenumber", "", ()),
    ("industry", "Industry", "string", "text", "", ()),
    ("address", "Street Address", "string", "text", "", ()),
    ("city", "City", "string", "text", "", ()),
    ("state", "State/Region", "string", "text", "", ()),
    ("zip", "Postal Code", "string", "text", "", ()),
    ("country", "Country/Region", "string", "text", "", ()),
    ("description", "Description", "string", "textarea", "", ()),
    ("numberofemployees", "Number of Employees", "number", "number", "", ()),
    ("annualrevenue", "Annual Revenue", "number", "number", "", ()),
    (
        "type",
        "Type",
        "enumeration",
        "select",
        "",
        ("PROSPECT", "PARTNER", "RESELLER", "VENDOR", "OTHER"),
    ),
    ("lifecyclestage", "Lifecycle Stage", "enumeration", "radio", "", LIFECYCLE),
    ("hs_lastmodifieddate", "Last Modified Date", "datetime", "date", "ro", ()),
    ("num_associated_contacts", "Number of Associated Contacts", "number", "number", "ro", ()),
    ("num_associated_deals", "Number of Associated Deals", "number", "number", "ro", ()),
)

DEALS: tuple[Spec, ...] = (
    ("dealname", "Deal Name", "string", "text", "", ()),
    ("amount", "Amount", "number", "number", "", ()),
    ("dealstage", "Deal Stage", "enumeration", "radio", "", DEAL_STAGES),
    ("pipeline", "Pipeline", "enumeration", "select", "", ("default",)),
    ("closedate", "Close Date", "datetime", "date", "", ()),
    ("dealtype", "Deal Type", "enumeration", "radio", "", ("newbusiness", "existingbusiness")),
    ("description", "Deal Description", "string", "textarea", "", ()),
    ("hs_priority", "Priority", "enumeration", "radio", "", ("low", "medium", "high")),
    ("hs_lastmodifieddate", "Last Modified Date", "datetime", "date", "ro", ()),
    ("hs_is_closed", "Is Deal Closed?", "bool", "booleancheckbox", "ro", ("true", "false")),
    ("hs_is_closed_won", "Is Closed Won", "bool", "booleancheckbox", "ro", ("true", "false")),
    ("num_associated_contacts", "Number of Associated Contacts", "number", "number", "ro", ()),
)

TICKETS: tuple[Spec, ...] = (
    ("subject", "Ticket name", "string", "text", "", ()),
    ("content", "Ticket description", "string", "textarea", "", ()),
    ("hs_pipeline", "Pipeline", "enumeration", "select", "", ("0",)),
    ("hs_pipeline_stage", "Ticket status", "enumeration", "select", "", TICKET_STAGES),
    (
        "hs_ticket_priority",
        "Priority",
        "enumeration",
        "select",
        "",
        ("LOW", "MEDIUM", "HIGH", "URGENT"),
    ),
    (
        "hs_ticket_category",
        "Category",
        "enumeration",
        "checkbox",
        "",
        ("PRODUCT_ISSUE", "BILLING_ISSUE", "FEATURE_REQUEST", "GENERAL_INQUIRY"),
    ),
    ("source_type", "Source", "enumeration", "select", "", ("CHAT", "EMAIL", "FORM", "PHONE")),
    ("closed_date", "Close date", "datetime", "date", "", ()),
    ("hs_lastmodifieddate", "Last Modified Date", "datetime", "date", "ro", ()),
)

DEFAULTS: dict[str, tuple[Spec, ...]] = {
    "contacts": CONTACTS + _COMMON,
    "companies": COMPANIES + _COMMON,
    "deals": DEALS + _COMMON,
    "tickets": TICKETS + _COMMON,
    **{name: specs + standard_types.COMMON for name, specs in standard_types.SPECS.items()},
}

#: Option labels where the value is not readable on its own.
OPTION_LABELS = {
    "1": "New",
    "2": "Waiting on contact",
    "3": "Waiting on us",
    "4": "Closed",
    "0": "Support Pipeline",
    "default": "Sales Pipeline",
}
