"""What an image's data really is, checked as it streams past.

oslo.utils' format inspector reads each chunk on its way to the targets, as
Glance does with what it receives. The last chunk goes to the targets only
once the whole image has been found to be of its ``disk_format`` and to pass
the format's safety checks (no qcow2 backing file or external data file, no
unknown features, no VMDK extents elsewhere...): a target image never
becomes active with data that fails them.

The rules are Glance's (glance/location.py): a ``raw`` image may hold any
format, whose safety checks it must pass all the same; a format the
inspector does not know (aki, ari, ami) must look like raw data; an ISO
with a GPT in front is an ISO; a container other than ``bare`` is not
inspected.
"""

from oslo_utils.imageutils import format_inspector


class UnsafeImage(Exception):
    """The image's data is not what it says, or fails a safety check."""


def inspected(chunks, disk_format, container_format):
    """Pass ``chunks`` on, the last one only once the image is known safe.

    Each chunk is passed on once the next one has been read. Raises
    UnsafeImage instead of passing the last one on.
    """
    if container_format not in (None, 'bare'):
        yield from chunks
        return
    wrapper = format_inspector.InspectWrapper(iter(chunks))
    previous = None
    for chunk in wrapper:
        if previous is not None:
            yield previous
        previous = chunk
    check(wrapper, disk_format)
    if previous is not None:
        yield previous


def check(wrapper, disk_format):
    """Glance's verdict on a finished InspectWrapper; UnsafeImage if not."""
    try:
        matches = {str(i): i for i in wrapper.formats}
        if matches.keys() == {'iso', 'gpt'}:
            inspector = matches['iso']
        else:
            inspector = wrapper.format
        found = str(inspector)
        if found != disk_format and disk_format != 'raw' and not (
                found == 'raw'
                and disk_format not in format_inspector.ALL_FORMATS):
            raise UnsafeImage('its disk_format is %s, but its data is %s'
                              % (disk_format, found))
        inspector.safety_check()
    except format_inspector.ImageFormatError as error:
        raise UnsafeImage('its data is not of one known format (%s)'
                          % error)
    except format_inspector.SafetyCheckFailed as error:
        failures = set(error.failures)
        if disk_format in ('aki', 'ari'):
            # Kernels and ramdisks may hold an invalid MBR on purpose.
            failures.discard('mbr')
        if failures:
            raise UnsafeImage('its data fails the safety checks of %s: %s'
                              % (inspector, ', '.join(sorted(failures))))
