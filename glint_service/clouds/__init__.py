"""Reaching clouds: the local one and a project's remote ones."""

# The id that names the local cloud, wherever a cloud id is expected.
LOCAL = 'local'
