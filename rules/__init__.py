"""Alert rules: the rule language (validated YAML models), the compiled matcher, conditions,
entities and event dates. Sends nothing and runs no SQL."""
