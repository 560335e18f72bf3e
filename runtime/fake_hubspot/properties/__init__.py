"""Properties v3: HubSpot-defined and custom property definitions, property groups."""
