"""Keystone's WSGI app for gunicorn.

Keystone parses the process's command line as its own: under gunicorn that
is gunicorn's, so it is emptied first.
"""

import sys

sys.argv = sys.argv[:1]

from keystone.wsgi.api import application  # noqa: E402,F401
