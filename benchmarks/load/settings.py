"""Kindred's settings, plus the database-outage middleware if they lack it yet.

The restart scenario checks that a database outage answers 503, which needs
`kindred.core.db_unavailable.DatabaseUnavailableMiddleware`; until the project's
MIDDLEWARE lists it, the benchmark server adds it here (and the results say so).
"""

from kindred.settings import *  # noqa: F403
from kindred.settings import MIDDLEWARE

OUTAGE_MIDDLEWARE = "kindred.core.db_unavailable.DatabaseUnavailableMiddleware"
KINDRED_BENCH_ADDED_OUTAGE_MIDDLEWARE = OUTAGE_MIDDLEWARE not in MIDDLEWARE
if KINDRED_BENCH_ADDED_OUTAGE_MIDDLEWARE:
    # After SecurityMiddleware and WhiteNoise, before sessions, cache and database.
    MIDDLEWARE = [*MIDDLEWARE[:2], OUTAGE_MIDDLEWARE, *MIDDLEWARE[2:]]
