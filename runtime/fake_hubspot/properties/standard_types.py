"""HubSpot-defined properties of the object types beyond contacts, companies, deals, tickets.

A faithful subset per type: the properties HubSpot's per-object guides list for creating and
reading records (notes, tasks, calls, emails, meetings, communications, postal mail, products,
line items, quotes, leads and the commerce objects), with HubSpot's option values where the
guides give them (``hs_task_status``: ``NOT_STARTED``, ``IN_PROGRESS``, ``WAITING``,
``COMPLETED``, ``DEFERRED``; ``hs_email_direction``: ``EMAIL``, ``INCOMING_EMAIL``,
``FORWARDED_EMAIL``; ``hs_communication_channel_type``: ``WHATS_APP``, ``LINKEDIN_MESSAGE``,
``SMS``). A property missing here is a 400 ``PROPERTY_DOESNT_EXIST`` as on a portal without it;
create it with the properties API (or ``hsrun portal seed``) when an action needs it.
"""

from __future__ import annotations

Spec = tuple[str, str, str, str, str, tuple[str, ...]]

#: Every type of this module has these (``hs_createdate`` is the newer types' create date).
COMMON: tuple[Spec, ...] = (
    ("hs_createdate", "Create Date", "datetime", "date", "ro", ()),
    ("hs_lastmodifieddate", "Last Modified Date", "datetime", "date", "ro", ()),
    ("hs_object_id", "Record ID", "number", "number", "ro", ()),
    ("hubspot_owner_id", "Owner", "enumeration", "select", "", ()),
    ("hs_object_source", "Record source", "string", "text", "ro", ()),
    ("hs_object_source_id", "Record source ID", "string", "text", "ro", ()),
    ("hs_object_source_label", "Record source", "enumeration", "select", "ro", ()),
    ("hs_merged_object_ids", "Merged record IDs", "enumeration", "checkbox", "ro", ()),
)
_ACTIVITY: tuple[Spec, ...] = (
    ("hs_timestamp", "Activity date", "datetime", "date", "", ()),
    ("hs_attachment_ids", "Attachment IDs", "enumeration", "checkbox", "", ()),
    ("hs_activity_type", "Activity type", "string", "text", "", ()),
)


def _text(name: str, label: str) -> Spec:
    return (name, label, "string", "text", "", ())


def _area(name: str, label: str) -> Spec:
    return (name, label, "string", "textarea", "", ())


def _num(name: str, label: str) -> Spec:
    return (name, label, "number", "number", "", ())


def _when(name: str, label: str) -> Spec:
    return (name, label, "datetime", "date", "", ())


def _pick(name: str, label: str, *options: str) -> Spec:
    return (name, label, "enumeration", "select", "", options)


NOTES = (_area("hs_note_body", "Note body"),)
TASKS = (
    _text("hs_task_subject", "Task Title"),
    _area("hs_task_body", "Notes"),
    _pick(
        "hs_task_status",
        "Task Status",
        "NOT_STARTED",
        "IN_PROGRESS",
        "WAITING",
        "COMPLETED",
        "DEFERRED",
    ),
    _pick("hs_task_priority", "Priority", "NONE", "LOW", "MEDIUM", "HIGH"),
    _pick("hs_task_type", "Task Type", "EMAIL", "CALL", "TODO", "LINKED_IN"),
    _when("hs_task_reminders", "Reminder"),
    _when("hs_task_completion_date", "Completed at"),
    _text("hs_queue_membership_ids", "Queue"),
)
CALLS = (
    _text("hs_call_title", "Call Title"),
    _area("hs_call_body", "Call notes"),
    _num("hs_call_duration", "Call duration"),
    _pick("hs_call_direction", "Call direction", "INBOUND", "OUTBOUND"),
    _pick(
        "hs_call_status",
        "Call status",
        "BUSY",
        "CALLING_CRM_USER",
        "CANCELED",
        "COMPLETED",
        "CONNECTING",
        "FAILED",
        "IN_PROGRESS",
        "MISSED",
        "NO_ANSWER",
        "QUEUED",
        "RINGING",
    ),
    _text("hs_call_disposition", "Call outcome"),
    _text("hs_call_from_number", "From number"),
    _text("hs_call_to_number", "To number"),
    _text("hs_call_recording_url", "Recording URL"),
)
EMAILS = (
    _text("hs_email_subject", "Subject"),
    _area("hs_email_text", "Body text"),
    _area("hs_email_html", "Body HTML"),
    _pick("hs_email_direction", "Email direction", "EMAIL", "INCOMING_EMAIL", "FORWARDED_EMAIL"),
    _pick(
        "hs_email_status", "Email send status", "BOUNCED", "FAILED", "SCHEDULED", "SENDING", "SENT"
    ),
    _area("hs_email_headers", "Email headers"),
    _text("hs_email_from_email", "From email"),
    _text("hs_email_to_email", "To email"),
)
MEETINGS = (
    _text("hs_meeting_title", "Meeting name"),
    _area("hs_meeting_body", "Meeting description"),
    _area("hs_internal_meeting_notes", "Internal notes"),
    _text("hs_meeting_external_url", "External URL"),
    _text("hs_meeting_location", "Location"),
    _when("hs_meeting_start_time", "Start time"),
    _when("hs_meeting_end_time", "End time"),
    _pick(
        "hs_meeting_outcome",
        "Meeting outcome",
        "SCHEDULED",
        "COMPLETED",
        "RESCHEDULED",
        "NO_SHOW",
        "CANCELED",
    ),
)
COMMUNICATIONS = (
    _pick("hs_communication_channel_type", "Channel type", "WHATS_APP", "LINKEDIN_MESSAGE", "SMS"),
    _pick("hs_communication_logged_from", "Logged from", "CRM"),
    _area("hs_communication_body", "Body"),
)
POSTAL_MAIL = (_area("hs_postal_mail_body", "Body"),)
PRODUCTS = (
    _text("name", "Name"),
    _area("description", "Description"),
    _num("price", "Unit price"),
    _text("hs_sku", "SKU"),
    _num("hs_cost_of_goods_sold", "Unit cost"),
    _text("hs_recurring_billing_period", "Term"),
    _pick(
        "recurringbillingfrequency",
        "Billing frequency",
        "weekly",
        "biweekly",
        "monthly",
        "quarterly",
        "per_six_months",
        "annually",
        "per_two_years",
        "per_three_years",
    ),
    _pick("hs_product_type", "Product type", "inventory", "non_inventory", "service"),
    _text("hs_url", "URL"),
    _text("hs_folder_id", "Folder"),
)
LINE_ITEMS = (
    _text("name", "Name"),
    _area("description", "Description"),
    _num("quantity", "Quantity"),
    _num("price", "Unit price"),
    ("amount", "Net price", "number", "number", "ro", ()),
    _num("discount", "Unit discount"),
    _num("hs_discount_percentage", "Discount percentage"),
    _text("hs_product_id", "Product ID"),
    _text("hs_sku", "SKU"),
    _text("hs_recurring_billing_period", "Term"),
    _pick(
        "recurringbillingfrequency",
        "Billing frequency",
        "weekly",
        "biweekly",
        "monthly",
        "quarterly",
        "per_six_months",
        "annually",
        "per_two_years",
        "per_three_years",
    ),
    _num("hs_cost_of_goods_sold", "Unit cost"),
    _num("hs_position_on_quote", "Position on quote"),
)
QUOTES = (
    _text("hs_title", "Quote name"),
    _when("hs_expiration_date", "Expiration date"),
    _pick(
        "hs_status",
        "Quote approval status",
        "DRAFT",
        "APPROVAL_NOT_NEEDED",
        "PENDING_APPROVAL",
        "APPROVED",
        "REJECTED",
    ),
    _text("hs_currency", "Currency"),
    _text("hs_language", "Language"),
    _text("hs_locale", "Locale"),
    _text("hs_sender_firstname", "Sender first name"),
    _text("hs_sender_lastname", "Sender last name"),
    _text("hs_sender_email", "Sender email"),
    _text("hs_sender_company_name", "Sender company"),
    _area("hs_comments", "Comments"),
    _area("hs_terms", "Terms"),
    _text("hs_template_type", "Template type"),
    ("hs_quote_amount", "Amount", "number", "number", "ro", ()),
    ("hs_quote_link", "Quote link", "string", "text", "ro", ()),
)
FEEDBACK_SUBMISSIONS = (
    _area("hs_content", "Response"),
    _num("hs_value", "Rating"),
    _text("hs_survey_type", "Survey type"),
    _text("hs_survey_name", "Survey name"),
    _text("hs_contact_email_rollup", "Contact email"),
)
LEADS = (
    _text("hs_lead_name", "Lead name"),
    _pick("hs_lead_type", "Lead type", "NEW_BUSINESS", "UPSELL", "RE_ATTEMPTING"),
    _pick("hs_lead_label", "Lead label", "HOT", "WARM", "COLD"),
    _pick("hs_pipeline", "Lead pipeline", "lead-pipeline-id"),
    _pick(
        "hs_pipeline_stage",
        "Lead stage",
        "new-stage-id",
        "attempting-stage-id",
        "connected-stage-id",
        "qualified-stage-id",
        "unqualified-stage-id",
    ),
)
USERS = (
    _text("hs_email", "Email"),
    _text("hs_given_name", "First name"),
    _text("hs_family_name", "Last name"),
    _text("hs_internal_user_id", "User ID"),
    _text("hs_job_title", "Job title"),
)
INVOICES = (
    _text("hs_title", "Title"),
    _text("hs_currency", "Currency"),
    _when("hs_invoice_date", "Invoice date"),
    _when("hs_due_date", "Due date"),
    _pick("hs_invoice_status", "Invoice status", "draft", "open", "paid", "voided"),
    _num("hs_amount_billed", "Amount billed"),
    _text("hs_number", "Invoice number"),
    _area("hs_comments", "Comments"),
)
SUBSCRIPTIONS = (
    _text("hs_name", "Name"),
    _text("hs_status", "Status"),
    _num("hs_recurring_revenue", "Recurring revenue"),
    _when("hs_next_payment_due_date", "Next payment due"),
    _text("hs_currency_code", "Currency"),
)
PAYMENTS = (
    _num("hs_initial_amount", "Gross amount"),
    _text("hs_currency_code", "Currency"),
    _text("hs_payment_method_type", "Payment method"),
    _text("hs_latest_status", "Status"),
    _when("hs_processed_date", "Processed date"),
)
ORDERS = (
    _text("hs_order_name", "Order name"),
    _text("hs_currency_code", "Currency"),
    _num("hs_total_price", "Total price"),
    _num("hs_subtotal_price", "Subtotal"),
    _text("hs_fulfillment_status", "Fulfillment status"),
    _text("hs_external_order_id", "External order ID"),
    _text("hs_pipeline", "Pipeline"),
    _text("hs_pipeline_stage", "Stage"),
)
CARTS = (
    _text("hs_cart_name", "Cart name"),
    _text("hs_currency_code", "Currency"),
    _num("hs_total_price", "Total price"),
    _text("hs_external_cart_id", "External cart ID"),
    _text("hs_cart_url", "Cart URL"),
)
SERVICES = (_text("hs_name", "Name"), _area("hs_description", "Description"))
COURSES = (_text("hs_course_name", "Course name"), _area("hs_description", "Description"))
LISTINGS = (
    _text("hs_name", "Listing name"),
    _num("hs_price", "Price"),
    _text("hs_address_1", "Address"),
    _text("hs_city", "City"),
)
APPOINTMENTS = (
    _text("hs_appointment_name", "Appointment name"),
    _when("hs_appointment_start", "Start"),
    _when("hs_appointment_end", "End"),
)

GOALS = (
    _text("hs_goal_name", "Goal name"),
    _num("hs_target_amount", "Target"),
    _when("hs_start_datetime", "Start date"),
    _when("hs_end_datetime", "End date"),
)
#: Discounts, fees and taxes: a label, a type (fixed or percent) and a value.
ADJUSTMENT = (
    _text("hs_label", "Label"),
    _pick("hs_type", "Type", "FIXED", "PERCENT"),
    _num("hs_value", "Value"),
)

#: Type name → its own properties (without :data:`COMMON`).
SPECS: dict[str, tuple[Spec, ...]] = {
    "notes": _ACTIVITY + NOTES,
    "tasks": _ACTIVITY + TASKS,
    "calls": _ACTIVITY + CALLS,
    "emails": _ACTIVITY + EMAILS,
    "meetings": _ACTIVITY + MEETINGS,
    "communications": _ACTIVITY + COMMUNICATIONS,
    "postal_mail": _ACTIVITY + POSTAL_MAIL,
    "products": PRODUCTS,
    "line_items": LINE_ITEMS,
    "quotes": QUOTES,
    "feedback_submissions": FEEDBACK_SUBMISSIONS,
    "leads": LEADS,
    "users": USERS,
    "invoices": INVOICES,
    "subscriptions": SUBSCRIPTIONS,
    "commerce_payments": PAYMENTS,
    "orders": ORDERS,
    "carts": CARTS,
    "services": SERVICES,
    "courses": COURSES,
    "listings": LISTINGS,
    "appointments": APPOINTMENTS,
    "goal_targets": GOALS,
    "discounts": ADJUSTMENT,
    "fees": ADJUSTMENT,
    "taxes": ADJUSTMENT,
}
