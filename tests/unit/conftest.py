"""A Glint app for fast unit tests.

SQLite in a temporary folder, a real key file, and keystonemiddleware's
AuthTokenFixture in place of a Keystone.
"""

import uuid

from keystonemiddleware import fixture as ksm_fixture
from oslo_config import cfg
import pytest
import webob

from glint_service.api import deploy
from glint_service import conf as glint_conf
from glint_service import crypto
from glint_service.db import schema

KEYSTONE = 'http://keystone.invalid/v3'


@pytest.fixture
def vault(tmp_path):
    """A Vault on a key file of its own."""
    key_file = str(tmp_path / 'key')
    crypto.create_key_file(key_file)
    return crypto.Vault.from_key_file(key_file)


@pytest.fixture
def conf(tmp_path):
    conf = cfg.ConfigOpts()
    glint_conf.register_opts(conf)
    conf([], project='glint', default_config_files=[])
    conf.set_override('state_path', str(tmp_path))
    conf.set_override('key_file', str(tmp_path / 'credential.key'),
                      group='crypto')
    conf.set_override('www_authenticate_uri', KEYSTONE,
                      group='keystone_authtoken')
    # Remote clouds of the unit tests are in TEST-NET-1.
    conf.set_override('allowed_networks', ['192.0.2.0/24'], group='outbound')
    crypto.create_key_file(conf.crypto.key_file)
    schema.upgrade('sqlite:///%s/glint.sqlite' % tmp_path)
    return conf


@pytest.fixture
def tokens():
    with ksm_fixture.AuthTokenFixture() as auth:
        def token(roles=('reader', 'member'), project_id='project-a',
                  user_id='user-a'):
            token_id = uuid.uuid4().hex
            auth.add_token_data(token_id=token_id, user_id=user_id,
                                project_id=project_id,
                                role_list=list(roles))
            return token_id
        yield token


@pytest.fixture
def app(conf):
    application = deploy.loadapp(conf)

    def call(method, path, body=None, token=None, raw=None, headers=None):
        request = webob.Request.blank(path, method=method,
                                      headers=headers or {})
        if token:
            request.headers['X-Auth-Token'] = token
        if body is not None:
            request.json_body = body
        elif raw is not None:
            request.body = raw if isinstance(raw, bytes) else raw.encode()
        return request.get_response(application)

    return call
