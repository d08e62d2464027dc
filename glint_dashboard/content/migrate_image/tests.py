import html
import json
import re
from unittest import mock
from urllib import parse

from django.contrib import messages
from django.core.files import uploadedfile
from django import test as django_test
from django.urls import reverse

from glint_dashboard.api import glint
from glint_dashboard.content.migrate_image import forms
from glint_dashboard import exceptions
from glint_dashboard.test import helpers

INDEX_URL = reverse('horizon:project:migrate_image:index')
MIGRATE_URL = reverse('horizon:project:migrate_image:migrate')
UPLOAD_URL = reverse('horizon:project:migrate_image:upload')
LISTING = {
    'clouds': [{'id': 'local', 'name': 'local', 'reachable': True,
                'error': None},
               {'id': 'c1', 'name': 'cern', 'reachable': True, 'error': None},
               {'id': 'c2', 'name': 'desy', 'reachable': False,
                'error': 'timed out after 10 s'}],
    'images': [
        {'key': 'h1', 'name': 'cirros', 'size': 1024, 'disk_format': 'qcow2',
         'copies': [{'cloud_id': 'local', 'image_id': 'i1', 'name': 'cirros',
                     'status': 'active', 'visibility': 'private'}],
         'conflicts': []},
        {'key': 'name:alma 9/x', 'name': 'alma 9/x', 'size': None,
         'disk_format': None,
         'copies': [{'cloud_id': 'c1', 'image_id': 'i2',
                     'name': 'alma 9/x', 'status': 'queued',
                     'visibility': 'private'}],
         'conflicts': [{'type': 'content_mismatch', 'cloud_id': 'c1',
                        'detail': "the name 'alma 9/x' is on other "
                                  "content"}]},
    ]}
MIGRATION = {'id': 'm1', 'image_id': 'i1', 'image_name': 'cirros',
             'source': 'local', 'size': 1000, 'status': 'running',
             'bytes_read': 500, 'created_at': '2026-11-21T10:00:00Z',
             'finished_at': None,
             'targets': [{'cloud_id': 'c1', 'status': 'copying',
                          'image_id': 't1', 'bytes_written': 520,
                          'error': None},
                         {'cloud_id': 'c2', 'status': 'failed',
                          'image_id': None, 'bytes_written': 0,
                          'error': 'refused (HTTP 401)'}]}


UPLOAD = dict(MIGRATION, id='m2', image_id=None, image_name='alma9.qcow2',
              source='upload', status='awaiting_data', size=3 * 1024 ** 3,
              bytes_read=0, targets=[
                  {'cloud_id': 'local', 'status': 'queued', 'image_id': None,
                   'bytes_written': 0, 'error': None},
                  {'cloud_id': 'c1', 'status': 'queued', 'image_id': None,
                   'bytes_written': 0, 'error': None}])
# What Horizon's modal script posts: the file's name in the file field's
# hidden twin, not the file.
UPLOAD_FORM = {'image_file__hidden': 'alma9.qcow2', 'size': 3 * 1024 ** 3,
               'name': 'alma9.qcow2', 'disk_format': 'qcow2',
               'container_format': 'bare', 'targets': ['local', 'c1'],
               'visibility': 'shared'}
AJAX = {'HTTP_X_REQUESTED_WITH': 'XMLHttpRequest'}
CLOUDS = [{'id': 'c1', 'name': 'cern'}, {'id': 'c2', 'name': 'desy'}]


def migrate_url(listing=LISTING, row=0):
    """The Migrate link of a row of the image table."""
    found = glint.ImageListing(listing)
    query = forms.carry_row(found.images[row], found.clouds)
    return '%s?%s' % (MIGRATE_URL, query)


def links(response, pattern):
    """The URLs in the page's attributes that match ``pattern``."""
    return [html.unescape(url) for url in re.findall(
        r'(?:href|data-update-url)="(%s[^"]*)"' % pattern,
        response.content.decode())]


@mock.patch.object(glint, 'cloud_names')
@mock.patch.object(glint, 'migration_list')
@mock.patch.object(glint, 'image_list')
class IndexTests(helpers.TestCase):
    def get(self, image_list, migration_list, migrations=()):
        image_list.return_value = glint.ImageListing(LISTING)
        migration_list.return_value = [glint.Migration(m)
                                       for m in migrations]
        return self.client.get(INDEX_URL)

    def test_one_column_per_cloud_local_first(self, image_list,
                                              migration_list, cloud_names):
        response = self.get(image_list, migration_list)
        table = response.context['images_table']
        names = [str(c.verbose_name) for c in table.columns.values()]
        self.assertEqual(names[-4:], ['local', 'cern', 'desy (unreachable)',
                                      'Actions'])
        self.assertContains(response, 'Content mismatch')
        self.assertContains(response, 'glint-conflict')

    def test_each_active_copy_has_a_download_link(self, image_list,
                                                  migration_list,
                                                  cloud_names):
        response = self.get(image_list, migration_list)
        # The active copy in the local cloud; not the queued one in cern.
        self.assertEqual(links(response, '/project/migrate_image/download/'),
                         [reverse('horizon:project:migrate_image:download',
                                  args=['local', 'i1'])])

    def test_a_web_links_migration_shows_its_host(self, image_list,
                                                  migration_list,
                                                  cloud_names):
        response = self.get(image_list, migration_list, [dict(
            MIGRATION, source='url', source_link={
                'url': 'https://mirror.example.org/alma9.qcow2.xz',
                'checksum_url': None, 'decompress': 'xz'})])
        self.assertContains(response, 'Web link (mirror.example.org)')

    def test_an_unreachable_cloud_is_flagged(self, image_list,
                                             migration_list, cloud_names):
        response = self.get(image_list, migration_list)
        self.assertMessageCount(response, warning=1)
        self.assertContains(response, 'timed out after 10 s')

    def test_migrations_show_each_targets_progress(self, image_list,
                                                   migration_list,
                                                   cloud_names):
        response = self.get(image_list, migration_list, [MIGRATION])
        self.assertContains(response, 'aria-valuenow="52"')
        self.assertContains(response, 'aria-valuenow="0"')
        self.assertContains(response, 'refused (HTTP 401)')
        self.assertContains(response, 'data-cloud="cern"')
        # A running row asks to be refreshed by ajax.
        self.assertContains(response, 'class="ajax-update warning')
        self.assertContains(response, 'migrations__cancel__m1')
        # The clouds are named from the image listing: no other call.
        self.assertFalse(cloud_names.called)

    def test_an_upload_comes_from_a_file(self, image_list, migration_list,
                                         cloud_names):
        response = self.get(image_list, migration_list, [UPLOAD])
        table = response.context['migrations_table']
        row, = table.get_rows()
        self.assertEqual(str(row.cells['source'].data), 'Uploaded file')
        self.assertContains(response, 'Awaiting data')

    def test_without_the_image_listing_glint_names_the_clouds(
            self, image_list, migration_list, cloud_names):
        image_list.side_effect = exceptions.GlintError('Glint is down')
        migration_list.return_value = [glint.Migration(MIGRATION)]
        cloud_names.return_value = {'local': 'local', 'c1': 'cern'}
        response = self.client.get(INDEX_URL)
        self.assertContains(response, 'data-cloud="cern"')
        cloud_names.assert_called_once_with(mock.ANY)

    def test_a_glint_error_is_a_message(self, image_list, migration_list,
                                        cloud_names):
        image_list.side_effect = exceptions.GlintError('Glint is down')
        migration_list.return_value = []
        response = self.client.get(INDEX_URL)
        self.assertEqual(response.status_code, 200)
        self.assertMessageCount(response, error=1)


class RowUpdateTests(helpers.TestCase):
    def test_a_row_update_is_one_call_to_glint(self):
        glint_client = self.mock_glintclient()
        glint_client.list_images.return_value = LISTING
        glint_client.list_migrations.return_value = [MIGRATION]
        page = self.client.get(INDEX_URL)
        self.assertEqual(glint_client.method_calls, [
            mock.call.list_images(None), mock.call.list_migrations()])
        # The row's update URL carries the names of its clouds.
        update_url, = links(page, INDEX_URL + r'\?action=row_update')
        self.assertIn('name_c1=cern', update_url)

        glint_client.reset_mock()
        glint_client.get_migration.return_value = dict(
            MIGRATION, status='partial',
            targets=[dict(MIGRATION['targets'][0], status='succeeded',
                          bytes_written=1000), MIGRATION['targets'][1]])
        response = self.client.get(update_url,
                                   HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertEqual(glint_client.method_calls,
                         [mock.call.get_migration('m1')])
        self.assertContains(response, 'aria-valuenow="100"')
        self.assertContains(response, 'Partly failed')
        self.assertContains(response, 'data-cloud="cern"')
        self.assertContains(response, 'data-cloud="desy"')
        # Finished: no longer "warning", so Horizon stops polling it.
        self.assertContains(response, '<tr class="ajax-update status_down"')
        # The next update carries the names on.
        self.assertEqual(links(response, INDEX_URL + r'\?action=row_update'),
                         [update_url])

    def test_an_update_without_names_shows_the_ids(self):
        glint_client = self.mock_glintclient()
        glint_client.get_migration.return_value = MIGRATION
        response = self.client.get(
            INDEX_URL, {'action': 'row_update', 'table': 'migrations',
                        'obj_id': 'm1'},
            HTTP_X_REQUESTED_WITH='XMLHttpRequest')
        self.assertEqual(glint_client.method_calls,
                         [mock.call.get_migration('m1')])
        self.assertContains(response, 'data-cloud="c1"')


@mock.patch.object(glint, 'cloud_names', return_value={})
@mock.patch.object(glint, 'migration_delete')
@mock.patch.object(glint, 'migration_list')
@mock.patch.object(glint, 'image_list')
class CancelTests(helpers.TestCase):
    def test_cancel_a_running_migration(self, image_list, migration_list,
                                        migration_delete, cloud_names):
        image_list.return_value = glint.ImageListing(LISTING)
        migration_list.return_value = [glint.Migration(MIGRATION)]
        response = self.client.post(
            INDEX_URL, {'action': 'migrations__cancel__m1'})
        self.assertRedirectsNoFollow(response, INDEX_URL)
        migration_delete.assert_called_once_with(mock.ANY, 'm1')

    def test_a_refused_record_deletion_shows_glints_reason(
            self, image_list, migration_list, migration_delete, cloud_names):
        image_list.return_value = glint.ImageListing(LISTING)
        migration_list.return_value = [glint.Migration(
            dict(MIGRATION, status='failed'))]
        migration_delete.side_effect = exceptions.GlintError(
            'Glint has not yet deleted the partial image it left at cloud '
            'c2.', 409)
        response = self.client.post(
            INDEX_URL, {'action': 'migrations__delete__m1'}, follow=True)
        self.assertContains(response, 'has not yet deleted the partial image')


class MigrateDialogCallsTests(helpers.TestCase):
    def test_opening_and_submitting_list_no_images(self):
        glint_client = self.mock_glintclient()
        glint_client.list_images.return_value = LISTING
        glint_client.list_migrations.return_value = []
        page = self.client.get(INDEX_URL)
        url, = links(page, MIGRATE_URL + r'\?row=%7B%22name%22%3A%22cirros')

        glint_client.reset_mock()
        form = self.client.get(url).context['form']
        self.assertEqual(glint_client.method_calls, [])
        self.assertEqual(form.initial, {'source': 'local/i1',
                                        'targets': ['c1']})

        glint_client.create_migration.return_value = MIGRATION
        response = self.client.post(url, {
            'source': 'local/i1', 'targets': ['c1'],
            'visibility': 'private', 'skip_identical': 'on'})
        self.assertNoFormErrors(response)
        self.assertEqual(glint_client.method_calls, [
            mock.call.create_migration({
                'image_id': 'i1', 'source': 'local', 'targets': ['c1'],
                'visibility': 'private', 'on_conflict': 'skip_identical'})])


@mock.patch.object(glint, 'migration_create')
@mock.patch.object(glint, 'image_list')
class MigrateTests(helpers.TestCase):
    def test_the_form_offers_the_clouds_without_the_image(
            self, image_list, migration_create):
        response = self.client.get(migrate_url())
        form = response.context['form']
        self.assertEqual(form.initial, {'source': 'local/i1',
                                        'targets': ['c1']})
        # Neither the source's cloud nor an unreachable one is offered.
        self.assertEqual([c[0] for c in form.fields['targets'].choices],
                         ['c1'])
        self.assertContains(response, 'Image &quot;cirros&quot;, 1.0')
        # The form goes back with its row.
        self.assertContains(response, 'action="%s?row=' % MIGRATE_URL)
        self.assertFalse(image_list.called)

    def test_with_two_copies_either_can_be_the_source(self, image_list,
                                                      migration_create):
        image = dict(LISTING['images'][0])
        image['copies'] = image['copies'] + [dict(
            image['copies'][0], cloud_id='c1', image_id='i3')]
        form = self.client.get(migrate_url(dict(
            LISTING, images=[image]))).context['form']
        self.assertEqual([c[0] for c in form.fields['source'].choices],
                         ['local/i1', 'c1/i3'])
        self.assertEqual([c[1] for c in form.fields['source'].choices],
                         ['local: cirros', 'cern: cirros'])
        self.assertEqual([c[0] for c in form.fields['targets'].choices],
                         ['local', 'c1'])

    def test_a_name_with_a_slash_and_spaces(self, image_list,
                                            migration_create):
        response = self.client.get(migrate_url(row=1))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'alma 9/x')

    def test_a_link_without_its_row_goes_back_to_the_index(
            self, image_list, migration_create):
        crafted = [
            {'name': 'x', 'size': 1, 'clouds': [],
             'copies': [[['not', 'text'], 'i1', 'x', 'active']]},
            {'name': 'x', 'size': 1, 'copies': [],
             'clouds': [[{'id': 1}, 'c']]},
            {'name': 'x', 'size': '1 GB', 'copies': [], 'clouds': []},
            {'name': ['x'], 'size': 1, 'copies': [], 'clouds': []}]
        for query in ['', '?row=nonsense', '?row=%7B%22name%22%3A1%7D',
                      '?row=' + '[' * 5000] + [
                          '?' + parse.urlencode({'row': json.dumps(row)})
                          for row in crafted]:
            response = self.client.get(MIGRATE_URL + query)
            self.assertRedirectsNoFollow(response, INDEX_URL)
        self.assertFalse(image_list.called)

    def test_migrate_to_two_clouds(self, image_list, migration_create):
        migration_create.return_value = glint.Migration(MIGRATION)
        response = self.client.post(migrate_url(dict(
            LISTING, clouds=[dict(c, reachable=True)
                             for c in LISTING['clouds']])), {
            'source': 'local/i1', 'targets': ['c1', 'c2'], 'name': 'new',
            'visibility': 'shared', 'skip_identical': 'on'})
        self.assertNoFormErrors(response)
        self.assertRedirectsNoFollow(response, INDEX_URL)
        migration_create.assert_called_once_with(mock.ANY, {
            'image_id': 'i1', 'source': 'local', 'targets': ['c1', 'c2'],
            'name': 'new', 'visibility': 'shared',
            'on_conflict': 'skip_identical'})

    def test_the_source_cannot_be_a_target(self, image_list,
                                           migration_create):
        response = self.client.post(migrate_url(), {
            'source': 'local/i1', 'targets': ['local', 'c1'],
            'visibility': 'private'})
        self.assertFormErrors(response, 1)
        self.assertFalse(migration_create.called)

    def test_glints_refusal_is_shown_on_the_form(self, image_list,
                                                 migration_create):
        migration_create.side_effect = exceptions.GlintError(
            'image_id: the image is not active', 400, 'glint.invalid_field')
        response = self.client.post(migrate_url(), {
            'source': 'local/i1', 'targets': ['c1'], 'visibility': 'private'})
        self.assertContains(response, 'image_id: the image is not active')


@mock.patch.object(glint, 'image_download_link')
class DownloadTests(helpers.TestCase):
    URL = reverse('horizon:project:migrate_image:download',
                  args=['c1', 'i2'])

    def test_the_browser_is_sent_to_glint(self, image_download_link):
        image_download_link.return_value = (
            'https://glint.example.org/v1/downloads/gAAAA')
        response = self.client.get(self.URL)
        self.assertRedirectsNoFollow(
            response, 'https://glint.example.org/v1/downloads/gAAAA')
        image_download_link.assert_called_once_with(mock.ANY, 'c1', 'i2')

    def test_glints_refusal_is_a_message(self, image_download_link):
        image_download_link.side_effect = exceptions.GlintError(
            'Image i2 is queued, not active: it has no data to download.',
            409)
        response = self.client.get(self.URL)
        self.assertRedirectsNoFollow(response, INDEX_URL)
        self.assertIn('it has no data to download', ' '.join(
            str(m) for m in messages.get_messages(response.wsgi_request)))


class UploadTests(helpers.TestCase):
    def setUp(self):
        super().setUp()
        self.glint = self.mock_glintclient()
        self.glint.list_clouds.return_value = CLOUDS
        self.glint.create_migration.return_value = UPLOAD

    def test_the_images_table_has_the_action(self):
        self.glint.list_images.return_value = LISTING
        self.glint.list_migrations.return_value = []
        response = self.client.get(INDEX_URL)
        self.assertContains(response, 'id="images__action_upload"')
        self.assertEqual(links(response, UPLOAD_URL), [UPLOAD_URL])

    def test_the_form_offers_the_local_cloud_first(self):
        response = self.client.get(UPLOAD_URL, **AJAX)
        self.assertTemplateUsed(response,
                                'project/migrate_image/_upload.html')
        form = response.context['form']
        self.assertEqual(form.fields['targets'].choices,
                         [('local', 'This cloud (local)'), ('c1', 'cern'),
                          ('c2', 'desy')])
        # Horizon's modal script sends such a file itself.
        self.assertContains(response, 'enctype="multipart/form-data"')
        self.assertContains(response, 'data-external-upload="true"')
        self.assertContains(response, 'name="image_file__hidden"')
        self.assertEqual(self.glint.method_calls, [mock.call.list_clouds()])

    def test_the_browser_is_told_where_to_send_the_file(self):
        response = self.client.post(UPLOAD_URL, UPLOAD_FORM, **AJAX)
        self.assertNoFormErrors(response)
        self.assertEqual(self.glint.method_calls, [
            mock.call.list_clouds(),
            mock.call.create_migration({
                'source': 'upload', 'name': 'alma9.qcow2',
                'disk_format': 'qcow2', 'container_format': 'bare',
                'targets': ['local', 'c1'], 'visibility': 'shared',
                'size': 3 * 1024 ** 3})])
        # As Horizon's direct image upload: the file goes to Glint's public
        # endpoint, with the user's own token; then back to the tables.
        self.assertEqual(response['X-File-Upload-URL'],
                         helpers.GLINT_URL + '/v1/migrations/m2/file')
        self.assertEqual(response['X-Auth-Token'], self.token.id)
        self.assertEqual(response['X-Horizon-Location'], INDEX_URL)
        self.assertMessageCount(success=1)

    def test_without_its_size_glint_takes_the_bodys(self):
        form = dict(UPLOAD_FORM)
        del form['size']
        self.client.post(UPLOAD_URL, form, **AJAX)
        fields = self.glint.create_migration.call_args[0][0]
        self.assertNotIn('size', fields)

    def test_a_file_is_needed(self):
        for name in ('', None):
            form = dict(UPLOAD_FORM, image_file__hidden=name or '')
            if name is None:
                del form['image_file__hidden']
            response = self.client.post(UPLOAD_URL, form, **AJAX)
            self.assertFormErrors(response, 1)
            self.assertContains(response, 'Choose the image file.')
        self.assertFalse(self.glint.create_migration.called)

    def test_a_file_sent_to_the_dashboard_is_dropped(self):
        """The form posted outside the modal: its file is not kept."""
        data = uploadedfile.SimpleUploadedFile(
            'alma9.qcow2', b'x' * (3 * 1024 * 1024))
        form = dict(UPLOAD_FORM, image_file=data)
        del form['image_file__hidden']
        response = self.client.post(UPLOAD_URL, form)
        # Neither in memory nor in a temporary file.
        self.assertEqual(response.wsgi_request.FILES, {})
        self.assertContains(response, 'Choose the image file.')
        self.assertFalse(self.glint.create_migration.called)

    def test_the_form_is_still_checked_for_csrf(self):
        client = django_test.Client(enforce_csrf_checks=True)
        client.cookies = self.client.cookies
        response = client.post(UPLOAD_URL, UPLOAD_FORM, **AJAX)
        self.assertEqual(response.status_code, 403)
        self.assertFalse(self.glint.create_migration.called)

    def test_glints_refusal_is_shown_under_the_field_it_names(self):
        self.glint.create_migration.side_effect = glint.client.GlintError(
            'targets: no cloud c9 here (HTTP 400)', status=400,
            detail='targets: no cloud c9 here', code='glint.invalid_field')
        response = self.client.post(UPLOAD_URL, UPLOAD_FORM, **AJAX)
        self.assertEqual(response.context['form'].errors,
                         {'targets': ['no cloud c9 here']})
        self.assertNotIn('X-File-Upload-URL', response)

    def test_a_refusal_naming_no_field_of_the_form_is_shown_on_top(self):
        self.glint.create_migration.side_effect = glint.client.GlintError(
            'size: too big (HTTP 400)', status=400,
            detail='size: too big', code='glint.invalid_field')
        response = self.client.post(UPLOAD_URL, UPLOAD_FORM, **AJAX)
        self.assertContains(response, 'size: too big')
        self.assertEqual(list(response.context['form'].errors), ['__all__'])

    def test_without_glint_the_form_goes_back_to_the_index(self):
        self.glint.list_clouds.side_effect = glint.client.GlintError(
            'down', status=None)
        response = self.client.get(UPLOAD_URL)
        self.assertRedirectsNoFollow(response, INDEX_URL)
