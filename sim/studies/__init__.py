"""Many runs: replications, calibration, power, compare and optimisation."""
