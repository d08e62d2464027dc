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


def assert_same(committed_name, generated_path, command):
    with open(os.path.join(ETC, committed_name)) as f:
        committed = f.read().splitlines()
    with open(generated_path) as f:
        generated = f.read().splitlines()
    if committed != generated:
        diff = list(difflib.unified_diff(
            committed, generated, 'committed', 'generated', lineterm=''))
        pytest.fail('etc/glint/%s is not what the code generates: run '
                    '"%s" and commit the result.\n%s'
                    % (committed_name, command, '\n'.join(diff[:40])))


def test_config_sample_is_current(tmp_path):
    output = str(tmp_path / 'glint.conf.sample')
    config_generator.main([
        '--config-file', os.path.join(ETC, 'glint-config-generator.conf'),
        '--output-file', output])
    assert_same('glint.conf.sample', output, 'tox -e genconfig')


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
