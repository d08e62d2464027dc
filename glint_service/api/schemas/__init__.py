"""What request bodies may hold: one module per kind of body."""

from glint_service import exception


def check_object(body, validator, what, reason):
    """400 unless ``body`` is a JSON object of fields ``validator`` knows.

    Each field is checked on its own against its schema in ``validator``
    (a jsonschema validator of an object's ``properties``); the first
    wrong one is named, an item of a list as ``field[i]``, with
    ``reason(error)``, in words that never repeat its value. ``what``
    names the thing the body describes ("a remote cloud").
    """
    if not isinstance(body, dict):
        raise exception.BadRequest('The body must be a JSON object.')
    for field in body:
        if field not in validator.schema['properties']:
            raise exception.InvalidField(field, 'is not a field of %s' % what)
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.path))
    if errors:
        path = list(errors[0].path)
        field = path[0] if len(path) == 1 else '%s[%s]' % tuple(path[:2])
        raise exception.InvalidField(field, reason(errors[0]))
