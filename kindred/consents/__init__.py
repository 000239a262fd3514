"""Consent records: an append-only ledger of what a person agreed to share, with
whom and why, and the access log they can read (issue 11)."""
