"""Imported first by qnn_lab.widgets: shortens the lab's start.

plotly imports nbformat, whose jsonschema builds the grammar of rfc3987_syntax on import: 2.7 s of
the lab's start on the test machine, for IRI format checks the lab never uses. Marked missing (unless
something imported it already), jsonschema skips those two checks and the lab is drawn that much sooner.
"""
import sys

sys.modules.setdefault("rfc3987_syntax", None)
