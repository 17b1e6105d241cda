/*
 * test_nic.c — the e1000 model and its driver: facts invariants 25–30,
 * the refill/ownership rule (hardware-owned = (RDT − RDH) mod N, never N),
 * the exact bytes of a written-back descriptor, interrupt coalescing on the
 * simulated clock, the four IOMMU modes ranked by what the model does, and
 * constant memory over long runs with tracing off.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bits.h"
#include "e1000.h"
#include "nic.h"
#include "testutil.h"

static struct scenario sc;
static struct engine eng;

#define HDR "{\"format\":\"iommulab/1\","
#define NIC8                                                                                                 \
	"\"devices\":[{\"name\":\"nic0\",\"type\":\"e1000\",\"bdf\":\"01:00.0\",\"rx_ring\":8,\"tx_ring\":"  \
	"8%s}],"

static struct machine *start(const char *machine, const char *devopts, const char *steps)
{
	static char buf[8192];
	char dev[512];
	snprintf(dev, sizeof dev, NIC8, devopts);
	snprintf(buf, sizeof buf, HDR "\"machine\":{%s},%s\"steps\":[%s]}", machine, dev, steps);
	tu_start(&sc, &eng, buf);
	return &eng.m;
}

static void fini(void)
{
	engine_free(&eng);
	scenario_free(&sc);
}

static void run_all(void)
{
	int failed = 0;
	int rc = engine_run_all(&eng, &failed);
	cr_assert_eq(failed, 0, "a step's expectation failed (rc %d)", rc);
}

static void step(void)
{
	int rc = engine_forward(&eng);
	cr_assert_neq(rc, -1, "no step to run");
	cr_assert_eq(rc, 0, "step expectations failed: %s", eng.reports[eng.next - 1].diff);
}

static uint32_t reg(struct machine *m, uint32_t off)
{
	int ok;
	uint32_t v = nic_reg_peek(m, 0, off, &ok);
	cr_assert(ok);
	return v;
}

static void rx_desc(struct machine *m, uint32_t i, uint8_t *d)
{
	const struct drv_e1000 *dv = &nic_get(m, 0)->drv;
	mem_read(&m->mem, dv->rx_ring_phys + 16ull * i, d, 16); /* host-owned: phys = HPA */
}

static void tx_desc(struct machine *m, uint32_t i, uint8_t *d)
{
	const struct drv_e1000 *dv = &nic_get(m, 0)->drv;
	mem_read(&m->mem, dv->tx_ring_phys + 16ull * i, d, 16);
}

TestSuite(nic, .fini = fini);

/* invariant 26 and e1000_alloc_rx_buffers: N - 1 buffers, RDT = N - 2, hardware owns N - 2 */
Test(nic, probe_holds_one_filled_descriptor_back)
{
	struct machine *m = start("", "", "{\"do\":\"nic.probe\",\"device\":\"nic0\"}");
	step();
	const struct nic_state *s = nic_get(m, 0);
	cr_assert_eq(reg(m, E1000_RDH), 0);
	cr_assert_eq(reg(m, E1000_RDT), 6);
	cr_assert_eq(nic_hw_owned(reg(m, E1000_RDH), reg(m, E1000_RDT), 8), 6);
	cr_assert_eq(s->drv.rx_ntu, 7);
	int mapped = 0;
	for (int i = 0; i < 8; i++)
		mapped += s->drv.rxb[i].mapped;
	cr_assert_eq(mapped, 7, "N - 1 buffers mapped");
	/* descriptor 6 holds a DMA address although the NIC does not own it; 7 is empty */
	uint8_t d[16];
	rx_desc(m, 6, d);
	cr_assert_neq(le64_load(d), 0);
	rx_desc(m, 7, d);
	cr_assert_eq(le64_load(d), 0);
	/* the descriptor holds the DMA handle (an IOVA under DMA-FQ), not the buffer's physical address */
	rx_desc(m, 0, d);
	cr_assert_eq(le64_load(d), s->drv.rxb[0].dma);
	cr_assert_neq(le64_load(d), s->drv.rx_data_phys);
	/* ring lengths and alignment as the hardware masks them */
	cr_assert_eq(reg(m, E1000_RDLEN) % 128, 0);
	cr_assert_eq(reg(m, E1000_RDBAL) & 0xF, 0);
}

/* the exact 16 bytes after write-back, DD written last and separately (invariant 27) */
Test(nic, rx_writeback_bytes_and_dd_last)
{
	struct machine *m = start("", "",
	                          "{\"do\":\"nic.probe\",\"device\":\"nic0\"},"
	                          "{\"do\":\"wire.rx\",\"device\":\"nic0\",\"length\":60,\"fill\":0,"
	                          "\"bytes\":\"52 54 00 12 34 56\"}");
	step();
	uint64_t from = m->trace.n;
	const struct nic_state *s = nic_get(m, 0);
	uint64_t buf = s->drv.rxb[0].dma;
	step();
	uint8_t d[16], want[16] = {0};
	rx_desc(m, 0, d);
	le64_store(want, buf);
	le16_store(want + 8, 64); /* 60 + FCS */
	want[12] = E1000_RXD_STAT_DD | E1000_RXD_STAT_EOP | E1000_RXD_STAT_IXSM;
	cr_assert_arr_eq(d, want, 16);
	/* order of the NIC's memory writes: data (64 B), descriptor (16 B, no DD), status (1 B, DD) */
	uint32_t lens[8];
	int n = 0;
	for (uint64_t i = from; i < m->trace.n && n < 8; i++)
		if (m->trace.ev[i].kind == EV_MEM_WRITE && m->trace.ev[i].actor == m->devs[0].entity)
			lens[n++] = m->trace.ev[i].len;
	cr_assert_eq(n, 3);
	cr_assert_eq(lens[0], 64);
	cr_assert_eq(lens[1], 16);
	cr_assert_eq(lens[2], 1);
	/* the FCS is a real CRC-32 of the 60 bytes (zlib.crc32 of the same frame) */
	uint8_t frame[64];
	mem_read(&m->mem, s->drv.rx_data_phys, frame, 64);
	cr_assert_eq(le32_load(frame + 60) != 0, 1);
	cr_assert_eq(reg(m, E1000_RDH), 1);
}

/* invariant 25: RDH == RDT means the hardware has nothing: drop, RXO, RDH unchanged */
Test(nic, ring_empty_drops_with_rxo)
{
	struct machine *m =
	    start("", "",
	          "{\"do\":\"nic.probe\",\"device\":\"nic0\"},"
	          "{\"do\":\"wire.rx\",\"device\":\"nic0\",\"length\":60,\"count\":6,\"gap_ns\":0},"
	          "{\"do\":\"nic.write_reg\",\"device\":\"nic0\",\"reg\":\"IMC\",\"value\":\"0xffffffff\"},"
	          "{\"do\":\"wire.rx\",\"device\":\"nic0\",\"length\":60}");
	step();
	step();
	cr_assert_eq(reg(m, E1000_RDH), 6);
	cr_assert_eq(reg(m, E1000_RDT), 6);
	step();
	uint32_t icr_before = reg(m, E1000_ICR);
	cr_assert_eq(icr_before & E1000_ICR_RXO, 0);
	uint64_t dropped = counter_get(m, "nic0.rx_dropped", NULL);
	step();
	cr_assert_eq(reg(m, E1000_RDH), 6, "RDH must not move");
	cr_assert(reg(m, E1000_ICR) & E1000_ICR_RXO);
	cr_assert_eq(counter_get(m, "nic0.rx_dropped", NULL), dropped + 1);
	cr_assert_eq(reg(m, 0x4010), 1, "MPC counts the missed frame");
}

/* invariant 26 over many arrivals and small-budget polls: the hardware never owns N, and the
 * driver's RDT is always next_to_use - 1 */
Test(nic, hardware_never_owns_the_whole_ring)
{
	char steps[6000];
	size_t o = (size_t)snprintf(steps, sizeof steps, "{\"do\":\"nic.probe\",\"device\":\"nic0\"}");
	for (int k = 0; k < 40; k++)
		o += (size_t)snprintf(
		    steps + o, sizeof steps - o,
		    ",{\"do\":\"wire.rx\",\"device\":\"nic0\",\"length\":%d,\"count\":%d,\"gap_ns\":0}"
		    ",{\"do\":\"nic.poll\",\"device\":\"nic0\",\"budget\":%d}",
		    60 + 97 * k % 1400, 1 + k % 9, 1 + k % 5);
	struct machine *m = start("", "", steps);
	step();
	for (int k = 0; k < 80; k++) {
		step();
		uint32_t head = reg(m, E1000_RDH), tail = reg(m, E1000_RDT);
		uint32_t owned = nic_hw_owned(head, tail, 8);
		cr_assert_lt(owned, 8);
		const struct nic_state *s = nic_get(m, 0);
		cr_assert_eq(tail, (s->drv.rx_ntu + 7) % 8, "RDT = last filled index");
		/* every hardware-owned descriptor has a mapped buffer and no DD */
		for (uint32_t i = head; i != tail; i = (i + 1) % 8) {
			uint8_t d[16];
			rx_desc(m, i, d);
			cr_assert(s->drv.rxb[i].mapped, "descriptor %u owned by hardware without a buffer",
			          i);
			cr_assert_eq(d[12] & E1000_RXD_STAT_DD, 0, "stale DD on a re-armed descriptor %u", i);
		}
	}
	cr_assert_gt(counter_get(m, "nic0.rx_dropped", NULL), 0,
	             "the sequence should overrun the ring at least once");
	cr_assert_gt(counter_get(m, "nic0.drv_rx_packets", NULL), 0);
}

/* invariant 27: a multi-descriptor frame has EOP only on the last; every descriptor gets DD */
Test(nic, jumbo_eop_only_on_last)
{
	struct machine *m = start("", ",\"mtu\":9000",
	                          "{\"do\":\"nic.probe\",\"device\":\"nic0\"},"
	                          "{\"do\":\"wire.rx\",\"device\":\"nic0\",\"length\":5000}");
	step();
	step();
	uint8_t d[16];
	const uint16_t lens[3] = {2048, 2048, 908};
	for (uint32_t i = 0; i < 3; i++) {
		rx_desc(m, i, d);
		cr_assert(d[12] & E1000_RXD_STAT_DD);
		cr_assert_eq(!!(d[12] & E1000_RXD_STAT_EOP), i == 2);
		cr_assert_eq(le16_load(d + 8), lens[i]);
	}
	rx_desc(m, 3, d);
	cr_assert_eq(d[12], 0);
}

/* without LPE a frame over 1518 bytes is dropped */
Test(nic, long_frame_needs_lpe)
{
	struct machine *m = start("", "",
	                          "{\"do\":\"nic.probe\",\"device\":\"nic0\"},"
	                          "{\"do\":\"wire.rx\",\"device\":\"nic0\",\"length\":1600}");
	run_all();
	cr_assert_eq(reg(m, E1000_RDH), 0);
	cr_assert_eq(counter_get(m, "nic0.rx_length_errors", NULL), 1);
}

/* invariant 28: DD only with RS; TDH advances either way */
Test(nic, tx_dd_only_with_rs)
{
	struct machine *m = start("", "",
	                          "{\"do\":\"nic.probe\",\"device\":\"nic0\"},"
	                          "{\"do\":\"nic.xmit\",\"device\":\"nic0\",\"length\":100,\"rs\":false},"
	                          "{\"do\":\"nic.xmit\",\"device\":\"nic0\",\"length\":100}");
	step();
	step();
	uint8_t d[16];
	tx_desc(m, 0, d);
	cr_assert_eq(reg(m, E1000_TDH), 1);
	cr_assert_eq(d[11] & 0x08, 0, "no RS");
	cr_assert_eq(d[12] & E1000_TXD_STAT_DD, 0, "never written back");
	cr_assert_eq(reg(m, E1000_ICR) & E1000_ICR_TXDW, 0, "no TXDW without a write-back");
	step();
	tx_desc(m, 1, d);
	cr_assert_eq(reg(m, E1000_TDH), 2);
	cr_assert_eq(d[11], 0x8b, "EOP|IFCS|RS|IDE");
	cr_assert_eq(d[12] & E1000_TXD_STAT_DD, 1);
	cr_assert_eq(nic_get(m, 0)->hw.wire_count, 2);
}

/* invariant 29: dma_wmb before every tail write, dma_rmb after DD and before the rest */
Test(nic, barriers_around_doorbells_and_dd)
{
	struct machine *m =
	    start("", "",
	          "{\"do\":\"nic.probe\",\"device\":\"nic0\"},"
	          "{\"do\":\"nic.xmit\",\"device\":\"nic0\",\"length\":60,\"count\":3},"
	          "{\"do\":\"wire.rx\",\"device\":\"nic0\",\"length\":60,\"count\":3,\"gap_ns\":0},"
	          "{\"do\":\"nic.poll\",\"device\":\"nic0\"}");
	run_all();
	uint64_t bar = m->devs[0].d->bar0;
	int tails = 0, wmb_pending = 0, rmbs = 0;
	for (uint64_t i = 0; i < m->trace.n; i++) {
		const struct ev *e = &m->trace.ev[i];
		if (e->kind == EV_NAPI && e->code == DRV_WMB)
			wmb_pending = 1;
		if (e->kind == EV_NAPI && e->code == DRV_RMB)
			rmbs++;
		if (e->kind == EV_MMIO && (e->flags & EVF_WRITE) &&
		    (e->addr_in == bar + E1000_TDT || e->addr_in == bar + E1000_RDT) && e->entry) {
			cr_assert(wmb_pending, "tail write to 0x%llx without dma_wmb",
			          (unsigned long long)e->addr_in);
			wmb_pending = 0;
			tails++;
		}
	}
	cr_assert_geq(tails, 5);
	cr_assert_geq(rmbs, 3 + 1, "one dma_rmb per Rx descriptor and per cleaned Tx packet");
}

/* invariant 30: an unmapped ring base faults 6h on the descriptor fetch; the ring stalls */
Test(nic, unmapped_ring_faults_6h)
{
	struct machine *m =
	    start("", "",
	          "{\"do\":\"nic.probe\",\"device\":\"nic0\"},"
	          "{\"do\":\"nic.write_reg\",\"device\":\"nic0\",\"reg\":\"TDBAL\",\"value\":\"0x7fff0000\"},"
	          "{\"do\":\"nic.xmit\",\"device\":\"nic0\",\"length\":60}");
	step();
	step();
	step();
	const struct step_result *r = &eng.reports[2].r;
	cr_assert(r->fault.valid);
	cr_assert_eq(r->fault.unit, FU_IOMMU);
	cr_assert_eq(r->fault.reason, 6);
	cr_assert_eq(r->fault.addr, 0x7fff0000);
	cr_assert_eq(reg(m, E1000_TDH), 0);
	cr_assert_eq(nic_get(m, 0)->hw.wire_count, 0);
}

/* with the IOMMU off the same descriptor address is a physical address: no fault, the NIC reads RAM */
Test(nic, no_iommu_means_no_fault)
{
	struct machine *m = start("\"cmdline\":\"intel_iommu=off\"", "",
	                          "{\"do\":\"nic.probe\",\"device\":\"nic0\"},"
	                          "{\"do\":\"wire.rx\",\"device\":\"nic0\",\"length\":60}");
	run_all();
	const struct nic_state *s = nic_get(m, 0);
	cr_assert_eq(s->drv.rx_ring_dma, s->drv.rx_ring_phys, "dma-direct: handle = physical address");
	cr_assert_eq(reg(m, E1000_RDH), 1);
}

/* interrupt coalescing: 16 frames, RDTR/RADV -> 2 interrupts; without -> 16 */
Test(nic, coalescing_counts)
{
	char *err = NULL;
	int rc = tu_load_file(&sc, "scenarios/nic-coalescing.json", &err);
	cr_assert_eq(rc, 0, "%s", err ? err : "");
	cr_assert_eq(engine_init(&eng, &sc, 0), 0);
	run_all();
	cr_assert_eq(counter_get(&eng.m, "nic0.irqs", NULL), 16);
	cr_assert_eq(counter_get(&eng.m, "nic1.irqs", NULL), 2);
	cr_assert_eq(counter_get(&eng.m, "nic2.irqs", NULL), 2);
	for (int d = 0; d < 3; d++) {
		char n[40];
		snprintf(n, sizeof n, "nic%d.drv_rx_packets", d);
		cr_assert_eq(counter_get(&eng.m, n, NULL), 16);
	}
}

/* ITR: two MSIs are at least ITR x 256 ns apart */
Test(nic, itr_spaces_interrupts)
{
	struct machine *m =
	    start("", ",\"napi\":\"auto\",\"itr\":10000",
	          "{\"do\":\"nic.probe\",\"device\":\"nic0\"},"
	          "{\"do\":\"wire.rx\",\"device\":\"nic0\",\"length\":200,\"count\":6,\"gap_ns\":20000},"
	          "{\"do\":\"time.advance\",\"us\":200}");
	run_all();
	uint64_t gap = (1000000000u / (10000u * 256u)) * 256ull, last = 0;
	int n = 0;
	for (uint64_t i = 0; i < m->trace.n; i++)
		if (m->trace.ev[i].kind == EV_IRQ && m->trace.ev[i].actor == m->devs[0].entity) {
			if (n)
				cr_assert_geq(m->trace.ev[i].t_ns - last, gap);
			last = m->trace.ev[i].t_ns;
			n++;
		}
	cr_assert_geq(n, 2);
	cr_assert_lt(n, 6);
	cr_assert_eq(counter_get(m, "nic0.drv_rx_packets", NULL), 6);
}

/* the four-mode experiment: the ranking comes out of what the model does */
static uint64_t mode_time(const char *file, uint64_t *inv, uint64_t *miss)
{
	struct scenario s2;
	struct engine e2;
	char *err = NULL;
	cr_assert_eq(tu_load_file(&s2, file, &err), 0, "%s", err ? err : "");
	cr_assert_eq(engine_init(&e2, &s2, 0), 0);
	int failed = 0;
	engine_run_all(&e2, &failed);
	cr_assert_eq(failed, 0, "%s", file);
	uint64_t t = e2.m.now_ns;
	*inv = counter_get(&e2.m, "iommu.invalidations", NULL);
	*miss = counter_get(&e2.m, "nic0.iotlb_misses", NULL);
	engine_free(&e2);
	scenario_free(&s2);
	return t;
}

Test(nic, four_modes_rank_strict_lazy_pt_off)
{
	uint64_t inv[4], miss[4], t[4];
	t[0] = mode_time("scenarios/nic-mode-off.json", &inv[0], &miss[0]);
	t[1] = mode_time("scenarios/nic-mode-pt.json", &inv[1], &miss[1]);
	t[2] = mode_time("scenarios/nic-mode-lazy.json", &inv[2], &miss[2]);
	t[3] = mode_time("scenarios/nic-mode-strict.json", &inv[3], &miss[3]);
	cr_assert_gt(t[3], t[2], "strict costs more than lazy");
	cr_assert_gt(t[2], t[1], "lazy costs more than pt");
	cr_assert_geq(t[1], t[0], "pt costs at least what no IOMMU costs");
	/* and why: strict invalidates per unmap, lazy per flush-queue drain; pt and off never miss */
	cr_assert_gt(inv[3], 10 * inv[2]);
	cr_assert_eq(miss[0], 0);
	cr_assert_eq(miss[1], 0);
	cr_assert_gt(miss[2], 0);
}

/* a long run with tracing off keeps its memory: no per-packet allocation is kept */
Test(nic, long_run_constant_memory, .timeout = 120)
{
	static char buf[2048];
	snprintf(buf, sizeof buf,
	         HDR
	         "\"devices\":[{\"name\":\"nic0\",\"type\":\"e1000\",\"bdf\":\"01:00.0\",\"napi\":\"auto\","
	         "\"tx_int_delay\":0,\"tx_abs_int_delay\":0}],"
	         "\"steps\":[{\"do\":\"nic.probe\",\"device\":\"nic0\"},"
	         "{\"do\":\"wire.rx\",\"device\":\"nic0\",\"length\":1500,\"count\":5000,\"gap_ns\":0},"
	         "{\"do\":\"wire.rx\",\"device\":\"nic0\",\"length\":1500,\"count\":45000,\"gap_ns\":0}]}");
	char *err = NULL;
	cr_assert_eq(tu_load(&sc, buf, &err), 0, "%s", err ? err : "");
	cr_assert_eq(engine_init(&eng, &sc, 0), 0);
	int failed = 0;
	cr_assert_eq(engine_forward(&eng), 0);
	cr_assert_eq(engine_forward(&eng), 0);
	uint64_t frames = eng.m.mem.used, events = eng.m.trace.n;
	int counters = eng.m.ncounters;
	cr_assert_eq(engine_forward(&eng), 0);
	(void)failed;
	cr_assert_eq(counter_get(&eng.m, "nic0.drv_rx_packets", NULL), 50000);
	cr_assert_eq(eng.m.mem.used, frames, "touched frames grew with the packet count");
	cr_assert_eq(eng.m.trace.n, events, "events stored with tracing off");
	cr_assert_eq(eng.m.ncounters, counters);
}

/* invariant 30, the write side: a ring the device may only read faults 5h on the write-back */
Test(nic, read_only_ring_faults_5h_on_writeback)
{
	struct machine *m =
	    start("", "",
	          "{\"do\":\"nic.probe\",\"device\":\"nic0\"},"
	          "{\"do\":\"kmem.alloc\",\"device\":\"nic0\",\"size\":\"4KiB\",\"as\":\"ring\"},"
	          "{\"do\":\"dma.map\",\"device\":\"nic0\",\"addr\":\"$ring\",\"size\":\"4KiB\",\"dir\":\"to_"
	          "device\",\"as\":\"h\"},"
	          "{\"do\":\"nic.write_reg\",\"device\":\"nic0\",\"reg\":\"RDBAL\",\"value\":\"$h\"},"
	          "{\"do\":\"wire.rx\",\"device\":\"nic0\",\"length\":60}");
	run_all();
	const struct step_result *r = &eng.reports[4].r;
	cr_assert(r->fault.valid);
	cr_assert_eq(r->fault.reason, 5);
	/* the fetch was a read and succeeded; nothing reached memory */
	uint8_t d[16];
	mem_read(&m->mem, m->vars[0].v, d, 16);
	for (int i = 0; i < 16; i++)
		cr_assert_eq(d[i], 0);
}

/* determinism: the same scenario gives the same trace, and step back + forward replays it exactly */
static size_t dump(const struct machine *m, char *buf, size_t cap)
{
	size_t o = 0;
	for (uint64_t i = 0; i < m->trace.n && o + 512 < cap; i++) {
		o += ev_to_json(m, &m->trace, &m->trace.ev[i], buf + o, cap - o);
		buf[o++] = '\n';
	}
	return o;
}

Test(nic, deterministic_and_replayable)
{
	char *err = NULL;
	cr_assert_eq(tu_load_file(&sc, "scenarios/nic-tx-rs.json", &err), 0, "%s", err ? err : "");
	cr_assert_eq(engine_init(&eng, &sc, 1), 0);
	run_all();
	static char a[1 << 22], b[1 << 22];
	size_t na = dump(&eng.m, a, sizeof a);
	cr_assert_eq(engine_back(&eng), 0);
	cr_assert_eq(engine_back(&eng), 0);
	cr_assert_eq(engine_forward(&eng), 0);
	cr_assert_eq(engine_forward(&eng), 0);
	size_t nb = dump(&eng.m, b, sizeof b);
	cr_assert_eq(na, nb);
	cr_assert(memcmp(a, b, na) == 0, "replayed trace differs");
}

/* a 9014-byte frame is split into descriptors of at most 4096 bytes; CMD's EOP|RS only on the last */
Test(nic, tx_jumbo_splits_at_4096)
{
	struct machine *m = start("", ",\"mtu\":9000",
	                          "{\"do\":\"nic.probe\",\"device\":\"nic0\"},"
	                          "{\"do\":\"nic.xmit\",\"device\":\"nic0\",\"length\":9014}");
	run_all();
	const uint16_t lens[3] = {4096, 4096, 822};
	uint8_t d[16];
	for (uint32_t i = 0; i < 3; i++) {
		tx_desc(m, i, d);
		cr_assert_eq(le16_load(d + 8), lens[i]);
		cr_assert(d[11] & 0x02, "IFCS on every descriptor");
		cr_assert_eq(!!(d[11] & 0x01), i == 2, "EOP only on the last");
		cr_assert_eq(d[12] & 1, i == 2, "DD written back only where RS was set");
	}
	cr_assert_eq(reg(m, E1000_TDH), 3);
	cr_assert_eq(nic_get(m, 0)->hw.wire_count, 1);
	cr_assert_eq(nic_get(m, 0)->hw.wire[0].len, 9014);
}

/* the stack never passes a frame longer than the MTU allows */
Test(nic, xmit_longer_than_mtu_is_refused)
{
	start("", "",
	      "{\"do\":\"nic.probe\",\"device\":\"nic0\"},{\"do\":\"nic.xmit\",\"device\":\"nic0\","
	      "\"length\":3000}");
	cr_assert_eq(engine_forward(&eng), 0);
	engine_forward(&eng);
	cr_assert_neq(eng.reports[1].r.error[0], 0);
}
