"""The review app for QA staff (`broadsheet review OUT_DIR`): a queue of flagged pages, a page view, edits.

`store` (SQLite: users, sessions, audit trail) and `edits` (actions on the page model, re-applying them after
a re-run) need only the standard library and the pipeline; `app` is the FastAPI web app.
"""
