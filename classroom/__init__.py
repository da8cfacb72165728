"""A class: the room as one experiment (issue 23). No Streamlit here.

- ``codes``: join codes and lecturer keys, drawn from ``secrets`` and checked for shape
  before anything asks the store about them.
- ``assignment``: what the students run (a lesson, an Explore network or a Compare set-up),
  for how many steps, with whose seeds, and the lesson's question if asked.
- ``result``: a student's result, computed from the server's own run (a core Trainer).
- ``store``: every class's records in a database, behind this one module (SQLAlchemy Core;
  SQLite by default, PostgreSQL for replicas). Nothing in a process's memory is the truth.
- ``outbox``: a session's posts waiting for the store, retried with back-off, each arriving
  exactly once.
- ``summary`` and ``export``: the room's results as tables, sentences, CSV and JSON.
"""
