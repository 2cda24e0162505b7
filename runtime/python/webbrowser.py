"""Sandpit's webbrowser: programs run on a server, so there is no browser to open.

The module imports as usual (libraries import it without using it); opening
a page raises webbrowser.Error (a RuntimeError) with a clear message, and the
friendly-error explainer explains it in the kid's language.
"""

__all__ = ["Error", "open", "open_new", "open_new_tab", "get", "register"]


class Error(RuntimeError):
    pass


def _refuse(url=None):
    where = " %s" % url if url else ""
    raise Error("Sandpit can't open web pages%s: programs run on a server without a browser" % (where,))


def open(url, new=0, autoraise=True):
    _refuse(url)


def open_new(url):
    _refuse(url)


def open_new_tab(url):
    _refuse(url)


def get(using=None):
    _refuse()


def register(name, klass, instance=None, *, preferred=False):
    return None
