"""Alerting: channels, routing policy (once per story, re-alerts, digests, quiet hours,
backoff), rendering and escaping per channel, delivery (`delivery`: immediate alerts;
`digests`: due digests) and ops notices (`ops`, `source_notices`).

`alerts.notify` is the one module that imports apprise. Alerting reads the config through
`alerts.config.AlertConfig` and never imports `pipeline`.
"""
