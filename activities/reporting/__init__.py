"""Pieces of the report activity: the facts it reads, and the documents it writes."""
