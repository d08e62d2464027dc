"""openstack glint migrate; glint migration list | show | cancel | delete"""

import time

from cliff import columns
from osc_lib.command import command
from osc_lib import exceptions
from osc_lib import utils

from glintclient import client
from glintclient import states

MiB = 1024 * 1024
BAR_WIDTH = 10
POLL_SECONDS = 1.0
LIST_COLUMNS = ('id', 'image_name', 'source', 'targets', 'status',
                'created_at')
LIST_HEADERS = ('ID', 'Image Name', 'Source', 'Targets', 'Status',
                'Created At')
INTERRUPTED = """
Stopped waiting: migration %(id)s goes on in Glint.
  Follow it:  openstack glint migration show %(id)s
  Cancel it:  openstack glint migration cancel %(id)s
"""


class TargetsColumn(columns.FormattableColumn):
    """A migration's targets: one line each in a table, all data in JSON."""

    def human_readable(self):
        lines = []
        for target in self._value:
            line = '%s: %s' % (target['cloud'], target['status'])
            if target['image_id']:
                line += ', image %s' % target['image_id']
            if target['error']:
                line += ', %s' % target['error']
            lines.append(line)
        return '\n'.join(lines)

    def machine_readable(self):
        return [dict(t) for t in self._value]


def named(migration, names):
    """A migration with its clouds by name: source, and each target's cloud.

    ``names`` maps cloud ids to names; the ids stay in the targets.
    """
    shown = dict(migration)
    shown['source'] = names.get(migration['source'], migration['source'])
    shown['targets'] = TargetsColumn([
        dict(t, cloud=names.get(t['cloud_id'], t['cloud_id']))
        for t in migration['targets']])
    return shown


def show_fields(migration, names):
    return tuple(zip(*sorted(named(migration, names).items())))


def progress_lines(migration, names):
    """One line per target: cloud [#####.....]  52%  130.0/250.0 MiB  status"""
    size = migration['size'] or 0
    targets = [(names.get(t['cloud_id'], t['cloud_id']), t)
               for t in migration['targets']]
    width = max(len(name) for name, _ in targets)
    lines = []
    for name, target in targets:
        done, percent = client.target_progress(target, size)
        lines.append(bar_line(name.ljust(width), percent, done, size,
                              target['status']))
    return lines


def bar_line(name, percent, done, size, status):
    """name [#####.....]  52%  130.0/250.0 MiB  status"""
    filled = percent * BAR_WIDTH // 100
    return '%s [%s%s] %3d%%  %.1f/%.1f MiB  %s' % (
        name, '#' * filled, '.' * (BAR_WIDTH - filled), percent,
        done / MiB, size / MiB, status)


class Progress(object):
    """Progress bars on a stream, redrawn in place on a terminal.

    Elsewhere (a pipe, a log file) a set of bars is written only when it
    differs from the last one.
    """

    def __init__(self, stream):
        self.stream = stream
        self.tty = hasattr(stream, 'isatty') and stream.isatty()
        self.last = []

    def show(self, lines):
        if lines == self.last:
            return
        if self.tty and self.last:
            # Back to the first bar, then overwrite each one.
            self.stream.write('\x1b[%dA' % len(self.last))
        self.stream.write(''.join('\r\x1b[K%s\n' % line if self.tty
                                  else '%s\n' % line for line in lines))
        self.stream.flush()
        self.last = lines


def wait(glint, migration, names, progress):
    """Poll a migration each second until it ends, showing its progress."""
    while True:
        progress.show(progress_lines(migration, names))
        if migration['status'] not in states.UNFINISHED:
            return migration
        time.sleep(POLL_SECONDS)
        migration = glint.get_migration(migration['id'])


class Migrate(command.ShowOne):
    """Copy an image from one cloud to others, streamed by Glint.

    With --wait, shows a progress bar per target until the migration ends,
    and exits non-zero unless it succeeded.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('image', metavar='<image>',
                            help='Image to copy (name or id, in the source '
                                 'cloud)')
        parser.add_argument('--to', metavar='<cloud>', dest='targets',
                            action='append', required=True,
                            help='Target cloud: a remote cloud\'s name or '
                                 'id, or local (repeatable)')
        parser.add_argument('--from', metavar='<cloud>', dest='source',
                            default=client.LOCAL,
                            help='Source cloud (default: local)')
        parser.add_argument('--name', metavar='<name>',
                            help='Name of the copies (default: the '
                                 'image\'s name)')
        parser.add_argument('--visibility',
                            choices=('private', 'shared', 'community',
                                     'public'),
                            help='Visibility of the copies (default: '
                                 'private)')
        parser.add_argument('--on-conflict', choices=('skip_identical',
                                                      'copy'),
                            help='skip_identical (default): a target that '
                                 'holds the same content is skipped; copy: '
                                 'copy it anyway')
        parser.add_argument('--wait', action='store_true',
                            help='Show the progress until the migration '
                                 'ends; exit non-zero unless it succeeded')
        return parser

    def take_action(self, parsed_args):
        glint = self.app.client_manager.glint
        names = glint.cloud_names()
        source = glint.find_cloud_id(parsed_args.source)
        fields = {'image_id': self.find_image(glint, parsed_args.image,
                                              source),
                  'source': source,
                  'targets': [glint.find_cloud_id(t)
                              for t in parsed_args.targets]}
        for field in ('name', 'visibility', 'on_conflict'):
            if getattr(parsed_args, field):
                fields[field] = getattr(parsed_args, field)
        migration = glint.create_migration(fields)
        self.outcome = migration
        if parsed_args.wait:
            self.app.stderr.write('Migration %s: image %s from %s\n' % (
                migration['id'], migration['image_name'],
                names.get(source, source)))
            try:
                migration = wait(glint, migration, names,
                                 Progress(self.app.stderr))
            except KeyboardInterrupt:
                self.app.stderr.write(INTERRUPTED % migration)
                raise
            self.outcome = migration
        return show_fields(migration, names)

    def run(self, parsed_args):
        self.outcome = None
        result = super().run(parsed_args)
        status = self.outcome['status']
        if parsed_args.wait and status != states.SUCCEEDED:
            raise exceptions.CommandError('Migration %s ended %s: %s' % (
                self.outcome['id'], status,
                self.outcome['error'] or 'see its targets'))
        return result

    @staticmethod
    def find_image(glint, image, source):
        """The id of an image given by id, or by its name in ``source``."""
        if utils.is_uuid_like(image):
            return image
        found = glint.list_images([source])
        cloud = found['clouds'][0]
        if not cloud['reachable']:
            raise exceptions.CommandError('Cloud %s did not answer: %s'
                                          % (cloud['name'], cloud['error']))
        ids = [c['image_id'] for i in found['images'] for c in i['copies']
               if c['name'] == image]
        if not ids:
            raise exceptions.CommandError('No image named %s in cloud %s.'
                                          % (image, cloud['name']))
        if len(ids) > 1:
            raise exceptions.CommandError(
                '%d images are named %s in cloud %s: give the id of one.'
                % (len(ids), image, cloud['name']))
        return ids[0]


class ListMigrations(command.Lister):
    """List the project's migrations, newest first."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--status', metavar='<status>',
                            help='Only migrations in this status (queued, '
                                 'running, succeeded, partial, failed, '
                                 'cancelled)')
        parser.add_argument('--all-projects', action='store_true',
                            help='The migrations of every project (admin '
                                 'only)')
        return parser

    def take_action(self, parsed_args):
        glint = self.app.client_manager.glint
        migrations = glint.list_migrations(
            status=parsed_args.status, all_projects=parsed_args.all_projects)
        names = glint.cloud_names()
        return LIST_HEADERS, (
            utils.get_dict_properties(named(m, names), LIST_COLUMNS)
            for m in migrations)


class ShowMigration(command.ShowOne):
    """Show a migration and each of its targets."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('migration', metavar='<migration>',
                            help='Migration id')
        return parser

    def take_action(self, parsed_args):
        glint = self.app.client_manager.glint
        return show_fields(glint.get_migration(parsed_args.migration),
                           glint.cloud_names())


class CancelMigration(command.Command):
    """Cancel queued or running migrations.

    Glint stops copying and deletes the images it made at the targets.
    """

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('migrations', metavar='<migration>', nargs='+',
                            help='Migration id(s)')
        return parser

    def take_action(self, parsed_args):
        each(self, parsed_args.migrations, 'cancel', cancel)


class DeleteMigration(command.Command):
    """Delete the records of migrations that have ended."""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('migrations', metavar='<migration>', nargs='+',
                            help='Migration id(s)')
        return parser

    def take_action(self, parsed_args):
        each(self, parsed_args.migrations, 'delete', delete)


def cancel(glint, migration):
    if migration['status'] not in states.UNFINISHED:
        raise client.GlintError('it has already ended (%s).'
                                % migration['status'])
    glint.delete_migration(migration['id'])


def delete(glint, migration):
    if migration['status'] in states.UNFINISHED:
        raise client.GlintError('it is still %s; cancel it first.'
                                % migration['status'])
    glint.delete_migration(migration['id'])


def each(cmd, migration_ids, verb, action):
    """``action`` on each migration; say which ones failed, and why."""
    glint = cmd.app.client_manager.glint
    failed = 0
    for migration_id in migration_ids:
        try:
            action(glint, glint.get_migration(migration_id))
        except client.GlintError as error:
            failed += 1
            cmd.log.error('Migration %s: %s', migration_id, error)
    if failed:
        raise exceptions.CommandError('%d of %d migrations failed to %s.'
                                      % (failed, len(migration_ids), verb))
