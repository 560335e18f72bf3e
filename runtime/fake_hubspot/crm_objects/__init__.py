"""CRM v3 objects: contacts, companies, deals, tickets and the generic objects API."""
