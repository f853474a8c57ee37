"""The one upload pipeline every import uses: read a CSV or Excel file into a table of text, check
every row, write all rows or none, and report each problem at its row and column."""
