"""README's links lead to files, and its pages are part of the docs."""

import os
import re

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
DOC_SOURCE = os.path.join(ROOT, 'doc', 'source')
# An rST link with its target: `text <target>`_
LINK = re.compile(r'`[^`<]*<([^>`]+)>`_')
TOCTREE = re.compile(r'^\.\. toctree::\n((?:[ \t]+.*\n|\n)*)', re.MULTILINE)


def relative_links(text):
    """The targets of the links in ``text`` that are not URLs."""
    return [target for target in LINK.findall(text)
            if not re.match(r'[a-z]+://', target)]


def toctree_pages():
    """Every page of doc/source that a toctree names, as a path."""
    pages = set()
    for folder, _dirs, files in os.walk(DOC_SOURCE):
        for name in files:
            if not name.endswith('.rst'):
                continue
            with open(os.path.join(folder, name)) as f:
                text = f.read()
            for block in TOCTREE.findall(text):
                for line in block.splitlines():
                    entry = line.strip()
                    if entry and not entry.startswith(':'):
                        pages.add(os.path.normpath(
                            os.path.join(folder, entry + '.rst')))
    return pages


def readme_links():
    with open(os.path.join(ROOT, 'README.rst')) as f:
        return relative_links(f.read())


def test_readme_links_into_the_docs():
    assert any(link.startswith('doc/source/') for link in readme_links())


@pytest.mark.parametrize('link', readme_links())
def test_a_readme_link_names_a_file(link):
    assert os.path.isfile(os.path.join(ROOT, link)), link


@pytest.mark.parametrize('link', [
    link for link in readme_links()
    if link.startswith('doc/source/') and link != 'doc/source/index.rst'])
def test_a_linked_page_is_in_a_toctree(link):
    assert os.path.normpath(os.path.join(ROOT, link)) in toctree_pages(), (
        '%s is in no toctree of doc/source' % link)


def test_relative_links_skip_urls():
    text = ('`a <doc/source/a.rst>`_ `b <https://example.org/b>`_ '
            '`c\n<LICENSE>`_')
    assert relative_links(text) == ['doc/source/a.rst', 'LICENSE']
