"""Application services both the API and activities call: database and file I/O around the
pure domain rules, with no Temporal in them. Activities wrap them; routes call them directly.
"""
