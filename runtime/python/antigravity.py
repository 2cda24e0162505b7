"""Sandpit's antigravity: the real one opens xkcd.com/353 in a browser, which a server can't do."""

import webbrowser

webbrowser.open("https://xkcd.com/353/")
