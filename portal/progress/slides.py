"""Slide-deck building blocks for the reports' decks (python-pptx): a title slide, a slide of points
with sub-points, a table and a native line chart, each in the deck's widescreen layout."""
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.util import Inches, Pt

TITLE, POINTS, TITLE_ONLY = 0, 1, 5  # the default template's layouts
BODY_TOP, MARGIN = Inches(1.5), Inches(0.6)

Point = tuple[str, list[str]]  # a point and its sub-points


def deck():
    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    return prs


def title_slide(prs, title: str, lines: list[str]) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[TITLE])
    slide.shapes.title.text = title
    slide.placeholders[1].text_frame.text = "\n".join(line for line in lines if line)


def _titled(prs, layout: int, title: str, notes: str = ""):
    slide = prs.slides.add_slide(prs.slide_layouts[layout])
    slide.shapes.title.text = title
    slide.shapes.title.left, slide.shapes.title.width = MARGIN, prs.slide_width - 2 * MARGIN
    if notes:
        slide.notes_slide.notes_text_frame.text = notes
    return slide


def points_slide(prs, title: str, points: list[Point], notes: str = "", size: int = 18) -> None:
    slide = _titled(prs, POINTS, title, notes)
    body = slide.placeholders[1]
    body.left, body.top = MARGIN, BODY_TOP
    body.width, body.height = prs.slide_width - 2 * MARGIN, prs.slide_height - BODY_TOP - Inches(0.4)
    frame = body.text_frame
    frame.word_wrap = True
    first = True
    for text, subs in points:
        for level, line in [(0, text)] + [(1, s) for s in subs]:
            para = frame.paragraphs[0] if first else frame.add_paragraph()
            first = False
            para.text, para.level = line, level
            para.font.size = Pt(size if level == 0 else size - 3)


def table_slide(prs, title: str, header: list[str], rows: list[list[str]], notes: str = "") -> None:
    slide = _titled(prs, TITLE_ONLY, title, notes)
    width = prs.slide_width - 2 * MARGIN
    shape = slide.shapes.add_table(len(rows) + 1, len(header), MARGIN, BODY_TOP, width, Inches(0.4) * (len(rows) + 1))
    for r, row in enumerate([header] + rows):
        for c, text in enumerate(row):
            cell = shape.table.cell(r, c)
            cell.text = text
            cell.text_frame.paragraphs[0].font.size = Pt(14 if r else 15)


def chart_slide(prs, title: str, periods: list[str], lines: dict[str, list[float | None]], notes: str = "") -> None:
    """A line chart with a line per breakdown over the periods, drawn by PowerPoint itself."""
    slide = _titled(prs, TITLE_ONLY, title, notes)
    data = CategoryChartData()
    data.categories = periods
    for name, values in lines.items():
        data.add_series(name, values)
    chart = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, MARGIN, BODY_TOP, prs.slide_width - 2 * MARGIN,
                                   prs.slide_height - BODY_TOP - Inches(0.4), data).chart
    chart.has_legend = len(lines) > 1
    if chart.has_legend:
        chart.legend.position, chart.legend.include_in_layout = XL_LEGEND_POSITION.BOTTOM, False
