/*
 * engine.h — run a scenario step by step, forward and back.
 *
 *   step:   0          1          2               nsteps
 *           | setup    | step 0   | step 1  ...   |
 *   events: [boot…]    [s0 events][s1 events]
 *           mark[0]    mark[1]    mark[2]
 *
 * engine_forward runs the next step and checks its expectations.
 * engine_back goes to the state before the last step by deterministic
 * replay: it rebuilds the machine and re-runs steps 0..k-1. Because the
 * model has no hidden inputs (no clock, no rand, no host addresses), the
 * replayed events are byte-identical to the first run's — a test checks it.
 *
 * Ownership: the engine owns its machine; the scenario must outlive it.
 */
#ifndef IOMMULAB_ENGINE_H
#define IOMMULAB_ENGINE_H

#include "machine.h"
#include "scenario.h"

struct step_report {
	struct step_result r;
	int failed_expects;
	const char *diff; /* one "FILE:L:C: expect.KEY: expected …, got …" per line;
	                   * "" when all held (owned by the engine) */
};

struct engine {
	const struct scenario *sc;
	struct machine m;
	int trace_on;
	int next;       /* index of the next step to run */
	uint64_t *mark; /* mark[i] = trace length before step i (nsteps + 1) */
	struct step_report *reports;
	int built;
	char err[256];
};

int engine_init(struct engine *e, const struct scenario *sc, int trace_on);
void engine_free(struct engine *e);
/* Run the next step. Returns 0 when its expectations held, 1 when one
 * failed, -1 when there is no next step or the run was stopped by a cap. */
int engine_forward(struct engine *e);
/* Go back one step (replay). Returns 0, or -1 at the start. */
int engine_back(struct engine *e);
/* Go to "k steps done" (0..nsteps). */
int engine_goto(struct engine *e, int k);
int engine_run_all(struct engine *e, int *failed_steps);

#endif
