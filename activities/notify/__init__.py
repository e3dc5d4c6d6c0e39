"""Telling people: the backend (signed standing webhooks) and users (email/SMS)."""
