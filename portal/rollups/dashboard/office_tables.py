"""An office dashboard's tables as columns and rows for CSV and Excel (kernel.exports.export_response):
the district's initiatives table and the scorecard's export, each over the office's own rows, and
what is due. Each builder takes {"page": office_view.OfficePage, "grid": its initiative grid}."""
from portal.measures import scorecard_table
from portal.rollups.dashboard import tables


def initiatives(ctx):
    title, columns, rows = tables.initiatives(ctx)
    return f"{ctx['page'].office.name}: {title.lower()}", columns, rows


def measures(ctx):
    page = ctx["page"]
    columns, rows = scorecard_table.export_rows(page.card)
    return f"{page.office.name}: Measures of Success {page.year}", columns, rows


def due(ctx):
    page = ctx["page"]
    columns = ["What is due", "Action plan or measure", "Period or school year", "Due on", "Days overdue", "Stage",
               "In words"]
    rows = [[item.title, item.subject, item.period, item.due_on, item.days_late,
             item.stage.title if item.stage else "", item.detail] for item in page.due]
    return f"{page.office.name}: what is due", columns, rows


OFFICE_TABLES = {"initiatives": initiatives, "measures": measures, "due": due}
