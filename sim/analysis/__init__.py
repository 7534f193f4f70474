"""From a finished world to numbers: user tables, twin-world truth, effects, objective, risk."""
