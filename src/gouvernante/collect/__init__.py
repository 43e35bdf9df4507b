"""``gouvernante collect``: many JSON scan reports in, the organisation's status out.

``load`` reads reports (files, directories, stdin), ``rollup`` computes the status per rule and
per project as a JSON-ready dict, ``render`` and ``html_page`` present that same dict.
"""

from __future__ import annotations
