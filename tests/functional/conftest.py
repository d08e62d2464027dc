"""The real clouds every functional test runs against.

The bed starts once per test session. If Keystone, Glance or Glint cannot
start, every test errors with the reason: nothing is skipped.
"""

import contextlib

import pytest
import requests

from tests import cloudbed


@pytest.fixture(scope='session')
def bed(tmp_path_factory):
    # Its first two clouds' Keystones may have a TLS front, started by the
    # tests that use it (test_x509; test_remote_credentials: a remote
    # cloud reached by certificate).
    bed = cloudbed.Bed(str(tmp_path_factory.mktemp('bed')), clouds=3,
                       x509_fronts=2)
    bed.start()
    yield bed
    bed.stop()


@pytest.fixture(scope='session')
def mariadb(tmp_path_factory):
    """A real MariaDB server, for the Glints that do not use SQLite."""
    mariadb = cloudbed.MariaDB(str(tmp_path_factory.mktemp('db')))
    mariadb.start()
    yield mariadb
    mariadb.stop()


@pytest.fixture(scope='session')
def postgresql(tmp_path_factory):
    """A real PostgreSQL server, for the tests of Glint on PostgreSQL."""
    postgresql = cloudbed.PostgreSQL(str(tmp_path_factory.mktemp('pg')))
    postgresql.start()
    yield postgresql
    postgresql.stop()


@pytest.fixture(scope='session')
def rabbitmq(tmp_path_factory):
    """A real RabbitMQ server, for the notifications of a Glint."""
    rabbitmq = cloudbed.RabbitMQ(str(tmp_path_factory.mktemp('rabbitmq')))
    rabbitmq.start()
    yield rabbitmq
    rabbitmq.stop()


class Api(object):
    """Glint's API over HTTP, as one user of the first cloud."""

    def __init__(self, url, token):
        self.url = url
        self.token = token
        self.responses = []

    def request(self, method, path, body=None, data=None, headers=None):
        # A token, or a function that gives a fresh one each time.
        token = self.token() if callable(self.token) else self.token
        all_headers = {'X-Auth-Token': token} if token else {}
        all_headers.update(headers or {})
        response = requests.request(method, self.url + path, json=body,
                                    data=data, headers=all_headers,
                                    timeout=cloudbed.REQUEST_TIMEOUT)
        self.responses.append(response)
        return response

    def get(self, path, **kwargs):
        return self.request('GET', path, **kwargs)

    def post(self, path, body=None, **kwargs):
        return self.request('POST', path, body, **kwargs)

    def patch(self, path, body=None, **kwargs):
        return self.request('PATCH', path, body, **kwargs)

    def delete(self, path, **kwargs):
        return self.request('DELETE', path, **kwargs)


@pytest.fixture(scope='session')
def api(bed):
    """``api(user)``: Glint's API as ``user`` of the first cloud.

    ``api(None)`` sends no token.
    """
    tokens = {None: None}

    def as_user(name='demo'):
        if name not in tokens:
            cloud = bed.clouds[0]
            tokens[name] = cloud.session(cloud.users[name]).get_token()
        return Api(bed.glint.url, tokens[name])

    return as_user


@contextlib.contextmanager
def glint_of_its_own(bed, root, name, engines=1, options=None,
                     database_url=None, keystone_url=None,
                     start_engines=True, server='gunicorn'):
    """A Glint beside the bed's, on its first cloud, for a while.

    Its API (under gunicorn, or uWSGI with ``server='uwsgi'``) and
    ``engines`` glint-engine processes, with ``options`` in its glint.conf
    and its own database (an SQLite file unless ``database_url``); not
    registered in the catalog. With ``start_engines=False`` only its API
    starts: the test starts the engines (``glint.engines``) when it wants.
    """
    glint = cloudbed.Glint(bed.clouds[0], str(root), name=name,
                           engines=engines, password=bed.glint.password,
                           options=options, database_url=database_url,
                           keystone_url=keystone_url, server=server)
    glint.setup(register=False)
    try:
        if start_engines:
            glint.start()
        else:
            glint.server.start()
        yield glint
    finally:
        glint.stop()


def as_user(bed, glint, user='demo'):
    """The API of ``glint``, another than the bed's, as a user of cloud1."""
    local = bed.clouds[0]
    return Api(glint.url, local.session(local.users[user]).get_token())


def add_remote_cloud(api, cloud, user='demo'):
    """``cloud`` as a remote cloud of ``user``'s project: its id."""
    account = cloud.users[user]
    response = api.post('/v1/clouds', {
        'name': '%s-%s' % (cloud.name, user), 'auth_url': cloud.auth_url,
        'username': account['username'], 'password': account['password'],
        'project_name': account['project_name']})
    assert response.status_code == 201, response.text
    return response.json()['id']


@contextlib.contextmanager
def remote_clouds(bed, api, prefix):
    """cloud2 and cloud3 as remote clouds of the demo project, for a while.

    Named PREFIX-cloud2 and PREFIX-cloud3; removed at the end.
    """
    demo = api('demo')
    created = []
    try:
        for cloud in bed.clouds[1:]:
            user = cloud.users['demo']
            response = demo.post('/v1/clouds', {
                'name': '%s-%s' % (prefix, cloud.name),
                'auth_url': cloud.auth_url, 'username': user['username'],
                'password': user['password'],
                'project_name': user['project_name']})
            assert response.status_code == 201, response.text
            created.append(response.json())
        yield created
    finally:
        for cloud in created:
            demo.delete('/v1/clouds/%s' % cloud['id'])
