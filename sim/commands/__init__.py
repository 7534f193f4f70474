"""The Typer command line, thin: parse arguments, call the library, render, set the exit code."""
