"""HubDB v3: tables and rows, with draft and published versions."""
