"""Configuration: the process settings (environment) and the rules file (YAML) with its sections."""
