"""One run end to end: the runner, the atomic run folder, executors, checkpoints, memory and
privacy."""
