"""The dashboard's pages, one module per section (runs, workflows, apps, secrets, records)."""
