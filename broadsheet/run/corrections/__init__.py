"""Reviewers' corrections: the SQLite audit trail (`store`: users, sessions, every decision) and the actions on
the page model (`edits`), replayed by every run so that a re-run never drops a correction.

The review app (`broadsheet.apps.review`) writes them; the run reads them back. Standard library and the
page model only.
"""
