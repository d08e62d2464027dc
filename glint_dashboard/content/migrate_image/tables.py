"""The cross-cloud image table and the migrations table.

The image table has one column per cloud, local first, added when the
listing says which clouds there are; its Migrate link carries what the
migrate form shows of the row; Upload Image opens the upload form. A
migration's row refreshes itself by ajax until the migration ends, so each
target's progress bar moves without reloading the page; the row's update
URL carries its clouds' names, so that each update asks Glint for the
migration alone.
"""

from urllib import parse

from django.template import defaultfilters
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from horizon import messages
from horizon import tables
from horizon.utils import filters
from horizon.utils import memoized

from glint_dashboard.api import glint
from glint_dashboard.content.migrate_image import forms as migrate_forms
from glint_dashboard import exceptions as glint_exceptions
from glintclient import client
from glintclient import states

CONFLICT_NAMES = {
    'duplicate_name': _("Duplicate name"),
    'name_mismatch': _("Name mismatch"),
    'content_mismatch': _("Content mismatch"),
}


class Migrate(tables.LinkAction):
    name = 'migrate'
    verbose_name = _("Migrate")
    url = 'horizon:project:migrate_image:migrate'
    classes = ('ajax-modal', 'btn-primary')
    icon = 'share-square-o'

    def get_link_url(self, image):
        return '%s?%s' % (reverse(self.url),
                          migrate_forms.carry_row(image, self.table.clouds))


class UploadImage(tables.LinkAction):
    name = 'upload'
    verbose_name = _("Upload Image")
    url = 'horizon:project:migrate_image:upload'
    classes = ('ajax-modal',)
    icon = 'upload'


class CloudColumn(tables.Column):
    """Where an image is in one cloud: its copies there, or nothing."""

    def __init__(self, cloud):
        label = cloud.name if cloud.reachable else _(
            "%s (unreachable)") % cloud.name
        super().__init__('cloud_%s' % cloud.id, verbose_name=label)
        self.cloud = cloud
        self.classes.append('normal_column')

    def get_raw_data(self, image):
        return render_to_string('project/migrate_image/_copies.html',
                                {'cloud': self.cloud,
                                 'copies': image.copies_in(self.cloud.id)})


def conflicts_cell(image):
    return render_to_string(
        'project/migrate_image/_conflicts.html',
        {'conflicts': [dict(c, title=CONFLICT_NAMES.get(c['type'], c['type']))
                       for c in image.conflicts]})


class ImageRow(tables.Row):
    def load_cells(self, image=None):
        super().load_cells(image)
        if self.datum.conflicts:
            self.classes.append('glint-conflict')


class ImagesTable(tables.DataTable):
    # The clouds of the listing, in its order (see show_clouds).
    clouds = ()

    name = tables.Column('name', verbose_name=_("Image"))
    size = tables.Column('size', verbose_name=_("Size"),
                         filters=(defaultfilters.filesizeformat,))
    disk_format = tables.Column('disk_format', verbose_name=_("Format"),
                                filters=(defaultfilters.upper,))
    conflicts = tables.Column(conflicts_cell, verbose_name=_("Conflicts"))

    def get_object_id(self, image):
        return image.key

    def show_clouds(self, clouds):
        """Add a column per cloud, in the listing's order, before Actions."""
        self.clouds = clouds
        columns = list(self.columns.items())
        actions = [c for c in columns if c[0] == 'actions']
        columns = [c for c in columns if c[0] != 'actions']
        for cloud in clouds:
            column = CloudColumn(cloud)
            column.table = self
            self._data_cache[column] = {}
            columns.append((column.name, column))
        self.columns = dict(columns + actions)

    class Meta(object):
        name = 'images'
        verbose_name = _("Images Across Clouds")
        row_class = ImageRow
        table_actions = (UploadImage,)
        row_actions = (Migrate,)
        multi_select = False


class CancelMigration(tables.BatchAction):
    name = 'cancel'
    classes = ('btn-danger',)
    icon = 'stop'
    help_text = _("Targets not finished are stopped and their partial "
                  "images deleted.")

    @staticmethod
    def action_present(count):
        return ngettext_lazy("Cancel Migration", "Cancel Migrations", count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy("Cancelled Migration", "Cancelled Migrations",
                             count)

    def allowed(self, request, migration=None):
        return migration is None or not migration.finished

    def action(self, request, migration_id):
        glint.migration_delete(request, migration_id)


class DeleteMigration(tables.DeleteAction):
    help_text = _("Only the record goes: the images stay where they are.")

    @staticmethod
    def action_present(count):
        return ngettext_lazy("Delete Record", "Delete Records", count)

    @staticmethod
    def action_past(count):
        return ngettext_lazy("Deleted Record", "Deleted Records", count)

    def allowed(self, request, migration=None):
        return migration is None or migration.finished

    def delete(self, request, migration_id):
        try:
            glint.migration_delete(request, migration_id)
        except glint_exceptions.GlintError as e:
            messages.error(request, str(e))
            raise


# A row's update URL carries the names of its clouds as NAME_PARAM + id.
NAME_PARAM = 'name_'


class MigrationRow(tables.Row):
    ajax = True

    def get_ajax_update_url(self):
        """Horizon's update URL, with the names of the migration's clouds."""
        url = super().get_ajax_update_url()
        names = self.table.cloud_names()
        ids = [self.datum.source] + [t['cloud_id']
                                     for t in self.datum.targets]
        carried = [(NAME_PARAM + cloud_id, names[cloud_id])
                   for cloud_id in dict.fromkeys(ids) if cloud_id in names]
        return '%s&%s' % (url, parse.urlencode(carried)) if carried else url

    def get_data(self, request, migration_id):
        return glint.migration_get(request, migration_id)


def targets_cell(migration, names):
    targets = []
    for target in migration.targets:
        done, percent = client.target_progress(target, migration.size)
        targets.append(dict(target,
                            cloud_name=names.get(target['cloud_id'],
                                                 target['cloud_id']),
                            percent=percent, done=done))
    return render_to_string('project/migrate_image/_targets.html',
                            {'targets': targets, 'size': migration.size})


STATUS_CHOICES = (
    (states.AWAITING_DATA, None), (states.QUEUED, None),
    (states.RUNNING, None), (states.SUCCEEDED, True),
    (states.CANCELLED, True), (states.PARTIAL, False), (states.FAILED, False),
)
STATUS_DISPLAY = (
    (states.AWAITING_DATA, _("Awaiting data")),
    (states.QUEUED, _("Queued")), (states.RUNNING, _("Running")),
    (states.SUCCEEDED, _("Succeeded")), (states.CANCELLED, _("Cancelled")),
    (states.PARTIAL, _("Partly failed")), (states.FAILED, _("Failed")),
)


class SourceColumn(tables.Column):
    """Where a migration's image comes from, as a person reads it.

    The source cloud's name; for an upload, that it is one; for a web
    link, its host.
    """

    def get_raw_data(self, migration):
        if migration.source == client.UPLOAD:
            return _("Uploaded file")
        if migration.source == client.URL:
            link = getattr(migration, 'source_link', None) or {}
            return _("Web link (%s)") % parse.urlsplit(
                link.get('url', '')).hostname
        return self.table.cloud_names().get(migration.source,
                                            migration.source)


class TargetsColumn(tables.Column):
    """Each target: its cloud's name, status and progress bar."""

    def get_raw_data(self, migration):
        return targets_cell(migration, self.table.cloud_names())


class MigrationsTable(tables.DataTable):
    image_name = tables.Column('image_name', verbose_name=_("Image"))
    source = SourceColumn('source', verbose_name=_("From"))
    targets = TargetsColumn('targets', verbose_name=_("To"))
    status = tables.Column('status', verbose_name=_("Status"), status=True,
                           status_choices=STATUS_CHOICES,
                           display_choices=STATUS_DISPLAY)
    created_at = tables.Column('created_at', verbose_name=_("Started"),
                               filters=(filters.parse_isotime,))

    # Cloud id -> name, when the view has them already (from the image
    # listing of the same page).
    listed_names = None

    def get_object_display(self, migration):
        return migration.image_name

    @memoized.memoized_method
    def cloud_names(self):
        """Cloud id -> name.

        Carried by a row's update URL; else the image listing's, or else
        Glint's list of clouds.
        """
        query = self.request.GET
        if query.get('action') == MigrationRow.ajax_action_name:
            return {key[len(NAME_PARAM):]: value
                    for key, value in query.items()
                    if key.startswith(NAME_PARAM)}
        if self.listed_names is not None:
            return self.listed_names
        try:
            return glint.cloud_names(self.request)
        except glint_exceptions.GlintError:
            return {}

    class Meta(object):
        name = 'migrations'
        verbose_name = _("Migrations")
        row_class = MigrationRow
        status_columns = ['status']
        table_actions = (CancelMigration, DeleteMigration)
        row_actions = (CancelMigration, DeleteMigration)
