"""openstack glint image list: the images of every cloud, side by side;
openstack glint image save: one of them to a file."""

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
        bars = migrations.Progress(self.app.stderr)
        shown = []

        def progress(done, size):
            percent = int(done * 100 / size) if size else 100
            if shown[-1:] != [percent]:
                shown.append(percent)
                bars.show([migrations.bar_line(
                    parsed_args.file, percent, done, size, 'downloading')])

        try:
            glint.save_image(cloud_id, image_id, parsed_args.file, progress)
        except client.GlintError as error:
            raise exceptions.CommandError(str(error))
