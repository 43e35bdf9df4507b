"""The inventory: what every source (repository x ref) resolved, over time, in one database, so a
new rule is answered without reading any repository. ``store`` holds the schema and its
migrations, ``record`` fills it (``gouvernante inventory add``), ``evaluate`` answers
``-inventory``. Decision record: docs/decisions/0009-inventory.md."""
