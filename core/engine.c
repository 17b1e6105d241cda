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
	return build(e);
}

void engine_free(struct engine *e)
{
	if (e->built)
		machine_free(&e->m);
	free(e->mark);
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
	memset(rep, 0, sizeof *rep);
	e->m.step = (uint32_t)e->next;
	rep->r.first_seq = e->m.trace.n;
	step_event(e, st);
	for (int k = 0; k < st->repeat; k++) {
		struct step_result tmp;
		struct step_result *r = k == st->repeat - 1 ? &rep->r : &tmp;
		if (r == &tmp) {
			memset(&tmp, 0, sizeof tmp);
		} else {
			uint64_t f = rep->r.first_seq;
			memset(r, 0, sizeof *r);
			r->first_seq = f;
		}
		st->act->exec(&e->m, st->args, r);
		if (r->error[0] && r != &rep->r) {
			rep->r = *r;
			rep->r.first_seq = tmp.first_seq;
			break;
		}
		if (e->m.mem.out_of_frames) {
			snprintf(e->m.stop_reason, sizeof e->m.stop_reason,
				 "the memory cap was reached (%llu MiB touched; raise it with --max-memory)",
				 (unsigned long long)(e->m.mem.touched_bytes >> 20));
			break;
		}
		if (e->m.trace.overflow) {
			snprintf(e->m.stop_reason, sizeof e->m.stop_reason,
				 "the trace cap was reached (%llu events; raise it with --max-events or run without --trace)",
				 (unsigned long long)e->m.trace.n);
			break;
		}
	}
	rep->r.last_seq = e->m.trace.n;
	int failed = 0;
	if (rep->r.error[0]) {
		failed = 1;
		snprintf(rep->diff, sizeof rep->diff, "%s\n", rep->r.error);
	}
	for (int i = 0; i < st->nexpects; i++) {
		char msg[400] = "";
		if (st->expects[i].def->check(&e->m, &rep->r, st->expects[i].args, msg, sizeof msg)) {
			failed++;
			size_t L = strlen(rep->diff);
			snprintf(rep->diff + L, sizeof rep->diff - L, "%s:%d:%d: expect.%s: %s\n", e->sc->file,
				 st->expects[i].line, st->expects[i].col, st->expects[i].path, msg);
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
