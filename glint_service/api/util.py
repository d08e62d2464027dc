"""Small helpers the handlers share: JSON in, JSON out, what the app set."""

import json

import webob

from glint_service.api import body
from glint_service import exception

CONTEXT_ENV = 'glint.context'
SERVICES_ENV = 'glint.services'


def services(request):
    """The app's ``services.Services``: configuration, database, vault."""
    return request.environ[SERVICES_ENV]


def context(request):
    """The caller's ``context.RequestContext``."""
    return request.environ[CONTEXT_ENV]


def json_body(request):
    """The request's JSON body, or BadRequest saying why there is none.

    It must arrive within [api] body_timeout: see body.read.
    """
    data = body.read(request, services(request).conf.api.body_timeout)
    if not data:
        raise exception.BadRequest('The request needs a JSON body.')
    try:
        text = data.decode('utf-8')
    except UnicodeDecodeError:
        raise exception.BadRequest('The body is not UTF-8 text.')
    try:
        return json.loads(text, parse_int=_json_int)
    except RecursionError:
        raise exception.BadRequest('The body is JSON nested too deeply.')
    except json.JSONDecodeError as error:
        raise exception.BadRequest(
            'The body is not valid JSON: %s at line %d column %d.'
            % (error.msg, error.lineno, error.colno))


# The most digits of a whole number in a request body: more than any
# field of Glint's takes, far fewer than would cost a parser's time.
MAX_INT_DIGITS = 32


def _json_int(digits):
    if len(digits.lstrip('-')) > MAX_INT_DIGITS:
        raise exception.BadRequest(
            'The body holds a number of more than %d digits.'
            % MAX_INT_DIGITS)
    return int(digits)


def json_response(body, status=200, headers=None):
    response = webob.Response(status=status, json_body=body,
                              charset='UTF-8')
    response.content_type = 'application/json'
    response.headers.update(headers or {})
    return response


def link(request, path):
    """The URL of ``path`` (under Glint's root) for a response.

    From [api] public_endpoint, or relative when it is unset: never built
    from the Host header a client sent.
    """
    endpoint = services(request).conf.api.public_endpoint
    if endpoint:
        return endpoint.rstrip('/') + path
    return request.script_name + path


def no_content():
    return webob.Response(status=204)


def query_flag(request, name):
    """A boolean query parameter, such as ?all_projects=true."""
    value = request.GET.get(name, 'false').lower()
    if value in ('true', '1', 'yes'):
        return True
    if value in ('false', '0', 'no'):
        return False
    raise exception.InvalidField(name, 'must be true or false')


def query_int(request, name, least, most):
    """A whole-number query parameter within its bounds; ``most`` unset."""
    value = request.GET.get(name)
    if value is None:
        return most
    if not (value.isascii() and value.isdigit()) or len(value) > 9 or not (
            least <= int(value) <= most):
        raise exception.InvalidField(
            name, 'must be a whole number from %d to %d' % (least, most))
    return int(value)


def listed_project(request, rule, all_projects_rule):
    """The project whose resources a list shows.

    The caller's, or None (every project) for ?all_projects=true where
    policy allows it.
    """
    context_ = context(request)
    context_.can(rule)
    if query_flag(request, 'all_projects'):
        context_.can(all_projects_rule)
        return None
    return context_.project_id
