/*
 * fuzz_scenario.c — libFuzzer harness: a scenario file is hostile input.
 *
 *   bytes --scenario_load--> errors (exit 2 in the CLI)      must not crash
 *                       \--> scenario --engine_init--> run all, back,
 *                                         goto 0, goto end, narrate trace
 *
 * Tight caps keep each input fast: 200 steps (repeat included), 16 MiB of
 * touched memory (4096 frames), 100 000 trace events. Every shipped
 * scenario and lesson seeds the corpus (`make fuzz`). Coverage stops at
 * our own code: Debian's cJSON is not instrumented.
 *
 * Build: make fuzz (clang -fsanitize=fuzzer,address,undefined, all of core linked in).
 * A crashing input goes to tests/hostile/ as a regression file.
 *
 * Not fuzzed here: the CLI's file reading (io.c) and the viz back-ends.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "scenario.h"
#include "trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void sink(void *ctx, const char *s, size_t len)
{
	size_t *n = ctx;
	*n += len + (s && len ? (unsigned char)s[0] : 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario sc;
	struct load_limits lim = {200, 4096, 100000};
	char *errors = NULL;
	if (scenario_load(&sc, "fuzz.json", (const char *)data, size, &lim, &errors)) {
		/* every failure says where and what */
		if (!errors || strncmp(errors, "fuzz.json:", 10))
			abort();
		free(errors);
		scenario_free(&sc);
		return 0;
	}
	free(errors);
	struct engine e;
	if (engine_init(&e, &sc, 1) == 0) {
		int failed;
		engine_run_all(&e, &failed);
		int n = e.next;
		/* narrate and export what the run produced (bounded) */
		char buf[2048];
		uint64_t lim_ev = e.m.trace.n < 2000 ? e.m.trace.n : 2000;
		for (uint64_t i = 0; i < lim_ev; i++) {
			ev_narrate(&e.m, &e.m.trace, &e.m.trace.ev[i], LANG_EN, buf, sizeof buf);
			ev_narrate(&e.m, &e.m.trace, &e.m.trace.ev[i], LANG_ZH, buf, sizeof buf);
			ev_to_json(&e.m, &e.m.trace, &e.m.trace.ev[i], buf, sizeof buf);
		}
		if (e.m.trace.n <= 2000) {
			size_t total = 0;
			trace_write_jsonl(&e.m, &e.m.trace, sink, &total);
		}
		/* step back and forth: replay must not crash either (small runs
		 * only: a replay re-runs every step, a timeout is not a finding) */
		if (e.m.trace.count > 20000)
			goto out;
		engine_back(&e);
		engine_goto(&e, 0);
		engine_goto(&e, n < 3 ? n : 3);
		engine_goto(&e, n);
		engine_back(&e);
	}
out:
	engine_free(&e);
	scenario_free(&sc);
	return 0;
}
