"""Alerting: channels, routing policy (once per story, re-alerts, digests, quiet hours,
backoff), rendering and escaping per channel, delivery and ops notices.

`alerts.notify` is the one module that imports apprise.
"""
