"""Why Glint refused what a form sent, shown where the user looks."""

from horizon import exceptions


def show(form, request, error, failure_message, statuses=(400,)):
    """Show Glint's refusal ``error`` of ``form``'s request; return False.

    Call it while ``error`` is being handled. A refusal whose status is in
    ``statuses`` goes under the field it names, or on top of the form when
    the form shows no such field; any other error is Horizon's message
    ``failure_message``.
    """
    if error.status not in statuses:
        exceptions.handle(request, failure_message)
        return False
    field = error.field()
    if field in form.fields and not form.fields[field].widget.is_hidden:
        form.add_error(field, str(error).split(': ', 1)[1])
    else:
        form.api_error(str(error))
    return False
