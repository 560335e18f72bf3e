"""Lists v3: manual (and snapshot) lists of records and their memberships."""
