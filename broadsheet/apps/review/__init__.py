"""The review app for QA staff (`broadsheet review OUT_DIR`): a queue of flagged pages, a page view, edits.

`app` is the FastAPI web app; what it records (the audit trail) and how a decision changes the page model live
in `broadsheet.run.corrections`, since every run replays them.
"""
