"""xsim: simulate a course-platform x insurer partnership and analyse its A/B tests.

Library entry point: ``xsim.run(xsim.load_scenario(path))`` returns a `RunResult`.
"""

__version__ = "0.1.0"

from xsim.errors import InputError, XsimError  # noqa: E402
from xsim.runner import RunResult, run  # noqa: E402
from xsim.scenario import Scenario  # noqa: E402
from xsim.scenario_io import load_scenario, parse_scenario  # noqa: E402

__all__ = [
    "InputError",
    "RunResult",
    "Scenario",
    "XsimError",
    "__version__",
    "load_scenario",
    "parse_scenario",
    "run",
]
