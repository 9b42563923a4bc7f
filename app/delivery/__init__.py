"""Outgoing events: the transactional outbox that webhooks, mailboxes and peers deliver from."""
