"""Triage: themes (editable data), the theme classifier, entities."""
