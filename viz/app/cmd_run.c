/*
 * cmd_run.c — `iommulab run` and `iommulab validate`: the headless
 * front-end (like SameBoy's Tester). Narrates, checks every expect,
 * writes the trace as JSON Lines.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "engine.h"
#include "json.h"

int app_limit_opt(int *i, int argc, char **argv, struct load_limits *lim, size_t *max_input)
{
	const char *o = argv[*i];
	int which = !strcmp(o, "--max-steps")    ? 1
	            : !strcmp(o, "--max-memory") ? 2
	            : !strcmp(o, "--max-events") ? 3
	            : !strcmp(o, "--max-input")  ? 4
	                                         : 0;
	if (!which)
		return 0;
	if (*i + 1 >= argc) {
		fprintf(stderr, "iommulab: %s needs a value\n", o);
		return -1;
	}
	const char *v = argv[++*i];
	uint64_t x;
	int rc = which == 2 || which == 4 ? parse_size_str(v, &x) : parse_u64_str(v, &x);
	if (rc || x == 0) {
		fprintf(stderr, "iommulab: %s: expected a positive %s, got \"%s\"\n", o,
		        which == 2 || which == 4 ? "size" : "number", v);
		return -1;
	}
	switch (which) {
	case 1:
		lim->max_steps = x;
		break;
	case 2:
		lim->max_frames = (x + 4095) / 4096;
		break;
	case 3:
		lim->max_events = x;
		break;
	case 4:
		if (max_input)
			*max_input = (size_t)x;
		break;
	}
	return 1;
}

static void out_file(void *ctx, const char *s, size_t len)
{
	fwrite(s, 1, len, (FILE *)ctx);
}

struct membuf {
	char *b;
	size_t n, cap;
	int oom;
};

static void out_mem(void *ctx, const char *s, size_t len)
{
	struct membuf *m = ctx;
	if (m->n + len > m->cap) {
		size_t nc = (m->cap ? m->cap * 2 : 65536) + len;
		char *p = realloc(m->b, nc);
		if (!p) {
			m->oom = 1;
			return;
		}
		m->b = p;
		m->cap = nc;
	}
	memcpy(m->b + m->n, s, len);
	m->n += len;
}

static void print_events(const struct engine *e, uint64_t from, uint64_t to, enum lang lang, int verbose)
{
	char buf[1024];
	uint64_t shown = 0, limit = verbose ? UINT64_MAX : 40;
	for (uint64_t s = from; s < to && s < e->m.trace.n; s++) {
		const struct ev *ev = &e->m.trace.ev[s];
		if (ev->kind == EV_STEP || ev->kind == EV_NOTE)
			continue;
		if (shown++ >= limit)
			continue;
		ev_narrate(&e->m, &e->m.trace, ev, lang, buf, sizeof buf);
		printf("      %s\n", buf);
	}
	if (shown > limit)
		printf(lang == LANG_ZH ? "      …… 另有 %" PRIu64 " 个事件（--verbose 显示全部）\n"
		                       : "      … %" PRIu64 " more events (--verbose shows all)\n",
		       shown - limit);
}

static void print_stats(const struct engine *e)
{
	printf("\n%-40s %16s\n", "counter", "value");
	for (int i = 0; i < e->m.ncounters; i++)
		printf("%-40s %16" PRIu64 "\n", e->m.counters[i].name, e->m.counters[i].v);
	printf("%-40s %16" PRIu64 "\n", "simulated time (ns)", e->m.now_ns);
	printf("%-40s %16" PRIu64 "\n", "trace events", e->m.trace.count);
}

int cmd_run(int argc, char **argv)
{
	const char *file = NULL, *trace = NULL;
	int quiet = 0, verbose = 0, stats = 0, answers = 0;
	enum lang lang = LANG_EN;
	struct load_limits lim = {0};
	size_t max_input = 0;
	for (int i = 1; i < argc; i++) {
		int r = app_limit_opt(&i, argc, argv, &lim, &max_input);
		if (r < 0)
			return 2;
		if (r)
			continue;
		if (!strcmp(argv[i], "--trace") && i + 1 < argc)
			trace = argv[++i];
		else if (!strcmp(argv[i], "--lang") && i + 1 < argc) {
			const char *l = argv[++i];
			if (!strcmp(l, "zh"))
				lang = LANG_ZH;
			else if (strcmp(l, "en")) {
				fprintf(stderr, "iommulab run: --lang takes en or zh, got \"%s\"\n", l);
				return 2;
			}
		} else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q"))
			quiet = 1;
		else if (!strcmp(argv[i], "--verbose") || !strcmp(argv[i], "-v"))
			verbose = 1;
		else if (!strcmp(argv[i], "--stats"))
			stats = 1;
		else if (!strcmp(argv[i], "--answers"))
			answers = 1;
		else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "iommulab run: unknown option %s (try iommulab --help)\n", argv[i]);
			return 2;
		} else if (!file)
			file = argv[i];
		else {
			fprintf(stderr, "iommulab run: one scenario at a time (got %s and %s)\n", file,
			        argv[i]);
			return 2;
		}
	}
	if (!file) {
		fprintf(stderr,
		        "usage: iommulab run FILE [--trace OUT|-] [--lang en|zh] [--quiet] [--stats]\n");
		return 2;
	}
	struct scenario sc;
	if (app_load(file, &sc, &lim, max_input))
		return 2;
	struct engine e;
	int need_trace = 1; /* expectations such as events and log read the trace */
	if (engine_init(&e, &sc, need_trace)) {
		fprintf(stderr, "%s: error: %s\n", file, e.err);
		engine_free(&e);
		scenario_free(&sc);
		return 2;
	}
	const char *title = lang == LANG_ZH && sc.md.title_zh ? sc.md.title_zh : sc.md.title_en;
	if (!quiet) {
		printf("== %s\n", title ? title : file);
		if (e.mark[0]) {
			printf(lang == LANG_ZH ? "[启动]\n" : "[setup]\n");
			print_events(&e, 0, e.mark[0], lang, verbose);
		}
	}
	int failed = 0, held = 0, qi = 0;
	for (int i = 0; i < sc.nsteps; i++) {
		const struct step *st = &sc.steps[i];
		for (; !quiet && qi < sc.nquestions && sc.questions[qi].after_step <= i &&
		       sc.questions[qi].after_step >= 0;
		     qi++) {
			const struct question *q = &sc.questions[qi];
			printf(lang == LANG_ZH ? "  ?? 预测：%s\n" : "  ?? Predict: %s\n",
			       lang == LANG_ZH && q->q_zh ? q->q_zh : q->q_en);
			if (answers)
				printf(lang == LANG_ZH ? "     答案：%s\n" : "     Answer: %s\n",
				       lang == LANG_ZH && q->a_zh ? q->a_zh : q->a_en);
		}
		int rc = engine_forward(&e);
		const struct step_report *rep = &e.reports[i];
		if (!quiet) {
			char desc[300] = "";
			if (st->act->describe)
				st->act->describe(&e.m, st->args, lang == LANG_ZH, desc, sizeof desc);
			printf("[%d/%d] %s%s%s%s\n", i + 1, sc.nsteps, st->act->name, *desc ? " — " : "",
			       desc, st->repeat > 1 ? " (repeated)" : "");
			const char *say = lang == LANG_ZH && st->say_zh ? st->say_zh : st->say_en;
			if (say)
				printf("    %s\n", say);
			print_events(&e, rep->r.first_seq, rep->r.last_seq, lang, verbose);
		}
		held +=
		    st->nexpects - (rep->failed_expects > st->nexpects ? st->nexpects : rep->failed_expects);
		if (rep->failed_expects) {
			failed += rep->failed_expects;
			fprintf(stderr, "%s:%d:%d: step %d (%s) failed:\n%s", file, st->line, st->col, i + 1,
			        st->act->name, rep->diff);
		}
		if (rc < 0 && e.m.stop_reason[0]) {
			fprintf(stderr, "%s: stopped at step %d: %s\n", file, i + 1, e.m.stop_reason);
			failed++;
			break;
		}
	}
	for (; !quiet && qi < sc.nquestions; qi++) {
		const struct question *q = &sc.questions[qi];
		printf(lang == LANG_ZH ? "  ?? 思考：%s\n" : "  ?? Think: %s\n",
		       lang == LANG_ZH && q->q_zh ? q->q_zh : q->q_en);
		if (answers)
			printf(lang == LANG_ZH ? "     答案：%s\n" : "     Answer: %s\n",
			       lang == LANG_ZH && q->a_zh ? q->a_zh : q->a_en);
	}
	if (stats)
		print_stats(&e);
	int rc = failed ? 1 : 0;
	if (trace) {
		if (!strcmp(trace, "-"))
			trace_write_jsonl(&e.m, &e.m.trace, out_file, stdout);
		else {
			struct membuf mb = {0};
			trace_write_jsonl(&e.m, &e.m.trace, out_mem, &mb);
			if (mb.oom || app_write_file(trace, mb.b ? mb.b : "", mb.n))
				rc = 2;
			free(mb.b);
		}
	}
	if (!quiet || failed)
		fprintf(quiet ? stderr : stdout, "%s: %d expectations held, %d failed\n", file, held, failed);
	engine_free(&e);
	scenario_free(&sc);
	return rc;
}

int cmd_validate(int argc, char **argv)
{
	struct load_limits lim = {0};
	size_t max_input = 0;
	int bad = 0, n = 0;
	for (int i = 1; i < argc; i++) {
		int r = app_limit_opt(&i, argc, argv, &lim, &max_input);
		if (r < 0)
			return 2;
		if (r)
			continue;
		struct scenario sc;
		n++;
		if (app_load(argv[i], &sc, &lim, max_input)) {
			bad++;
			continue;
		}
		/* building the machine finds what only a build can (e.g. VFIO without an IOMMU) */
		struct engine e;
		if (engine_init(&e, &sc, 0)) {
			fprintf(stderr, "%s: error: %s\n", argv[i], e.err);
			bad++;
		} else
			printf("%s: ok (%d steps)\n", argv[i], sc.nsteps);
		engine_free(&e);
		scenario_free(&sc);
	}
	if (!n) {
		fprintf(stderr, "usage: iommulab validate FILE...\n");
		return 2;
	}
	return bad ? 2 : 0;
}
