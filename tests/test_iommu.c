/*
 * test_iommu.c — facts invariants 8–17: VT-d fault reasons and records, no
 * side effects on fault, FPD, round-robin recording and PFO, pass-through,
 * cold walk counts, strict vs lazy unmap, caching mode, shared domains, the
 * MSI window. Machines are built from scenario text; the DMA API and device
 * requests are called directly.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dma.h"
#include "iommu.h"
#include "paging.h"
#include "testutil.h"

#define HDR            "{\"format\":\"iommulab/1\","
#define STEPS          "\"steps\":[{\"do\":\"note\",\"say\":\"x\"}]}"
#define DEV(name, bdf) "{\"name\":\"" name "\",\"type\":\"dma-device\",\"bdf\":\"" bdf "\"}"

static struct scenario sc;
static struct engine eng;

static struct machine *boot(const char *json)
{
	tu_start(&sc, &eng, json);
	return &eng.m;
}

static void fini(void)
{
	engine_free(&eng);
	scenario_free(&sc);
}

static struct machine *boot_default(const char *machine_extra)
{
	static char buf[2048];
	snprintf(buf, sizeof buf,
	         HDR
	         "\"machine\":{%s},\"devices\":[" DEV("d0", "01:00.0") "," DEV("d1", "01:01.0") "]," STEPS,
	         machine_extra);
	return boot(buf);
}

static uint64_t map(struct machine *m, int dev, uint64_t size, enum dma_dir dir, uint64_t *phys)
{
	uint64_t p = dma_kalloc(m, dev, size, "test buffer"), h;
	struct step_result r;
	memset(&r, 0, sizeof r);
	cr_assert_neq(p, MEM_NO_ADDR);
	cr_assert_eq(dma_map_single(m, dev, p, size, dir, &h, &r), 0, "%s", r.error);
	if (phys)
		*phys = p;
	return h;
}

static int dwrite(struct machine *m, int dev, uint64_t addr, uint32_t v, struct step_result *r)
{
	uint8_t b[4];
	le32_store(b, v);
	memset(r, 0, sizeof *r);
	m->step++;
	return dev_dma_write(m, dev, addr, b, 4, r);
}

static int dread(struct machine *m, int dev, uint64_t addr, uint32_t *v, struct step_result *r)
{
	uint8_t b[4] = {0};
	memset(r, 0, sizeof *r);
	m->step++;
	int rc = dev_dma_read(m, dev, addr, b, 4, r);
	*v = le32_load(b);
	return rc;
}

static uint64_t frcd_hi(const struct machine *m, int i)
{
	return iommu_reg_read(m->iommu, VTD_FRO_OFF + 16u * (unsigned)i + 8, 8);
}

static uint64_t frcd_lo(const struct machine *m, int i)
{
	return iommu_reg_read(m->iommu, VTD_FRO_OFF + 16u * (unsigned)i, 8);
}

/* ---- invariant 8: fault reasons and record contents ---- */

Test(vtd, dma_from_bus_without_root_entry_records_reason_1)
{
	struct machine *m = boot(
	    HDR "\"devices\":[" DEV("d0", "01:00.0") ",{\"name\":\"rogue\",\"type\":\"dma-device\","
	                                             "\"bdf\":\"05:00.0\",\"enumerated\":false}]," STEPS);
	struct step_result r;
	cr_assert_eq(dwrite(m, 1, 0x100000, 1, &r), -1);
	cr_assert_eq(r.fault.reason, VTD_FR_ROOT_P);
	cr_assert(r.fault.recorded);
	cr_assert_eq(r.walk_refs, 1, "only the root entry is read");
	cr_assert_eq(frcd_hi(m, 0) & 0xffff, 0x0500u, "SID = bus << 8 | devfn");
	fini();
}

Test(vtd, devfn_without_context_entry_records_reason_2)
{
	struct machine *m = boot(
	    HDR "\"devices\":[" DEV("d0", "01:00.0") ",{\"name\":\"rogue\",\"type\":\"dma-device\","
	                                             "\"bdf\":\"01:03.2\",\"enumerated\":false}]," STEPS);
	struct step_result r;
	cr_assert_eq(dwrite(m, 1, 0x100000, 1, &r), -1);
	cr_assert_eq(r.fault.reason, VTD_FR_CTX_P);
	cr_assert_eq(r.walk_refs, 2);
	cr_assert_eq(frcd_hi(m, 0) & 0xffff, (1u << 8) | (3u << 3) | 2u);
	fini();
}

Test(vtd, iova_at_or_above_2_pow_aw_records_reason_4)
{
	struct machine *m = boot_default("");
	struct step_result r;
	cr_assert_eq(dwrite(m, 0, 1ull << 48, 1, &r), -1);
	cr_assert_eq(r.fault.reason, VTD_FR_ADDR_BEYOND_MGAW);
	cr_assert_eq(dwrite(m, 0, (1ull << 48) - PAGE_SIZE, 1, &r), -1);
	cr_assert_eq(r.fault.reason, VTD_FR_WRITE, "just below 2^48 is in range (and unmapped: 5h)");
	fini();
}

Test(vtd, write_to_readonly_iova_records_reason_5)
{
	struct machine *m = boot_default("");
	uint64_t h = map(m, 0, 64, DMA_TO_DEVICE, NULL);
	struct step_result r;
	cr_assert_eq(dwrite(m, 0, h, 0xdead, &r), -1);
	cr_assert_eq(r.fault.reason, VTD_FR_WRITE);
	uint64_t hi = frcd_hi(m, 0), lo = frcd_lo(m, 0);
	cr_assert(hi & VTD_FRCD_F);
	cr_assert_eq(FIELD(hi, 39, 32), 5u);
	cr_assert_eq(hi & VTD_FRCD_T, 0, "T = 0 for a write");
	cr_assert_eq(lo, h & MASK(63, 12), "FI = IOVA with bits 11:0 cleared");
	cr_assert_eq(hi & 0xffff, 0x0100u);
	fini();
}

Test(vtd, write_to_unmapped_iova_records_reason_5_not_a_present_fault)
{
	struct machine *m = boot_default("");
	struct step_result r;
	cr_assert_eq(dwrite(m, 0, 0x7fff0000, 1, &r), -1);
	cr_assert_eq(r.fault.reason, VTD_FR_WRITE, "R = W = 0 is reported as 5h for a write");
	fini();
}

Test(vtd, read_of_writeonly_iova_records_reason_6)
{
	struct machine *m = boot_default("");
	uint64_t h = map(m, 0, 64, DMA_FROM_DEVICE, NULL);
	struct step_result r;
	uint32_t v;
	cr_assert_eq(dread(m, 0, h, &v, &r), -1);
	cr_assert_eq(r.fault.reason, VTD_FR_READ);
	cr_assert(frcd_hi(m, 0) & VTD_FRCD_T, "T = 1 for a read");
	fini();
}

Test(vtd, permission_is_checked_at_every_level)
{
	struct machine *m = boot_default("");
	uint64_t h = map(m, 0, 64, DMA_BIDIRECTIONAL, NULL);
	struct step_result r;
	cr_assert_eq(dwrite(m, 0, h, 1, &r), 0);
	/* clear W in the PDE (level 2) covering h: writes fault though the leaf allows them */
	int dom = m->dma->dev[0].dom;
	uint64_t t = m->iommu->doms[dom].pgd;
	for (int lvl = 4; lvl > 2; lvl--)
		t = mem_read64(&m->mem, t + 8 * PX(lvl, h)) & VTD_SL_ADDR;
	uint64_t pde = t + 8 * PX(2, h);
	mem_write64(&m->mem, pde, mem_read64(&m->mem, pde) & ~VTD_SL_W);
	iommu_inv_iotlb(m, VTD_INV_GLOBAL, 0, 0, 0);
	cr_assert_eq(dwrite(m, 0, h, 1, &r), -1);
	cr_assert_eq(r.fault.reason, VTD_FR_WRITE);
	uint32_t v;
	cr_assert_eq(dread(m, 0, h, &v, &r), 0, "reads still pass: R is set at every level");
	fini();
}

Test(vtd, tt_11_is_an_invalid_context_entry_reason_3)
{
	struct machine *m = boot_default("");
	uint64_t ea = iommu_context_addr(m, 0x0100);
	mem_write64(&m->mem, ea, mem_read64(&m->mem, ea) | (3ull << 2));
	iommu_inv_context(m, 1, 0);
	struct step_result r;
	cr_assert_eq(dwrite(m, 0, 0x1000, 1, &r), -1);
	cr_assert_eq(r.fault.reason, VTD_FR_CTX_INV);
	fini();
}

/* ---- invariant 9: no side effects ---- */

Test(vtd, faulting_write_changes_no_byte)
{
	struct machine *m = boot_default("");
	uint64_t phys;
	uint64_t h = map(m, 0, 4096, DMA_TO_DEVICE, &phys);
	uint8_t before[4096], after[4096];
	mem_read(&m->mem, phys, before, sizeof before);
	struct step_result r;
	cr_assert_eq(dwrite(m, 0, h, 0xffffffff, &r), -1);
	mem_read(&m->mem, phys, after, sizeof after);
	cr_assert_eq(memcmp(before, after, sizeof before), 0);
	fini();
}

Test(vtd, faulting_read_returns_no_data)
{
	struct machine *m = boot_default("");
	uint64_t phys;
	uint64_t h = map(m, 0, 64, DMA_FROM_DEVICE, &phys);
	uint8_t secret[4] = {0x12, 0x34, 0x56, 0x78};
	mem_write(&m->mem, phys, secret, 4);
	struct step_result r;
	uint32_t v;
	cr_assert_eq(dread(m, 0, h, &v, &r), -1);
	cr_assert_neq(v, 0x78563412u, "the device must not see the bytes");
	cr_assert_eq(r.has_value, 0);
	fini();
}

/* ---- invariant 10: FPD ---- */

Test(vtd, fpd_blocks_without_record_or_interrupt)
{
	struct machine *m = boot_default("");
	uint64_t ea = iommu_context_addr(m, 0x0100);
	mem_write64(&m->mem, ea, mem_read64(&m->mem, ea) | VTD_CTX_FPD);
	iommu_inv_context(m, 0, 0x0100);
	uint64_t fsts0 = iommu_reg_read(m->iommu, VTD_FSTS, 4);
	struct step_result r;
	cr_assert_eq(dwrite(m, 0, 0x7fff0000, 1, &r), -1, "still blocked");
	cr_assert(r.fault.valid);
	cr_assert_eq(r.fault.recorded, 0);
	cr_assert_eq(frcd_hi(m, 0) & VTD_FRCD_F, 0);
	cr_assert_eq(iommu_reg_read(m->iommu, VTD_FSTS, 4), fsts0);
	cr_assert_eq(m->iommu->fault_deadline, UINT64_MAX, "no fault event");
	fini();
}

/* ---- invariant 11: round robin, PPF, PFO, clearing F ---- */

Test(vtd, faults_fill_records_round_robin_then_set_pfo)
{
	struct machine *m = boot_default("");
	iommu_reg_write(m, VTD_FECTL, VTD_FECTL_IM, 4); /* hold the fault interrupt */
	struct step_result r;
	for (int i = 0; i < 8; i++) {
		cr_assert_eq(dwrite(m, 0, 0x10000000ull + (uint64_t)i * PAGE_SIZE, 1, &r), -1);
		cr_assert(r.fault.recorded, "fault %d recorded", i);
		cr_assert(frcd_hi(m, i) & VTD_FRCD_F);
		cr_assert_eq(frcd_lo(m, i), 0x10000000ull + (uint64_t)i * PAGE_SIZE);
	}
	uint64_t f = iommu_reg_read(m->iommu, VTD_FSTS, 4);
	cr_assert(f & VTD_FSTS_PPF);
	cr_assert_eq(f & VTD_FSTS_PFO, 0);
	cr_assert_eq(VTD_FSTS_FRI(f), 0);
	cr_assert_eq(dwrite(m, 0, 0x20000000, 1, &r), -1);
	cr_assert_eq(r.fault.recorded, 0, "the ninth fault is lost");
	cr_assert(iommu_reg_read(m->iommu, VTD_FSTS, 4) & VTD_FSTS_PFO);
	cr_assert_eq(frcd_lo(m, 0), 0x10000000ull, "record 0 is not overwritten");
	/* software clears F of record 0 and PFO: the next fault goes to record 0 */
	iommu_reg_write(m, VTD_FRO_OFF + 8, VTD_FRCD_F, 8);
	iommu_reg_write(m, VTD_FSTS, VTD_FSTS_PFO, 4);
	cr_assert_eq(frcd_hi(m, 0) & VTD_FRCD_F, 0);
	cr_assert_eq(dwrite(m, 0, 0x30000000, 1, &r), -1);
	cr_assert(r.fault.recorded);
	cr_assert_eq(frcd_lo(m, 0), 0x30000000ull);
	fini();
}

Test(vtd, unmasking_delivers_the_held_fault_interrupt_and_linux_logs_every_record)
{
	struct machine *m = boot_default("");
	iommu_reg_write(m, VTD_FECTL, VTD_FECTL_IM, 4);
	struct step_result r;
	for (int i = 0; i < 3; i++)
		dwrite(m, 0, 0x7fff0000ull + (uint64_t)i * PAGE_SIZE, 1, &r);
	cr_assert(iommu_reg_read(m->iommu, VTD_FECTL, 4) & VTD_FECTL_IP);
	uint64_t n0 = m->trace.n;
	iommu_reg_write(m, VTD_FECTL, 0, 4);
	machine_advance(m, 10000);
	int logs = 0, found = 0;
	for (uint64_t i = n0; i < m->trace.n; i++)
		if (m->trace.ev[i].kind == EV_LOG) {
			logs++;
			const char *s = trace_get_str(&m->trace, m->trace.ev[i].str);
			if (!strcmp(
			        s,
			        "DMAR: [DMA Write NO_PASID] Request device [01:00.0] fault addr 0x7fff0000 "
			        "[fault reason 0x05] PTE Write access is not set"))
				found = 1;
		}
	cr_assert_eq(logs, 4, "DRHD: handling fault status reg 2, then one line per record");
	cr_assert(found, "Linux's line, byte for byte");
	cr_assert_eq(iommu_reg_read(m->iommu, VTD_FSTS, 4) & (VTD_FSTS_PPF | VTD_FSTS_PFO), 0);
	fini();
}

/* ---- invariant 12: pass-through ---- */

Test(vtd, passthrough_reads_root_and_context_only_and_ignores_slptptr)
{
	struct machine *m = boot_default("\"cmdline\":\"iommu=pt\"");
	cr_assert_eq(dma_dev_domain(m, 0), DOM_IDENTITY);
	uint64_t ea = iommu_context_addr(m, 0x0100);
	uint64_t lo = mem_read64(&m->mem, ea);
	cr_assert_eq(VTD_CTX_TT(lo), VTD_TT_PASS_THROUGH);
	mem_write64(&m->mem, ea, lo | 0xdead000ull); /* garbage SLPTPTR */
	iommu_inv_context(m, 1, 0);
	struct step_result r;
	cr_assert_eq(dwrite(m, 0, 0x123450, 7, &r), 0);
	cr_assert_eq(r.walk_refs, 2);
	cr_assert_eq(r.hpa, 0x123450u);
	cr_assert_eq(mem_read64(&m->mem, 0x123450) & 0xffffffff, 7u);
	cr_assert_eq(dwrite(m, 0, 0x123450, 7, &r), 0);
	cr_assert_eq(r.walk_refs, 0, "context cache warm");
	fini();
}

/* ---- invariant 13: cold walk counts, warm hit ---- */

static void cold_walk(int levels)
{
	char extra[64];
	snprintf(extra, sizeof extra, "\"iommu\":{\"levels\":%d}", levels);
	struct machine *m = boot_default(extra);
	uint64_t h = map(m, 0, 64, DMA_BIDIRECTIONAL, NULL);
	struct step_result r;
	uint64_t n0 = m->trace.n;
	cr_assert_eq(dwrite(m, 0, h, 1, &r), 0);
	cr_assert_eq(r.walk_refs, 2 + levels);
	int root = 0, ctx = 0, sl = 0;
	for (uint64_t i = n0; i < m->trace.n; i++) {
		const struct ev *e = &m->trace.ev[i];
		if (e->kind != EV_WALK_REF)
			continue;
		root += e->walker == WALKER_IOMMU_ROOT;
		ctx += e->walker == WALKER_IOMMU_CONTEXT;
		sl += e->walker == WALKER_IOMMU;
	}
	cr_assert_eq(root, 1);
	cr_assert_eq(ctx, 1);
	cr_assert_eq(sl, levels);
	cr_assert_eq(dwrite(m, 0, h, 2, &r), 0);
	cr_assert_eq(r.walk_refs, 0, "IOTLB hit reads nothing");
	cr_assert_eq(tu_count(&eng, n0, m->trace.n, EV_IOTLB_HIT), 1);
	fini();
}

Test(vtd, cold_walk_3_level_reads_1_root_1_context_3_entries)
{
	cold_walk(3);
}
Test(vtd, cold_walk_4_level_reads_1_root_1_context_4_entries)
{
	cold_walk(4);
}
Test(vtd, cold_walk_5_level_reads_1_root_1_context_5_entries)
{
	cold_walk(5);
}

Test(vtd, context_entry_aw_and_did_follow_the_domain)
{
	struct machine *m = boot_default("");
	uint64_t ea = iommu_context_addr(m, 0x0100);
	uint64_t lo = mem_read64(&m->mem, ea), hi = mem_read64(&m->mem, ea + 8);
	cr_assert(lo & VTD_CTX_P);
	cr_assert_eq(VTD_CTX_TT(lo), 0);
	cr_assert_eq(VTD_CTX_AW(hi), 2, "AW 2 = 48-bit / 4-level");
	cr_assert_eq(VTD_CTX_DID(hi), m->iommu->doms[m->dma->dev[0].dom].did);
	cr_assert_eq(lo & VTD_CTX_SLPTPTR, m->iommu->doms[m->dma->dev[0].dom].pgd);
	uint64_t cap = iommu_reg_read(m->iommu, VTD_CAP, 8);
	cr_assert_eq(VTD_CAP_NFR(cap), 7);
	cr_assert_eq(VTD_CAP_SAGAW(cap), 4);
	cr_assert_eq(VTD_CAP_SLLPS(cap), 3);
	cr_assert(iommu_reg_read(m->iommu, VTD_ECAP, 8) & VTD_ECAP_PT);
	cr_assert(iommu_reg_read(m->iommu, VTD_GSTS, 4) & VTD_GSTS_TES);
	fini();
}

/* ---- invariant 14: strict vs lazy ---- */

Test(vtd, strict_unmap_then_dma_faults_even_after_an_iotlb_fill)
{
	struct machine *m = boot_default("\"cmdline\":\"iommu.strict=1\"");
	cr_assert_eq(dma_dev_domain(m, 0), DOM_DMA);
	uint64_t phys;
	uint64_t h = map(m, 0, 64, DMA_FROM_DEVICE, &phys);
	struct step_result r;
	cr_assert_eq(dwrite(m, 0, h, 0x11111111, &r), 0);
	cr_assert_eq(dma_unmap_single(m, 0, h, 64, DMA_FROM_DEVICE, &r), 0);
	cr_assert_eq(dwrite(m, 0, h, 0x22222222, &r), -1);
	cr_assert_eq(r.fault.reason, VTD_FR_WRITE);
	cr_assert_eq(mem_read64(&m->mem, phys) & 0xffffffff, 0x11111111u);
	fini();
}

Test(vtd, lazy_unmap_leaves_a_stale_iotlb_window_until_the_flush)
{
	struct machine *m = boot_default("");
	cr_assert_eq(dma_dev_domain(m, 0), DOM_DMA_FQ);
	uint64_t phys;
	uint64_t h = map(m, 0, 64, DMA_FROM_DEVICE, &phys);
	struct step_result r;
	cr_assert_eq(dwrite(m, 0, h, 0x11111111, &r), 0);
	cr_assert_eq(dma_unmap_single(m, 0, h, 64, DMA_FROM_DEVICE, &r), 0);
	cr_assert_eq(dwrite(m, 0, h, 0x22222222, &r), 0, "stale IOTLB entry still translates");
	cr_assert_eq(dma_step(m)->stale_hits, 1);
	cr_assert_eq(mem_read64(&m->mem, phys) & 0xffffffff, 0x22222222u);
	machine_advance(m, 10 * 1000 * 1000);
	cr_assert_eq(dwrite(m, 0, h, 0x33333333, &r), -1);
	cr_assert_eq(r.fault.reason, VTD_FR_WRITE);
	cr_assert_eq(mem_read64(&m->mem, phys) & 0xffffffff, 0x22222222u);
	fini();
}

Test(vtd, lazy_iova_is_not_reused_before_the_flush)
{
	struct machine *m = boot_default("");
	uint64_t h1 = map(m, 0, 64, DMA_FROM_DEVICE, NULL);
	struct step_result r;
	cr_assert_eq(dma_unmap_single(m, 0, h1, 64, DMA_FROM_DEVICE, &r), 0);
	uint64_t h2 = map(m, 0, 64, DMA_FROM_DEVICE, NULL);
	cr_assert_neq(h2 & PAGE_MASK, h1 & PAGE_MASK, "queued IOVA must not be handed out");
	cr_assert_eq(dma_unmap_single(m, 0, h2, 64, DMA_FROM_DEVICE, &r), 0);
	machine_advance(m, 10 * 1000 * 1000);
	uint64_t h3 = map(m, 0, 64, DMA_FROM_DEVICE, NULL);
	cr_assert_eq(h3 & PAGE_MASK, h1 & PAGE_MASK, "after the flush the IOVA is free again");
	fini();
}

Test(vtd, flush_queue_drains_after_256_unmaps)
{
	struct machine *m = boot_default("");
	struct step_result r;
	int dom = m->dma->dev[0].dom;
	for (int i = 0; i < 256; i++) {
		uint64_t h = map(m, 0, 64, DMA_TO_DEVICE, NULL);
		cr_assert_eq(dma_unmap_single(m, 0, h, 64, DMA_TO_DEVICE, &r), 0);
	}
	cr_assert_eq(m->iommu->doms[dom].nfq, 256u);
	cr_assert_lt(m->now_ns, 10 * 1000 * 1000ull, "no timer involved");
	uint64_t h = map(m, 0, 64, DMA_TO_DEVICE, NULL);
	cr_assert_eq(dma_unmap_single(m, 0, h, 64, DMA_TO_DEVICE, &r), 0);
	cr_assert_eq(m->iommu->doms[dom].nfq, 1u,
	             "the 257th unmap flushed the full queue, then queued itself");
	fini();
}

/* ---- invariant 15: map needs no flush unless CM = 1 ---- */

Test(vtd, map_needs_no_invalidation_without_caching_mode)
{
	struct machine *m = boot_default("");
	uint64_t n0 = m->trace.n;
	map(m, 0, 64, DMA_TO_DEVICE, NULL);
	cr_assert_eq(tu_count(&eng, n0, m->trace.n, EV_IOTLB_INV), 0);
	fini();
}

Test(vtd, caching_mode_caches_not_present_and_linux_flushes_on_map)
{
	struct machine *m = boot_default("\"iommu\":{\"caching_mode\":true}");
	cr_assert_eq(dma_dev_domain(m, 0), DOM_DMA, "CM = 1 forces strict");
	struct step_result r;
	uint64_t iova = 0x40000000;
	cr_assert_eq(dwrite(m, 0, iova, 1, &r), -1);
	/* a mapping written behind the IOMMU's back (no flush): still faults on the cached entry */
	int dom = m->dma->dev[0].dom;
	uint64_t phys = dma_kalloc(m, 0, PAGE_SIZE, "t");
	uint64_t n0 = m->trace.n;
	cr_assert_eq(iommu_map(m, dom, iova, phys, PAGE_SIZE, PERM_R | PERM_W), 0);
	cr_assert_eq(tu_count(&eng, n0, m->trace.n, EV_IOTLB_INV), 1, "CM = 1: Linux flushes on map");
	cr_assert_eq(dwrite(m, 0, iova, 1, &r), 0, "after the map-time flush the device succeeds");
	fini();
}

Test(vtd, caching_mode_without_flush_keeps_faulting)
{
	struct machine *m = boot_default("\"iommu\":{\"caching_mode\":true}");
	struct step_result r;
	uint64_t iova = 0x40000000;
	cr_assert_eq(dwrite(m, 0, iova, 1, &r), -1);
	/* write the leaf directly, the way a driver that forgets CM would */
	int dom = m->dma->dev[0].dom;
	m->iommu->cap &= ~VTD_CAP_CM; /* only the kernel's view: skip its map-time flush */
	uint64_t phys = dma_kalloc(m, 0, PAGE_SIZE, "t");
	cr_assert_eq(iommu_map(m, dom, iova, phys, PAGE_SIZE, PERM_R | PERM_W), 0);
	m->iommu->cap |= VTD_CAP_CM;
	cr_assert_eq(dwrite(m, 0, iova, 1, &r), -1, "the cached not-present entry still answers");
	iommu_flush_range(m, dom, iova, PAGE_SIZE);
	cr_assert_eq(dwrite(m, 0, iova, 1, &r), 0);
	fini();
}

/* ---- invariant 16: shared domain ---- */

#define VFIO_VM                                                                                              \
	"\"machine\":{\"ram\":\"1GiB\"},\"vms\":[{\"name\":\"vm1\",\"ram\":[{\"gpa\":\"0x0\",\"size\":"      \
	"\"64MiB\","                                                                                         \
	"\"hpa\":\"0x10000000\"}]}],"

Test(vtd, two_devices_in_one_domain_share_translations_and_a_domain_flush)
{
	struct machine *m =
	    boot(HDR VFIO_VM "\"devices\":[{\"name\":\"a\",\"type\":\"dma-device\",\"bdf\":\"01:00.0\","
	                     "\"owner\":\"vm1\"},{\"name\":\"b\",\"type\":\"dma-device\",\"bdf\":\"02:00.0\","
	                     "\"owner\":\"vm1\"}]," STEPS);
	int da = m->dma->dev[0].dom, db = m->dma->dev[1].dom;
	cr_assert_eq(da, db);
	uint64_t ca = iommu_context_addr(m, 0x0100), cb = iommu_context_addr(m, 0x0200);
	cr_assert_eq(mem_read64(&m->mem, ca + 8), mem_read64(&m->mem, cb + 8), "same DID");
	cr_assert_eq(mem_read64(&m->mem, ca) & VTD_CTX_SLPTPTR, mem_read64(&m->mem, cb) & VTD_CTX_SLPTPTR);
	struct step_result r;
	cr_assert_eq(dwrite(m, 0, 0x200000, 1, &r), 0);
	uint64_t ha = r.hpa;
	cr_assert_eq(dwrite(m, 1, 0x201000, 1, &r), 0);
	cr_assert_eq(r.hpa, ha + 0x1000);
	cr_assert_eq(dwrite(m, 1, 0x200000, 1, &r), 0);
	cr_assert_eq(dma_step(m)->iotlb_hits, 1, "b hits the entry a's request filled");
	cr_assert_eq(dwrite(m, 1, 0x600000, 1, &r), 0); /* b fills an entry of its own (another 2 MiB page) */
	cr_assert_eq(dma_step(m)->iotlb_misses, 1);
	iommu_inv_iotlb(m, VTD_INV_DOMAIN, m->iommu->doms[da].did, 0, 0);
	cr_assert_eq(dwrite(m, 0, 0x200000, 1, &r), 0);
	cr_assert_eq(dma_step(m)->iotlb_misses, 1);
	cr_assert_eq(dwrite(m, 1, 0x600000, 1, &r), 0);
	cr_assert_eq(dma_step(m)->iotlb_misses, 1, "the domain flush dropped both devices' entries");
	fini();
}

/* ---- invariant 17: the MSI window ---- */

Test(vtd, write_to_msi_window_is_an_interrupt_not_dma)
{
	struct machine *m = boot_default("");
	struct step_result r;
	uint64_t n0 = m->trace.n;
	cr_assert_eq(dwrite(m, 0, 0xFEE01000, 0x41, &r), 0);
	cr_assert_eq(tu_count(&eng, n0, m->trace.n, EV_IRQ), 1);
	cr_assert_eq(tu_count(&eng, n0, m->trace.n, EV_WALK_REF), 0);
	cr_assert_eq(tu_count(&eng, n0, m->trace.n, EV_MEM_WRITE), 0);
	cr_assert_eq(r.fault.valid, 0);
	fini();
}

Test(vtd, iova_allocator_never_hands_out_the_msi_window_or_pfn_0)
{
	struct iommu_domain d;
	memset(&d, 0, sizeof d);
	iova_reserve(&d, MSI_WINDOW_LO >> 12, MSI_WINDOW_HI >> 12);
	uint64_t limit = (MSI_WINDOW_HI >> 12) + 0x10;
	uint64_t a = iova_alloc(&d, 0x10, limit);
	cr_assert_eq(a, (MSI_WINDOW_HI >> 12) + 1);
	uint64_t b = iova_alloc(&d, 1, limit);
	cr_assert_lt(b, MSI_WINDOW_LO >> 12, "skips the reserved window");
	/* exhaust a tiny space: pfn 0 is never returned */
	struct iommu_domain e;
	memset(&e, 0, sizeof e);
	cr_assert_eq(iova_alloc(&e, 1, 2), 2);
	cr_assert_eq(iova_alloc(&e, 1, 2), 1);
	cr_assert_eq(iova_alloc(&e, 1, 2), 0, "0 means failure: PFN 0 is not an IOVA");
	free(d.iovas);
	free(e.iovas);
}

Test(vtd, iova_allocation_is_top_down_and_size_aligned)
{
	struct iommu_domain d;
	memset(&d, 0, sizeof d);
	cr_assert_eq(iova_alloc(&d, 1, 0xFFFFF), 0xFFFFFu);
	cr_assert_eq(iova_alloc(&d, 4, 0xFFFFF), 0xFFFF8u, "4 pages, aligned to 4");
	cr_assert_eq(iova_alloc(&d, 1, 0xFFFFF), 0xFFFFEu, "fills the gap below the first");
	free(d.iovas);
}

/* ---- determinism: engine_back replays the IOMMU byte for byte ---- */

Test(vtd, replay_of_the_lazy_window_is_byte_identical)
{
	struct scenario s;
	struct engine e;
	char *err = NULL;
	cr_assert_eq(tu_load_file(&s, "scenarios/iommu-lazy-stale-window.json", &err), 0, "%s",
	             err ? err : "");
	cr_assert_eq(engine_init(&e, &s, 1), 0);
	int failed = 0;
	engine_run_all(&e, &failed);
	cr_assert_eq(failed, 0);
	uint64_t n = e.m.trace.n, now = e.m.now_ns;
	struct ev *copy = malloc(n * sizeof *copy);
	memcpy(copy, e.m.trace.ev, n * sizeof *copy);
	cr_assert_eq(engine_goto(&e, 3), 0);
	while (engine_forward(&e) >= 0)
		;
	cr_assert_eq(e.m.trace.n, n);
	cr_assert_eq(e.m.now_ns, now);
	cr_assert_eq(memcmp(copy, e.m.trace.ev, n * sizeof *copy), 0);
	free(copy);
	engine_free(&e);
	scenario_free(&s);
}
