"""Legacy engagements v1 (``/engagements/v1/engagements``), over the v3 activity records."""
