"""Pure algorithms over plain data (lists, arrays, ids): no Django imports.

import-linter checks this (`make lint`); matching, pairing, ranking and graph
metrics live here as later issues add them.
"""
