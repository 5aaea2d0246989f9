"""Notifications to teams: signed webhooks with retries."""
