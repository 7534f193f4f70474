"""The scenario: pydantic models and the one YAML reader. Imports the kernel and the plug-in
families."""
