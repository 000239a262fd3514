"""Data rights: a person's export of all their data, erasure and retention.

Issue 11.
"""
