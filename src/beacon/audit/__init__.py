"""Append-only, hash-chained audit log (Data Protection Act 2018 s.62)."""
