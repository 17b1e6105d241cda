/*
 * bench.c — how fast is the model, against the physical limit?
 *
 * `make bench` builds with optimisation and runs this program. It prints a
 * table and then one JSON object with every figure:
 *
 *   figure                       what is timed (host wall clock)
 *   ---------------------------  -----------------------------------------
 *   native walk, cold            mmu_translate, host 4-level, TLB flushed
 *   nested walk, cold            mmu_translate, guest 4 + EPT 4 = 24 reads
 *   TLB-hit translation          mmu_translate of a cached page
 *   trace events                 trace_push of walk.ref events
 *   scenario parse               scenario_load of shipped files, MB/s
 *   reference walker             the same radix lookups on plain arrays:
 *                                no trace, no checks, no sparse memory
 *   IOMMU / map+unmap / NIC      bench_iommu.c and bench_nic.c (captured)
 *   export per diagram           gv_build + gv_render(SVG), viz/gv.h
 *   frame time p50/p99           viewer_bench (SDL dummy driver, software)
 *   memory                       1 TiB declared, 4 MiB touched: RSS delta;
 *                                trace bytes per event
 *
 * The reference walker is the "bare metal" yardstick: what a tight loop
 * costs for the same 24 (or 4) dependent loads. "slowdown vs reference"
 * = engine time per walk / reference time per walk.
 *
 * Who runs main: bench_iommu.c owns main() (and bench_nic.c a weak one).
 * This file's constructor runs first, calls their entry points with stdout
 * captured, prints the combined table + JSON and exits, so there is one
 * program and one report. BENCH_QUICK=1 shortens every loop 10x.
 *
 * Not measured: multi-core scaling (the model is single-threaded), cache
 * effects of bigger working sets than a few MiB.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "engine.h"
#include "gv.h"
#include "mmu.h"
#include "paging.h"
#include "scenario.h"
#include "tlb.h"
#include "trace.h"
#include "viewer.h"

int bench_nic_main(void);
int bench_iommu_main(void);

static double scale = 1.0;
static volatile uint64_t sink;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long rss_now_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size = 0, res = 0;
	if (f) {
		if (fscanf(f, "%ld %ld", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return res * (sysconf(_SC_PAGESIZE) / 1024);
}

static uint64_t iters(uint64_t n)
{
	uint64_t k = (uint64_t)((double)n * scale);
	return k ? k : 1;
}

/* ---------------- results ---------------- */

struct fig {
	char key[64];
	char label[96];
	double value;
	const char *unit;
};

static struct fig figs[96];
static int nfigs;

static void fig(const char *key, const char *label, double v, const char *unit)
{
	if (nfigs >= (int)(sizeof figs / sizeof *figs))
		return;
	struct fig *f = &figs[nfigs++];
	snprintf(f->key, sizeof f->key, "%s", key);
	snprintf(f->label, sizeof f->label, "%s", label);
	f->value = v;
	f->unit = unit;
}

static double fig_get(const char *key)
{
	for (int i = 0; i < nfigs; i++)
		if (!strcmp(figs[i].key, key))
			return figs[i].value;
	return 0;
}

/* ---------------- a machine to walk ---------------- */

/* The working set: 512 pages of 4 KiB in 64 runs of 8 pages, spread so
 * that every level of the radix tree has several entries in use (the
 * upper indexes differ, so no level can be cached or hoisted by the
 * compiler in the reference walker). The same VAs are mapped for the host
 * (VA -> HPA) and for a guest (GVA -> GPA, then EPT with 4 KiB pages). */
static uint64_t vas[512];
static char walk_json[16384];

static uint64_t run_va(int j)
{
	return ((uint64_t)(j & 7) << 39) | ((uint64_t)((j >> 3) & 7) << 30) | ((uint64_t)(j & 7) << 21) |
	       0x100000000000ull;
}

static void make_working_set(void)
{
	size_t L = 0, cap = sizeof walk_json;
	L += (size_t)snprintf(
	    walk_json + L, cap - L,
	    "{\"format\":\"iommulab/1\",\"machine\":{\"ram\":\"256MiB\"},\"host\":{\"pages\":[");
	for (int j = 0; j < 64; j++)
		L += (size_t)snprintf(walk_json + L, cap - L,
		                      "%s{\"va\":\"0x%llx\",\"pa\":\"0x%x\",\"size\":\"32KiB\"}",
		                      j ? "," : "", (unsigned long long)run_va(j), 0x2000000 + j * 0x8000);
	L += (size_t)snprintf(walk_json + L, cap - L,
	                      "]},\"vms\":[{\"name\":\"vm1\",\"ram\":[{\"gpa\":\"0x0\",\"size\":\"64MiB\","
	                      "\"hpa\":\"0x4000000\"}],"
	                      "\"pages\":[");
	for (int j = 0; j < 64; j++)
		L += (size_t)snprintf(walk_json + L, cap - L,
		                      "%s{\"gva\":\"0x%llx\",\"gpa\":\"0x%x\",\"size\":\"32KiB\"}",
		                      j ? "," : "", (unsigned long long)run_va(j), 0x200000 + j * 0x8000);
	L += (size_t)snprintf(walk_json + L, cap - L, "]}],\"steps\":[{\"do\":\"note\"}]}");
	/* visit order: page k of run j, interleaved so consecutive walks differ at every level */
	for (int i = 0; i < 512; i++)
		vas[i] = run_va(i & 63) + ((uint64_t)(i >> 6) << 12);
}

static int start(struct scenario *sc, struct engine *e, const char *json, int trace_on)
{
	char *err = NULL;
	if (scenario_load(sc, "bench.json", json, strlen(json), NULL, &err)) {
		fprintf(stderr, "bench: %s", err ? err : "load failed\n");
		free(err);
		return -1;
	}
	if (engine_init(e, sc, trace_on)) {
		fprintf(stderr, "bench: %s\n", e->err);
		scenario_free(sc);
		return -1;
	}
	e->m.trace.max_events = UINT64_MAX; /* we truncate ourselves */
	return 0;
}

enum walk_kind { W_NATIVE_COLD, W_NESTED_COLD, W_NESTED_HIT };

/* Translations per second; *refs = entries read by one translation. */
static double bench_walk1(enum walk_kind k, int trace_on, uint64_t n, int *refs)
{
	struct scenario sc;
	struct engine e;
	if (start(&sc, &e, walk_json, trace_on))
		return 0;
	struct machine *m = &e.m;
	int vm = k == W_NATIVE_COLD ? -1 : 0;
	uint16_t vpid = (uint16_t)(vm + 1);
	struct step_result r;
	uint64_t hpa, acc = 0;
	*refs = -1;
	/* warm-up: touch every page once (A bits, frames) */
	for (uint64_t i = 0; i < 512; i++) {
		memset(&r, 0, sizeof r);
		if (mmu_translate(m, vm, vas[i], ACC_READ, 1, &r, &hpa))
			abort();
	}
	double t0 = now_s();
	for (uint64_t i = 0; i < n; i++) {
		uint64_t va = vas[i & 511] + (i & 0xff8);
		if (k == W_NESTED_HIT)
			va = vas[(i & 7) << 6] +
			     (i & 0xff8); /* 8 consecutive pages: 8 TLB sets, always hits */
		else
			tlb_flush(&m->tlb, FLUSH_CR3, vpid, 0);
		/* what a step resets before its translations (the engine clears the
		 * whole result once per step; a step may translate many times) */
		r.walk_refs = 0;
		r.tlb = 0;
		r.has_gpa = 0;
		if (mmu_translate(m, vm, va, ACC_READ, 1, &r, &hpa))
			abort();
		acc += hpa;
		*refs = r.walk_refs; /* of the last translation */
		if (trace_on && m->trace.n > 16384)
			trace_truncate(
			    &m->trace,
			    0); /* a step's worth of events: cache-resident, see bench_trace_push */
	}
	double dt = now_s() - t0;
	sink += acc;
	engine_free(&e);
	scenario_free(&sc);
	return (double)n / dt;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double ref_run(enum walk_kind k, uint64_t n);

/* Five rounds of: reference, engine with tracing off, engine with tracing
 * on — back to back, so a noisy neighbour disturbs all three alike. Rates
 * are the best round; slowdowns the median of the per-round ratios. */
struct walk_fig {
	double off, on, ref;      /* per second */
	double slow_off, slow_on; /* engine time per walk / reference time per walk */
	int refs;
};

static void bench_walk(enum walk_kind k, uint64_t n_off, uint64_t n_on, uint64_t n_ref, struct walk_fig *w)
{
	double so[5], sn[5];
	int r2;
	memset(w, 0, sizeof *w);
	for (int i = 0; i < 5; i++) {
		double ref = ref_run(k, n_ref / 5 + 1);
		double off = bench_walk1(k, 0, n_off / 5 + 1, &w->refs);
		double on = bench_walk1(k, 1, n_on / 5 + 1, &r2);
		so[i] = ref / off;
		sn[i] = ref / on;
		if (ref > w->ref)
			w->ref = ref;
		if (off > w->off)
			w->off = off;
		if (on > w->on)
			w->on = on;
	}
	qsort(so, 5, sizeof *so, cmp_double);
	qsort(sn, 5, sizeof *sn, cmp_double);
	w->slow_off = so[2];
	w->slow_on = sn[2];
}

/* ---------------- the reference walker ---------------- */

/* Plain arrays: physical memory is uint64_t[], a table is 512 entries,
 * an entry's frame number indexes the array directly. No trace, no
 * permission checks, no A/D, no sparse hash: the physical limit of the
 * same dependent loads in this process. */
#define REF_FRAMES 2048
static uint64_t *ref_mem; /* REF_FRAMES x 512 entries */
static int ref_next;

static uint64_t ref_alloc(void)
{
	return (uint64_t)(ref_next++) << 12;
}

static uint64_t *ref_entry(uint64_t table, uint64_t va, int lvl)
{
	return &ref_mem[(table >> 12) * 512 + ((va >> (12 + 9 * (lvl - 1))) & 511)];
}

static void ref_map(uint64_t root, uint64_t va, uint64_t pa)
{
	uint64_t t = root;
	for (int lvl = 4; lvl > 1; lvl--) {
		uint64_t *e = ref_entry(t, va, lvl);
		if (!(*e & 1))
			*e = ref_alloc() | 7;
		t = *e & 0x000ffffffffff000ull;
	}
	*ref_entry(t, va, 1) = (pa & 0x000ffffffffff000ull) | 7;
}

static inline uint64_t ref_walk(uint64_t root, uint64_t va)
{
	uint64_t t = root;
	for (int lvl = 4; lvl >= 1; lvl--)
		t = *ref_entry(t, va, lvl) & 0x000ffffffffff000ull;
	return t | (va & 0xfff);
}

/* 2-D: every guest table address is a GPA translated by an EPT walk. */
static inline uint64_t ref_walk2(uint64_t ept, uint64_t gcr3, uint64_t va)
{
	uint64_t t = gcr3;
	for (int lvl = 4; lvl >= 1; lvl--) {
		uint64_t ta = ref_walk(ept, t); /* GPA of the table -> HPA */
		t = *ref_entry(ta, va, lvl) & 0x000ffffffffff000ull;
	}
	return ref_walk(ept, t | (va & 0xfff));
}

struct ref_tlb {
	uint64_t tag[16][4], frame[16][4];
};

static inline int ref_tlb_lookup(const struct ref_tlb *t, uint64_t va, uint64_t *pa)
{
	uint64_t vpn = va >> 12;
	unsigned s = (unsigned)(vpn & 15);
	for (int w = 0; w < 4; w++)
		if (t->tag[s][w] == vpn + 1) {
			*pa = t->frame[s][w] | (va & 0xfff);
			return 1;
		}
	return 0;
}

static uint64_t ref_host, ref_ept, ref_gcr3;
static struct ref_tlb ref_tlb;

static void ref_setup(void)
{
	ref_mem = calloc((size_t)REF_FRAMES * 512, sizeof *ref_mem);
	ref_next = 1;
	ref_host = ref_alloc();
	ref_ept = ref_alloc();
	ref_gcr3 = ref_alloc(); /* GPA == HPA: an identity EPT over all REF_FRAMES frames */
	for (uint64_t f = 0; f < REF_FRAMES; f++)
		ref_map(ref_ept, f << 12, f << 12);
	for (uint64_t i = 0; i < 512; i++) {
		ref_map(ref_host, vas[i], (1024 + i) << 12);
		ref_map(ref_gcr3, vas[i], (1024 + i) << 12);
	}
	for (int p = 0; p < 8; p++) {
		uint64_t vpn = vas[p << 6] >> 12;
		int w = 0;
		while (w < 3 && ref_tlb.tag[vpn & 15][w])
			w++;
		ref_tlb.tag[vpn & 15][w] = vpn + 1;
		ref_tlb.frame[vpn & 15][w] = ref_walk2(ref_ept, ref_gcr3, vpn << 12);
	}
}

/* one timed run of the reference for walk kind k: walks (or lookups) per second */
static double ref_run(enum walk_kind k, uint64_t n)
{
	uint64_t acc = 0;
	double t0 = now_s();
	if (k == W_NATIVE_COLD)
		for (uint64_t i = 0; i < n; i++)
			acc += ref_walk(ref_host, vas[i & 511] + (i & 0xff8));
	else if (k == W_NESTED_COLD)
		for (uint64_t i = 0; i < n; i++)
			acc += ref_walk2(ref_ept, ref_gcr3, vas[i & 511] + (i & 0xff8));
	else
		for (uint64_t i = 0; i < n; i++) {
			uint64_t pa, va = vas[(i & 7) << 6] + (i & 0xff8);
			if (!ref_tlb_lookup(&ref_tlb, va, &pa))
				pa = ref_walk2(ref_ept, ref_gcr3, va);
			acc += pa;
		}
	double dt = now_s() - t0;
	sink += acc;
	return (double)n / dt;
}

/* ---------------- trace, parse, memory ---------------- */

/* Appending events. `keep` events stay stored before the trace is
 * truncated: 16 384 (1.2 MB, cache-resident: the cost of the code) or
 * 1 000 000 (72 MB: the cost of this machine's DRAM write bandwidth). */
static double bench_trace_push(uint64_t n, uint64_t keep)
{
	struct trace t;
	trace_init(&t, 1);
	t.max_events = UINT64_MAX;
	struct ev e = {0};
	e.kind = EV_WALK_REF;
	e.walker = WALKER_EPT;
	double t0 = now_s();
	for (uint64_t i = 0; i < n; i++) {
		e.addr_in = i;
		e.level = (int8_t)(i & 3);
		trace_push(&t, &e);
		if (t.n >= keep)
			trace_truncate(&t, 0);
	}
	double dt = now_s() - t0;
	trace_free(&t);
	return (double)n / dt;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long L = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)L + 1);
	*len = fread(b, 1, (size_t)L, f);
	fclose(f);
	return b;
}

/* MB/s over the shipped scenarios (each loaded many times), and over one
 * synthetic 1 MB file of 10 000 steps. */
static void bench_parse(double *shipped_mbs, double *big_mbs)
{
	static const char *const files[] = {"nested-walk-24.json",    "ept-violations.json",
	                                    "guest-page-faults.json", "nic-rx-one.json",
	                                    "fragmented-gpa.json",    NULL};
	size_t total = 0;
	double dt = 0;
	for (int i = 0; files[i]; i++) {
		char p[512];
		snprintf(p, sizeof p, "%s/scenarios/%s", IOMMULAB_SOURCE_DIR, files[i]);
		size_t len;
		char *b = slurp(p, &len);
		if (!b)
			continue;
		uint64_t n = iters(300);
		double t0 = now_s();
		for (uint64_t k = 0; k < n; k++) {
			struct scenario sc;
			char *err = NULL;
			if (scenario_load(&sc, files[i], b, len, NULL, &err))
				fprintf(stderr, "bench: %s", err ? err : "?\n");
			free(err);
			scenario_free(&sc);
		}
		dt += now_s() - t0;
		total += len * n;
		free(b);
	}
	*shipped_mbs = (double)total / 1e6 / dt;
	size_t cap = 4u << 20, L = 0;
	char *b = malloc(cap);
	L += (size_t)snprintf(
	    b + L, cap - L,
	    "{\"format\":\"iommulab/1\",\"vms\":[{\"name\":\"vm1\",\"ram\":[{\"gpa\":\"0x0\","
	    "\"size\":\"64MiB\",\"hpa\":\"0x4000000\"}],\"pages\":[{\"gva\":\"0x400000\","
	    "\"gpa\":\"0x200000\",\"size\":\"2MiB\"}]}],\"steps\":[\n");
	for (int i = 0; i < 10000; i++)
		L += (size_t)snprintf(
		    b + L, cap - L,
		    "%s {\"do\": \"cpu.read\", \"vm\": \"vm1\", \"gva\": \"0x%x\", \"size\": 8,\n"
		    "   \"say\": {\"en\": \"step %d\", \"zh\": \"第 %d 步\"}, \"expect\": {\"tlb\": "
		    "\"hit\"}}",
		    i ? ",\n" : "", 0x400000 + (i % 512) * 4096, i, i);
	L += (size_t)snprintf(b + L, cap - L, "]}\n");
	uint64_t n = iters(10);
	double t0 = now_s();
	for (uint64_t k = 0; k < n; k++) {
		struct scenario sc;
		char *err = NULL;
		if (scenario_load(&sc, "big.json", b, L, NULL, &err))
			fprintf(stderr, "bench: %.300s", err ? err : "?\n");
		free(err);
		scenario_free(&sc);
	}
	*big_mbs = (double)L * (double)n / 1e6 / (now_s() - t0);
	free(b);
}

/* 1 TiB of host RAM declared, a VM of 512 GiB, 4 MiB written: RSS delta. */
static void bench_sparse_memory(double *rss_delta_kb, double *touched_kb)
{
	const char *json =
	    "{\"format\":\"iommulab/1\",\"machine\":{\"ram\":\"1TiB\"},"
	    "\"vms\":[{\"name\":\"vm1\",\"ept_page\":\"1GiB\",\"ram\":[{\"gpa\":\"0x0\",\"size\":\"512GiB\","
	    "\"hpa\":\"0x8000000000\"}],\"pages\":[{\"gva\":\"0x7f0000000000\",\"gpa\":\"0x40000000\","
	    "\"page\":\"1GiB\"}]}],\"steps\":[{\"do\":\"note\"}]}";
	long before = rss_now_kb();
	struct scenario sc;
	struct engine e;
	if (start(&sc, &e, json, 0))
		return;
	static uint8_t page[4096];
	for (int i = 0; i < 1024; i++) {
		memset(page, i, sizeof page);
		/* spread over the 1 TiB: one page every 1 GiB / 4 */
		mem_write(&e.m.mem, ((uint64_t)i << 28) + 0x1000, page, sizeof page);
	}
	long after = rss_now_kb();
	*rss_delta_kb = (double)(after - before);
	*touched_kb = (double)(e.m.mem.touched_bytes >> 10);
	engine_free(&e);
	scenario_free(&sc);
}

/* Trace bytes per event on shipped scenarios (stored events + string pool). */
static void bench_trace_bytes(const char *file, double *bytes_per_ev, double *pool_per_ev, uint64_t *nev)
{
	char p[512];
	snprintf(p, sizeof p, "%s/scenarios/%s", IOMMULAB_SOURCE_DIR, file);
	size_t len;
	char *b = slurp(p, &len);
	*bytes_per_ev = *pool_per_ev = 0;
	*nev = 0;
	if (!b)
		return;
	struct scenario sc;
	char *err = NULL;
	int rc = scenario_load(&sc, file, b, len, NULL, &err);
	free(b);
	free(err);
	if (rc)
		return;
	struct engine e;
	if (engine_init(&e, &sc, 1) == 0) {
		engine_run_all(&e, NULL);
		*nev = e.m.trace.n;
		if (e.m.trace.n) {
			*pool_per_ev = (double)e.m.trace.pool_len / (double)e.m.trace.n;
			*bytes_per_ev = (double)sizeof(struct ev) + *pool_per_ev;
		}
	}
	engine_free(&e);
	scenario_free(&sc);
}

/* ---------------- viz ---------------- */

static void bench_export(void)
{
	static const char *const files[] = {"nested-walk-24.json", "nic-rx-one.json",
	                                    "boot-pt-without-intel-iommu.json", NULL};
	double best[GV_NDIAGRAMS];
	const char *from[GV_NDIAGRAMS];
	for (int d = 0; d < GV_NDIAGRAMS; d++)
		best[d] = -1;
	for (int f = 0; files[f]; f++) {
		char p[512];
		snprintf(p, sizeof p, "%s/scenarios/%s", IOMMULAB_SOURCE_DIR, files[f]);
		size_t len;
		char *b = slurp(p, &len);
		if (!b)
			continue;
		struct scenario sc;
		char *err = NULL;
		int rc = scenario_load(&sc, files[f], b, len, NULL, &err);
		free(b);
		free(err);
		if (rc)
			continue;
		struct engine e;
		if (engine_init(&e, &sc, 1) == 0) {
			engine_run_all(&e, NULL);
			struct gv_view v = {&e.m, &sc, e.mark[0], e.m.trace.n, 0, 0, LANG_EN};
			for (int d = 0; d < GV_NDIAGRAMS; d++) {
				char why[256];
				if (best[d] >= 0 || gv_applies(&v, (enum gv_diagram)d, why, sizeof why))
					continue;
				double t = 1e9;
				for (int k = 0; k < 3; k++) {
					double t0 = now_s();
					Agraph_t *g = gv_build(&v, (enum gv_diagram)d, why, sizeof why);
					if (!g)
						break;
					char *out = NULL;
					size_t olen = 0;
					if (gv_render(g, GV_SVG, &out, &olen, why, sizeof why) == 0)
						free(out);
					gv_free_graph(g);
					double dt = now_s() - t0;
					if (dt < t)
						t = dt;
				}
				if (t < 1e9) {
					best[d] = t;
					from[d] = files[f];
				}
			}
		}
		engine_free(&e);
		scenario_free(&sc);
	}
	for (int d = 0; d < GV_NDIAGRAMS; d++) {
		if (best[d] < 0)
			continue;
		char key[64], label[96];
		snprintf(key, sizeof key, "export_%s_svg_ms", gv_diagram_name((enum gv_diagram)d));
		snprintf(label, sizeof label, "export %s diagram (SVG, %s)",
		         gv_diagram_name((enum gv_diagram)d), from[d]);
		fig(key, label, best[d] * 1e3, "ms");
	}
}

static void bench_frames(void)
{
	char p[512];
	snprintf(p, sizeof p, "%s/scenarios/nested-walk-24.json", IOMMULAB_SOURCE_DIR);
	double p50 = 0, p99 = 0;
	if (viewer_bench(p, 1280, 800, (int)iters(120), &p50, &p99) == 0) {
		fig("frame_p50_ms", "viewer frame time p50 (1280x800, software)", p50, "ms");
		fig("frame_p99_ms", "viewer frame time p99 (1280x800, software)", p99, "ms");
	}
}

/* ---------------- the modules' own benchmarks ---------------- */

static cJSON *captured[2];

static void capture(int (*fn)(void), int slot)
{
	fflush(stdout);
	FILE *tmp = tmpfile();
	if (!tmp)
		return;
	int saved = dup(1);
	dup2(fileno(tmp), 1);
	fn();
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	long L = ftell(tmp);
	if (L <= 0) {
		fclose(tmp);
		return;
	}
	char *b = malloc((size_t)L + 1);
	fseek(tmp, 0, SEEK_SET);
	size_t n = fread(b, 1, (size_t)L, tmp);
	b[n] = 0;
	fclose(tmp);
	captured[slot] = cJSON_Parse(b);
	if (!captured[slot])
		fprintf(stderr, "bench: could not parse the output of a module benchmark:\n%s\n", b);
	free(b);
}

static double jget(const cJSON *root, const char *a, const char *b, const char *c)
{
	const cJSON *x = root ? cJSON_GetObjectItemCaseSensitive(root, a) : NULL;
	if (x && b)
		x = cJSON_GetObjectItemCaseSensitive(x, b);
	if (x && c)
		x = cJSON_GetObjectItemCaseSensitive(x, c);
	return cJSON_IsNumber(x) ? x->valuedouble : 0;
}

static void module_figs(void)
{
	const cJSON *nic = captured[0], *io = captured[1];
	fig("iommu_iotlb_hit_per_s", "IOMMU translations/s, IOTLB hit",
	    jget(io, "iommu", "translate_iotlb_hit", "host_per_s"), "/s");
	fig("iommu_cold_per_s", "IOMMU translations/s, cold (root+context+4 reads)",
	    jget(io, "iommu", "translate_cold_walk", "host_per_s"), "/s");
	fig("map_unmap_strict_per_s", "dma_map+unmap pairs/s, strict",
	    jget(io, "iommu", "map_unmap_strict", "host_pairs_per_s"), "/s");
	fig("map_unmap_lazy_per_s", "dma_map+unmap pairs/s, lazy (flush queue)",
	    jget(io, "iommu", "map_unmap_lazy", "host_pairs_per_s"), "/s");
	fig("nic_1m_rss_100k_kb", "NIC 1M-packet run, trace off: RSS after 100k packets",
	    jget(nic, "rx_1m_trace_off", "rss_kb_after_100k", NULL), "KiB");
	fig("nic_1m_rss_1m_kb", "NIC 1M-packet run, trace off: RSS after 1M packets",
	    jget(nic, "rx_1m_trace_off", "rss_kb_after_1m", NULL), "KiB");
	static const char *const modes[] = {"off", "pt", "lazy", "strict"};
	const cJSON *n = nic ? cJSON_GetObjectItemCaseSensitive(nic, "nic") : NULL;
	for (int i = 0; i < 4; i++)
		for (int tr = 0; tr < 2; tr++) {
			char k[64], l[96], sub[32];
			snprintf(sub, sizeof sub, "rx_trace_%s", tr ? "on" : "off");
			snprintf(k, sizeof k, "nic_rx_%s_trace_%s_pps", modes[i], tr ? "on" : "off");
			snprintf(l, sizeof l, "NIC Rx packets/s, IOMMU %s, trace %s", modes[i],
			         tr ? "on" : "off");
			fig(k, l, jget(n, modes[i], sub, "host_packets_per_s"), "/s");
		}
}

/* ---------------- report ---------------- */

static void print_num(double v, const char *unit, char *buf, size_t cap)
{
	if (!strcmp(unit, "/s")) {
		if (v >= 1e6)
			snprintf(buf, cap, "%.2f M/s", v / 1e6);
		else if (v >= 1e3)
			snprintf(buf, cap, "%.1f k/s", v / 1e3);
		else
			snprintf(buf, cap, "%.0f /s", v);
	} else if (!strcmp(unit, "x"))
		snprintf(buf, cap, "%.2fx", v);
	else
		snprintf(buf, cap, "%.2f %s", v, unit);
}

static void report(void)
{
	char host[128] = "?";
	FILE *f = fopen("/proc/cpuinfo", "r");
	if (f) {
		char line[256];
		while (fgets(line, sizeof line, f))
			if (!strncmp(line, "model name", 10)) {
				char *c = strchr(line, ':');
				if (c) {
					snprintf(host, sizeof host, "%s", c + 2);
					host[strcspn(host, "\n")] = 0;
				}
				break;
			}
		fclose(f);
	}
	printf("iommulab benchmark — %s, %ld cores, %s build\n\n", host, sysconf(_SC_NPROCESSORS_ONLN),
#ifdef NDEBUG
	       "release"
#else
	       "debug"
#endif
	);
	printf("%-58s %16s\n", "figure", "value");
	printf("%-58s %16s\n", "----------------------------------------------------------",
	       "----------------");
	for (int i = 0; i < nfigs; i++) {
		char v[48];
		print_num(figs[i].value, figs[i].unit, v, sizeof v);
		printf("%-58s %16s\n", figs[i].label, v);
	}
	printf("\n");
	printf("cold-walk slowdown vs reference: %.2fx\n", fig_get("slowdown_nested_cold"));
	printf("cold-walk (trace on) slowdown vs reference: %.2fx\n", fig_get("slowdown_nested_cold_trace"));
	printf("native cold-walk slowdown vs reference: %.2fx (trace on %.2fx)\n",
	       fig_get("slowdown_native_cold"), fig_get("slowdown_native_cold_trace"));
	printf("tlb-hit slowdown vs reference: %.2fx\n", fig_get("slowdown_tlb_hit"));
	printf("tlb-hit (trace on) slowdown vs reference: %.2fx\n", fig_get("slowdown_tlb_hit_trace"));
	/* the targets, for both walk kinds: off <= 3x, on <= 10x */
	double nco = fig_get("slowdown_nested_cold"), ncn = fig_get("slowdown_nested_cold_trace");
	double hco = fig_get("slowdown_native_cold"), hcn = fig_get("slowdown_native_cold_trace");
	printf("targets (tracing off within 3x, on within 10x of the reference on cold walks):\n"
	       "  2-D cold walk:    off %.2fx %s, on %.2fx %s\n"
	       "  native cold walk: off %.2fx %s, on %.2fx %s%s\n\n",
	       nco, nco <= 3 ? "met" : "NOT met", ncn, ncn <= 10 ? "met" : "NOT met", hco,
	       hco <= 3 ? "met" : "NOT met", hcn, hcn <= 10 ? "met" : "NOT met",
	       hco > 3 ? "\n  (native: 4 reads, so the TLB miss check and fill cost as much as the walk)"
	               : "");
	printf("{\"machine\": \"%s\", \"cores\": %ld, \"figures\": {", host, sysconf(_SC_NPROCESSORS_ONLN));
	for (int i = 0; i < nfigs; i++)
		printf("%s\n  \"%s\": %.6g", i ? "," : "", figs[i].key, figs[i].value);
	printf("\n }");
	for (int s = 0; s < 2; s++)
		if (captured[s]) {
			char *j = cJSON_PrintUnformatted(captured[s]);
			printf(",\n \"%s\": %s", s ? "bench_iommu" : "bench_nic", j);
			cJSON_free(j);
		}
	printf("\n}\n");
}

__attribute__((constructor)) static void bench_main(void)
{
	const char *q = getenv("BENCH_QUICK");
	if (q && *q && *q != '0')
		scale = 0.1;
	setenv("SDL_VIDEODRIVER", "dummy", 0);
	setvbuf(stdout, NULL, _IOLBF, 0);

	make_working_set();
	/* memory first, before anything else has grown the heap */
	double rss, touched;
	bench_sparse_memory(&rss, &touched);
	fig("sparse_rss_kb", "RSS growth: 1 TiB declared, 4 MiB written", rss, "KiB");
	fig("sparse_touched_kb", "  of which frames touched (incl. page tables)", touched, "KiB");

	ref_setup();
	struct walk_fig wn, wc, wh;
	bench_walk(W_NATIVE_COLD, iters(3000000), iters(2000000), iters(10000000), &wn);
	bench_walk(W_NESTED_COLD, iters(1500000), iters(1000000), iters(3000000), &wc);
	bench_walk(W_NESTED_HIT, iters(30000000), iters(10000000), iters(30000000), &wh);
	free(ref_mem);
	char l[96];
	snprintf(l, sizeof l, "native walks/s, cold (%d entries), trace off", wn.refs);
	fig("native_cold_per_s", l, wn.off, "/s");
	fig("native_cold_trace_per_s", "native walks/s, cold, trace on", wn.on, "/s");
	snprintf(l, sizeof l, "nested walks/s, cold (%d entries), trace off", wc.refs);
	fig("nested_cold_per_s", l, wc.off, "/s");
	fig("nested_cold_trace_per_s", "nested walks/s, cold, trace on", wc.on, "/s");
	snprintf(l, sizeof l, "TLB-hit translations/s (%d entries), trace off", wh.refs);
	fig("tlb_hit_per_s", l, wh.off, "/s");
	fig("tlb_hit_trace_per_s", "TLB-hit translations/s, trace on", wh.on, "/s");
	fig("ref_native_per_s", "reference walker: native 4-level walks/s", wn.ref, "/s");
	fig("ref_nested_per_s", "reference walker: 2-D 24-read walks/s", wc.ref, "/s");
	fig("ref_tlb_hit_per_s", "reference walker: TLB-hit lookups/s", wh.ref, "/s");
	fig("slowdown_native_cold", "native cold-walk slowdown vs reference", wn.slow_off, "x");
	fig("slowdown_native_cold_trace", "native cold-walk slowdown vs reference, trace on", wn.slow_on,
	    "x");
	fig("slowdown_nested_cold", "nested cold-walk slowdown vs reference", wc.slow_off, "x");
	fig("slowdown_nested_cold_trace", "nested cold-walk slowdown vs reference, trace on", wc.slow_on,
	    "x");
	fig("slowdown_tlb_hit", "TLB-hit slowdown vs reference", wh.slow_off, "x");
	fig("slowdown_tlb_hit_trace", "TLB-hit slowdown vs reference, trace on", wh.slow_on, "x");
	const char *only = getenv("BENCH_ONLY");
	int walks_only = only && !strcmp(only, "walk");

	if (walks_only) {
		report();
		exit(0);
	}
	fig("trace_events_per_s", "trace events/s (trace_push, 16k stored)",
	    bench_trace_push(iters(20000000), 16384), "/s");
	fig("trace_events_dram_per_s", "trace events/s (trace_push, 1M stored = 72 MB)",
	    bench_trace_push(iters(5000000), 1000000), "/s");
	double shipped, big;
	bench_parse(&shipped, &big);
	fig("parse_shipped_mb_s", "scenario parse MB/s (shipped scenarios)", shipped, "MB/s");
	fig("parse_big_mb_s", "scenario parse MB/s (1 MB, 10 000 steps)", big, "MB/s");
	fig("trace_event_bytes", "trace: sizeof(struct ev)", (double)sizeof(struct ev), "B");
	static const char *const tb[] = {"nested-walk-24.json", "nic-rx-one.json", "nic-mode-strict.json",
	                                 NULL};
	for (int i = 0; tb[i]; i++) {
		double per, pool;
		uint64_t nev;
		bench_trace_bytes(tb[i], &per, &pool, &nev);
		char k[64];
		snprintf(k, sizeof k, "trace_bytes_per_event_%d", i);
		snprintf(l, sizeof l, "trace bytes/event, %s (%llu events)", tb[i], (unsigned long long)nev);
		fig(k, l, per, "B");
	}

	capture(bench_iommu_main, 1);
	capture(bench_nic_main, 0);
	module_figs();
	bench_export();
	bench_frames();

	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	fig("peak_rss_kb", "peak RSS of the whole benchmark", (double)ru.ru_maxrss, "KiB");
	report();
	fflush(stdout);
	exit(0);
}
