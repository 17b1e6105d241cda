/*
 * engine.c — forward, back (by deterministic replay), expectations.
 */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int build(struct engine *e)
{
	if (e->built)
		machine_free(&e->m);
	e->built = 0;
	if (machine_create(&e->m, &e->sc->md, e->trace_on, e->err, sizeof e->err)) {
		machine_free(&e->m);
		return -1;
	}
	e->built = 1;
	for (int i = 0; i < e->sc->nvars; i++)
		var_id(&e->m, e->sc->vars[i]);
	e->next = 0;
	e->mark[0] = e->m.trace.n;
	return 0;
}

static const char no_diff[] = "";

static void report_reset(struct step_report *rep)
{
	if (rep->diff && rep->diff != no_diff)
		free((char *)rep->diff);
	memset(rep, 0, sizeof *rep);
	rep->diff = no_diff;
}

/* append one line to a report's diff */
static void report_add(struct step_report *rep, const char *line)
{
	size_t a = strlen(rep->diff), b = strlen(line);
	char *d = malloc(a + b + 2);
	if (!d)
		return;
	memcpy(d, rep->diff, a);
	memcpy(d + a, line, b);
	d[a + b] = '\n';
	d[a + b + 1] = 0;
	if (rep->diff != no_diff)
		free((char *)rep->diff);
	rep->diff = d;
}

int engine_init(struct engine *e, const struct scenario *sc, int trace_on)
{
	memset(e, 0, sizeof *e);
	e->sc = sc;
	e->trace_on = trace_on;
	e->mark = calloc((size_t)sc->nsteps + 1, sizeof *e->mark);
	e->reports = calloc((size_t)sc->nsteps + 1, sizeof *e->reports);
	if (!e->mark || !e->reports) {
		snprintf(e->err, sizeof e->err, "out of memory");
		return -1;
	}
	for (int i = 0; i <= sc->nsteps; i++)
		e->reports[i].diff = no_diff;
	return build(e);
}

void engine_free(struct engine *e)
{
	if (e->built)
		machine_free(&e->m);
	free(e->mark);
	if (e->reports)
		for (int i = 0; i <= e->sc->nsteps; i++)
			report_reset(&e->reports[i]);
	free(e->reports);
	memset(e, 0, sizeof *e);
}

static void step_event(struct engine *e, const struct step *st)
{
	struct ev ev = {0};
	ev.kind = EV_STEP;
	ev.actor = -1;
	ev.str = trace_str(&e->m.trace, st->act->name);
	ev.len = (uint32_t)st->repeat;
	machine_emit(&e->m, &ev);
	if (st->say_en || st->say_zh) {
		struct ev n = {0};
		n.kind = EV_NOTE;
		n.actor = -1;
		n.str = trace_str(&e->m.trace, st->say_en ? st->say_en : st->say_zh);
		machine_emit(&e->m, &n);
	}
}

int engine_forward(struct engine *e)
{
	if (!e->built || e->next >= e->sc->nsteps)
		return -1;
	if (e->m.stop_reason[0])
		return -1;
	const struct step *st = &e->sc->steps[e->next];
	struct step_report *rep = &e->reports[e->next];
	report_reset(rep);
	e->m.step = (uint32_t)e->next;
	uint64_t first = e->m.trace.n;
	step_event(e, st);
	for (int k = 0; k < st->repeat; k++) {
		/* expectations see the last run of a repeated step; an error stops the repeats */
		memset(&rep->r, 0, sizeof rep->r);
		st->act->exec(&e->m, st->args, &rep->r);
		if (rep->r.error[0])
			break;
		if (e->m.mem.out_of_frames) {
			snprintf(e->m.stop_reason, sizeof e->m.stop_reason,
			         "the memory cap was reached (%llu MiB touched; raise it with --max-memory)",
			         (unsigned long long)(e->m.mem.touched_bytes >> 20));
			break;
		}
		if (e->m.trace.overflow) {
			snprintf(e->m.stop_reason, sizeof e->m.stop_reason,
			         "the trace cap was reached (%llu events; raise it with --max-events)",
			         (unsigned long long)e->m.trace.n);
			break;
		}
	}
	rep->r.first_seq = first;
	rep->r.last_seq = e->m.trace.n;
	int failed = 0;
	if (rep->r.error[0]) {
		failed = 1;
		report_add(rep, rep->r.error);
	}
	for (int i = 0; i < st->nexpects; i++) {
		char msg[400] = "", line[700];
		if (st->expects[i].def->check(&e->m, &rep->r, st->expects[i].args, msg, sizeof msg)) {
			failed++;
			snprintf(line, sizeof line, "%s:%d:%d: expect.%s: %s", e->sc->file,
			         st->expects[i].line, st->expects[i].col, st->expects[i].path, msg);
			report_add(rep, line);
		}
	}
	rep->failed_expects = failed;
	e->next++;
	e->mark[e->next] = e->m.trace.n;
	if (e->m.stop_reason[0])
		return -1;
	return failed ? 1 : 0;
}

int engine_goto(struct engine *e, int k)
{
	if (k < 0 || k > e->sc->nsteps)
		return -1;
	if (k < e->next) {
		if (build(e))
			return -1;
	}
	while (e->next < k)
		if (engine_forward(e) < 0)
			return -1;
	return 0;
}

int engine_back(struct engine *e)
{
	if (e->next == 0)
		return -1;
	return engine_goto(e, e->next - 1);
}

int engine_run_all(struct engine *e, int *failed_steps)
{
	int failed = 0;
	while (e->next < e->sc->nsteps) {
		int rc = engine_forward(e);
		if (rc < 0)
			break;
		failed += rc;
	}
	if (failed_steps)
		*failed_steps = failed;
	return e->m.stop_reason[0] ? -1 : 0;
}
