"""The open paths: the version document and the health check."""

from oslo_log import log as logging

from glint_service.api import util
from glint_service import exception

LOG = logging.getLogger(__name__)


def version_document(request):
    return util.json_response({'versions': [{
        'id': 'v1.0',
        'status': 'CURRENT',
        'links': [{'rel': 'self', 'href': util.link(request, '/v1/')}],
    }]})


def healthcheck(request):
    try:
        util.services(request).db.ping()
    except exception.DatabaseUnavailable:
        raise  # Logged already, in one line.
    except Exception:
        LOG.exception('Health check: the database does not answer')
        raise exception.ServiceUnavailable('The database does not answer.')
    return util.json_response({'status': 'OK'})
