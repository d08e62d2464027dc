from unittest import mock

from django.urls import reverse

from glint_dashboard.api import glint
from glint_dashboard import exceptions
from glint_dashboard.test import helpers
from glintclient import client
from openstack_dashboard.test import helpers as openstack_helpers

INDEX_URL = reverse('horizon:project:remote_clouds:index')
CREATE_URL = reverse('horizon:project:remote_clouds:create')
CLOUD = {'id': 'c1', 'name': 'cern', 'auth_url': 'https://k.example/v3',
         'region_name': 'RegionOne', 'auth_type': 'password',
         'interface': 'public', 'username': 'alice',
         'user_domain_name': 'Default', 'project_name': 'hep',
         'project_domain_name': 'Default', 'verify': True, 'cacert': None,
         'image_endpoint': 'https://g.example', 'created_at':
         '2026-11-21T10:00:00Z'}
FORM = {'name': 'cern', 'auth_url': 'https://k.example/v3',
        'region_name': '', 'interface': 'public', 'auth_type': 'password',
        'username': 'alice', 'password': 's3cret-pw',
        'user_domain_name': 'Default', 'project_name': 'hep',
        'project_domain_name': 'Default', 'verify': 'on', 'cacert': ''}


@mock.patch.object(glint, 'cloud_list')
class IndexTests(helpers.TestCase):
    def test_lists_the_clouds(self, cloud_list):
        cloud_list.return_value = [glint.Cloud(CLOUD)]
        response = self.client.get(INDEX_URL)
        self.assertTemplateUsed(response,
                                'horizon/common/_data_table_view.html')
        table = response.context['table']
        self.assertEqual([c.name for c in table.data], ['cern'])
        self.assertContains(response, 'https://g.example')
        self.assertContains(response, 'Add Remote Cloud')
        # Both panels are in the menu.
        self.assertContains(response, '/project/migrate_image/')

    def test_a_refused_cloud_says_when_and_why(self, cloud_list):
        cloud_list.return_value = [glint.Cloud(dict(
            CLOUD, credentials='refused',
            credentials_refused_at='2026-12-03T12:30:00Z',
            credentials_refused_reason='the identity provider refused the '
            'refresh token (invalid_grant)'))]
        response = self.client.get(INDEX_URL)
        self.assertContains(response, 'Refused: give new credentials '
                                      '(2026-12-03 12:30 UTC): the identity '
                                      'provider refused the refresh token '
                                      '(invalid_grant)')
        self.assertContains(response, 'status_down')

    def test_an_accepted_cloud(self, cloud_list):
        cloud_list.return_value = [glint.Cloud(dict(CLOUD,
                                                    credentials='ok'))]
        response = self.client.get(INDEX_URL)
        self.assertContains(response, 'Accepted')
        self.assertContains(response, 'status_up')

    def test_a_glint_error_is_a_message_not_a_500(self, cloud_list):
        cloud_list.side_effect = exceptions.GlintError('Glint is down', 503)
        response = self.client.get(INDEX_URL)
        self.assertEqual(response.status_code, 200)
        self.assertMessageCount(response, error=1)
        self.assertEqual(list(response.context['table'].data), [])


@mock.patch.object(glint, 'cloud_create')
class CreateTests(helpers.TestCase):
    def test_password_cloud_sends_only_its_fields(self, cloud_create):
        cloud_create.return_value = glint.Cloud(CLOUD)
        response = self.client.post(CREATE_URL, FORM)
        self.assertNoFormErrors(response)
        self.assertRedirectsNoFollow(response, INDEX_URL)
        cloud_create.assert_called_once_with(mock.ANY, {
            'name': 'cern', 'auth_url': 'https://k.example/v3',
            'interface': 'public', 'auth_type': 'password',
            'username': 'alice', 'password': 's3cret-pw',
            'user_domain_name': 'Default', 'project_name': 'hep',
            'project_domain_name': 'Default', 'verify': True})

    def test_application_credential_cloud(self, cloud_create):
        cloud_create.return_value = glint.Cloud(CLOUD)
        form = dict(FORM, auth_type='v3applicationcredential',
                    application_credential_id='ac1',
                    application_credential_secret='ac-secret', verify='')
        response = self.client.post(CREATE_URL, form)
        self.assertNoFormErrors(response)
        fields = cloud_create.call_args[0][1]
        self.assertEqual(fields['application_credential_secret'],
                         'ac-secret')
        self.assertFalse(fields['verify'])
        self.assertNotIn('password', fields)
        self.assertNotIn('username', fields)

    def test_refresh_token_cloud_sends_only_its_fields(self, cloud_create):
        cloud_create.return_value = glint.Cloud(CLOUD)
        form = dict(FORM, auth_type='v3oidcrefreshtoken',
                    identity_provider='egi.eu',
                    discovery_endpoint='https://aai.example/.well-known/'
                                       'openid-configuration',
                    client_id='glint', client_secret='cs-secret',
                    refresh_token='rt-secret')
        response = self.client.post(CREATE_URL, form)
        self.assertNoFormErrors(response)
        cloud_create.assert_called_once_with(mock.ANY, {
            'name': 'cern', 'auth_url': 'https://k.example/v3',
            'interface': 'public', 'auth_type': 'v3oidcrefreshtoken',
            'identity_provider': 'egi.eu',
            'discovery_endpoint': 'https://aai.example/.well-known/'
                                  'openid-configuration',
            'client_id': 'glint', 'client_secret': 'cs-secret',
            'refresh_token': 'rt-secret', 'project_name': 'hep',
            'project_domain_name': 'Default', 'verify': True})

    def test_the_secrets_of_each_type_are_password_inputs(
            self, cloud_create):
        response = self.client.get(CREATE_URL)
        for name in client.SECRET_FIELDS:
            self.assertContains(response, 'type="password" name="%s"' % name)
        # Each field shows for the types that use it.
        self.assertContains(response, 'data-authtype-v3oidcclientcredentials'
                                      '="Client Secret"')
        self.assertContains(response, 'data-authtype-v3x509="Project"')

    def test_a_key_pasted_into_one_line_gets_its_lines_back(self,
                                                            cloud_create):
        cloud_create.return_value = glint.Cloud(CLOUD)
        body = 'QUJD' * 40
        form = dict(FORM, auth_type='v3x509', identity_provider='igtf',
                    client_cert='-----BEGIN CERTIFICATE-----\nMIIB\n'
                                '-----END CERTIFICATE-----\n',
                    client_key='-----BEGIN PRIVATE KEY----- %s '
                               '-----END PRIVATE KEY-----' % body)
        response = self.client.post(CREATE_URL, form)
        self.assertNoFormErrors(response)
        fields = cloud_create.call_args[0][1]
        self.assertEqual(fields['client_key'].splitlines(), [
            '-----BEGIN PRIVATE KEY-----', body[:64], body[64:128],
            body[128:], '-----END PRIVATE KEY-----'])
        self.assertNotIn('password', fields)

    def test_missing_credential_fields_are_named(self, cloud_create):
        response = self.client.post(CREATE_URL, dict(FORM, password=''))
        self.assertFormErrors(response, 1)
        self.assertFalse(cloud_create.called)

    def test_refused_credentials_shown_on_the_form_never_the_secret(
            self, cloud_create):
        cloud_create.side_effect = exceptions.GlintError(
            'The remote Keystone at https://k.example/v3 refused the '
            'credentials (HTTP 401).', 400, 'glint.remote_cloud_rejected')
        response = self.client.post(CREATE_URL, FORM)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'refused the credentials')
        self.assertNotContains(response, 's3cret-pw')

    def test_a_field_error_goes_under_its_field(self, cloud_create):
        cloud_create.side_effect = exceptions.GlintError(
            'auth_url: must be an http or https URL', 400,
            'glint.invalid_field')
        response = self.client.post(CREATE_URL, FORM)
        self.assertEqual(response.context['form'].errors['auth_url'],
                         ['must be an http or https URL'])


@mock.patch.object(glint, 'cloud_update')
@mock.patch.object(glint, 'cloud_get')
class UpdateTests(helpers.TestCase):
    url = reverse('horizon:project:remote_clouds:update', args=['c1'])

    def test_the_form_shows_no_secret(self, cloud_get, cloud_update):
        cloud_get.return_value = glint.Cloud(dict(CLOUD,
                                                  password='never-here'))
        response = self.client.get(self.url)
        self.assertContains(response, 'cern')
        self.assertNotContains(response, 'never-here')

    def test_only_changed_fields_are_sent_and_secrets_kept(
            self, cloud_get, cloud_update):
        cloud_get.return_value = glint.Cloud(CLOUD)
        cloud_update.return_value = glint.Cloud(CLOUD)
        form = dict(FORM, cloud_id='c1', region_name='', password='',
                    project_name='physics')
        response = self.client.post(self.url, form)
        self.assertNoFormErrors(response)
        cloud_update.assert_called_once_with(
            mock.ANY, 'c1', {'region_name': None, 'project_name': 'physics'})


@mock.patch.object(glint, 'cloud_delete')
@mock.patch.object(glint, 'cloud_list')
class DeleteTests(helpers.TestCase):
    def mine(self, **fields):
        return glint.Cloud(dict(CLOUD, created_by=self.user.id, **fields))

    def test_delete(self, cloud_list, cloud_delete):
        cloud_list.return_value = [self.mine()]
        response = self.client.post(
            INDEX_URL, {'action': 'remote_clouds__delete__c1'})
        self.assertRedirectsNoFollow(response, INDEX_URL)
        cloud_delete.assert_called_once_with(mock.ANY, 'c1')

    def test_a_refusal_shows_glints_reason(self, cloud_list, cloud_delete):
        cloud_list.return_value = [self.mine()]
        cloud_delete.side_effect = exceptions.GlintError(
            'A running migration uses this cloud.', 409)
        response = self.client.post(
            INDEX_URL, {'action': 'remote_clouds__delete__c1'}, follow=True)
        self.assertContains(response, 'A running migration uses this cloud.')

    def test_a_colleagues_cloud_offers_no_edit_or_delete(
            self, cloud_list, cloud_delete):
        cloud_list.return_value = [self.mine(id='c2', name='desy'),
                                   glint.Cloud(dict(CLOUD,
                                                    created_by='colleague'))]
        response = self.client.get(INDEX_URL)
        for action in ('update', 'delete', 'check'):
            self.assertContains(response,
                                'remote_clouds__row_c2__action_' + action)
        for action in ('update', 'delete'):
            self.assertNotContains(response,
                                   'remote_clouds__row_c1__action_' + action)
        # It can still be used: its connection checked.
        self.assertContains(response, 'remote_clouds__row_c1__action_check')


class CheckConnectionTests(helpers.TestCase):
    def check(self, answer, follow=True):
        self.glint = self.mock_glintclient()
        self.glint.list_clouds.return_value = [CLOUD]
        self.glint.check_cloud.return_value = answer
        return self.client.post(
            INDEX_URL, {'action': 'remote_clouds__check__c1'}, follow=follow)

    def test_the_check_lists_no_images(self):
        response = self.check({'reachable': True, 'error': None},
                              follow=False)
        self.assertRedirectsNoFollow(response, INDEX_URL)
        # The table's clouds (Glint's own records), then the check.
        self.assertEqual(self.glint.method_calls, [
            mock.call.list_clouds(), mock.call.check_cloud('c1')])

    def test_an_answering_cloud(self):
        response = self.check({'reachable': True, 'error': None})
        self.assertContains(response, '&quot;cern&quot; answers')

    def test_a_silent_cloud(self):
        response = self.check({'reachable': False,
                               'error': 'the cloud did not answer in time'})
        self.assertContains(response, 'does not answer: the cloud did not '
                                      'answer in time')

    def test_a_glint_error_is_a_message(self):
        self.glint = self.mock_glintclient()
        self.glint.list_clouds.return_value = [CLOUD]
        self.glint.check_cloud.side_effect = client.GlintError(
            'Forbidden (HTTP 403)', status=403,
            detail='Policy does not allow glint:clouds:check.')
        response = self.client.post(
            INDEX_URL, {'action': 'remote_clouds__check__c1'}, follow=True)
        self.assertContains(response, 'does not allow glint:clouds:check')


class NoGlintInCatalogTests(openstack_helpers.TestCase):
    """Where the catalog has no image-distribution service, no panels."""

    @mock.patch.object(glint, 'cloud_list')
    def test_the_panel_is_not_served(self, cloud_list):
        response = self.client.get(INDEX_URL)
        self.assertNotEqual(response.status_code, 200)
        self.assertFalse(cloud_list.called)
