"""What the body of ``POST /v1/migrations`` holds for a new image: an
upload (``"source": "upload"``) or a web link (``"source": {"url": ...}``),
with the image's metadata and its targets.

Neither has a source image: what the copies are made with is all here, as
Glance's own image create takes it.
"""

import hashlib
import json
import re

import jsonschema

from glint_service.api import schemas
from glint_service.api.schemas import clouds as cloud_schema
from glint_service.api.schemas import migrations as migration_schema
from glint_service.clouds import glance
from glint_service import exception

UPLOAD = 'upload'
URL = 'url'
# The compressions a link's file may have, as distributions ship images.
DECOMPRESS = ['gzip', 'xz', 'bzip2']
MAX_URL = 2048
# Glance's own lists (its [image_format] disk_formats, container_formats).
DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2',
                'vdi', 'iso', 'ploop']
CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker',
                     'compressed']
# The algorithms a Glance may hash with ([DEFAULT] hashing_algorithm), as
# Python names them.
HASH_ALGORITHMS = sorted(a for a in hashlib.algorithms_guaranteed
                         if not a.startswith('shake'))
MAX_SIZE = migration_schema.MAX_SIZE
MAX_INT = 2 ** 31 - 1
# Custom properties: at most this many, this long, in this many bytes.
MAX_PROPERTIES = 128
MAX_TAGS = 128
MAX_METADATA_BYTES = 64 * 1024
_HEX = r'^[0-9a-fA-F]+\Z'

_LINK_SCHEMAS = {
    'url': {'type': 'string', 'minLength': 1, 'maxLength': MAX_URL},
    'checksum_url': {'type': 'string', 'minLength': 1,
                     'maxLength': MAX_URL},
    'decompress': {'type': 'string', 'enum': DECOMPRESS},
}
FIELD_SCHEMAS = {
    'source': {'type': 'string', 'enum': [UPLOAD, URL]},
    'checksum_url': _LINK_SCHEMAS['checksum_url'],
    'decompress': _LINK_SCHEMAS['decompress'],
    'name': {'type': 'string', 'minLength': 1, 'maxLength': 255},
    'disk_format': {'type': 'string', 'enum': DISK_FORMATS},
    'container_format': {'type': 'string', 'enum': CONTAINER_FORMATS},
    'size': {'type': 'integer', 'minimum': 0, 'maximum': MAX_SIZE},
    'os_hash_algo': {'type': 'string', 'enum': HASH_ALGORITHMS},
    'os_hash_value': {'type': 'string', 'maxLength': 128, 'pattern': _HEX},
    'checksum': {'type': 'string', 'minLength': 32, 'maxLength': 32,
                 'pattern': _HEX},
    'min_disk': {'type': 'integer', 'minimum': 0, 'maximum': MAX_INT},
    'min_ram': {'type': 'integer', 'minimum': 0, 'maximum': MAX_INT},
    'tags': {'type': 'array', 'maxItems': MAX_TAGS,
             'items': {'type': 'string', 'minLength': 1,
                       'maxLength': 255}},
    'properties': {'type': 'object', 'maxProperties': MAX_PROPERTIES,
                   'additionalProperties': {'type': 'string',
                                            'maxLength': 65535}},
    'targets': migration_schema.FIELD_SCHEMAS['targets'],
    'visibility': migration_schema.FIELD_SCHEMAS['visibility'],
    'on_conflict': migration_schema.FIELD_SCHEMAS['on_conflict'],
}
REQUIRED = ('name', 'disk_format', 'container_format', 'targets')
_VALIDATOR = jsonschema.Draft7Validator(
    {'type': 'object', 'properties': FIELD_SCHEMAS})
# A property's name: Glance's own are refused, as a copy never takes them.
_PROPERTY_NAME = re.compile(r'[A-Za-z0-9_:.-]{1,255}\Z')


def is_new_image(body):
    """Whether a migration's request is for an upload or a web link."""
    return isinstance(body, dict) and (
        body.get('source') == UPLOAD or isinstance(body.get('source'), dict))


def complete(body):
    """An upload's or a link's request, checked on its own: its spec.

    The spec holds what a migration's does (source, targets, name,
    visibility, on_conflict) and the image's ``size``, expected hash
    (``os_hash_algo``, ``os_hash_value``) and ``image_metadata``; for a
    link, ``source`` is ``url`` and ``source_link`` holds its ``url``,
    ``checksum_url`` and ``decompress``.
    """
    body = dict(body)
    link = _link(body)
    schemas.check_object(body, _VALIDATOR, 'an upload', _reason)
    for field in REQUIRED:
        if field not in body:
            raise exception.InvalidField(field, 'is required')
    cloud_schema.check_name('name', body['name'])
    for i, tag in enumerate(body.get('tags', ())):
        cloud_schema.check_name('tags[%d]' % i, tag)
    properties = body.get('properties', {})
    for key in properties:
        if not _PROPERTY_NAME.match(key) or key in glance.NOT_COPIED or (
                key in glance.COPIED) or key.startswith('os_glance_'):
            raise exception.InvalidField(
                'properties', 'cannot set %s: it is not a custom property'
                % json.dumps(key)[:80])
    algo, value = _expected_hash(body)
    metadata = dict(properties, tags=list(body.get('tags', ())))
    for key in glance.COPIED:
        if key in body:
            metadata[key] = body[key]
    if len(json.dumps(metadata)) > MAX_METADATA_BYTES:
        raise exception.InvalidField(
            'properties', 'the metadata must take at most %d bytes'
            % MAX_METADATA_BYTES)
    spec = migration_schema.complete_targets(
        dict(migration_schema.DEFAULTS, source=URL if link else UPLOAD,
             targets=body['targets'], name=body['name'],
             visibility=body.get('visibility', 'private'),
             on_conflict=body.get('on_conflict', 'skip_identical')))
    spec.update(size=body.get('size'), os_hash_algo=algo,
                os_hash_value=value, image_metadata=metadata,
                source_link=link)
    return spec


def _link(body):
    """A link's source, checked on its own; None for an upload.

    Not yet against the outbound policy. Taken out of ``body``:
    ``checksum_url`` and ``decompress`` may be given in ``source`` or
    beside it.
    """
    source = body.get('source')
    if not isinstance(source, dict):
        for field in ('checksum_url', 'decompress'):
            if field in body:
                raise exception.InvalidField(field, 'is for a web link')
        return None
    link = dict(source)
    for field in ('checksum_url', 'decompress'):
        if field in body:
            if field in link:
                raise exception.InvalidField(
                    field, 'is given twice: in source and beside it')
            link[field] = body.pop(field)
    for field in link:
        if field not in _LINK_SCHEMAS:
            raise exception.InvalidField('source.%s' % field,
                                         'is not a field of a web link')
    if 'url' not in link:
        raise exception.InvalidField('source.url', 'is required')
    for field, schema in _LINK_SCHEMAS.items():
        if field in link:
            error = jsonschema.exceptions.best_match(
                jsonschema.Draft7Validator(schema).iter_errors(link[field]))
            if error is not None:
                raise exception.InvalidField('source.%s' % field,
                                             cloud_schema.reason(error))
            if field.endswith('url'):
                cloud_schema.check_name('source.%s' % field, link[field])
    body['source'] = URL
    return {'url': link['url'], 'checksum_url': link.get('checksum_url'),
            'decompress': link.get('decompress')}


def _expected_hash(body):
    """(algo, hex value) the data must hash to, or (None, None)."""
    algo, value = body.get('os_hash_algo'), body.get('os_hash_value')
    if 'checksum' in body:
        if algo or value:
            raise exception.InvalidField(
                'checksum', 'give os_hash_algo and os_hash_value, or '
                'checksum, not both')
        return 'md5', body['checksum'].lower()
    if bool(algo) != bool(value):
        raise exception.InvalidField(
            'os_hash_value' if algo else 'os_hash_algo',
            'is needed with %s' % ('os_hash_algo' if algo
                                   else 'os_hash_value'))
    if algo and len(value) != hashlib.new(algo).digest_size * 2:
        raise exception.InvalidField(
            'os_hash_value', 'must be %d hexadecimal digits for %s'
            % (hashlib.new(algo).digest_size * 2, algo))
    return algo, value.lower() if value else None


def _reason(error):
    if error.validator == 'pattern':
        return 'must be hexadecimal digits'
    if error.validator == 'additionalProperties' or (
            error.validator == 'type' and error.schema['type'] == 'string'
            and len(error.path) > 1 and error.path[0] == 'properties'):
        return 'must map names to strings'
    if error.path and error.path[0] == 'targets':
        return migration_schema.reason(error)
    return cloud_schema.reason(error)
