"""Migrate an image: from one of its copies to one or more clouds; or
upload a file to them.

The migrate form shows the row of the image table it was opened from: the
image table's link carries that row in its query (``carry_row``), so that
neither opening the form nor submitting it lists every cloud's images
again.
"""

import json
from urllib import parse

from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_variables

from horizon import forms
from horizon import messages

from glint_dashboard.api import glint
from glint_dashboard import exceptions as glint_exceptions
from glint_dashboard import form_errors
from glintclient import client

VISIBILITIES = (('private', _("Private")), ('shared', _("Shared")),
                ('community', _("Community")), ('public', _("Public")))
COPY_KEYS = ('cloud_id', 'image_id', 'name', 'status')
CLOUD_KEYS = ('id', 'name')
# What each carried value may be: a link is anyone's to craft.
_TEXT = (str,)
_MAYBE_TEXT = (str, type(None))
COPY_TYPES = (_TEXT, _TEXT, _MAYBE_TEXT, _MAYBE_TEXT)
CLOUD_TYPES = (_TEXT, _TEXT)


def carry_row(image, clouds):
    """The query that carries an image row to the form.

    ``image`` is a row of the listing, ``clouds`` the listing's clouds: of
    them, the reachable ones are carried, as the form offers no other.
    """
    row = {'name': image.name, 'size': image.size,
           'copies': [[copy[key] for key in COPY_KEYS]
                      for copy in image.copies],
           'clouds': [[cloud.id, cloud.name] for cloud in clouds
                      if cloud.reachable]}
    return parse.urlencode({'row': json.dumps(row, separators=(',', ':'))})


def _fields(values, keys, types):
    if not isinstance(values, list) or len(values) != len(keys):
        raise ValueError('not %d values' % len(keys))
    if not all(isinstance(v, t) for v, t in zip(values, types)):
        raise ValueError('a value of the wrong type')
    return dict(zip(keys, values))


def carried_row(query):
    """The image and the clouds a query made by ``carry_row`` carries.

    Raises NotFound if the query carries no such row. The values are the
    listing's, as they came (Glint checks what the form sends).
    """
    try:
        row = json.loads(query['row'])
        size = row['size']
        if not isinstance(row['name'], _MAYBE_TEXT) or isinstance(
                size, bool) or not isinstance(size, (int, type(None))):
            raise ValueError('a value of the wrong type')
        image = {'name': row['name'], 'size': size,
                 'copies': [_fields(copy, COPY_KEYS, COPY_TYPES)
                            for copy in row['copies']]}
        clouds = [glint.Cloud(_fields(cloud, CLOUD_KEYS, CLOUD_TYPES))
                  for cloud in row['clouds']]
    except (KeyError, TypeError, ValueError, RecursionError):
        raise glint_exceptions.NotFound(
            _("The link does not say which image to migrate."), 404)
    return glint.Image(image), clouds


class MigrateForm(forms.SelfHandlingForm):
    source = forms.ThemableChoiceField(
        label=_("From"), help_text=_("The copy to read."))
    targets = forms.MultipleChoiceField(
        label=_("To"), widget=forms.ThemableCheckboxSelectMultiple(),
        help_text=_("One or more clouds; the image is read once for all."))
    name = forms.CharField(label=_("New name"), max_length=255,
                           required=False,
                           help_text=_("Leave empty to keep the name."))
    visibility = forms.ThemableChoiceField(label=_("Visibility"),
                                           choices=VISIBILITIES,
                                           initial='private')
    skip_identical = forms.BooleanField(
        label=_("Skip clouds that already hold this image"), required=False,
        initial=True)

    def __init__(self, request, *args, **kwargs):
        image = kwargs.pop('image')
        clouds = kwargs.pop('clouds')
        super().__init__(request, *args, **kwargs)
        names = {cloud.id: cloud.name for cloud in clouds}
        self.fields['source'].choices = [
            ('%s/%s' % (copy['cloud_id'], copy['image_id']),
             '%s: %s' % (names.get(copy['cloud_id']), copy['name']))
            for copy in image.copies if copy['status'] == 'active']
        sources = self.fields['source'].choices
        # A lone copy is the source: its cloud is no target. With several
        # copies the one chosen decides, and clean() checks it.
        fixed = sources[0][0].split('/')[0] if len(sources) == 1 else None
        self.fields['targets'].choices = [
            (cloud.id, cloud.name) for cloud in clouds if cloud.id != fixed]

    def clean(self):
        data = super().clean()
        source = data.get('source', '').split('/')[0]
        if source in data.get('targets', ()):
            self.add_error('targets', _("The source cloud cannot be a "
                                        "target."))
        return data

    def handle(self, request, data):
        source, image_id = data['source'].split('/', 1)
        fields = {'image_id': image_id, 'source': source,
                  'targets': data['targets'],
                  'visibility': data['visibility'],
                  'on_conflict': ('skip_identical' if data['skip_identical']
                                  else 'copy')}
        if data['name']:
            fields['name'] = data['name']
        try:
            migration = glint.migration_create(request, fields)
        except glint_exceptions.GlintError as e:
            return form_errors.show(self, request, e,
                                    _("Unable to migrate the image."))
        messages.success(request, _('Migrating "%s": its progress is in the '
                                    'Migrations table.')
                         % migration.image_name)
        return migration


# Glance's own formats, as Glint takes them (labelled as Horizon does).
DISK_FORMATS = (
    ('', _("Select format")),
    ('aki', _("AKI - Amazon Kernel Image")),
    ('ami', _("AMI - Amazon Machine Image")),
    ('ari', _("ARI - Amazon Ramdisk Image")),
    ('iso', _("ISO - Optical Disk Image")),
    ('ploop', _("PLOOP - Virtuozzo/Parallels Loopback Disk")),
    ('qcow2', _("QCOW2 - QEMU Emulator")),
    ('raw', _("Raw")),
    ('vdi', _("VDI - Virtual Disk Image")),
    ('vhd', _("VHD - Virtual Hard Disk")),
    ('vhdx', _("VHDX - Large Virtual Hard Disk")),
    ('vmdk', _("VMDK - Virtual Machine Disk")),
)
CONTAINER_FORMATS = (
    ('bare', _("Bare (no container)")),
    ('ovf', _("OVF - Open Virtualization Format")),
    ('ova', _("OVA - Open Virtual Appliance")),
    ('docker', _("Docker")),
    ('compressed', _("Compressed")),
    ('aki', _("AKI - Amazon Kernel Image")),
    ('ami', _("AMI - Amazon Machine Image")),
    ('ari', _("ARI - Amazon Ramdisk Image")),
)


class UploadForm(forms.SelfHandlingForm,
                 metaclass=forms.ExternalUploadMeta):
    """Upload an image file once to one or more clouds.

    As Horizon's image form in its ``direct`` mode: the browser sends the
    file to Glint itself (see glint.Upload and the view); the form brings
    only the file's name and size (static/glint/js/upload.js).
    """

    image_file = forms.ExternalFileField(
        label=_("File"), required=False,
        help_text=_("Your browser sends it straight to Glint."))
    size = forms.IntegerField(widget=forms.HiddenInput(), required=False,
                              min_value=0)
    name = forms.CharField(label=_("Name"), max_length=255,
                           help_text=_("The file's name unless you give "
                                       "another."))
    disk_format = forms.ThemableChoiceField(label=_("Disk format"),
                                            choices=DISK_FORMATS)
    container_format = forms.ThemableChoiceField(
        label=_("Container format"), choices=CONTAINER_FORMATS,
        initial='bare')
    targets = forms.MultipleChoiceField(
        label=_("To"), widget=forms.ThemableCheckboxSelectMultiple(),
        help_text=_("One or more clouds; the file is sent once for all."))
    visibility = forms.ThemableChoiceField(label=_("Visibility"),
                                           choices=VISIBILITIES,
                                           initial='private')

    def __init__(self, request, *args, **kwargs):
        clouds = kwargs.pop('clouds')
        super().__init__(request, *args, **kwargs)
        self.fields['targets'].choices = [
            (client.LOCAL, _("This cloud (local)"))] + [
            (cloud.id, cloud.name) for cloud in clouds]

    def clean(self):
        data = super().clean()
        # The name of the file the browser holds (Horizon's hidden twin of
        # the file field): its data never comes here.
        if not data.get('image_file'):
            self.add_error('image_file', _("Choose the image file."))
        return data

    @sensitive_variables('upload')
    def handle(self, request, data):
        fields = {key: data[key] for key in (
            'name', 'disk_format', 'container_format', 'targets',
            'visibility')}
        if data['size'] is not None:
            fields['size'] = data['size']
        try:
            upload = glint.upload_create(request, fields)
        except glint_exceptions.GlintError as e:
            return form_errors.show(self, request, e,
                                    _("Unable to upload the image."))
        messages.success(request, _('Upload of "%s": each copy is in the '
                                    'Migrations table.') % data['name'])
        return upload
