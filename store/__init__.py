"""The store: the bottom layer both sides stand on.

``connection`` opens warehouse files (offline settings), ``tables`` names the published tables,
``status`` reads what is published, ``reader`` serves many read-only sessions across
publishes (through ``reader_links``), and ``spreadsheet`` is the one rule for text written to a
cell of a file the product produces. It imports nothing from ``etl``, ``analytics``, ``access``,
``views`` or ``exports``.
"""
