"""Notifications: customer e-mail (SMTP, or .eml files without it) and signed team webhooks."""
