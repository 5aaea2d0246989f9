"""Attachments: the customer's evidence and the team's files on a case, checked, cleaned and kept
in content-addressed storage (a folder by default, S3-compatible object storage when set)."""
