"""Alert rules: validated YAML models, the compiled matcher, alert rendering and delivery.

`rules.notify` is the one module that imports apprise.
"""
