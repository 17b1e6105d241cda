/*
 * test_engine.c — determinism and time travel: the same scenario gives the
 * same trace byte for byte; stepping back then forward lands in the same
 * state (same events, same memory).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

struct buf {
	char *b;
	size_t n, cap;
};

static void out(void *ctx, const char *s, size_t len)
{
	struct buf *b = ctx;
	if (b->n + len + 1 > b->cap) {
		b->cap = (b->cap + len) * 2 + 4096;
		b->b = realloc(b->b, b->cap);
	}
	memcpy(b->b + b->n, s, len);
	b->n += len;
}

static struct buf jsonl(const struct engine *e)
{
	struct buf b = {0};
	trace_write_jsonl(&e->m, &e->m.trace, out, &b);
	return b;
}

static int shipped(char files[][256], int max)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "cd %s && ls scenarios/*.json lessons/*.json 2>/dev/null",
	         IOMMULAB_SOURCE_DIR);
	FILE *p = popen(cmd, "r");
	int n = 0;
	while (n < max && fgets(files[n], 256, p)) {
		files[n][strcspn(files[n], "\n")] = 0;
		if (strstr(files[n], "schema.json") || strstr(files[n], "registry.json"))
			continue;
		n++;
	}
	pclose(p);
	return n;
}

static int load_quietly(struct scenario *sc, const char *file)
{
	char *err = NULL;
	int rc = tu_load_file(sc, file, &err);
	free(err);
	return rc;
}

Test(engine, same_scenario_gives_the_same_trace_byte_for_byte, .timeout = 120)
{
	static char files[128][256];
	int n = shipped(files, 128);
	cr_assert_gt(n, 5);
	for (int i = 0; i < n; i++) {
		struct scenario sc;
		char *err = NULL;
		if (tu_load_file(&sc, files[i], &err)) {
			cr_expect(0, "%s: %s", files[i], err);
			free(err);
			continue;
		}
		struct engine a, b;
		cr_assert_eq(engine_init(&a, &sc, 1), 0, "%s: %s", files[i], a.err);
		cr_assert_eq(engine_init(&b, &sc, 1), 0);
		engine_run_all(&a, NULL);
		engine_run_all(&b, NULL);
		struct buf x = jsonl(&a), y = jsonl(&b);
		cr_expect_eq(x.n, y.n, "%s", files[i]);
		cr_expect(x.n == y.n && !memcmp(x.b, y.b, x.n), "%s: traces differ", files[i]);
		free(x.b);
		free(y.b);
		engine_free(&a);
		engine_free(&b);
		scenario_free(&sc);
	}
}

Test(engine, stepping_back_then_forward_lands_in_the_same_state, .timeout = 120)
{
	static char files[128][256];
	int n = shipped(files, 128);
	for (int i = 0; i < n; i++) {
		struct scenario sc;
		if (load_quietly(&sc, files[i]))
			continue; /* the first test reports files that do not load */
		if (sc.nsteps < 2 || sc.nsteps > 200) {
			scenario_free(&sc);
			continue;
		}
		struct engine e;
		cr_assert_eq(engine_init(&e, &sc, 1), 0);
		engine_run_all(&e, NULL);
		struct buf full = jsonl(&e);
		uint64_t now = e.m.now_ns;
		/* back to the middle, check the prefix, forward again */
		int mid = sc.nsteps / 2;
		cr_assert_eq(engine_goto(&e, mid), 0);
		cr_assert_eq(e.next, mid);
		struct buf half = jsonl(&e);
		cr_expect(half.n <= full.n && !memcmp(half.b, full.b, half.n), "%s: replayed prefix differs",
		          files[i]);
		cr_assert_eq(engine_back(&e), 0);
		cr_assert_eq(e.next, mid - 1);
		engine_run_all(&e, NULL);
		struct buf again = jsonl(&e);
		cr_expect(again.n == full.n && !memcmp(again.b, full.b, full.n),
		          "%s: forward after back differs", files[i]);
		cr_expect_eq(e.m.now_ns, now, "%s: simulated time differs", files[i]);
		free(full.b);
		free(half.b);
		free(again.b);
		engine_free(&e);
		scenario_free(&sc);
	}
}

/* The walkers have a separate, specialised instance for untraced runs
 * (benchmarks, long NIC runs): it must compute exactly what the traced
 * one does. Every shipped file, step by step: the same results, clock,
 * event count, counters, and in the end the same memory, byte for byte. */
static int same_result(const struct step_result *a, const struct step_result *b)
{
	return a->walk_refs == b->walk_refs && a->tlb == b->tlb && a->has_gpa == b->has_gpa &&
	       a->has_hpa == b->has_hpa && a->has_iova == b->has_iova && a->gpa == b->gpa &&
	       a->hpa == b->hpa && a->iova == b->iova && a->value == b->value &&
	       a->has_value == b->has_value && !memcmp(&a->fault, &b->fault, sizeof a->fault) &&
	       !strcmp(a->error, b->error);
}

Test(engine, untraced_run_computes_what_the_traced_run_does, .timeout = 180)
{
	static char files[128][256];
	int n = shipped(files, 128), compared = 0;
	for (int i = 0; i < n; i++) {
		struct scenario sc;
		if (load_quietly(&sc, files[i]))
			continue; /* the first test reports files that do not load */
		struct engine a, b;
		cr_assert_eq(engine_init(&a, &sc, 1), 0, "%s: %s", files[i], a.err);
		cr_assert_eq(engine_init(&b, &sc, 0), 0, "%s: %s", files[i], b.err);
		for (int k = 0; k < sc.nsteps; k++) {
			int ra = engine_forward(&a), rb = engine_forward(&b);
			cr_assert_eq(ra < 0, rb < 0, "%s: step %d: one run stopped", files[i], k);
			if (ra < 0 && a.next <= k)
				break;
			cr_assert(same_result(&a.reports[k].r, &b.reports[k].r),
			          "%s: step %d: results differ", files[i], k);
			cr_assert_eq(a.m.now_ns, b.m.now_ns, "%s: step %d: clock", files[i], k);
			cr_assert_eq(a.m.trace.count, b.m.trace.count, "%s: step %d: event count", files[i],
			             k);
			cr_assert_eq(a.m.ncounters, b.m.ncounters, "%s: step %d", files[i], k);
			for (int c = 0; c < a.m.ncounters; c++)
				cr_assert_eq(a.m.counters[c].v, b.m.counters[c].v, "%s: step %d: counter %s",
				             files[i], k, a.m.counters[c].name);
		}
		cr_assert_eq(a.m.mem.used, b.m.mem.used, "%s: frames touched", files[i]);
		for (uint64_t s = 0; s < a.m.mem.cap; s++) {
			if (!a.m.mem.keys[s])
				continue;
			uint64_t hpa = (a.m.mem.keys[s] - 1) << 12;
			const uint8_t *fa = mem_frame_peek(&a.m.mem, hpa),
			              *fb = mem_frame_peek(&b.m.mem, hpa);
			cr_assert(fb && !memcmp(fa, fb, 4096), "%s: frame %#llx differs", files[i],
			          (unsigned long long)hpa);
		}
		compared++;
		engine_free(&a);
		engine_free(&b);
		scenario_free(&sc);
	}
	cr_assert_gt(compared, 40);
}

Test(engine, back_restores_memory_written_by_a_step)
{
	struct scenario sc;
	struct engine e;
	tu_start(
	    &sc, &e,
	    "{\"format\":\"iommulab/"
	    "1\",\"host\":{\"pages\":[{\"va\":\"0xffff888000100000\",\"pa\":\"0x100000\"}]},"
	    "\"steps\":[{\"do\":\"cpu.write\",\"va\":\"0xffff888000100000\",\"value\":\"0xaa\",\"size\":1},"
	    "{\"do\":\"cpu.write\",\"va\":\"0xffff888000100000\",\"value\":\"0xbb\",\"size\":1}]}");
	engine_forward(&e);
	engine_forward(&e);
	uint8_t v;
	mem_read(&e.m.mem, 0x100000, &v, 1);
	cr_assert_eq(v, 0xbb);
	engine_back(&e);
	mem_read(&e.m.mem, 0x100000, &v, 1);
	cr_assert_eq(v, 0xaa);
	engine_back(&e);
	mem_read(&e.m.mem, 0x100000, &v, 1);
	cr_assert_eq(v, 0x00);
	cr_assert_eq(engine_back(&e), -1, "nothing before the start");
	engine_free(&e);
	scenario_free(&sc);
}

Test(engine, a_failed_expectation_reports_expected_and_actual)
{
	struct scenario sc;
	struct engine e;
	tu_start(&sc, &e,
	         "{\"format\":\"iommulab/"
	         "1\",\"host\":{\"pages\":[{\"va\":\"0xffff888000100000\",\"pa\":\"0x100000\"}]},"
	         "\"steps\":[{\"do\":\"cpu.read\",\"va\":\"0xffff888000100000\",\"expect\":{\"walk_refs\":3,"
	         "\"hpa\":\"0x100000\"}}]}");
	cr_assert_eq(engine_forward(&e), 1);
	cr_assert(
	    strstr(e.reports[0].diff, "expect.walk_refs: expected 3 paging-structure entries read, got 4"),
	    "%s", e.reports[0].diff);
	cr_assert_eq(e.reports[0].failed_expects, 1, "hpa held");
	engine_free(&e);
	scenario_free(&sc);
}
