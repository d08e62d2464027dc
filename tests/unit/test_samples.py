"""The committed sample config and policy files are what the code makes."""

import difflib
import os

from oslo_config import cfg
from oslo_config import generator as config_generator
from oslo_policy import generator as policy_generator
import pytest

from glint_service import conf as glint_conf

ETC = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'etc', 'glint')


def glints_part(lines):
    """The lines of a config sample that describe Glint's own options.

    The generator writes each section's options in blocks, one per
    namespace, each headed "# From NAMESPACE".
    """
    part = []
    section = namespace = None
    for line in lines:
        if line.startswith('['):
            section, namespace = line, None
        elif line.startswith('# From '):
            namespace = line[len('# From '):]
        if namespace == 'glint':
            part.append('%s %s' % (section, line))
    return part


def assert_same(committed_name, generated_path, command, part=None):
    """The committed sample is what the code makes (``part`` of it)."""
    with open(os.path.join(ETC, committed_name)) as f:
        committed = f.read().splitlines()
    with open(generated_path) as f:
        generated = f.read().splitlines()
    if part is not None:
        committed, generated = part(committed), part(generated)
    if committed != generated:
        diff = list(difflib.unified_diff(
            committed, generated, 'committed', 'generated', lineterm=''))
        pytest.fail('etc/glint/%s is not what the code generates: run '
                    '"%s" and commit the result.\n%s'
                    % (committed_name, command, '\n'.join(diff[:40])))


def test_config_sample_is_current(tmp_path):
    """Glint's options are; the libraries' follow their releases.

    The sample also lists keystonemiddleware's, oslo.log's and oslo.policy's
    options as the installed releases describe them: a newer release must
    not fail the tests, "tox -e genconfig" takes it in.
    """
    output = str(tmp_path / 'glint.conf.sample')
    config_generator.main([
        '--config-file', os.path.join(ETC, 'glint-config-generator.conf'),
        '--output-file', output])
    assert_same('glint.conf.sample', output, 'tox -e genconfig',
                part=glints_part)


def test_the_sample_check_sees_glints_options_only():
    sample = ['[DEFAULT]', '#', '# From glint', '#', '#debug_x = 1', '#',
              '# From oslo.log', '#', '#debug = false', '[engine]', '#',
              '# From glint', '#', '#max_transfers = 4']
    part = glints_part(sample)
    assert '[DEFAULT] #debug_x = 1' in part
    assert '[engine] #max_transfers = 4' in part
    assert not any('debug = false' in line for line in part)
    changed = list(sample)
    changed[sample.index('#max_transfers = 4')] = '#max_transfers = 3'
    assert glints_part(changed) != part


def test_policy_sample_is_current(tmp_path):
    output = str(tmp_path / 'policy.yaml.sample')
    policy_generator.generate_sample([
        '--config-file', os.path.join(ETC, 'glint-policy-generator.conf'),
        '--output-file', output], conf=cfg.ConfigOpts())
    assert_same('policy.yaml.sample', output, 'tox -e genpolicy')


GLINT_OPTS = [(group, opt) for group, opts in glint_conf.list_opts()
              for opt in opts]


@pytest.mark.parametrize('group, opt', GLINT_OPTS,
                         ids=['%s.%s' % (g, o.name) for g, o in GLINT_OPTS])
def test_every_option_has_help(group, opt):
    assert opt.help and opt.help.strip(), '[%s] %s has no help' % (
        group, opt.name)
