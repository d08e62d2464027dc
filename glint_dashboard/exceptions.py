"""The errors the Glint API answers, as the dashboard raises them.

They are registered with Horizon by the enabled files (``ADD_EXCEPTIONS``),
so that ``horizon.exceptions.handle`` shows them as messages: a refused
request is never a 500 page. This module imports nothing from Django, so
that the enabled files can name these classes while settings load.
"""


class GlintError(Exception):
    """Glint refused a request or did not answer; ``str()`` says why."""

    def __init__(self, message, status=None, code=None):
        super().__init__(message)
        self.status = status
        self.code = code

    def field(self):
        """The field a 400 names ("field: reason"), or None."""
        if self.status != 400 or ': ' not in str(self):
            return None
        name = str(self).split(': ', 1)[0]
        return name if name.isidentifier() else None


class NotFound(GlintError):
    """404: no such thing in the user's project."""


class Unauthorized(GlintError):
    """401: Glint did not accept the user's token; Horizon logs them out."""
