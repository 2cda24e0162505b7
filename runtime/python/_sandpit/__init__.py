"""Sandpit's kid runtime: private helpers behind `turtle`, `sandpit_mpl` and friendly errors.

Nothing here is imported at start-up except what `sitecustomize` needs; every
feature loads itself the first time the kid's program uses it.
"""
