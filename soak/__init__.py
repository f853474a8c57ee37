"""Soak tests: the portal under real servers (gunicorn, PostgreSQL, nginx, redis), run by make soak."""
