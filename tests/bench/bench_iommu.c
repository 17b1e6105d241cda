/*
 * bench_iommu.c — speed of the IOMMU model (host wall time) and what the
 * model charges (simulated ns):
 *   - translations/s on IOTLB hits and on cold walks (root + context + 4
 *     second-level reads: every cache emptied before each request);
 *   - dma_map_single + dma_unmap_single pairs/s in strict (DMA) and lazy
 *     (DMA-FQ) domains, and the simulated cost per pair — strict pays one
 *     invalidation per unmap, lazy one per 256 unmaps (or per 10 ms).
 * Tracing is off (events counted, not stored). Prints one JSON object.
 *
 * This file provides the benchmark program's main(): it runs bench_nic_main()
 * (bench_nic.c, whose main is weak) and then bench_iommu_main().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dma.h"
#include "engine.h"
#include "iommu.h"
#include "scenario.h"

int bench_iommu_main(void);
int bench_nic_main(void);

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int start(struct scenario *sc, struct engine *e, const char *cmdline)
{
	char json[1024];
	snprintf(json, sizeof json,
	         "{\"format\":\"iommulab/1\",\"machine\":{\"ram\":\"1GiB\",\"cmdline\":\"%s\"},"
	         "\"devices\":[{\"name\":\"d0\",\"type\":\"dma-device\",\"bdf\":\"01:00.0\"}],"
	         "\"steps\":[{\"do\":\"note\",\"say\":\"bench\"}]}",
	         cmdline);
	char *err = NULL;
	if (scenario_load(sc, "bench.json", json, strlen(json), NULL, &err)) {
		fprintf(stderr, "bench_iommu: %s\n", err ? err : "load failed");
		free(err);
		return -1;
	}
	if (engine_init(e, sc, 0)) {
		fprintf(stderr, "bench_iommu: %s\n", e->err);
		scenario_free(sc);
		return -1;
	}
	return 0;
}

static void translations(int cold, uint64_t n, double *per_s, double *sim_ns, int *refs)
{
	struct scenario sc;
	struct engine e;
	*per_s = *sim_ns = 0;
	if (start(&sc, &e, ""))
		return;
	struct machine *m = &e.m;
	uint64_t p = dma_kalloc(m, 0, PAGE_SIZE, "bench"), h;
	struct step_result r;
	memset(&r, 0, sizeof r);
	dma_map_single(m, 0, p, PAGE_SIZE, DMA_BIDIRECTIONAL, &h, &r);
	struct iommu_xlate x;
	iommu_translate(m, 0, 0x0100, h, 1, &x); /* warm */
	uint64_t t0 = m->now_ns;
	int total_refs = 0;
	double w0 = now_s();
	for (uint64_t i = 0; i < n; i++) {
		if (cold) {
			memset(m->iommu->iotlb, 0, sizeof m->iommu->iotlb);
			memset(m->iommu->cc, 0, sizeof m->iommu->cc);
		}
		iommu_translate(m, 0, 0x0100, h + (i & 0xff8), i & 1, &x);
		total_refs += x.refs;
	}
	double w = now_s() - w0;
	*per_s = w > 0 ? (double)n / w : 0;
	*sim_ns = (double)(m->now_ns - t0) / (double)n;
	*refs = (int)(total_refs / (int64_t)n);
	engine_free(&e);
	scenario_free(&sc);
}

static void pairs(const char *cmdline, uint64_t n, double *per_s, double *sim_ns, uint64_t *invs)
{
	struct scenario sc;
	struct engine e;
	*per_s = *sim_ns = 0;
	*invs = 0;
	if (start(&sc, &e, cmdline))
		return;
	struct machine *m = &e.m;
	uint64_t p = dma_kalloc(m, 0, PAGE_SIZE, "bench"), h;
	struct step_result r;
	int found;
	uint64_t inv0 = counter_get(m, "iommu.invalidations", &found), t0 = m->now_ns;
	double w0 = now_s();
	for (uint64_t i = 0; i < n; i++) {
		memset(&r, 0, sizeof r);
		if (dma_map_single(m, 0, p + 64, 1500, DMA_FROM_DEVICE, &h, &r) ||
		    dma_unmap_single(m, 0, h, 1500, DMA_FROM_DEVICE, &r)) {
			fprintf(stderr, "bench_iommu: %s\n", r.error);
			break;
		}
	}
	double w = now_s() - w0;
	*per_s = w > 0 ? (double)n / w : 0;
	*sim_ns = (double)(m->now_ns - t0) / (double)n;
	*invs = counter_get(m, "iommu.invalidations", &found) - inv0;
	engine_free(&e);
	scenario_free(&sc);
}

int bench_iommu_main(void)
{
	double hit_s, hit_ns, cold_s, cold_ns;
	int hit_refs, cold_refs;
	translations(0, 2000000, &hit_s, &hit_ns, &hit_refs);
	translations(1, 500000, &cold_s, &cold_ns, &cold_refs);
	printf("{\"iommu\": {\n");
	printf("  \"translate_iotlb_hit\": {\"host_per_s\": %.0f, \"sim_ns_each\": %.1f, \"table_reads\": "
	       "%d},\n",
	       hit_s, hit_ns, hit_refs);
	printf("  \"translate_cold_walk\": {\"host_per_s\": %.0f, \"sim_ns_each\": %.1f, \"table_reads\": "
	       "%d},\n",
	       cold_s, cold_ns, cold_refs);
	static const char *const modes[][2] = {
	    {"strict", "iommu.strict=1"}, {"lazy", ""}, {"pt", "iommu=pt"}, {"off", "intel_iommu=off"}};
	for (int i = 0; i < 4; i++) {
		double s, ns;
		uint64_t inv;
		uint64_t n = 200000;
		pairs(modes[i][1], n, &s, &ns, &inv);
		printf("  \"map_unmap_%s\": {\"host_pairs_per_s\": %.0f, \"sim_ns_per_pair\": %.1f, "
		       "\"invalidations_per_1000_pairs\": %.1f}%s\n",
		       modes[i][0], s, ns, 1000.0 * (double)inv / (double)n, i < 3 ? "," : "");
	}
	printf("}}\n");
	return 0;
}

int main(void)
{
	int rc = bench_nic_main();
	return bench_iommu_main() | rc;
}
