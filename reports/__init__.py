"""Reports of runs and analyses: console tables, matplotlib figures and the PDF.

``render_run_report(run_dir)`` renders a run folder; ``render_effects_report(result, out, title,
source)`` renders an `xsim analyze` result. The names load lazily, so the console tables do not
pull in matplotlib or fpdf2.
"""

from importlib import import_module

_LAZY = {
    "render_run_report": "xsim.reports.pdf",
    "render_effects_report": "xsim.reports.pdf",
    "load_run": "xsim.reports.runfolder",
    "RunRecord": "xsim.reports.runfolder",
    "register_section": "xsim.reports.sections",
}

__all__ = list(_LAZY)


def __getattr__(name: str):
    if name in _LAZY:
        attribute = "register" if name == "register_section" else name
        return getattr(import_module(_LAZY[name]), attribute)
    raise AttributeError(f"module 'xsim.reports' has no attribute {name!r}")
