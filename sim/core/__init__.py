"""The kernel every layer stands on: errors, protocols, the seed tree, metric columns, units and
the event log. Imports nothing else of xsim."""
