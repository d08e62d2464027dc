"""openstack glint image list: the images of every cloud, side by side;
openstack glint image upload: a file to many clouds at once;
openstack glint image save: one of them to a file."""

import os

from cliff import columns
from osc_lib.command import command
from osc_lib import exceptions

from glintclient import client
from glintclient.osc.v1 import migrations


class CopiesColumn(columns.FormattableColumn):
    """The copies of an image in one cloud: their ids, status if not active."""

    def human_readable(self):
        return '\n'.join(
            c['image_id'] if c['status'] == 'active'
            else '%s (%s)' % (c['image_id'], c['status'])
            for c in self._value)

    def machine_readable(self):
        return [dict(c) for c in self._value]


class ConflictsColumn(columns.FormattableColumn):
    """An image's conflicts: the kind and the cloud, or in full as data."""

    def human_readable(self):
        return '\n'.join('%s (%s)' % (c['type'], c['cloud'])
                         for c in self._value)

    def machine_readable(self):
        return [dict(c) for c in self._value]


class ListImages(command.Lister):
    """List the images of the local cloud and the project's remote clouds.

    One row per image content (os_hash_value), one column per cloud with
    the ids of its copies there, and the conflicts: duplicate_name (one name
    twice in one cloud), name_mismatch (the same content under another name),
    content_mismatch (the same name on other content in another cloud).
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--cloud', metavar='<cloud>', action='append',
                            help='Only this cloud: local, or a remote '
                                 'cloud\'s name or id (repeatable)')
        return parser

    def take_action(self, parsed_args):
        glint = self.app.client_manager.glint
        cloud_ids = [glint.find_cloud_id(c) for c in parsed_args.cloud or ()]
        found = glint.list_images(cloud_ids)
        clouds = found['clouds']
        names = {c['id']: c['name'] for c in clouds}
        for cloud in clouds:
            if not cloud['reachable']:
                self.log.warning('Cloud %s is not listed: %s',
                                 cloud['name'], cloud['error'])
        headers = ('Name', 'Disk Format', 'Size') + tuple(
            c['name'] for c in clouds) + ('Conflicts',)
        return headers, (self.row(image, clouds, names)
                         for image in found['images'])

    @staticmethod
    def row(image, clouds, names):
        copies = [CopiesColumn([c for c in image['copies']
                                if c['cloud_id'] == cloud['id']])
                  for cloud in clouds]
        conflicts = [dict(c, cloud=names.get(c['cloud_id'], c['cloud_id']))
                     for c in image['conflicts']]
        return (image['name'], image['disk_format'], image['size'],
                *copies, ConflictsColumn(conflicts))


class SaveImage(command.Command):
    """Download an image of the local cloud or of a remote cloud to a file.

    Written to FILE.part until it is whole: run again, a download cut short
    resumes where it stopped. At the end the data is checked against the
    image's hash; on a mismatch the file is removed and the command exits
    non-zero.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('image', metavar='<image>',
                            help='Image to download (name or id, in its '
                                 'cloud)')
        parser.add_argument('--cloud', metavar='<cloud>',
                            default=client.LOCAL,
                            help='Its cloud: local (default), or a remote '
                                 'cloud\'s name or id')
        parser.add_argument('--file', metavar='<file>', required=True,
                            help='File to write')
        return parser

    def take_action(self, parsed_args):
        glint = self.app.client_manager.glint
        cloud_id = glint.find_cloud_id(parsed_args.cloud)
        image_id = migrations.Migrate.find_image(glint, parsed_args.image,
                                                 cloud_id)
        progress = percent_bar(migrations.Progress(self.app.stderr),
                               parsed_args.file, 'downloading')
        try:
            glint.save_image(cloud_id, image_id, parsed_args.file, progress)
        except client.GlintError as error:
            raise exceptions.CommandError(str(error))


def percent_bar(bars, name, status):
    """``progress(done, size)`` that redraws one bar when its percent moves."""
    shown = []

    def progress(done, size):
        percent = int(done * 100 / size) if size else 100
        if shown[-1:] != [percent]:
            shown.append(percent)
            bars.show([migrations.bar_line(name, percent, done, size,
                                           status)])
    return progress


def add_image_options(parser):
    """The options of a new image: its metadata and its targets."""
    parser.add_argument('--name', metavar='<name>',
                        help='Name of the image (default: the file\'s name)')
    parser.add_argument('--disk-format', metavar='<format>', required=True,
                        help='Its disk format: raw, qcow2, vmdk...')
    parser.add_argument('--container-format', metavar='<format>',
                        default='bare',
                        help='Its container format (default: bare)')
    parser.add_argument('--to', metavar='<cloud>', dest='targets',
                        action='append', required=True,
                        help='Target cloud: local, or a remote cloud\'s '
                             'name or id (repeatable)')
    parser.add_argument('--visibility',
                        choices=('private', 'shared', 'community', 'public'),
                        help='Visibility of the copies (default: private)')
    parser.add_argument('--min-disk', metavar='<GB>', type=int)
    parser.add_argument('--min-ram', metavar='<MB>', type=int)
    parser.add_argument('--tag', metavar='<tag>', dest='tags',
                        action='append', help='A tag (repeatable)')
    parser.add_argument('--property', metavar='<key=value>',
                        dest='properties', action='append',
                        help='A custom property (repeatable)')
    parser.add_argument('--wait', action='store_true',
                        help='Exit non-zero unless every copy succeeded')


def image_fields(glint, parsed_args, name):
    """A new image's request, from the options of add_image_options."""
    fields = {
        'name': parsed_args.name or name,
        'disk_format': parsed_args.disk_format,
        'container_format': parsed_args.container_format,
        'targets': [glint.find_cloud_id(t) for t in parsed_args.targets],
    }
    for field in ('visibility', 'min_disk', 'min_ram', 'tags'):
        if getattr(parsed_args, field) is not None:
            fields[field] = getattr(parsed_args, field)
    if parsed_args.properties:
        fields['properties'] = dict(_property(p)
                                    for p in parsed_args.properties)
    return fields


def _property(text):
    key, sep, value = text.partition('=')
    if not sep or not key:
        raise exceptions.CommandError('--property takes key=value, not %s'
                                      % text)
    return key, value


def ended(migration):
    """CommandError unless a new image's migration succeeded."""
    if migration['status'] != 'succeeded':
        raise exceptions.CommandError('Migration %s ended %s: %s' % (
            migration['id'], migration['status'],
            migration['error'] or 'see its targets'))


class CreateImage(command.ShowOne):
    """Fetch an image from a web link once into one or more clouds.

    An engine fetches the link (following a few redirects, each checked
    against Glint's outbound policy) and streams it to every target at
    once. With --checksum-url, the file must have the hash that checksum
    file (a SHA256SUMS, say) lists for it; with --decompress, the image is
    the file's content. With --wait, shows a progress bar per target until
    the migration ends, and exits non-zero unless every copy succeeded.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--url', metavar='<url>', required=True,
                            help='Web link to the image file')
        parser.add_argument('--checksum-url', metavar='<url>',
                            help='Web link to a checksum file that lists '
                                 'the image file\'s hash')
        parser.add_argument('--decompress', choices=('gzip', 'xz', 'bzip2'),
                            help='The file is compressed with this')
        add_image_options(parser)
        return parser

    def take_action(self, parsed_args):
        glint = self.app.client_manager.glint
        names = glint.cloud_names()
        link = {'url': parsed_args.url}
        if parsed_args.checksum_url:
            link['checksum_url'] = parsed_args.checksum_url
        if parsed_args.decompress:
            link['decompress'] = parsed_args.decompress
        fields = image_fields(glint, parsed_args,
                              client.link_file_name(parsed_args.url))
        migration = glint.create_migration(dict(fields, source=link))
        if parsed_args.wait:
            migration = migrations.wait(glint, migration, names,
                                        migrations.Progress(self.app.stderr))
            ended(migration)
        return migrations.show_fields(migration, names)


class UploadImage(command.ShowOne):
    """Upload an image file once to one or more clouds, through Glint.

    The file is read once and streamed by Glint to every target at once;
    each copy is inspected and verified as a migration's are. A progress
    bar shows on stderr while the file is sent. With --wait, exits non-zero
    unless every copy succeeded.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('file', metavar='<file>', help='Image file')
        add_image_options(parser)
        return parser

    def take_action(self, parsed_args):
        glint = self.app.client_manager.glint
        names = glint.cloud_names()
        fields = image_fields(glint, parsed_args,
                              os.path.basename(parsed_args.file))
        bars = migrations.Progress(self.app.stderr)
        try:
            migration = glint.upload_image(
                fields, parsed_args.file,
                percent_bar(bars, fields['name'], 'sending'))
        except client.GlintError as error:
            raise exceptions.CommandError(str(error))
        bars.show(migrations.progress_lines(migration, names))
        if parsed_args.wait:
            ended(migration)
        return migrations.show_fields(migration, names)
