# Sphinx configuration of Glint's documentation.
#
# The option and policy references are generated from the code by
# oslo.config's and oslo.policy's Sphinx extensions, through the entry
# points of setup.cfg: Glint must be installed (tox -e docs does it).

project = 'Glint'
copyright = 'The Glint developers'

extensions = [
    'oslo_config.sphinxext',
    'oslo_policy.sphinxext',
]

master_doc = 'index'
source_suffix = {'.rst': 'restructuredtext'}
exclude_patterns = ['_build']
pygments_style = 'sphinx'

html_theme = 'alabaster'
html_title = 'Glint'
html_static_path = []
