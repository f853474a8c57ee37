"""The notifications pages: the bell, the list, and each person's preferences."""
from flask import Blueprint

bp = Blueprint("notifications", __name__, template_folder="templates")
