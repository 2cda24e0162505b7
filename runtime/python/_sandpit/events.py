"""The event channel: one JSON object per line on the fd named by SANDPIT_EVENT_FD.

Events never go to stdout, so nothing a kid prints can pose as one. The runner
counts these bytes against the job's output limit, so producers batch their
events (see turtle_recorder) instead of writing one line per drawing step.

The channel must never break the kid's program: a missing variable, a closed
fd (EBADF) or a reader that went away (EPIPE) turns the channel off silently.
"""

import json
import os

_UNSET = object()
_fd = _UNSET  # resolved on first use; None once the channel is off


def _channel_fd():
    global _fd
    if _fd is _UNSET:
        value = os.environ.get("SANDPIT_EVENT_FD", "")
        try:
            _fd = int(value) if value.strip() else None
        except ValueError:
            _fd = None
        if _fd is not None and _fd < 0:
            _fd = None
    return _fd


def enabled():
    """True while events can still be delivered."""
    return _channel_fd() is not None


def encode(event):
    """One event as a UTF-8 line, or None when it can't be represented as JSON.

    `ensure_ascii=False` keeps Chinese text at 3 bytes a character; json escapes
    every control character, so the line never holds a raw newline. Lone
    surrogates (possible in a kid's str) can't be UTF-8: they become '?'.
    """
    try:
        text = json.dumps(event, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError):
        return None
    return (text + "\n").encode("utf-8", "replace")


def write_bytes(data):
    """Write all of `data` to the channel; returns False if the channel is off."""
    fd = _channel_fd()
    if fd is None:
        return False
    view = memoryview(data)
    try:
        while view:
            written = os.write(fd, view)
            view = view[written:]
    except OSError:
        # EBADF (no such fd), EPIPE (runner stopped reading), ENOSPC...:
        # stop emitting, keep running the program.
        _turn_off()
        return False
    return True


def emit(event):
    """Encode and write one event. Returns True when it was written."""
    line = encode(event)
    if line is None:
        return False
    return write_bytes(line)


def _turn_off():
    global _fd
    _fd = None
