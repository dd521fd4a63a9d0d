"""WSGI entry point: `gunicorn wsgi:app`, and `flask` finds it through .flaskenv."""

from app import create_app

app = create_app()
