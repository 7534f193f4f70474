"""xsim: simulate a course-platform x insurer partnership and analyse its A/B tests.

Library entry point: ``xsim.run(xsim.load_scenario(path))`` returns a `RunResult`. The
names below load lazily, so importing a plug-in family (``xsim.estimators.effects``) does not
pull in the engine.
"""

from importlib import import_module

__version__ = "0.1.0"

_LAZY = {
    "InputError": "xsim.core.errors",
    "XsimError": "xsim.core.errors",
    "RunResult": "xsim.pipeline.runner",
    "run": "xsim.pipeline.runner",
    "Scenario": "xsim.schema.scenario",
    "load_scenario": "xsim.schema.io",
    "parse_scenario": "xsim.schema.io",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'xsim' has no attribute {name!r}")
