"""The kernel every layer stands on: errors (and the one formatter of validation errors),
protocols, the plug-in registry shape, the seed tree, metric columns, units and the event log.
Imports nothing else of xsim."""
