from unittest import mock

from django.contrib import messages
from django.urls import reverse

from glint_dashboard.api import glint
from glint_dashboard import exceptions
from glint_dashboard.test import helpers
from openstack_dashboard.api import keystone

INDEX_URL = reverse('horizon:identity:certificate_users:index')
ADD_URL = reverse('horizon:identity:certificate_users:add')
DN = 'CN=Alice Smith,OU=Physics,O=CERN,C=CH'
ISSUER = 'CN=CERN Grid CA,O=CERN,C=CH'
USER = {'id': 'u1', 'dn': DN, 'issuer': ISSUER,
        'identity_provider': 'x509-cern', 'user_name': 'alice-x509',
        'project_id': 'p-hep', 'role': 'member'}
FORM = {'dn': DN, 'issuer': ISSUER, 'project': 'p-hep', 'role': 'member',
        'name': ''}


class Named(object):
    def __init__(self, id, name):
        self.id = id
        self.name = name


PROJECTS = [Named('p-hep', 'hep'), Named('p-admin', 'admin')]
ROLES = [Named('r1', 'reader'), Named('r2', 'member'), Named('r3', 'admin')]


class KeystoneMocked(object):
    """Keystone's projects and roles, as Horizon's own API gives them."""

    def setUp(self):
        super().setUp()
        mock.patch.object(keystone, 'tenant_list',
                          return_value=(PROJECTS, False)).start()
        mock.patch.object(keystone, 'role_list', return_value=ROLES).start()


@mock.patch.object(glint, 'x509_user_list')
class IndexTests(KeystoneMocked, helpers.AdminTestCase):
    def test_an_admin_sees_dn_issuer_user_project_and_role(self, user_list):
        user_list.return_value = [glint.X509User(USER)]
        response = self.client.get(INDEX_URL)
        self.assertTemplateUsed(response,
                                'horizon/common/_data_table_view.html')
        row, = response.context['table'].data
        self.assertEqual(row.project_name, 'hep')
        for shown in ('Alice Smith', 'CERN Grid CA', 'alice-x509', 'hep',
                      'member', 'Add Certificate User',
                      'Remove Certificate User'):
            self.assertContains(response, shown)
        # In the Identity dashboard's menu.
        self.assertContains(response, INDEX_URL)

    def test_a_glint_error_is_a_message_not_a_500(self, user_list):
        user_list.side_effect = exceptions.GlintError(
            'Policy does not allow glint:x509_users:list for this user.',
            403)
        response = self.client.get(INDEX_URL)
        self.assertEqual(response.status_code, 200)
        self.assertMessageCount(response, error=1)
        self.assertEqual(list(response.context['table'].data), [])


@mock.patch.object(glint, 'x509_user_list')
class NotAdminTests(helpers.TestCase):
    def test_a_member_neither_sees_nor_opens_the_panel(self, user_list):
        with mock.patch.object(glint, 'cloud_list', return_value=[]):
            page = self.client.get(
                reverse('horizon:project:remote_clouds:index'))
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, INDEX_URL)
        response = self.client.get(INDEX_URL)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(user_list.called)


@mock.patch.object(glint, 'x509_user_create')
class AddTests(KeystoneMocked, helpers.AdminTestCase):
    def test_the_form_lists_projects_and_roles_member_first(self,
                                                            user_create):
        response = self.client.get(ADD_URL)
        form = response.context['form']
        self.assertEqual(form.fields['project'].choices,
                         [('p-admin', 'admin'), ('p-hep', 'hep')])
        self.assertEqual(form.fields['role'].initial, 'member')
        self.assertContains(response, 'glint-manage x509 setup')

    def test_add_sends_the_apis_fields(self, user_create):
        user_create.return_value = glint.X509User(USER)
        response = self.client.post(ADD_URL, dict(FORM, name='alice'))
        self.assertNoFormErrors(response)
        self.assertRedirectsNoFollow(response, INDEX_URL)
        user_create.assert_called_once_with(mock.ANY, {
            'dn': DN, 'issuer': ISSUER, 'project': 'p-hep',
            'role': 'member', 'name': 'alice'})

    def test_a_dn_glint_cannot_read_is_shown_under_its_field(
            self, user_create):
        user_create.side_effect = exceptions.GlintError(
            'dn: not a distinguished name (DN): unknown attribute type '
            "'XX'", 400, 'glint.invalid_dn')
        response = self.client.post(ADD_URL, dict(FORM, dn='XX=1'))
        self.assertEqual(response.context['form'].errors['dn'], [
            "not a distinguished name (DN): unknown attribute type 'XX'"])

    def test_an_unknown_ca_is_shown_on_the_form(self, user_create):
        user_create.side_effect = exceptions.NotFound(
            'No identity provider has the CA CN=Other CA as its remote id; '
            'set it up with glint-manage x509 setup.', 404)
        response = self.client.post(ADD_URL, FORM)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'No identity provider has the CA')

    def test_a_dn_added_already_is_shown_on_the_form(self, user_create):
        user_create.side_effect = exceptions.GlintError(
            'The DN %s of CA %s logs in as a user already.' % (DN, ISSUER),
            409, 'glint.certificate_user_exists')
        response = self.client.post(ADD_URL, FORM)
        self.assertContains(response, 'logs in as a user already')

    def test_missing_fields_send_nothing(self, user_create):
        response = self.client.post(ADD_URL, dict(FORM, dn='', issuer=''))
        self.assertFormErrors(response, 2)
        self.assertFalse(user_create.called)


@mock.patch.object(glint, 'x509_user_delete')
@mock.patch.object(glint, 'x509_user_list')
class RemoveTests(KeystoneMocked, helpers.AdminTestCase):
    def test_remove(self, user_list, user_delete):
        user_list.return_value = [glint.X509User(USER)]
        response = self.client.post(
            INDEX_URL, {'action': 'certificate_users__delete__u1'})
        self.assertNoFormErrors(response)
        self.assertRedirectsNoFollow(response, INDEX_URL)
        user_delete.assert_called_once_with(mock.ANY, 'u1')

    def test_a_refusal_is_a_message(self, user_list, user_delete):
        user_list.return_value = [glint.X509User(USER)]
        user_delete.side_effect = exceptions.GlintError(
            'The local Keystone refused (HTTP 403).', 403)
        response = self.client.post(
            INDEX_URL, {'action': 'certificate_users__delete__u1'})
        self.assertRedirectsNoFollow(response, INDEX_URL)
        shown = [str(m) for m in messages.get_messages(response.wsgi_request)]
        self.assertIn('The local Keystone refused (HTTP 403).', shown)
