"""The simulated world: population, catalogue, platform, insurer, the SimPy engine and its state."""
