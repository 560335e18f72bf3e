"""Custom object schemas: ``/crm-object-schemas/v3/schemas`` (and the ``/crm/v3/schemas`` alias)."""
