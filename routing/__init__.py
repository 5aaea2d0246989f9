"""Pure domain logic of Meridian: detection, calendars, SLA, classification, routing.

Nothing here imports Litestar, SQLAlchemy or Redis; every datetime is timezone-aware and
"now" is always passed in.
"""
