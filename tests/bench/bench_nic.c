/*
 * bench_nic.c — NIC throughput of the model (host wall time): simulated
 * packets per second for Rx and Tx in each IOMMU mode, tracing on and off,
 * plus a 1,000,000-packet Rx run with tracing off that must not grow memory
 * with the packet count (max RSS after 100k and after 1M packets).
 *
 * Prints one JSON object. bench_nic_main() is the entry; main() is weak so
 * another benchmark file may provide the program's main and call it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "engine.h"
#include "scenario.h"

int bench_nic_main(void);

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static long max_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* resident set now, in KiB (Linux /proc/self/statm) */
static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long size = 0, res = 0;
	if (f) {
		if (fscanf(f, "%ld %ld", &size, &res) != 2)
			res = 0;
		fclose(f);
	}
	return res * 4;
}

/* 1,000,000 frames with tracing off in one machine: memory after 100k and after 1M */
static void long_run(void)
{
	const char *json =
	    "{\"format\":\"iommulab/"
	    "1\",\"devices\":[{\"name\":\"nic0\",\"type\":\"e1000\",\"bdf\":\"01:00.0\","
	    "\"napi\":\"auto\"}],\"steps\":[{\"do\":\"nic.probe\",\"device\":\"nic0\"},"
	    "{\"do\":\"wire.rx\",\"device\":\"nic0\",\"length\":1500,\"count\":100000,\"gap_ns\":0},"
	    "{\"do\":\"wire.rx\",\"device\":\"nic0\",\"length\":1500,\"count\":900000,\"gap_ns\":0}]}";
	struct scenario sc;
	char *err = NULL;
	if (scenario_load(&sc, "long.json", json, strlen(json), NULL, &err)) {
		fprintf(stderr, "bench_nic: %s\n", err ? err : "load failed");
		free(err);
		return;
	}
	struct engine e;
	if (engine_init(&e, &sc, 0)) {
		scenario_free(&sc);
		return;
	}
	double w0 = now_s();
	engine_forward(&e);
	int rc1 = engine_forward(&e);
	long rss1 = rss_kb();
	uint64_t frames1 = e.m.mem.used, ev1 = e.m.trace.n;
	int rc2 = engine_forward(&e);
	double wall = now_s() - w0;
	long rss2 = rss_kb();
	printf("  \"rx_1m_trace_off\": {\"ok\": %s, \"wall_s\": %.2f, \"host_packets_per_s\": %.0f, "
	       "\"rss_kb_after_100k\": %ld, \"rss_kb_after_1m\": %ld, \"frames_after_100k\": %llu, "
	       "\"frames_after_1m\": %llu, \"stored_events\": [%llu, %llu], \"sim_ms\": %.1f},\n",
	       rc1 == 0 && rc2 == 0 ? "true" : "false", wall, 1e6 / wall, rss1, rss2,
	       (unsigned long long)frames1, (unsigned long long)e.m.mem.used, (unsigned long long)ev1,
	       (unsigned long long)e.m.trace.n, e.m.now_ns / 1e6);
	fflush(stdout);
	engine_free(&e);
	scenario_free(&sc);
}

struct result {
	double wall_s;
	uint64_t sim_ns, packets;
	int ok;
};

/* run one workload: dir 0 = Rx (wire.rx), 1 = Tx (nic.xmit) */
static struct result workload(const char *cmdline, int dir, uint64_t n, int trace)
{
	char json[2048];
	snprintf(json, sizeof json,
	         "{\"format\":\"iommulab/"
	         "1\",\"machine\":{\"cmdline\":\"%s\",\"limits\":{\"max_events\":50000000}},"
	         "\"devices\":[{\"name\":\"nic0\",\"type\":\"e1000\",\"bdf\":\"01:00.0\",\"napi\":\"auto\","
	         "\"tx_int_delay\":0,\"tx_abs_int_delay\":0}],"
	         "\"steps\":[{\"do\":\"nic.probe\",\"device\":\"nic0\"},"
	         "{\"do\":\"%s\",\"device\":\"nic0\",\"length\":1500,\"count\":%llu%s}]}",
	         cmdline, dir ? "nic.xmit" : "wire.rx", (unsigned long long)n, dir ? "" : ",\"gap_ns\":0");
	struct result res = {0, 0, n, 0};
	struct scenario sc;
	char *err = NULL;
	struct load_limits lim = {0, 0, 50000000};
	if (scenario_load(&sc, "bench.json", json, strlen(json), &lim, &err)) {
		fprintf(stderr, "bench_nic: %s\n", err ? err : "load failed");
		free(err);
		return res;
	}
	struct engine e;
	if (engine_init(&e, &sc, trace)) {
		fprintf(stderr, "bench_nic: %s\n", e.err);
		scenario_free(&sc);
		return res;
	}
	engine_forward(&e);
	uint64_t t0 = e.m.now_ns;
	double w0 = now_s();
	int rc = engine_forward(&e);
	res.wall_s = now_s() - w0;
	res.sim_ns = e.m.now_ns - t0;
	res.ok = rc == 0 && !e.m.stop_reason[0];
	engine_free(&e);
	scenario_free(&sc);
	return res;
}

int bench_nic_main(void)
{
	static const char *const modes[][2] = {
	    {"off", "intel_iommu=off"}, {"pt", "iommu=pt"}, {"lazy", ""}, {"strict", "iommu.strict=1"}};
	const uint64_t n_off = 100000, n_on = 20000;
	printf("{\n");
	long_run();
	printf("  \"nic\": {\n");
	for (int mi = 0; mi < 4; mi++) {
		printf("    \"%s\": {", modes[mi][0]);
		for (int dir = 0; dir < 2; dir++)
			for (int tr = 0; tr < 2; tr++) {
				uint64_t n = tr ? n_on : n_off;
				struct result r = workload(modes[mi][1], dir, n, tr);
				printf("%s\"%s_trace_%s\": {\"packets\": %llu, \"sim_ns_per_packet\": %.1f, "
				       "\"host_packets_per_s\": %.0f, \"ok\": %s}",
				       dir || tr ? ", " : "", dir ? "tx" : "rx", tr ? "on" : "off",
				       (unsigned long long)n, (double)r.sim_ns / (double)n,
				       r.wall_s > 0 ? (double)n / r.wall_s : 0.0, r.ok ? "true" : "false");
				fflush(stdout);
			}
		printf("}%s\n", mi < 3 ? "," : "");
	}
	printf("  },\n  \"max_rss_kb\": %ld\n}\n", max_rss_kb());
	return 0;
}

__attribute__((weak)) int main(void)
{
	return bench_nic_main();
}
