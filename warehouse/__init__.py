"""The DuckDB warehouse: connection, migrations, typed loads and reads, views for people."""
