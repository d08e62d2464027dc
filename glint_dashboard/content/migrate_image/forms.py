"""Migrate an image: from one of its copies to one or more clouds."""

from django.utils.translation import gettext_lazy as _

from horizon import exceptions
from horizon import forms
from horizon import messages

from glint_dashboard.api import glint
from glint_dashboard import exceptions as glint_exceptions

VISIBILITIES = (('private', _("Private")), ('shared', _("Shared")),
                ('community', _("Community")), ('public', _("Public")))


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
        listing = kwargs.pop('listing')
        image = kwargs.pop('image')
        super().__init__(request, *args, **kwargs)
        names = {cloud.id: cloud.name for cloud in listing.clouds}
        self.fields['source'].choices = [
            ('%s/%s' % (copy['cloud_id'], copy['image_id']),
             '%s: %s' % (names.get(copy['cloud_id']), copy['name']))
            for copy in image.copies if copy['status'] == 'active']
        sources = self.fields['source'].choices
        # A lone copy is the source: its cloud is no target. With several
        # copies the one chosen decides, and clean() checks it.
        fixed = sources[0][0].split('/')[0] if len(sources) == 1 else None
        self.fields['targets'].choices = [
            (cloud.id, cloud.name) for cloud in listing.clouds
            if cloud.reachable and cloud.id != fixed]

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
            if e.status != 400:
                exceptions.handle(request, _("Unable to migrate the image."))
                return False
            self.api_error(str(e))
            return False
        messages.success(request, _('Migrating "%s": its progress is in the '
                                    'Migrations table.')
                         % migration.image_name)
        return migration
