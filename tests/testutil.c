#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

int tu_load(struct scenario *sc, const char *json, char **errors)
{
	*errors = NULL;
	return scenario_load(sc, "t.json", json, strlen(json), NULL, errors);
}

int tu_load_file(struct scenario *sc, const char *rel, char **errors)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", IOMMULAB_SOURCE_DIR, rel);
	FILE *f = fopen(path, "rb");
	if (!f) {
		*errors = strdup("cannot open");
		return -1;
	}
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	size_t got = fread(buf, 1, (size_t)n, f);
	fclose(f);
	int rc = scenario_load(sc, rel, buf, got, NULL, errors);
	free(buf);
	return rc;
}

void tu_start(struct scenario *sc, struct engine *e, const char *json)
{
	char *err = NULL;
	int rc = tu_load(sc, json, &err);
	cr_assert_eq(rc, 0, "load failed: %s", err ? err : "");
	free(err);
	rc = engine_init(e, sc, 1);
	cr_assert_eq(rc, 0, "engine_init failed: %s", e->err);
}

int tu_count(const struct engine *e, uint64_t from, uint64_t to, int kind)
{
	int n = 0;
	for (uint64_t i = from; i < to && i < e->m.trace.n; i++)
		if (e->m.trace.ev[i].kind == kind)
			n++;
	return n;
}
