/*
 * test_dma.c — facts invariants 18–22, 24 and 31: what the DMA API returns
 * in each mode (pt, translated, bounce), untrusted devices, VFIO (IOVA =
 * GPA -> HPA, whatever pt says), streaming ownership, the mapping device of
 * a DMA engine; plus isolation breaches, VFIO no-IOMMU, and CPU MMIO that
 * never touches the IOMMU.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dma.h"
#include "iommu.h"
#include "mmu.h"
#include "paging.h"
#include "testutil.h"

#define HDR   "{\"format\":\"iommulab/1\","
#define STEPS "\"steps\":[{\"do\":\"note\",\"say\":\"x\"}]}"

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

static struct machine *host_dev(const char *machine, const char *devopts)
{
	static char buf[2048];
	snprintf(buf, sizeof buf,
	         HDR "\"machine\":{%s},\"devices\":[{\"name\":\"d0\",\"type\":\"dma-device\",\"bdf\":\"01:00."
	             "0\"%s%s}]," STEPS,
	         machine, *devopts ? "," : "", devopts);
	return boot(buf);
}

static int mapx(struct machine *m, int dev, uint64_t phys, uint64_t size, enum dma_dir dir, uint64_t *h)
{
	struct step_result r;
	memset(&r, 0, sizeof r);
	m->step++;
	return dma_map_single(m, dev, phys, size, dir, h, &r);
}

static int dwrite(struct machine *m, int dev, uint64_t addr, uint32_t v, struct step_result *r)
{
	uint8_t b[4];
	le32_store(b, v);
	memset(r, 0, sizeof *r);
	m->step++;
	return dev_dma_write(m, dev, addr, b, 4, r);
}

/* ---- invariant 18: pt ---- */

Test(dma, pt_host_device_handle_is_the_physical_address)
{
	struct machine *m = host_dev("\"cmdline\":\"intel_iommu=on iommu=pt\"", "");
	uint64_t p = dma_kalloc(m, 0, 8192, "buf") + 0x123, h;
	cr_assert_eq(mapx(m, 0, p, 100, DMA_FROM_DEVICE, &h), 0);
	cr_assert_eq(h, p);
	struct step_result r;
	cr_assert_eq(dwrite(m, 0, h, 0xabcd, &r), 0);
	cr_assert_eq(r.hpa, p, "TT = 10: output = input");
	fini();
}

Test(dma, pt_buffer_beyond_the_mask_is_bounced_through_swiotlb)
{
	struct machine *m = host_dev("\"ram\":\"8GiB\",\"cmdline\":\"iommu=pt\"", "\"dma_mask\":32");
	cr_assert_neq(m->dma->swiotlb_base, 0);
	uint64_t p = dma_kalloc(m, 0, 4096, "buf"), h;
	cr_assert_gt(p, 0xFFFFFFFFull, "the top-down allocator puts it above 4 GiB");
	uint8_t data[16] = "to the device!";
	mem_write(&m->mem, p, data, sizeof data);
	cr_assert_eq(mapx(m, 0, p, 16, DMA_TO_DEVICE, &h), 0);
	cr_assert_neq(h, p);
	cr_assert(h >= m->dma->swiotlb_base && h < m->dma->swiotlb_base + m->dma->swiotlb_size,
	          "is_swiotlb_buffer(handle)");
	cr_assert_leq(h + 15, 0xFFFFFFFFull);
	uint8_t slot[16];
	mem_read(&m->mem, h, slot, 16);
	cr_assert_eq(memcmp(slot, data, 16), 0, "TO_DEVICE: copied at map time");
	cr_assert_eq(dma_step(m)->bounces, 1);
	fini();
}

Test(dma, bounce_from_device_copies_back_at_unmap)
{
	struct machine *m = host_dev("\"ram\":\"8GiB\"", "\"dma_mask\":32");
	/* translated domain: no bounce needed, IOVA is below 4 GiB */
	uint64_t p = dma_kalloc(m, 0, 4096, "buf"), h;
	cr_assert_eq(mapx(m, 0, p, 64, DMA_FROM_DEVICE, &h), 0);
	cr_assert_eq(dma_step(m)->bounces, 0, "E2: the IOMMU removes the need to bounce");
	cr_assert_leq(h, 0xFFFFFFFFull);
	fini();
	m = host_dev("\"ram\":\"8GiB\",\"cmdline\":\"intel_iommu=off\"", "\"dma_mask\":32");
	p = dma_kalloc(m, 0, 4096, "buf");
	cr_assert_eq(mapx(m, 0, p, 64, DMA_FROM_DEVICE, &h), 0);
	struct step_result r;
	cr_assert_eq(dwrite(m, 0, h, 0x5a5a5a5a, &r), 0);
	cr_assert_eq(mem_read64(&m->mem, p) & 0xffffffff, 0, "the device wrote the slot, not the buffer");
	memset(&r, 0, sizeof r);
	cr_assert_eq(dma_unmap_single(m, 0, h, 64, DMA_FROM_DEVICE, &r), 0);
	cr_assert_eq(mem_read64(&m->mem, p) & 0xffffffff, 0x5a5a5a5au, "copied back at unmap");
	fini();
}

Test(dma, no_iommu_handle_is_the_physical_address)
{
	struct machine *m = host_dev("\"firmware\":{\"vtd\":false}", "");
	cr_assert_null(m->iommu);
	cr_assert_eq(dma_dev_domain(m, 0), DOM_NONE);
	uint64_t p = dma_kalloc(m, 0, 4096, "buf") + 8, h;
	cr_assert_eq(mapx(m, 0, p, 64, DMA_BIDIRECTIONAL, &h), 0);
	cr_assert_eq(h, p);
	fini();
}

/* ---- invariant 19: translated domains ---- */

Test(dma, translated_iova_is_page_aligned_plus_offset_nonzero_below_4g_and_maps_back)
{
	struct machine *m = host_dev("", "");
	uint64_t p = dma_kalloc(m, 0, 8192, "buf") + 0x7b0, h;
	cr_assert_eq(mapx(m, 0, p, 0x100, DMA_BIDIRECTIONAL, &h), 0);
	cr_assert_eq(h & 0xfff, 0x7b0u);
	cr_assert_neq(h, 0);
	cr_assert_lt(h, 1ull << 32);
	cr_assert(h < MSI_WINDOW_LO || h > MSI_WINDOW_HI);
	uint64_t hpa;
	cr_assert_eq(iommu_iova_to_phys(m, m->dma->dev[0].dom, h, &hpa, NULL), 0);
	cr_assert_eq(hpa, p, "iommu_iova_to_phys(domain, iova) == virt_to_phys(buf)");
	/* a buffer crossing a page boundary maps 2 pages */
	uint64_t h2;
	cr_assert_eq(mapx(m, 0, p + 0x800, 0x1000, DMA_BIDIRECTIONAL, &h2), 0);
	cr_assert_eq(iommu_iova_to_phys(m, m->dma->dev[0].dom, h2 + 0xfff, &hpa, NULL), 0);
	cr_assert_eq(hpa, p + 0x800 + 0xfff);
	fini();
}

Test(dma, forcedac_gives_iovas_above_4g)
{
	struct machine *m = host_dev("\"cmdline\":\"iommu.forcedac=1\"", "");
	uint64_t p = dma_kalloc(m, 0, 4096, "buf"), h;
	cr_assert_eq(mapx(m, 0, p, 64, DMA_TO_DEVICE, &h), 0);
	cr_assert_gt(h, 0xFFFFFFFFull);
	fini();
}

Test(dma, the_first_iovas_come_from_the_top_of_the_32_bit_space)
{
	struct machine *m = host_dev("", "");
	uint64_t p = dma_kalloc(m, 0, 4096, "buf"), h;
	cr_assert_eq(mapx(m, 0, p, 64, DMA_TO_DEVICE, &h), 0);
	cr_assert_eq(h, 0xFFFFF000ull + (p & 0xfff));
	fini();
}

Test(dma, dma_to_device_maps_read_only_from_device_write_only)
{
	struct machine *m = host_dev("", "");
	uint64_t p = dma_kalloc(m, 0, 4096, "buf"), h;
	unsigned perm;
	uint64_t hpa;
	cr_assert_eq(mapx(m, 0, p, 64, DMA_TO_DEVICE, &h), 0);
	iommu_iova_to_phys(m, m->dma->dev[0].dom, h, &hpa, &perm);
	cr_assert_eq(perm, PERM_R);
	cr_assert_eq(mapx(m, 0, p, 64, DMA_FROM_DEVICE, &h), 0);
	iommu_iova_to_phys(m, m->dma->dev[0].dom, h, &hpa, &perm);
	cr_assert_eq(perm, PERM_W);
	fini();
}

/* ---- invariant 20: untrusted ---- */

Test(dma, untrusted_device_is_translated_even_with_passthrough)
{
	struct machine *m = host_dev("\"cmdline\":\"iommu.passthrough=1\"", "\"trusted\":false");
	cr_assert_eq(dma_dev_domain(m, 0), DOM_DMA);
	uint64_t p = dma_kalloc(m, 0, 4096, "buf"), h;
	cr_assert_eq(mapx(m, 0, p, 64, DMA_TO_DEVICE, &h), 0);
	cr_assert_neq(h, p);
	fini();
}

/* ---- invariant 21: VFIO without a vIOMMU ---- */

#define VM1                                                                                                  \
	"\"vms\":[{\"name\":\"vm1\",\"ram\":[{\"gpa\":\"0x0\",\"size\":\"64MiB\",\"hpa\":\"0x10000000\"},"   \
	"{\"gpa\":\"0x100000000\",\"size\":\"4MiB\",\"hpa\":\"0x20000000\"}]}],"

static void vfio_check(const char *cmdline)
{
	char buf[2048];
	snprintf(buf, sizeof buf,
	         HDR "\"machine\":{\"ram\":\"1GiB\",\"cmdline\":\"%s\"}," VM1
	             "\"devices\":[{\"name\":\"vf\",\"type\":\"dma-device\",\"bdf\":\"03:00.0\",\"owner\":"
	             "\"vm1\"}]," STEPS,
	         cmdline);
	struct machine *m = boot(buf);
	cr_assert_eq(dma_dev_domain(m, 0), DOM_UNMANAGED);
	uint64_t gpas[] = {0x0, 0x1000, 0x3fff000, 0x100000000ull, 0x1003ff000ull};
	for (unsigned i = 0; i < sizeof gpas / sizeof gpas[0]; i++) {
		int ok;
		uint64_t want = vm_gpa_to_hpa(m, 0, gpas[i], &ok), hpa;
		cr_assert(ok);
		cr_assert_eq(iommu_peek(m, 0x0300, gpas[i], 1, &hpa), 0);
		cr_assert_eq(hpa, want, "IOVA 0x%llx (GPA) -> HPA", (unsigned long long)gpas[i]);
	}
	uint64_t hpa;
	cr_assert_eq(iommu_peek(m, 0x0300, 0x4000000, 1, &hpa), VTD_FR_WRITE, "beyond guest RAM: not mapped");
	/* the guest driver maps a GPA: handle = GPA (its dma-direct), the device's DMA lands at the HPA */
	uint64_t g = dma_kalloc(m, 0, 4096, "guest buf"), h;
	cr_assert_lt(g, 0x200000000ull, "a GPA");
	cr_assert_eq(mapx(m, 0, g, 64, DMA_FROM_DEVICE, &h), 0);
	cr_assert_eq(h, g);
	struct step_result r;
	cr_assert_eq(dwrite(m, 0, h, 0x1234, &r), 0);
	int ok;
	cr_assert_eq(r.hpa, vm_gpa_to_hpa(m, 0, g, &ok));
	cr_assert_eq(dma_step(m)->breaches, 0, "a correct VFIO domain never breaches");
	fini();
}

Test(dma, vfio_device_iova_equals_gpa_translated_to_hpa)
{
	vfio_check("");
}
Test(dma, vfio_device_is_translated_even_under_iommu_pt)
{
	vfio_check("intel_iommu=on iommu=pt");
}

Test(dma, vfio_device_cannot_reach_host_memory)
{
	struct machine *m = boot(HDR "\"machine\":{\"ram\":\"1GiB\"}," VM1
	                             "\"devices\":[{\"name\":\"vf\",\"type\":\"dma-device\",\"bdf\":\"03:00."
	                             "0\",\"owner\":\"vm1\"}]," STEPS);
	struct step_result r;
	uint64_t before = mem_read64(&m->mem, 0x08000000);
	cr_assert_eq(dwrite(m, 0, 0x08000000, 0xbad, &r), -1);
	cr_assert_eq(r.fault.reason, VTD_FR_WRITE);
	cr_assert_eq(mem_read64(&m->mem, 0x08000000), before);
	fini();
}

Test(dma, unsafe_noiommu_uses_the_gpa_as_an_hpa_and_breaches)
{
	struct machine *m = boot(
	    HDR
	    "\"machine\":{\"ram\":\"1GiB\",\"firmware\":{\"vtd\":false}},"
	    "\"vms\":[{\"name\":\"vm1\",\"unsafe_noiommu\":true,\"ram\":[{\"gpa\":\"0x0\",\"size\":\"64MiB\","
	    "\"hpa\":\"0x10000000\"}]}],"
	    "\"devices\":[{\"name\":\"vf\",\"type\":\"dma-device\",\"bdf\":\"03:00.0\",\"owner\":\"vm1\"}]"
	    "," STEPS);
	cr_assert(m->dma->dev[0].noiommu);
	uint64_t g = dma_kalloc(m, 0, 4096, "guest buf"), h;
	cr_assert_eq(mapx(m, 0, g, 64, DMA_FROM_DEVICE, &h), 0);
	cr_assert_eq(h, g, "the guest programs a GPA");
	struct step_result r;
	cr_assert_eq(dwrite(m, 0, h, 0xdeadbeef, &r), 0);
	cr_assert_eq(r.hpa, g, "no translation: the GPA is used as an HPA");
	const struct span *s = mem_span_at(&m->mem, g);
	cr_assert_eq(s->owner, 0, "which is host memory");
	cr_assert_eq(dma_step(m)->breaches, 1);
	cr_assert_eq(mem_read64(&m->mem, g) & 0xffffffff, 0xdeadbeefu);
	fini();
}

/* ---- isolation ---- */

Test(dma, malicious_host_device_breaches_vm_memory_without_iommu_and_is_blocked_with_it)
{
	const char *fmt = HDR "\"machine\":{\"ram\":\"1GiB\"%s}," VM1
	                      "\"devices\":[{\"name\":\"evil\",\"type\":\"dma-device\",\"bdf\":\"04:00.0\","
	                      "\"trusted\":false}]," STEPS;
	char buf[2048];
	snprintf(buf, sizeof buf, fmt, ",\"firmware\":{\"vtd\":false}");
	struct machine *m = boot(buf);
	struct step_result r;
	cr_assert_eq(dwrite(m, 0, 0x10001000, 0x666, &r), 0);
	cr_assert_eq(dma_step(m)->breaches, 1, "host device wrote vm1's RAM");
	cr_assert_eq(mem_read64(&m->mem, 0x10001000) & 0xffff, 0x666u);
	fini();
	snprintf(buf, sizeof buf, fmt, "");
	m = boot(buf);
	cr_assert_eq(dwrite(m, 0, 0x10001000, 0x666, &r), -1);
	cr_assert_eq(dma_step(m)->breaches, 0);
	cr_assert_eq(mem_read64(&m->mem, 0x10001000), 0);
	fini();
}

/* ---- invariant 24: streaming ownership ---- */

Test(dma, cpu_read_of_a_from_device_buffer_before_unmap_is_misuse)
{
	struct machine *m = host_dev("", "");
	uint64_t p = dma_kalloc(m, 0, 4096, "buf"), h;
	cr_assert_eq(mapx(m, 0, p, 64, DMA_FROM_DEVICE, &h), 0);
	uint8_t b[8];
	m->step++;
	kmem_read(m, 0, p + 8, b, 8);
	cr_assert_eq(dma_step(m)->misuse, 1);
	struct step_result r;
	memset(&r, 0, sizeof r);
	cr_assert_eq(dma_sync_for_cpu(m, 0, h, 64, DMA_FROM_DEVICE, &r), 0);
	m->step++;
	kmem_read(m, 0, p + 8, b, 8);
	cr_assert_eq(dma_step(m)->misuse, 0, "after sync_for_cpu the CPU owns it");
	cr_assert_eq(dma_sync_for_device(m, 0, h, 64, DMA_FROM_DEVICE, &r), 0);
	m->step++;
	kmem_read(m, 0, p, b, 8);
	cr_assert_eq(dma_step(m)->misuse, 1, "given back to the device");
	cr_assert_eq(dma_unmap_single(m, 0, h, 64, DMA_FROM_DEVICE, &r), 0);
	m->step++;
	kmem_read(m, 0, p, b, 8);
	cr_assert_eq(dma_step(m)->misuse, 0);
	fini();
}

Test(dma, coherent_memory_is_shared_without_misuse)
{
	struct machine *m = host_dev("", "");
	uint64_t p, h;
	struct step_result r;
	memset(&r, 0, sizeof r);
	cr_assert_eq(dma_alloc_coherent(m, 0, 4096, &p, &h, &r), 0);
	cr_assert_eq(h & 0xfff, 0);
	uint8_t b[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	m->step++;
	kmem_write(m, 0, p, b, 8);
	cr_assert_eq(dma_step(m)->misuse, 0);
	uint8_t got[8];
	cr_assert_eq(dev_dma_read(m, 0, h, got, 8, &r), 0);
	cr_assert_eq(memcmp(got, b, 8), 0);
	cr_assert_eq(dma_free_coherent(m, 0, 4096, p, h, &r), 0);
	fini();
}

/* ---- invariant 31: the mapping device ---- */

Test(dma, buffers_translate_in_the_mapping_devices_context_not_the_clients)
{
	struct machine *m =
	    boot(HDR "\"devices\":[{\"name\":\"dmac\",\"type\":\"dma-device\",\"bdf\":\"00:04.0\"},"
	             "{\"name\":\"uart\",\"type\":\"dma-device\",\"bdf\":\"00:1e.0\"}]," STEPS);
	uint64_t p = dma_kalloc(m, 0, 4096, "buf"), h;
	cr_assert_eq(mapx(m, 0, p, 64, DMA_TO_DEVICE, &h), 0, "mapped against the controller");
	uint8_t b[4];
	struct step_result r;
	memset(&r, 0, sizeof r);
	cr_assert_eq(dev_dma_read(m, 0, h, b, 4, &r), 0, "the controller (SID 00:04.0) reads it");
	memset(&r, 0, sizeof r);
	cr_assert_eq(dev_dma_read(m, 1, h, b, 4, &r), -1, "the client's own context has no such IOVA");
	cr_assert_eq(r.fault.reason, VTD_FR_READ);
	fini();
}

/* ---- MMIO ---- */

Test(dma, cpu_mmio_to_a_bar_never_touches_the_iommu)
{
	struct machine *m = host_dev("", "");
	uint64_t bar = m->d->devs[0].bar0;
	uint64_t n0 = m->trace.n;
	uint64_t v = cpu_mmio(m, -1, bar + 0x04, 1, 0x12345678, 4);
	(void)v;
	v = cpu_mmio(m, -1, bar + 0x04, 0, 0, 4);
	cr_assert_eq(v, ~0x12345678u & 0xffffffffu, "edu's liveness register inverts");
	cr_assert_eq(cpu_mmio(m, -1, bar, 0, 0, 4), 0x010000edu);
	cr_assert_eq(tu_count(&eng, n0, m->trace.n, EV_MMIO), 3);
	cr_assert_eq(tu_count(&eng, n0, m->trace.n, EV_WALK_REF), 0);
	cr_assert_eq(tu_count(&eng, n0, m->trace.n, EV_IOTLB_MISS), 0);
	cr_assert_eq(tu_count(&eng, n0, m->trace.n, EV_CTX_CACHE_HIT), 0);
	fini();
}

Test(dma, edu_dma_command_goes_through_the_iommu)
{
	struct machine *m = host_dev("", "");
	uint64_t bar = m->d->devs[0].bar0;
	uint64_t p = dma_kalloc(m, 0, 4096, "buf"), h;
	cr_assert_eq(mapx(m, 0, p, 4096, DMA_FROM_DEVICE, &h), 0);
	cpu_mmio(m, -1, bar + 0x40000, 1, 0x4433221100ull, 8); /* fill the device buffer */
	cpu_mmio(m, -1, bar + 0x80, 1, 0x40000, 8);
	cpu_mmio(m, -1, bar + 0x88, 1, h, 8);
	cpu_mmio(m, -1, bar + 0x90, 1, 8, 8);
	uint64_t n0 = m->trace.n;
	cpu_mmio(m, -1, bar + 0x98, 1, 3, 8); /* start, device -> RAM */
	cr_assert_geq(tu_count(&eng, n0, m->trace.n, EV_WALK_REF), 6, "root + context + 4 levels");
	cr_assert_eq(mem_read64(&m->mem, p), 0x4433221100ull);
	fini();
}

/* ---- invariant 22: VFIO with a vIOMMU ---- */

Test(dma, vfio_with_viommu_device_sees_guest_iovas_shadowed_to_hpa)
{
	struct machine *m = boot(
	    HDR "\"machine\":{\"ram\":\"1GiB\"},"
	        "\"vms\":[{\"name\":\"vm1\",\"viommu\":true,\"ram\":[{\"gpa\":\"0x0\",\"size\":\"64MiB\","
	        "\"hpa\":\"0x10000000\"}]}],"
	        "\"devices\":[{\"name\":\"vf\",\"type\":\"dma-device\",\"bdf\":\"03:00.0\",\"owner\":\"vm1\"}"
	        "]," STEPS);
	cr_assert(m->dma->dev[0].viommu);
	uint64_t hpa;
	cr_assert_eq(iommu_peek(m, 0x0300, 0x1000, 1, &hpa), VTD_FR_WRITE, "QEMU maps nothing up front");
	uint64_t g = dma_kalloc(m, 0, 4096, "guest buf") + 0x20, h;
	cr_assert_eq(mapx(m, 0, g, 64, DMA_FROM_DEVICE, &h), 0);
	cr_assert_neq(h, g, "the handle is a guest IOVA, not a GPA");
	cr_assert_eq(h & 0xfff, 0x20u);
	int ok;
	uint64_t want = vm_gpa_to_hpa(m, 0, g, &ok);
	cr_assert_eq(iommu_peek(m, 0x0300, h, 1, &hpa), 0);
	cr_assert_eq(hpa, want, "host IOMMU: guest IOVA -> HPA = (guest IOVA -> GPA) o (GPA -> HPA)");
	cr_assert_neq(iommu_peek(m, 0x0300, g & PAGE_MASK, 1, &hpa), 0, "the GPA itself is not an IOVA here");
	struct step_result r;
	cr_assert_eq(dwrite(m, 0, h, 0x77, &r), 0);
	cr_assert_eq(r.hpa, want);
	memset(&r, 0, sizeof r);
	cr_assert_eq(dma_unmap_single(m, 0, h, 64, DMA_FROM_DEVICE, &r), 0);
	cr_assert_eq(dwrite(m, 0, h, 0x77, &r), -1, "the guest's strict unmap reached the host IOMMU");
	fini();
}

/* ---- E2: the one swiotlb use in dma-iommu: sub-page buffers of untrusted devices ---- */

static uint64_t peek_other_half(int trusted, uint64_t *handle)
{
	char buf[1024];
	snprintf(buf, sizeof buf,
	         HDR "\"devices\":[{\"name\":\"d0\",\"type\":\"dma-device\",\"bdf\":\"01:00.0\","
	             "\"trusted\":%s}]," STEPS,
	         trusted ? "true" : "false");
	struct machine *m = boot(buf);
	uint64_t p = dma_kalloc(m, 0, 4096, "page"), h;
	uint8_t secret[8] = "SECRET!";
	mem_write(&m->mem, p + 0x800, secret, 8);
	uint8_t pkt[64];
	memset(pkt, 0xab, sizeof pkt);
	mem_write(&m->mem, p + 0x10, pkt, sizeof pkt);
	cr_assert_eq(mapx(m, 0, p + 0x10, 64, DMA_TO_DEVICE, &h), 0);
	*handle = h;
	uint8_t got[8];
	struct step_result r;
	memset(&r, 0, sizeof r);
	cr_assert_eq(dev_dma_read(m, 0, h, got, 1, &r), 0);
	cr_assert_eq(got[0], 0xab, "the device sees its buffer either way");
	memset(&r, 0, sizeof r);
	cr_assert_eq(dev_dma_read(m, 0, (h & PAGE_MASK) + 0x800, got, 8, &r), 0, "the whole page is mapped");
	uint64_t v = le64_load(got);
	fini();
	return v;
}

Test(dma, trusted_device_sees_the_rest_of_a_mapped_page)
{
	uint64_t h;
	cr_assert_eq(peek_other_half(1, &h), le64_load((const uint8_t *)"SECRET!"), "page granularity leaks");
	cr_assert_eq(h & 0xfff, 0x10u);
}

Test(dma, untrusted_device_gets_a_zero_padded_bounce_page)
{
	uint64_t h;
	cr_assert_eq(peek_other_half(0, &h), 0, "dma-iommu bounced the 64 bytes into a zeroed page");
	cr_assert_eq(h & 0xfff, 0u);
}

Test(dma, iommu_off_also_means_no_swiotlb_so_a_high_buffer_cannot_be_mapped)
{
	struct machine *m = host_dev("\"ram\":\"8GiB\",\"cmdline\":\"iommu=off\"", "\"dma_mask\":32");
	cr_assert_eq(m->dma->nslots, 0, "pci_swiotlb_detect skips swiotlb when no_iommu");
	uint64_t p = dma_kalloc(m, 0, 4096, "buf"), h;
	cr_assert_gt(p, 0xFFFFFFFFull);
	struct step_result r;
	memset(&r, 0, sizeof r);
	cr_assert_eq(dma_map_single(m, 0, p, 64, DMA_TO_DEVICE, &h, &r), -1);
	cr_assert(strstr(r.error, "beyond the DMA mask"), "%s", r.error);
	fini();
}
