"""The PDF page machinery on top of fpdf2: fonts, running header, page numbers, numbered
headings (also the PDF outline), paragraphs, tables, figures with captions, code blocks."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Sequence

from fpdf import FPDF, FontFace
from fpdf.enums import TableBordersLayout
from matplotlib.figure import Figure

from xsim.reports.fonts import FontSet, base_path, mono_path
from xsim.reports.style import to_png, to_svg

logging.getLogger("fpdf.svg").setLevel(logging.ERROR)  # matplotlib's <metadata> tag etc.

MARGIN_MM = 15.0
BODY_PT, SMALL_PT, TABLE_PT, CODE_PT = 9.5, 7.5, 7.0, 6.5
GREY = (110, 110, 110)
HEAD_FILL = (232, 232, 232)
_SVG_SIZE = re.compile(rb'<svg[^>]*?width="([\d.]+)pt"[^>]*?height="([\d.]+)pt"', re.S)


class ReportDocument(FPDF):
    """An A4 report: page 1 is the title page; later pages carry a header and page numbers."""

    def __init__(self, running_title: str, fonts: FontSet):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.fontset = fonts
        self.running_title = fonts.clean(running_title)
        self.set_margins(MARGIN_MM, MARGIN_MM, MARGIN_MM)
        self.set_auto_page_break(True, margin=18)
        self._add_fonts()
        self.set_creator("xsim")
        self.set_title(self.running_title)
        self.numbers = {"section": 0, "figure": 0, "table": 0}

    def _add_fonts(self) -> None:
        for style in ("", "B", "I", "BI"):
            self.add_font("body", style, base_path(style))
        self.add_font("mono", "", mono_path())
        cjk = self.fontset.cjk
        if cjk is not None:
            self.add_font("cjk", "", cjk.path, collection_font_number=cjk.index)
            if cjk.bold_path is not None:
                self.add_font("cjk", "B", cjk.bold_path, collection_font_number=cjk.index)
            self.set_fallback_fonts(["cjk"], exact_match=False)
        self.set_font("body", "", BODY_PT)

    @property
    def width(self) -> float:
        return self.epw

    # --- page furniture -------------------------------------------------------------------
    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font("body", "", SMALL_PT)
        self.set_text_color(*GREY)
        self.cell(0, 5, self.running_title, new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(*GREY)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(4)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("body", "", SMALL_PT)
        self.set_text_color(*GREY)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    # --- text -----------------------------------------------------------------------------
    def heading(self, text: str, level: int = 1, numbered: bool = True,
                new_page: bool = False) -> None:  # fmt: skip
        """A section (level 1) or subsection heading; level-1 headings are numbered."""
        if new_page or self.will_page_break(30 if level == 1 else 35):
            self.add_page()
        if level == 1 and numbered:
            self.numbers["section"] += 1
            text = f"{self.numbers['section']} {text}"
        self.start_section(self.fontset.clean(text), level=level - 1)
        self.ln(3 if level == 1 else 1.5)
        self.set_font("body", "B", 14 if level == 1 else 11)
        self.multi_cell(0, 7 if level == 1 else 6, self.fontset.clean(text), **_NEXT_LINE)
        self.ln(1.5)
        self.set_font("body", "", BODY_PT)

    def paragraph(self, text: str, size: float = BODY_PT, style: str = "") -> None:
        self.set_font("body", style, size)
        self.multi_cell(0, size * 0.5, self.fontset.clean(text), align="L", **_NEXT_LINE)
        self.ln(1.5)
        self.set_font("body", "", BODY_PT)

    def bullets(self, items: Sequence[str], size: float = BODY_PT) -> None:
        self.set_font("body", "", size)
        for item in items:
            self.set_x(self.l_margin + 2)
            self.cell(4, size * 0.5, "•")
            self.multi_cell(0, size * 0.5, self.fontset.clean(item), align="L", **_NEXT_LINE)
            self.ln(0.8)
        self.ln(1)

    def note(self, text: str) -> None:
        """A boxed, visible note (e.g. the missing-font warning)."""
        self.set_font("body", "B", SMALL_PT + 0.5)
        self.set_fill_color(255, 244, 214)
        self.multi_cell(0, 4.5, self.fontset.clean(text), border=1, fill=True, padding=2,
                        **_NEXT_LINE)  # fmt: skip
        self.ln(2)
        self.set_font("body", "", BODY_PT)

    def code(self, text: str, columns: int = 1) -> None:
        """Monospaced text (in ``columns`` newspaper columns for long listings)."""
        self.set_font("mono", "", CODE_PT)
        with self.text_columns(ncols=columns, gutter=6, l_margin=self.l_margin) as block:
            block.write(self.fontset.clean(text.rstrip("\n")) + "\n")
        self.ln(2)
        self.set_font("body", "", BODY_PT)

    # --- tables and figures -----------------------------------------------------------------
    def table_of(self, header: Sequence[str] | None, rows: Sequence[Sequence[str]],
                 caption: str | None = None, left: set[str] | frozenset = frozenset(),
                 size: float = TABLE_PT) -> None:  # fmt: skip
        """A table whose column widths follow the longest cell; headings repeat on new pages.
        ``header=None``: a plain key/value table without a heading row."""
        if not rows:
            return
        if caption:
            self.numbers["table"] += 1
            self.paragraph(f"Table {self.numbers['table']}. {caption}", SMALL_PT, "I")
        names = list(header) if header is not None else [""] * len(rows[0])
        cells = [[self.fontset.clean(str(c)) for c in row] for row in rows]
        for fitted in (size, size - 0.5, size - 1.0):  # shrink a wide table before wrapping
            widths = self._widths(names, cells, fitted)
            if sum(widths) <= self.epw:
                break
        size = fitted
        align = ["LEFT" if h in left or i == 0 else "RIGHT" for i, h in enumerate(names)]
        if header is not None:
            cells.insert(0, [self.fontset.clean(h) for h in names])
        self.set_font("body", "", size)
        with self.table(
            width=min(sum(widths), self.epw), col_widths=widths, text_align=align,
            line_height=size * 0.5, align="LEFT", padding=(0.6, 1.0),
            borders_layout=TableBordersLayout.HORIZONTAL_LINES,
            first_row_as_headings=header is not None,
            headings_style=FontFace(emphasis="BOLD", fill_color=HEAD_FILL),
        ) as table:  # fmt: skip
            for row in cells:
                line = table.row()
                for value in row:
                    line.cell(value)
        self.ln(3)
        self.set_font("body", "", BODY_PT)

    def _widths(self, header: list[str], cells: list[list[str]], size: float) -> list[float]:
        """Each column as wide as its longest cell or heading word (headings may wrap)."""
        self.set_font("body", "B", size)
        widths = [max(self.get_string_width(w) for w in h.split(" ")) for h in header]
        self.set_font("body", "", size)
        for row in cells:
            widths = [max(w, self.get_string_width(c)) for w, c in zip(widths, row, strict=True)]
        return [min(w, 75) + 2.6 for w in widths]

    def figure(self, fig: Figure, caption: str) -> None:
        """Embed a matplotlib figure (SVG, vector; PNG if the SVG cannot be drawn)."""
        svg = to_svg(fig)
        match = _SVG_SIZE.search(svg[:2000])
        width_pt, height_pt = (float(match[1]), float(match[2])) if match else (480.0, 300.0)
        width = min(width_pt * 25.4 / 72, self.epw)
        height = width * height_pt / width_pt
        if self.will_page_break(height + 12):
            self.add_page()
        x = self.l_margin + (self.epw - width) / 2
        try:
            self.image(io.BytesIO(svg), x=x, w=width, h=height)
        except Exception:  # an SVG feature fpdf2 cannot draw: fall back to a raster image
            self.image(io.BytesIO(to_png(fig)), x=x, w=width, h=height)
        self.numbers["figure"] += 1
        self.paragraph(f"Figure {self.numbers['figure']}. {caption}", SMALL_PT, "I")


_NEXT_LINE = {"new_x": "LMARGIN", "new_y": "NEXT"}
