/*
 * test_dmac.c — the PL330-like controller and the dmaengine flow: facts
 * invariant 31 (buffers mapped against the controller translate in the
 * controller's context; a client's mapping is worthless to it), the channel
 * program in memory, one interrupt for two descriptors, the UART slave
 * transfer, and cpu.memcpy as the CPU-side comparison.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bits.h"
#include "dmac.h"
#include "testutil.h"

static struct scenario sc;
static struct engine eng;

static void fini(void)
{
	engine_free(&eng);
	scenario_free(&sc);
}

TestSuite(dmac, .fini = fini);

#define DEVS                                                                                                 \
	"\"devices\":[{\"name\":\"dmac0\",\"type\":\"pl330\",\"bdf\":\"00:1f.0\"},"                          \
	"{\"name\":\"client0\",\"type\":\"dma-device\",\"bdf\":\"02:00.0\"},"                                \
	"{\"name\":\"uart0\",\"type\":\"uart\",\"bdf\":\"00:1e.0\",\"fifo\":4}],"

#define BUFS                                                                                                 \
	"{\"do\":\"kmem.alloc\",\"device\":\"dmac0\",\"size\":\"8KiB\",\"as\":\"src\"},"                     \
	"{\"do\":\"kmem.alloc\",\"device\":\"dmac0\",\"size\":\"8KiB\",\"as\":\"dst\"},"                     \
	"{\"do\":\"kmem.write\",\"device\":\"dmac0\",\"addr\":\"$src+0x1ff8\",\"bytes\":\"01 02 03 04 05 "   \
	"06 07 08\",\"len\":8},"

static struct machine *run(const char *steps)
{
	static char buf[8192];
	snprintf(buf, sizeof buf, "{\"format\":\"iommulab/1\"," DEVS "\"steps\":[%s]}", steps);
	tu_start(&sc, &eng, buf);
	int failed = 0;
	engine_run_all(&eng, &failed);
	cr_assert_eq(failed, 0, "an expectation failed");
	return &eng.m;
}

static int entity_of(struct machine *m, const char *name)
{
	int d = machine_dev_index(m, name);
	cr_assert_geq(d, 0);
	return m->devs[d].entity;
}

/* invariant 31: mapped against the controller, the DMA translates in the controller's context */
Test(dmac, memcpy_translates_in_the_controllers_context)
{
	struct machine *m = run(BUFS "{\"do\":\"dma.map\",\"device\":\"dmac0\",\"addr\":\"$src\",\"size\":"
	                             "\"8KiB\",\"dir\":\"to_device\",\"as\":\"s\"},"
	                             "{\"do\":\"dma.map\",\"device\":\"dmac0\",\"addr\":\"$dst\",\"size\":"
	                             "\"8KiB\",\"dir\":\"from_device\",\"as\":\"d\"},"
	                             "{\"do\":\"dmac.request_chan\",\"device\":\"dmac0\",\"as\":\"ch\"},"
	                             "{\"do\":\"dmac.prep_memcpy\",\"device\":\"dmac0\",\"chan\":\"$ch\","
	                             "\"src\":\"$s\",\"dst\":\"$d\",\"len\":4096,\"as\":\"a\"},"
	                             "{\"do\":\"dmac.prep_memcpy\",\"device\":\"dmac0\",\"chan\":\"$ch\","
	                             "\"src\":\"$s+0x1000\",\"dst\":\"$d+0x1000\",\"len\":4096,\"as\":\"b\"},"
	                             "{\"do\":\"dmac.submit\",\"device\":\"dmac0\",\"desc\":\"$a\"},"
	                             "{\"do\":\"dmac.submit\",\"device\":\"dmac0\",\"desc\":\"$b\"},"
	                             "{\"do\":\"dmac.issue_pending\",\"device\":\"dmac0\",\"chan\":\"$ch\"}");
	int dmac = entity_of(m, "dmac0"), client = entity_of(m, "client0");
	int dev_dma = 0;
	for (uint64_t i = 0; i < m->trace.n; i++) {
		const struct ev *e = &m->trace.ev[i];
		if (e->kind == EV_DEV_DMA) {
			cr_assert_eq(e->actor, dmac, "every DMA of the copy is the controller's request");
			dev_dma++;
		}
		if (e->kind == EV_MEM_READ || e->kind == EV_MEM_WRITE || e->kind == EV_IOTLB_HIT ||
		    e->kind == EV_IOTLB_MISS)
			cr_assert_neq(e->actor, client, "the client device takes no part in the copy");
	}
	cr_assert_gt(dev_dma, 128, "64 bursts read + 64 written, plus program fetches");
	cr_assert_gt(counter_get(m, "dmac0.walks", NULL), 0);
	cr_assert_eq(counter_get(m, "client0.walks", NULL), 0);
	cr_assert_eq(counter_get(m, "client0.iotlb_hits", NULL), 0);
	/* the bytes arrived: the last 8 bytes of the source are at the end of the destination */
	uint64_t dst = m->vars[1].v; /* $dst: host RAM, phys = HPA */
	uint8_t b[8];
	mem_read(&m->mem, dst + 0x1ff8, b, 8);
	const uint8_t want[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	cr_assert_arr_eq(b, want, 8);
	/* two descriptors, one program, one interrupt, two callbacks */
	cr_assert_eq(counter_get(m, "dmac0.irqs", NULL), 1);
	cr_assert_eq(counter_get(m, "dmac0.callbacks", NULL), 2);
	cr_assert_eq(counter_get(m, "dmac0.bytes_moved", NULL), 8192);
}

/* invariant 31, the other way round: a handle mapped against the CLIENT means nothing in the
 * controller's domain. Here the same IOVA number happens to map the controller's own microcode
 * buffer, so the copy "succeeds" without any fault and moves the wrong bytes. */
Test(dmac, client_mapping_is_meaningless_to_the_controller)
{
	struct machine *m = run(BUFS "{\"do\":\"dma.map\",\"device\":\"client0\",\"addr\":\"$src\",\"size\":"
	                             "\"16KiB\",\"dir\":\"to_device\",\"as\":\"s\"},"
	                             "{\"do\":\"dma.map\",\"device\":\"dmac0\",\"addr\":\"$dst\",\"size\":"
	                             "\"8KiB\",\"dir\":\"from_device\",\"as\":\"d\"},"
	                             "{\"do\":\"dmac.request_chan\",\"device\":\"dmac0\",\"as\":\"ch\"},"
	                             "{\"do\":\"dmac.prep_memcpy\",\"device\":\"dmac0\",\"chan\":\"$ch\","
	                             "\"src\":\"$s\",\"dst\":\"$d\",\"len\":8192,\"as\":\"a\"},"
	                             "{\"do\":\"dmac.submit\",\"device\":\"dmac0\",\"desc\":\"$a\"},"
	                             "{\"do\":\"dmac.issue_pending\",\"device\":\"dmac0\",\"chan\":\"$ch\"}");
	const struct step_result *r = &eng.reports[sc.nsteps - 1].r;
	cr_assert(!r->fault.valid, "no fault: the IOVA exists in the controller's domain too");
	cr_assert_eq(counter_get(m, "client0.walks", NULL), 0, "the client's domain is never consulted");
	uint64_t dst = m->vars[1].v;
	uint8_t b[8];
	mem_read(&m->mem, dst, b, 8);
	cr_assert_eq(b[0], 0xBC,
	             "the controller copied its own channel program (DMAMOV), not the client's buffer");
	mem_read(&m->mem, dst + 0x1ff8, b, 8);
	const uint8_t pattern[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	cr_assert(memcmp(b, pattern, 8) != 0, "the client's data never arrived");
}

/* and an IOVA the controller's domain does not map at all: a 6h read fault, the channel stops; the
 * abort interrupt runs pl330.c's reset path, which completes the cookie anyway (dma_pl330_rqcb drops
 * PL330_ERR_ABORT) */
Test(dmac, unmapped_source_faults_6h_and_pl330_still_completes_the_cookie)
{
	struct machine *m = run(BUFS "{\"do\":\"dma.map\",\"device\":\"dmac0\",\"addr\":\"$dst\",\"size\":"
	                             "\"8KiB\",\"dir\":\"from_device\",\"as\":\"d\"},"
	                             "{\"do\":\"dmac.request_chan\",\"device\":\"dmac0\",\"as\":\"ch\"},"
	                             "{\"do\":\"dmac.prep_memcpy\",\"device\":\"dmac0\",\"chan\":\"$ch\","
	                             "\"src\":\"0x80000000\",\"dst\":\"$d\",\"len\":4096,\"as\":\"a\"},"
	                             "{\"do\":\"dmac.submit\",\"device\":\"dmac0\",\"desc\":\"$a\"},"
	                             "{\"do\":\"dmac.issue_pending\",\"device\":\"dmac0\",\"chan\":\"$ch\"}");
	const struct step_result *r = &eng.reports[sc.nsteps - 1].r;
	cr_assert(r->fault.valid);
	cr_assert_eq(r->fault.unit, FU_IOMMU);
	cr_assert_eq(r->fault.reason, 6);
	cr_assert_eq(r->fault.addr, 0x80000000);
	cr_assert_eq(counter_get(m, "dmac0.channel_faults", NULL), 1);
	cr_assert_eq(counter_get(m, "dmac0.bytes_moved", NULL), 0);
	cr_assert_eq(counter_get(m, "dmac0.callbacks", NULL), 1,
	             "pl330.c marks the aborted descriptor DONE: the client's callback runs");
	int reset = 0, aborted = 0;
	for (uint64_t i = 0; i < m->trace.n; i++) {
		const struct ev *e = &m->trace.ev[i];
		if (e->kind == EV_LOG && strstr(trace_get_str(&m->trace, e->str),
		                                "dma-pl330 0000:00:1f.0: Reset Channel-0 CS-f FTC-40000"))
			reset = 1;
		if (e->kind == EV_DMAC && e->code == DMAC_CALLBACK && e->entry == 2 /* PL330_ERR_ABORT */)
			aborted = 1;
	}
	cr_assert(reset, "pl330_update logs the faulting channel (CS 0xF faulting, FTC bit 18 data read)");
	cr_assert(aborted, "the completion is marked as an aborted transfer in the trace");
}

/* the channel program is real PL330 microcode in memory, fetched through the IOMMU */
Test(dmac, channel_program_bytes)
{
	struct machine *m = run(BUFS "{\"do\":\"dma.map\",\"device\":\"dmac0\",\"addr\":\"$src\",\"size\":"
	                             "\"8KiB\",\"dir\":\"to_device\",\"as\":\"s\"},"
	                             "{\"do\":\"dma.map\",\"device\":\"dmac0\",\"addr\":\"$dst\",\"size\":"
	                             "\"8KiB\",\"dir\":\"from_device\",\"as\":\"d\"},"
	                             "{\"do\":\"dmac.request_chan\",\"device\":\"dmac0\",\"as\":\"ch\"},"
	                             "{\"do\":\"dmac.prep_memcpy\",\"device\":\"dmac0\",\"chan\":\"$ch\","
	                             "\"src\":\"$s\",\"dst\":\"$d\",\"len\":300,\"as\":\"a\"},"
	                             "{\"do\":\"dmac.submit\",\"device\":\"dmac0\",\"desc\":\"$a\"},"
	                             "{\"do\":\"dmac.issue_pending\",\"device\":\"dmac0\",\"chan\":\"$ch\"}");
	/* find the program: the first DMAC_FETCH's bus address is in the controller's domain; read it
	 * back through the kernel-side copy instead: it is the last kmem write of the issue step */
	uint64_t hpa = 0;
	for (uint64_t i = 0; i < m->trace.n; i++)
		if (m->trace.ev[i].kind == EV_MEM_WRITE && m->trace.ev[i].actor == 0 &&
		    m->trace.ev[i].step == 8)
			hpa = m->trace.ev[i].addr_in;
	cr_assert_neq(hpa, 0);
	uint8_t p[64];
	mem_read(&m->mem, hpa, p, sizeof p);
	uint64_t s = m->vars[2].v, d = m->vars[3].v;
	cr_assert_eq(p[0], 0xBC);
	cr_assert_eq(p[1], 0); /* DMAMOV SAR */
	cr_assert_eq(le32_load(p + 2), (uint32_t)s);
	cr_assert_eq(p[6], 0xBC);
	cr_assert_eq(p[7], 2); /* DMAMOV DAR */
	cr_assert_eq(le32_load(p + 8), (uint32_t)d);
	/* 300 = 2 x 128 (loop) + 5 x 8 + 4 x 1 */
	cr_assert_eq(p[12], 0xBC);
	cr_assert_eq(p[13], 1); /* DMAMOV CCR: 8-byte beats x 16, both incrementing */
	cr_assert_eq(le32_load(p + 14), 0x1u | 3u << 1 | 15u << 4 | 1u << 14 | 3u << 15 | 15u << 18);
	cr_assert_eq(p[18], 0x20);
	cr_assert_eq(p[19], 1); /* DMALP lc0 = 2 - 1 */
	cr_assert_eq(p[20], 0x04);
	cr_assert_eq(p[21], 0x08);
	cr_assert_eq(p[22], 0x38);
	cr_assert_eq(p[23], 2); /* DMALPEND back over LD, ST */
	cr_assert_eq(counter_get(m, "dmac0.bytes_moved", NULL), 300);
	cr_assert_eq(counter_get(m, "dmac0.callbacks", NULL), 1);
}

/* a slave transfer feeds the UART FIFO, which drains at its baud rate */
Test(dmac, slave_to_uart)
{
	struct machine *m =
	    run("{\"do\":\"kmem.alloc\",\"device\":\"dmac0\",\"size\":\"4KiB\",\"as\":\"src\"},"
	        "{\"do\":\"kmem.write\",\"device\":\"dmac0\",\"addr\":\"$src\",\"bytes\":\"68 65 6c 6c 6f 20 "
	        "75 61 72 74\",\"len\":10},"
	        "{\"do\":\"dma.map\",\"device\":\"dmac0\",\"addr\":\"$src\",\"size\":\"4KiB\",\"dir\":\"to_"
	        "device\",\"as\":\"s\"},"
	        "{\"do\":\"dmac.request_chan\",\"device\":\"dmac0\",\"as\":\"ch\"},"
	        "{\"do\":\"dmac.prep_slave\",\"device\":\"dmac0\",\"chan\":\"$ch\",\"src\":\"$s\","
	        "\"peripheral\":\"uart0\",\"len\":10,\"as\":\"a\"},"
	        "{\"do\":\"dmac.submit\",\"device\":\"dmac0\",\"desc\":\"$a\"},"
	        "{\"do\":\"dmac.issue_pending\",\"device\":\"dmac0\",\"chan\":\"$ch\","
	        "\"expect\":{\"dmac\":{\"uart\":\"uart0\",\"sent\":10,\"bytes\":\"hello uart\"}}}");
	/* a 4-byte FIFO must have drained twice (8 bytes shifted out), 2 still queued */
	cr_assert_eq(counter_get(m, "uart0.tx_bytes", NULL), 8);
	cr_assert_geq(m->now_ns, 8ull * 10 * (1000000000ull / 115200), "the UART's line time passed");
}

/* the CPU's copy touches no device */
Test(dmac, cpu_memcpy_is_cpu_work)
{
	struct machine *m =
	    run(BUFS "{\"do\":\"cpu.memcpy\",\"src\":\"$src\",\"dst\":\"$dst\",\"size\":\"8KiB\"}");
	cr_assert_eq(counter_get(m, "cpu.copy_bytes", NULL), 8192);
	cr_assert_eq(counter_get(m, "cpu.copy_loads", NULL), 1024);
	for (uint64_t i = 0; i < m->trace.n; i++)
		cr_assert_neq(m->trace.ev[i].kind, EV_DEV_DMA);
	uint8_t b[8];
	mem_read(&m->mem, m->vars[1].v + 0x1ff8, b, 8);
	cr_assert_eq(b[7], 8);
}
