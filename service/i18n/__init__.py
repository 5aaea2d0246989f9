"""Locale negotiation, gettext catalogs, customer-facing messages, translator stats."""
