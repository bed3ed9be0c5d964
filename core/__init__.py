"""What every stage shares and nothing else: the records that cross stages, the configuration
reader (YAML with line numbers, config problems, durations, schedules) and the settings read
from NEWSWATCH_* variables. Imports no other newswatch package."""
