/*
 * scenario.h — a scenario file, loaded and validated.
 *
 *   {"format": "iommulab/1", "title": {...}, "machine": {...},
 *    "vms": [...], "devices": [...], "steps": [...]}
 *
 * The full reference is scenarios/README.md (and scenarios/schema.json).
 * scenario_load validates everything it can before anything runs, and
 * reports every problem as FILE:LINE:COL: error: PATH: message.
 *
 * Ownership: a scenario owns the parsed tree, its args and strings;
 * scenario_free releases all of it. Machines built from sc->md must not
 * outlive it.
 */
#ifndef IOMMULAB_SCENARIO_H
#define IOMMULAB_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "action.h"
#include "machine.h"

#define SCENARIO_FORMAT            "iommulab/1"
#define SCENARIO_MAX_STEPS_DEFAULT 100000

struct expect_item {
	const struct expect_def *def;
	void *args;
	int line, col;
	char path[64];
};

struct step {
	const struct action_def *act;
	void *args;
	const char *say_en, *say_zh;
	struct expect_item *expects;
	int nexpects;
	int repeat; /* "repeat": N runs the action N times (default 1) */
	int line, col;
};

struct question {
	const char *q_en, *q_zh, *a_en, *a_zh;
	int after_step; /* shown before this step runs (index), -1 = at the end */
};

struct scenario {
	char *file;
	struct machine_desc md;
	struct step *steps;
	int nsteps;
	char vars[MAX_VARS][NAME_LEN];
	int nvars;
	/* lesson material (optional) */
	const char *goals_en, *goals_zh, *try_en, *try_zh, *refs;
	struct question questions[8];
	int nquestions;
	void *tree;    /* cJSON */
	void **allocs; /* everything else we malloc'd */
	size_t nallocs, capallocs;
};

struct load_limits {
	uint64_t max_steps;  /* 0 = SCENARIO_MAX_STEPS_DEFAULT */
	uint64_t max_frames; /* 0 = 65536 frames (256 MiB touched) */
	uint64_t max_events; /* 0 = 5,000,000 */
};

/* Load from a buffer (the CLI reads the file). Returns 0, or -1 with all
 * problems appended to *errors (malloc'd, caller frees), one per line. */
int scenario_load(struct scenario *sc, const char *file, const char *buf, size_t len,
                  const struct load_limits *lim, char **errors);
void scenario_free(struct scenario *sc);
void *scenario_alloc(struct scenario *sc, size_t n);
char *scenario_strdup(struct scenario *sc, const char *s);

#endif
