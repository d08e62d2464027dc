"""The dashboard's API module: glintclient with the user's token.

HTTP is answered at the requests layer, below keystoneauth: the session,
the endpoint and the token are the real ones.
"""

import json
from unittest import mock

from openstack_auth import utils as auth_utils
import requests

from glint_dashboard.api import glint
from glint_dashboard import exceptions
from glint_dashboard.test import helpers


def answer(status, body=None):
    response = requests.Response()
    response.status_code = status
    response.headers['Content-Type'] = 'application/json'
    response._content = json.dumps(body).encode() if body else b''
    return response


def glint_error(status, code, detail):
    return answer(status, {'errors': [{
        'status': status, 'code': code, 'title': 'Refused',
        'detail': detail, 'request_id': 'req-1'}]})


class GlintApiTests(helpers.TestCase):
    def setUp(self):
        super().setUp()
        self.request.user = auth_utils.get_user(self.request)
        sent = mock.patch.object(requests.Session, 'request')
        self.sent = sent.start()

    def test_glint_is_called_with_the_users_token(self):
        self.sent.return_value = answer(200, {'clouds': [{'id': 'c1',
                                                          'name': 'cern'}]})
        clouds = glint.cloud_list(self.request)
        self.assertEqual([c.name for c in clouds], ['cern'])
        (method, url), kwargs = self.sent.call_args
        self.assertEqual((method, url),
                         ('GET', helpers.GLINT_URL + '/v1/clouds'))
        self.assertEqual(kwargs['headers']['X-Auth-Token'], self.token.id)

    def test_one_client_per_request(self):
        self.assertIs(glint.glintclient(self.request),
                      glint.glintclient(self.request))

    def test_ids_are_escaped_in_the_path(self):
        self.sent.return_value = answer(200, {'id': 'm1'})
        glint.migration_get(self.request, '../clouds?x=1')
        (method, url), kwargs = self.sent.call_args
        self.assertEqual(url, helpers.GLINT_URL +
                         '/v1/migrations/..%2Fclouds%3Fx%3D1')

    def test_the_check_of_a_cloud(self):
        self.sent.return_value = answer(200, {'reachable': False,
                                              'error': 'timed out'})
        checked = glint.cloud_check(self.request, 'c1')
        self.assertFalse(checked.reachable)
        self.assertEqual(checked.error, 'timed out')
        (method, url), kwargs = self.sent.call_args
        self.assertEqual(url, helpers.GLINT_URL + '/v1/clouds/c1/check')

    def test_glints_detail_is_the_dashboards_error(self):
        self.sent.return_value = glint_error(
            400, 'glint.invalid_field', 'auth_url: must be an http URL')
        with self.assertRaises(exceptions.GlintError) as raised:
            glint.cloud_create(self.request, {'name': 'x'})
        error = raised.exception
        self.assertEqual(str(error), 'auth_url: must be an http URL')
        self.assertEqual((error.status, error.code),
                         (400, 'glint.invalid_field'))
        self.assertEqual(error.field(), 'auth_url')

    def test_not_found_and_unauthorized_as_horizon_knows_them(self):
        for status, kind in ((404, exceptions.NotFound),
                             (401, exceptions.Unauthorized)):
            self.sent.return_value = glint_error(status, 'glint.x', 'no')
            with self.assertRaises(kind):
                glint.cloud_get(self.request, 'c1')

    def test_glint_not_answering(self):
        self.sent.side_effect = requests.ConnectionError('refused')
        with self.assertRaises(exceptions.GlintError) as raised:
            glint.migration_list(self.request)
        self.assertEqual(str(raised.exception),
                         'The Glint service did not answer.')
        self.assertIsNone(raised.exception.status)

    def test_neither_a_secret_nor_the_token_is_logged(self):
        self.sent.return_value = answer(201, {'id': 'c1', 'name': 'x'})
        with self.assertLogs('keystoneauth.session', 'DEBUG') as logs:
            glint.cloud_create(self.request, {'name': 'x',
                                              'password': 'hush-hush'})
            glint.cloud_update(self.request, 'c1', {'name': 'y'})
        logged = '\n'.join(logs.output)
        self.assertIn('/v1/clouds/c1', logged)
        self.assertNotIn('hush-hush', logged)
        self.assertNotIn(self.token.id, logged)

    def test_an_uploads_data_goes_from_the_browser_to_the_public_endpoint(
            self):
        public = 'https://glint.example.org:9494/'
        for service in self.request.user.service_catalog:
            if service['type'] == 'image-distribution':
                for endpoint in service['endpoints']:
                    if endpoint['interface'] == 'public':
                        endpoint['url'] = public
        self.sent.return_value = answer(202, {'id': 'm/2',
                                              'status': 'awaiting_data'})
        with self.assertLogs('keystoneauth.session', 'DEBUG') as logs:
            upload = glint.upload_create(self.request, {'name': 'alma9'})
        (method, url), kwargs = self.sent.call_args
        self.assertEqual(method, 'POST')
        self.assertEqual(json.loads(kwargs['data']),
                         {'name': 'alma9', 'source': 'upload'})
        self.assertEqual(upload.status, 'awaiting_data')
        self.assertEqual(upload.upload_url, 'https://glint.example.org:9494'
                                            '/v1/migrations/m%2F2/file')
        # As Horizon's ExternallyUploadedImage: for its form view to give
        # the user's browser, and nowhere else.
        self.assertEqual(upload.to_dict()['token_id'], self.token.id)
        self.assertEqual(upload.to_dict()['upload_url'], upload.upload_url)
        self.assertNotIn(self.token.id, repr(upload))
        self.assertNotIn(self.token.id, '\n'.join(logs.output))
