"""`offcampus demo`: a county's year of work driven through the services' public HTTP APIs only.

A scenario (YAML, `scenarios/`) says what happened and when; the runner plays it as the clerks, the desk,
the supervisors and the inspectors would, with a token per role, and waits for the bus to settle before it
prints reporting's summary. Nothing here imports a service or writes to a database (an import contract in
pyproject.toml holds that): the demo is a client like any other department's system.
"""
