/* testutil.h — load scenarios from strings or files in tests. */
#ifndef IOMMULAB_TESTUTIL_H
#define IOMMULAB_TESTUTIL_H

#include "engine.h"
#include "scenario.h"

/* Load JSON text; returns 0, or -1 with *errors (malloc'd) set. */
int tu_load(struct scenario *sc, const char *json, char **errors);
/* Load a file relative to the source tree ("scenarios/x.json"). */
int tu_load_file(struct scenario *sc, const char *rel, char **errors);
/* Load + engine_init; aborts the test (cr_assert) on failure. */
void tu_start(struct scenario *sc, struct engine *e, const char *json);
/* Count events of kind in [from, to). */
int tu_count(const struct engine *e, uint64_t from, uint64_t to, int kind);

#endif
