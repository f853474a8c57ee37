"""Stored results (rollups, rendered page parts) shared by every process through the database, and the
data stamp that says when they are stale."""
