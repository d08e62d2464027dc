"""What the body of ``POST /v1/migrations`` may hold, checked and completed."""

import jsonschema

from glint_service.api import schemas
from glint_service.api.schemas import clouds as cloud_schema
from glint_service import clouds
from glint_service import exception

# \Z, not $: Python's $ matches before a newline at the end too.
UUID_PATTERN = (r'^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-'
                r'[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\Z')
FIELD_SCHEMAS = {
    'image_id': {'type': 'string', 'pattern': UUID_PATTERN},
    'source': {'type': 'string', 'minLength': 1, 'maxLength': 36},
    'targets': {'type': 'array', 'minItems': 1, 'maxItems': 50,
                'items': {'type': 'string', 'minLength': 1,
                          'maxLength': 36}},
    'name': {'type': ['string', 'null'], 'minLength': 1, 'maxLength': 255},
    'visibility': {'type': 'string',
                   'enum': ['private', 'shared', 'community', 'public']},
    'on_conflict': {'type': 'string', 'enum': ['skip_identical', 'copy']},
}
# The largest size a column of Glint's (a signed 64-bit integer) holds.
MAX_SIZE = 2 ** 63 - 1
DEFAULTS = {'source': clouds.LOCAL, 'name': None, 'visibility': 'private',
            'on_conflict': 'skip_identical'}
_VALIDATOR = jsonschema.Draft7Validator(
    {'type': 'object', 'properties': FIELD_SCHEMAS})


def reason(error):
    if error.validator == 'minItems':
        return 'must name at least one cloud'
    if error.validator == 'maxItems':
        return 'must name at most %d clouds' % error.schema['maxItems']
    if error.validator == 'type' and error.schema['type'] == 'array':
        return 'must be a list of cloud ids'
    if error.validator == 'pattern':
        return "must be an image's id (a UUID)"
    return cloud_schema.reason(error)


def complete(body):
    """The request, checked on its own (not yet against the clouds)."""
    schemas.check_object(body, _VALIDATOR, 'a migration', reason)
    for field in ('image_id', 'targets'):
        if field not in body:
            raise exception.InvalidField(field, 'is required')
    if body.get('name') is not None:
        cloud_schema.check_name('name', body['name'])
    spec = dict(DEFAULTS)
    spec.update({k: v for k, v in body.items() if v is not None})
    return complete_targets(spec)


def complete_targets(spec):
    """The spec, once its targets are checked against its source."""
    if len(set(spec['targets'])) != len(spec['targets']):
        raise exception.InvalidField('targets', 'names a cloud twice')
    if spec['source'] in spec['targets']:
        raise exception.InvalidField(
            'targets', 'must not hold the source cloud %s' % spec['source'])
    return spec
