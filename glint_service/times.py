"""Times as the API shows them."""


def iso(when):
    """A time from the database as ISO 8601 in UTC, or None."""
    return when.strftime('%Y-%m-%dT%H:%M:%SZ') if when else None
