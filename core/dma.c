/*
 * dma.c — the simulated kernel's DMA API (dma-direct, swiotlb, dma-iommu)
 * and the device side of DMA (requests through the IOMMU, MSI writes).
 *
 *   dma_map_single(dev, phys, size, dir)
 *     domain none / identity ──> dma-direct: handle = phys
 *                                  beyond the DMA mask ──> swiotlb: copy into a
 *                                  low bounce slot, handle = slot (EV_BOUNCE)
 *     domain DMA / DMA-FQ ─────> dma-iommu: IOVA = alloc (top-down, size-aligned,
 *                                  32-bit first for PCI, never 0, never the MSI
 *                                  window) + in-page offset; iommu_map writes
 *                                  second-level entries
 *     VFIO-owned (guest kernel)─> the guest's dma-direct: handle = GPA (no vIOMMU);
 *                                  the host IOMMU translates IOVA = GPA -> HPA
 *
 *   dma_unmap_single
 *     DMA (strict): clear PTEs, page-selective invalidation (AM), wait, free IOVA
 *     DMA-FQ (lazy): clear PTEs, queue the IOVA; a domain flush happens when the
 *                    queue is full (256) or 10 ms later; only then is the IOVA free
 *
 * swiotlb: 2 KiB slots (IO_TLB_SIZE) in a 4 MiB pool carved out of low host
 * RAM at boot when host RAM reaches above 4 GiB or an untrusted device needs
 * sub-page bouncing, and never with iommu=off (Linux's default pool is
 * 64 MiB, `swiotlb=`). A mapping of >= 4 KiB starts on a page boundary.
 *
 * linux: kernel/dma/direct.c + direct.h (dma_direct_map_page, dma_capable),
 * kernel/dma/swiotlb.c, drivers/iommu/dma-iommu.c (iommu_dma_map_page,
 * __iommu_dma_unmap, queue_iova, fq_flush_timeout, iommu_dma_alloc_iova),
 * drivers/iommu/iova.c.
 *
 * Untrusted devices in a translated domain: a buffer that does not fill
 * whole pages is bounced into a zeroed, page-aligned swiotlb slot first
 * (dev_use_swiotlb), so the device cannot see the rest of the page.
 *
 * Not modelled: per-CPU IOVA caches (rcaches) and per-CPU flush queues (one
 * CPU), scatter-gather lists, a guest kernel's own swiotlb, bus offsets and memory
 * encryption bits in phys_to_dma (handle = phys on plain x86), freeing
 * kernel memory (the allocator never reuses), CPU caches (x86 DMA is coherent).
 */
#include "dma.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "paging.h"

#define SWIOTLB_SLOT 2048ull
#define SWIOTLB_SIZE (4 * MiB)
#define DMA32_SIZE   (4 * MiB)
#define FOUR_GIB     (4 * GiB)

static const char *const dir_names[] = {"DMA_BIDIRECTIONAL", "DMA_TO_DEVICE", "DMA_FROM_DEVICE", "DMA_NONE"};

/* ---- small helpers ---- */

static int dev_ent(const struct machine *m, int dev)
{
	if (dev < m->ndevs && m->devs[dev].entity)
		return m->devs[dev].entity;
	return 1 + m->nvms + dev;
}

static int dev_owner(const struct machine *m, int dev)
{
	return m->d->devs[dev].owner_entity;
}

static const char *dev_name(const struct machine *m, int dev)
{
	return m->d->devs[dev].name;
}

uint16_t dma_dev_sid(const struct machine *m, int dev)
{
	return m->d->devs[dev].bdf;
}

enum dom_type dma_dev_domain(const struct machine *m, int dev)
{
	if (!m->dma || dev < 0 || dev >= MAX_DEVICES)
		return DOM_NONE;
	return m->dma->dev[dev].type;
}

static uint64_t mask_of(int bits)
{
	return bits >= 64 ? ~0ull : (1ull << bits) - 1;
}

const struct dma_step_flags *dma_step(const struct machine *m)
{
	static const struct dma_step_flags zero;
	if (!m->dma || !m->dma->sf.valid || m->dma->sf.step != m->step)
		return &zero;
	return &m->dma->sf;
}

struct dma_step_flags *dma_step_mut(struct machine *m)
{
	struct dma_step_flags *f = &m->dma->sf;
	if (!f->valid || f->step != m->step) {
		memset(f, 0, sizeof *f);
		f->valid = 1;
		f->step = m->step;
	}
	return f;
}

static void emit(struct machine *m, uint16_t kind, enum unit u, int actor, uint64_t in, uint64_t out,
                 uint64_t len, uint16_t code, uint8_t flags, uint64_t entry, uint64_t extra, const char *str)
{
	struct ev e;
	memset(&e, 0, sizeof e);
	e.kind = kind;
	e.unit = (uint8_t)u;
	e.actor = (int16_t)actor;
	e.addr_in = in;
	e.addr_out = out;
	e.len = (uint32_t)len;
	e.code = code;
	e.flags = flags;
	e.entry = entry;
	e.extra = extra;
	if (str)
		e.str = trace_str(&m->trace, str);
	machine_emit(m, &e);
}

/* owner's physical address -> HPA (host: identity; VM: by its RAM layout) */
static int owner_to_hpa(const struct machine *m, int owner, uint64_t phys, uint64_t *hpa)
{
	if (owner == 0) {
		*hpa = phys;
		return 0;
	}
	int ok = 0;
	*hpa = vm_gpa_to_hpa(m, owner - 1, phys, &ok);
	return ok ? 0 : -1;
}

static void set_error(struct step_result *r, const char *fmt, const char *a, uint64_t v)
{
	if (r)
		snprintf(r->error, sizeof r->error, fmt, a, (unsigned long long)v);
}

/* ---- kernel memory for drivers ---- */

/* The guest kernel's allocator: the same top-down cursor machine.c uses for
 * guest page tables (vm.pt_alloc_top), skipping GPAs the scenario's guest
 * mappings use. Returns a GPA or MEM_NO_ADDR. */
static uint64_t guest_kalloc(struct machine *m, int vmi, uint64_t size, const char *label)
{
	struct vm *v = &m->vms[vmi];
	const struct vm_desc *d = v->d;
	size = (size + PAGE_SIZE - 1) & PAGE_MASK;
	for (int r = d->nram - 1; r >= 0; r--) {
		uint64_t top = v->pt_alloc_top[r];
		while (top >= d->ram[r].gpa + size) {
			uint64_t g = top - size, clash = 0;
			for (int k = 0; k < d->npages; k++) {
				const struct mapping_desc *p = &d->pages[k];
				if (p->pa < g + size && g < p->pa + p->size && (!clash || p->pa < clash))
					clash = p->pa ? p->pa : 1;
			}
			if (clash) {
				top = clash == 1 ? 0 : clash & PAGE_MASK;
				continue;
			}
			v->pt_alloc_top[r] = g;
			int ok = 0;
			uint64_t hpa = vm_gpa_to_hpa(m, vmi, g, &ok);
			if (ok)
				mem_note(&m->mem, hpa, size, v->entity, label);
			return g;
		}
	}
	return MEM_NO_ADDR;
}

uint64_t dma_kalloc(struct machine *m, int dev, uint64_t size, const char *label)
{
	int owner = dev_owner(m, dev);
	if (owner > 0)
		return guest_kalloc(m, owner - 1, size, label);
	return mem_alloc(&m->mem, 0, size, PAGE_SIZE, label);
}

static int cpu_access(struct machine *m, int dev, uint64_t phys, void *buf, size_t len, int write)
{
	int owner = dev_owner(m, dev);
	if (m->dma)
		dma_check_cpu_access(m, owner, phys, len, write);
	size_t done = 0;
	while (done < len) {
		uint64_t p = phys + done, hpa;
		size_t chunk = PAGE_SIZE - (p & (PAGE_SIZE - 1));
		if (chunk > len - done)
			chunk = len - done;
		if (owner_to_hpa(m, owner, p, &hpa))
			return -1;
		if (write) {
			if (mem_write(&m->mem, hpa, (const uint8_t *)buf + done, chunk))
				return -1;
		} else {
			mem_read(&m->mem, hpa, (uint8_t *)buf + done, chunk);
		}
		const struct span *s = mem_span_at(&m->mem, hpa);
		emit(m, write ? EV_MEM_WRITE : EV_MEM_READ, UNIT_CPU, owner, hpa, 0, chunk, 0,
		     write ? EVF_WRITE : 0, 0, s ? (uint64_t)s->owner : 0, NULL);
		machine_advance(m, m->cost.mem_ref_ns + chunk * m->cost.byte_copy_ps / 1000);
		done += chunk;
	}
	return 0;
}

int kmem_write(struct machine *m, int dev, uint64_t phys, const void *buf, size_t len)
{
	return cpu_access(m, dev, phys, (void *)(uintptr_t)buf, len, 1);
}

int kmem_read(struct machine *m, int dev, uint64_t phys, void *buf, size_t len)
{
	return cpu_access(m, dev, phys, buf, len, 0);
}

int dma_check_cpu_access(struct machine *m, int owner, uint64_t phys, uint64_t len, int write)
{
	struct dma_layer *dl = m->dma;
	int n = 0;
	if (!dl)
		return 0;
	for (int d = 0; d < m->d->ndevs && d < MAX_DEVICES; d++) {
		if (dev_owner(m, d) != owner)
			continue;
		struct dma_dev *dd = &dl->dev[d];
		for (int i = 0; i < dd->nmaps; i++) {
			struct dma_map_rec *mr = &dd->maps[i];
			if (!mr->used || mr->coherent || mr->cpu_owned)
				continue;
			if (phys >= mr->phys + mr->size || mr->phys >= phys + len)
				continue;
			if (!write && mr->dir == DMA_TO_DEVICE)
				continue; /* reading what you gave the device is harmless on x86 */
			char line[200];
			snprintf(line, sizeof line,
			         "CPU %s of 0x%llx while %s owns the streaming buffer (%s, mapped 0x%llx): "
			         "call dma_unmap_single or dma_sync_single_for_cpu first",
			         write ? "write" : "read", (unsigned long long)phys, dev_name(m, d),
			         dir_names[mr->dir], (unsigned long long)mr->handle);
			emit(m, EV_DMA_MISUSE, UNIT_DMA_API, owner, phys, mr->handle, len,
			     (uint16_t)(write ? 1 : 0), write ? EVF_WRITE : 0, 0, (uint64_t)dev_ent(m, d),
			     line);
			dma_step_mut(m)->misuse++;
			n++;
		}
	}
	return n;
}

/* ---- mapping records ---- */

static struct dma_map_rec *rec_new(struct dma_dev *dd)
{
	for (int i = 0; i < dd->nmaps; i++)
		if (!dd->maps[i].used)
			return memset(&dd->maps[i], 0, sizeof dd->maps[i]);
	if (dd->nmaps == dd->capmaps) {
		int nc = dd->capmaps ? dd->capmaps * 2 : 16;
		struct dma_map_rec *n = realloc(dd->maps, (size_t)nc * sizeof *n);
		if (!n)
			return NULL;
		dd->maps = n;
		dd->capmaps = nc;
	}
	return memset(&dd->maps[dd->nmaps++], 0, sizeof dd->maps[0]);
}

static struct dma_map_rec *rec_find(struct dma_dev *dd, uint64_t handle, int exact)
{
	for (int i = 0; i < dd->nmaps; i++) {
		struct dma_map_rec *mr = &dd->maps[i];
		if (!mr->used)
			continue;
		if (exact ? mr->handle == handle : (handle >= mr->handle && handle - mr->handle < mr->size))
			return mr;
	}
	return NULL;
}

/* ---- swiotlb ---- */

static uint64_t swiotlb_alloc(struct dma_layer *dl, uint64_t size)
{
	if (!dl->nslots)
		return 0;
	uint64_t n = (size + SWIOTLB_SLOT - 1) / SWIOTLB_SLOT, stride = size >= PAGE_SIZE ? 2 : 1;
	for (uint64_t k = 0; k < dl->nslots; k++) {
		uint64_t i = (dl->slot_index + k) % dl->nslots;
		if (i % stride || i + n > dl->nslots)
			continue;
		uint64_t j = 0;
		while (j < n && !dl->slot_used[i + j])
			j++;
		if (j < n)
			continue;
		memset(dl->slot_used + i, 1, n);
		dl->slot_index = (i + n) % dl->nslots;
		return dl->swiotlb_base + i * SWIOTLB_SLOT;
	}
	return 0;
}

static void swiotlb_release(struct dma_layer *dl, uint64_t slot, uint64_t size)
{
	uint64_t i = (slot - dl->swiotlb_base) / SWIOTLB_SLOT, n = (size + SWIOTLB_SLOT - 1) / SWIOTLB_SLOT;
	memset(dl->slot_used + i, 0, n);
}

static void bounce_copy(struct machine *m, int dev, uint64_t from, uint64_t to, uint64_t len, int to_slot)
{
	uint8_t buf[4096];
	for (uint64_t done = 0; done < len;) {
		uint64_t c = len - done < sizeof buf ? len - done : sizeof buf;
		mem_read(&m->mem, from + done, buf, c);
		mem_write(&m->mem, to + done, buf, c);
		done += c;
	}
	char line[160];
	snprintf(line, sizeof line, "swiotlb bounce: copy %llu bytes %s (0x%llx -> 0x%llx)",
	         (unsigned long long)len, to_slot ? "into the bounce slot" : "back from the bounce slot",
	         (unsigned long long)from, (unsigned long long)to);
	emit(m, EV_BOUNCE, UNIT_DMA_API, dev_ent(m, dev), from, to, len, (uint16_t)to_slot, 0, 0, 0, line);
	machine_advance(m, len * m->cost.byte_copy_ps / 1000);
	counter_add_id(m, m->dma->dev[dev].c_bounces, 1);
	dma_step_mut(m)->bounces++;
}

/* Carve the swiotlb pool and a small ZONE_DMA32 pool out of low host RAM. */
int dma_swiotlb_setup(struct machine *m)
{
	struct dma_layer *dl = m->dma;
	struct mem *mem = &m->mem;
	int above = 0;
	for (int i = 0; i < mem->nspans; i++)
		if (mem->spans[i].kind == SPAN_RAM && mem->spans[i].base + mem->spans[i].size > FOUR_GIB)
			above = 1;
	int untrusted = 0;
	for (int i = 0; i < m->d->ndevs; i++)
		if (!m->d->devs[i].trusted)
			untrusted = 1;
	/* every page is reachable with a 32-bit mask, and no untrusted device needs sub-page bouncing */
	if (!above && !(untrusted && dl->boot.enabled))
		return 0;
	/* pci_swiotlb_detect: "don't initialize swiotlb if iommu=off (no_iommu=1)" */
	if (dl->boot.p.no_iommu)
		return 0;
	for (int i = 0; i < mem->nspans; i++) {
		struct span s = mem->spans[i];
		if (s.kind != SPAN_RAM || s.owner != 0 || s.base >= FOUR_GIB)
			continue;
		uint64_t start = s.base > 16 * MiB ? s.base : 16 * MiB;
		start = (start + 2 * MiB - 1) & ~(2 * MiB - 1);
		uint64_t end = start + SWIOTLB_SIZE + DMA32_SIZE;
		if (end > s.alloc_top || end > FOUR_GIB || end > s.base + s.size)
			continue;
		/* split: [base,start) host RAM | swiotlb | dma32 | [end, top) keeps its allocations */
		memmove(&mem->spans[i], &mem->spans[i + 1], (size_t)(mem->nspans - i - 1) * sizeof s);
		mem->nspans--;
		if (start > s.base)
			mem_add_span(mem, s.base, start - s.base, SPAN_RAM, 0, -1, s.label);
		mem_add_span(mem, start, SWIOTLB_SIZE, SPAN_RAM, 0, -1, "swiotlb");
		mem_add_span(mem, start + SWIOTLB_SIZE, DMA32_SIZE, SPAN_RAM, 0, -1, "ZONE_DMA32 pool");
		if (s.base + s.size > end)
			mem_add_span(mem, end, s.base + s.size - end, SPAN_RAM, 0, -1, s.label);
		for (int k = 0; k < mem->nspans; k++) {
			struct span *t = &mem->spans[k];
			if (t->base == start || t->base == start + SWIOTLB_SIZE)
				t->alloc_top = t->base; /* never handed out by mem_alloc */
			else if (t->base == end)
				t->alloc_top = s.alloc_top;
		}
		mem_note(mem, start, SWIOTLB_SIZE, 0, "swiotlb bounce pool");
		dl->swiotlb_base = start;
		dl->swiotlb_size = SWIOTLB_SIZE;
		dl->nslots = SWIOTLB_SIZE / SWIOTLB_SLOT;
		dl->slot_used = calloc(dl->nslots, 1);
		dl->dma32_base = start + SWIOTLB_SIZE;
		dl->dma32_size = DMA32_SIZE;
		dl->dma32_top = dl->dma32_base + DMA32_SIZE;
		if (!dl->slot_used)
			return -1;
		char line[160];
		snprintf(line, sizeof line, "software IO TLB: mapped [mem 0x%016llx-0x%016llx] (%lluMB)",
		         (unsigned long long)start, (unsigned long long)(start + SWIOTLB_SIZE - 1),
		         (unsigned long long)(SWIOTLB_SIZE / MiB));
		machine_log(m, UNIT_KERNEL, line);
		return 0;
	}
	return 0;
}

/* ---- the DMA API ---- */

static int translated(const struct dma_dev *dd)
{
	return dd->type == DOM_DMA || dd->type == DOM_DMA_FQ;
}

int dma_set_mask(struct machine *m, int dev, int bits, struct step_result *r)
{
	if (bits < 24 || bits > 64) {
		set_error(r, "dma_set_mask(%s): %llu-bit mask not supported (24..64)", dev_name(m, dev),
		          (uint64_t)bits);
		return -1;
	}
	m->dma->dev[dev].mask_bits = bits;
	char line[120];
	snprintf(line, sizeof line, "dma_set_mask_and_coherent(%s, DMA_BIT_MASK(%d))", dev_name(m, dev),
	         bits);
	emit(m, EV_NOTE, UNIT_DMA_API, dev_ent(m, dev), 0, mask_of(bits), 0, 0, 0, 0, 0, line);
	return 0;
}

static uint64_t iova_limit_pfn(const struct machine *m, const struct dma_dev *dd, int dom, int first_try)
{
	const struct iommu_domain *d = &m->iommu->doms[dom];
	uint64_t limit = mask_of(dd->mask_bits);
	uint64_t aperture = (1ull << (12 + 9 * d->levels)) - 1;
	if (limit > aperture)
		limit = aperture;
	/* iommu_dma_alloc_iova: try a 32-bit IOVA first for PCI devices, unless forcedac */
	if (first_try && limit > 0xFFFFFFFFull && !m->dma->boot.p.forcedac && !m->d->boot.forcedac)
		limit = 0xFFFFFFFFull;
	return limit >> PAGE_SHIFT;
}

static uint64_t alloc_iova(struct machine *m, struct dma_dev *dd, uint64_t npages)
{
	struct iommu_domain *d = &m->iommu->doms[dd->dom];
	/* dma-iommu rounds small lengths up to a power of two (rcache sizes) */
	uint64_t len = npages;
	if (len < 32) {
		uint64_t p = 1;
		while (p < len)
			p <<= 1;
		len = p;
	}
	uint64_t pfn = iova_alloc(d, len, iova_limit_pfn(m, dd, dd->dom, 1));
	if (!pfn)
		pfn = iova_alloc(d, len, iova_limit_pfn(m, dd, dd->dom, 0));
	return pfn;
}

static const char *path_name(int p)
{
	return p == DMA_PATH_IOMMU    ? "dma-iommu"
	       : p == DMA_PATH_BOUNCE ? "dma-direct + swiotlb"
	                              : "dma-direct";
}

/* A VM with a vIOMMU (invariant 22): the guest kernel's dma-iommu allocates
 * a guest IOVA and writes its (virtual) IOMMU tables; with caching mode the
 * guest's invalidation traps, and QEMU shadows guest IOVA -> GPA -> HPA into
 * the host IOMMU (VFIO_IOMMU_MAP_DMA), page by page. The device then uses
 * guest IOVAs. The guest's own vIOMMU tables are not modelled. */
static int viommu_map(struct machine *m, int dev, uint64_t phys, uint64_t size, unsigned prot, uint64_t *h,
                      struct dma_map_rec *mr)
{
	struct dma_dev *dd = &m->dma->dev[dev];
	int vmi = dev_owner(m, dev) - 1;
	uint64_t off = phys & (PAGE_SIZE - 1);
	uint64_t npages = (off + size + PAGE_SIZE - 1) >> PAGE_SHIFT, len = npages;
	if (len < 32) {
		uint64_t p = 1;
		while (p < len)
			p <<= 1;
		len = p;
	}
	uint64_t pfn = iova_alloc(dd->gdom, len, 0xFFFFF);
	if (!pfn)
		pfn = iova_alloc(dd->gdom, len, (1ull << (48 - PAGE_SHIFT)) - 1);
	if (!pfn)
		return -1;
	for (uint64_t i = 0; i < npages; i++) {
		int ok = 0;
		uint64_t hpa = vm_gpa_to_hpa(m, vmi, (phys & PAGE_MASK) + i * PAGE_SIZE, &ok);
		if (!ok || iommu_map(m, dd->dom, (pfn + i) << PAGE_SHIFT, hpa, PAGE_SIZE, prot)) {
			iommu_unmap(m, dd->dom, pfn << PAGE_SHIFT, i * PAGE_SIZE);
			iova_free(dd->gdom, pfn);
			return -1;
		}
	}
	/* the trapped guest invalidation + QEMU's VFIO_IOMMU_MAP_DMA: a VM exit round trip */
	machine_advance(m, m->cost.irq_ns + m->cost.dma_api_ns);
	mr->iova_pfn = pfn;
	mr->iova_pages = npages;
	*h = (pfn << PAGE_SHIFT) + off;
	return 0;
}

int dma_map_single(struct machine *m, int dev, uint64_t phys, uint64_t size, enum dma_dir dir,
                   uint64_t *handle, struct step_result *r)
{
	struct dma_layer *dl = m->dma;
	struct dma_dev *dd = &dl->dev[dev];
	int owner = dev_owner(m, dev);
	machine_advance(m, m->cost.dma_api_ns);
	if (!size || dir == DMA_NONE) {
		set_error(r, "dma_map_single(%s): size 0 or DMA_NONE (%llu)", dev_name(m, dev), size);
		return -1;
	}
	struct dma_map_rec *mr = rec_new(dd);
	if (!mr)
		return -1;
	int path = DMA_PATH_DIRECT;
	uint64_t h = phys;
	if (dd->viommu) {
		unsigned prot = dir == DMA_TO_DEVICE     ? PERM_R
		                : dir == DMA_FROM_DEVICE ? PERM_W
		                                         : PERM_R | PERM_W;
		if (viommu_map(m, dev, phys, size, prot, &h, mr)) {
			mr->used = 0;
			set_error(
			    r, "dma_map_single(%s): guest IOVA space exhausted or GPA 0x%llx not guest RAM",
			    dev_name(m, dev), phys);
			return -1;
		}
		path = DMA_PATH_IOMMU;
	} else if (translated(dd) && m->iommu) {
		uint64_t off = phys & (PAGE_SIZE - 1);
		uint64_t npages = (off + size + PAGE_SIZE - 1) >> PAGE_SHIFT;
		uint64_t map_phys = phys;
		if (!m->d->devs[dev].trusted && ((phys | size) & (PAGE_SIZE - 1)) && dl->nslots) {
			/* dev_use_swiotlb: an untrusted device must not see the rest of a
			 * partly used page, so dma-iommu bounces sub-page buffers into a
			 * page-aligned slot (padding zeroed) and maps that */
			npages = (size + PAGE_SIZE - 1) >> PAGE_SHIFT;
			uint64_t slot = swiotlb_alloc(dl, npages * PAGE_SIZE);
			if (!slot) {
				mr->used = 0;
				set_error(r, "dma_map_single(%s): swiotlb full (%llu bytes)",
				          dev_name(m, dev), size);
				return -1;
			}
			uint8_t zero[256] = {0};
			for (uint64_t z = 0; z < npages * PAGE_SIZE; z += sizeof zero)
				mem_write(&m->mem, slot + z, zero, sizeof zero);
			mr->slot = slot;
			mr->bounced = 1;
			if (dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL)
				bounce_copy(m, dev, phys, slot, size, 1);
			map_phys = slot;
			off = 0;
		}
		uint64_t pfn = alloc_iova(m, dd, npages);
		if (!pfn) {
			mr->used = 0;
			set_error(r, "dma_map_single(%s): IOVA space exhausted (%llu pages)",
			          dev_name(m, dev), npages);
			return -1;
		}
		unsigned prot = dir == DMA_TO_DEVICE     ? PERM_R
		                : dir == DMA_FROM_DEVICE ? PERM_W
		                                         : PERM_R | PERM_W;
		if (iommu_map(m, dd->dom, pfn << PAGE_SHIFT, map_phys - off, npages * PAGE_SIZE, prot)) {
			iova_free(&m->iommu->doms[dd->dom], pfn);
			if (mr->bounced)
				swiotlb_release(dl, mr->slot, npages * PAGE_SIZE);
			mr->used = 0;
			set_error(r, "dma_map_single(%s): iommu_map failed at IOVA pfn 0x%llx",
			          dev_name(m, dev), pfn);
			return -1;
		}
		h = (pfn << PAGE_SHIFT) + off;
		mr->iova_pfn = pfn;
		mr->iova_pages = npages;
		path = DMA_PATH_IOMMU;
	} else if (phys + size - 1 > mask_of(dd->mask_bits)) {
		if (owner != 0 || !dl->nslots) {
			mr->used = 0;
			set_error(
			    r,
			    "dma_map_single(%s): 0x%llx is beyond the DMA mask and no swiotlb can bounce it",
			    dev_name(m, dev), phys);
			return -1;
		}
		uint64_t slot = swiotlb_alloc(dl, size);
		if (!slot) {
			mr->used = 0;
			set_error(r, "dma_map_single(%s): swiotlb full (%llu bytes)", dev_name(m, dev), size);
			return -1;
		}
		mr->slot = slot;
		mr->bounced = 1;
		h = slot;
		path = DMA_PATH_BOUNCE;
		if (dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL)
			bounce_copy(m, dev, phys, slot, size, 1);
	}
	mr->used = 1;
	mr->handle = h;
	mr->phys = phys;
	mr->size = size;
	mr->dir = (uint8_t)dir;
	char line[200];
	snprintf(line, sizeof line, "dma_map_single(%s, 0x%llx, %llu, %s) = 0x%llx via %s", dev_name(m, dev),
	         (unsigned long long)phys, (unsigned long long)size, dir_names[dir], (unsigned long long)h,
	         path_name(path));
	emit(m, EV_DMA_MAP, UNIT_DMA_API, dev_ent(m, dev), phys, h, size, (uint16_t)path, 0, dir,
	     (uint64_t)dd->type, line);
	counter_add_id(m, dd->c_maps, 1);
	dma_step_mut(m)->last_bounced = mr->bounced;
	*handle = h;
	if (r) {
		r->handle = h;
		r->has_handle = 1;
		if (path == DMA_PATH_IOMMU) {
			r->has_iova = 1;
			r->iova = h;
		}
	}
	return 0;
}

static void queue_or_flush(struct machine *m, struct dma_dev *dd, struct dma_map_rec *mr)
{
	struct iommu_domain *d = &m->iommu->doms[dd->dom];
	uint64_t iova = mr->iova_pfn << PAGE_SHIFT, len = mr->iova_pages * PAGE_SIZE;
	iommu_unmap(m, dd->dom, iova, len);
	if (dd->type == DOM_DMA) {
		/* strict: invalidate and wait before returning, then the IOVA is free */
		iommu_flush_range(m, dd->dom, iova, len);
		iova_free(d, mr->iova_pfn);
		return;
	}
	uint64_t fq_size = m->d->boot.fq_size ? m->d->boot.fq_size : 256;
	uint64_t timeout = m->d->boot.fq_timeout_ns ? m->d->boot.fq_timeout_ns : 10000000ull;
	if (d->nfq >= fq_size)
		dma_fq_flush(m, dd->dom, 0);
	if (d->nfq == d->capfq) {
		uint64_t nc = d->capfq ? d->capfq * 2 : 16;
		struct fq_entry *n = realloc(d->fq, nc * sizeof *n);
		if (!n) {
			dma_fq_flush(m, dd->dom, 0);
			iova_free(d, mr->iova_pfn);
			return;
		}
		d->fq = n;
		d->capfq = nc;
	}
	d->fq[d->nfq].pfn = mr->iova_pfn;
	d->fq[d->nfq].npages = mr->iova_pages;
	d->nfq++;
	if (d->fq_deadline == UINT64_MAX)
		d->fq_deadline = m->now_ns + timeout;
}

void dma_fq_flush(struct machine *m, int dom, int timer)
{
	struct iommu_domain *d = &m->iommu->doms[dom];
	uint64_t n = d->nfq;
	if (timer)
		d->fq_deadline = UINT64_MAX;
	if (d->flushing)
		return; /* the timer fired during this very flush: it covers the queue */
	d->flushing = 1;
	iommu_inv_iotlb(m, VTD_INV_DOMAIN, d->did, 0, 0);
	d->flushing = 0;
	for (uint64_t i = 0; i < d->nfq; i++)
		iova_free(d, d->fq[i].pfn);
	d->nfq = 0;
	char line[160];
	snprintf(line, sizeof line, "flush queue of DID %u drained (%s): %llu IOVAs free again", d->did,
	         timer ? "10 ms timer" : "queue full", (unsigned long long)n);
	emit(m, EV_FQ_FLUSH, UNIT_DMA_API, 0, 0, 0, n, (uint16_t)timer, 0, d->did, 0, line);
}

static int unmap_rec(struct machine *m, int dev, struct dma_map_rec *mr, uint64_t size, enum dma_dir dir,
                     const char *what)
{
	struct dma_dev *dd = &m->dma->dev[dev];
	char line[200];
	if (size != mr->size || (!mr->coherent && dir != mr->dir)) {
		snprintf(line, sizeof line,
		         "%s(%s, 0x%llx): size %llu / %s differ from the mapping (%llu / %s)", what,
		         dev_name(m, dev), (unsigned long long)mr->handle, (unsigned long long)size,
		         dir_names[dir], (unsigned long long)mr->size, dir_names[mr->dir]);
		emit(m, EV_DMA_MISUSE, UNIT_DMA_API, dev_owner(m, dev), mr->phys, mr->handle, size, 2, 0, 0,
		     (uint64_t)dev_ent(m, dev), line);
		dma_step_mut(m)->misuse++;
	}
	if (mr->bounced) {
		if (mr->dir == DMA_FROM_DEVICE || mr->dir == DMA_BIDIRECTIONAL)
			bounce_copy(m, dev, mr->slot, mr->phys, mr->size, 0);
		swiotlb_release(m->dma, mr->slot, mr->iova_pages ? mr->iova_pages * PAGE_SIZE : mr->size);
	}
	if (mr->iova_pages && dd->viommu) {
		/* guest strict unmap (CM = 1) -> QEMU's VFIO_IOMMU_UNMAP_DMA: unmap + flush on the host */
		uint64_t iova = mr->iova_pfn << PAGE_SHIFT, len = mr->iova_pages * PAGE_SIZE;
		iommu_unmap(m, dd->dom, iova, len);
		iommu_flush_range(m, dd->dom, iova, len);
		iova_free(dd->gdom, mr->iova_pfn);
		machine_advance(m, m->cost.irq_ns + m->cost.dma_api_ns);
	} else if (mr->iova_pages && m->iommu) {
		queue_or_flush(m, dd, mr);
	}
	snprintf(line, sizeof line, "%s(%s, 0x%llx, %llu)%s", what, dev_name(m, dev),
	         (unsigned long long)mr->handle, (unsigned long long)mr->size,
	         mr->iova_pages ? (dd->type == DOM_DMA ? ": PTEs cleared, IOTLB invalidated (strict)"
	                                               : ": PTEs cleared, IOVA queued for a lazy flush")
	                        : "");
	emit(m, mr->coherent ? EV_DMA_FREE : EV_DMA_UNMAP, UNIT_DMA_API, dev_ent(m, dev), mr->phys,
	     mr->handle, mr->size,
	     (uint16_t)(mr->iova_pages ? DMA_PATH_IOMMU
	                : mr->bounced  ? DMA_PATH_BOUNCE
	                               : DMA_PATH_DIRECT),
	     0, mr->dir, (uint64_t)dd->type, line);
	counter_add_id(m, dd->c_unmaps, 1);
	mr->used = 0;
	return 0;
}

int dma_unmap_single(struct machine *m, int dev, uint64_t handle, uint64_t size, enum dma_dir dir,
                     struct step_result *r)
{
	machine_advance(m, m->cost.dma_api_ns);
	struct dma_map_rec *mr = rec_find(&m->dma->dev[dev], handle, 1);
	if (!mr || mr->coherent) {
		set_error(r, "dma_unmap_single(%s): 0x%llx is not a streaming mapping of this device",
		          dev_name(m, dev), handle);
		return -1;
	}
	return unmap_rec(m, dev, mr, size, dir, "dma_unmap_single");
}

int dma_alloc_coherent(struct machine *m, int dev, uint64_t size, uint64_t *phys, uint64_t *handle,
                       struct step_result *r)
{
	struct dma_layer *dl = m->dma;
	struct dma_dev *dd = &dl->dev[dev];
	int owner = dev_owner(m, dev);
	machine_advance(m, m->cost.dma_api_ns);
	uint64_t sz = (size + PAGE_SIZE - 1) & PAGE_MASK;
	if (!sz) {
		set_error(r, "dma_alloc_coherent(%s): size %llu", dev_name(m, dev), size);
		return -1;
	}
	uint64_t p = dma_kalloc(m, dev, sz, "dma_alloc_coherent");
	if (p == MEM_NO_ADDR) {
		set_error(r, "dma_alloc_coherent(%s): out of memory (%llu bytes)", dev_name(m, dev), sz);
		return -1;
	}
	struct dma_map_rec *mr = rec_new(dd);
	if (!mr)
		return -1;
	uint64_t h = p;
	int path = DMA_PATH_DIRECT;
	if (dd->viommu) {
		if (viommu_map(m, dev, p, sz, PERM_R | PERM_W, &h, mr)) {
			set_error(r, "dma_alloc_coherent(%s): no guest IOVA space for %llu bytes",
			          dev_name(m, dev), sz);
			return -1;
		}
		path = DMA_PATH_IOMMU;
	} else if (translated(dd) && m->iommu) {
		uint64_t npages = sz >> PAGE_SHIFT;
		uint64_t pfn = alloc_iova(m, dd, npages);
		if (!pfn || iommu_map(m, dd->dom, pfn << PAGE_SHIFT, p, sz, PERM_R | PERM_W)) {
			set_error(r, "dma_alloc_coherent(%s): no IOVA space for %llu pages", dev_name(m, dev),
			          npages);
			return -1;
		}
		h = pfn << PAGE_SHIFT;
		mr->iova_pfn = pfn;
		mr->iova_pages = npages;
		path = DMA_PATH_IOMMU;
	} else if (p + sz - 1 > mask_of(dd->mask_bits)) {
		/* dma-direct retries in ZONE_DMA32 (GFP_DMA32) */
		if (owner != 0 || dl->dma32_top - dl->dma32_base < sz || !dl->dma32_size) {
			set_error(r, "dma_alloc_coherent(%s): no memory below the %llu-bit mask",
			          dev_name(m, dev), (uint64_t)dd->mask_bits);
			return -1;
		}
		dl->dma32_top -= sz;
		p = h = dl->dma32_top;
		mem_note(&m->mem, p, sz, 0, "dma_alloc_coherent (DMA32)");
	}
	mr->used = 1;
	mr->coherent = 1;
	mr->handle = h;
	mr->phys = p;
	mr->size = size;
	mr->dir = DMA_BIDIRECTIONAL;
	char line[200];
	snprintf(line, sizeof line, "dma_alloc_coherent(%s, %llu) = cpu 0x%llx, dma handle 0x%llx via %s",
	         dev_name(m, dev), (unsigned long long)size, (unsigned long long)p, (unsigned long long)h,
	         path_name(path));
	emit(m, EV_DMA_ALLOC, UNIT_DMA_API, dev_ent(m, dev), p, h, size, (uint16_t)path, 0, DMA_BIDIRECTIONAL,
	     (uint64_t)dd->type, line);
	counter_add_id(m, dd->c_maps, 1);
	*phys = p;
	*handle = h;
	if (r) {
		r->handle = h;
		r->has_handle = 1;
		if (path == DMA_PATH_IOMMU) {
			r->has_iova = 1;
			r->iova = h;
		}
	}
	return 0;
}

int dma_free_coherent(struct machine *m, int dev, uint64_t size, uint64_t phys, uint64_t handle,
                      struct step_result *r)
{
	machine_advance(m, m->cost.dma_api_ns);
	struct dma_map_rec *mr = rec_find(&m->dma->dev[dev], handle, 1);
	if (!mr || !mr->coherent || mr->phys != phys) {
		set_error(r, "dma_free_coherent(%s): 0x%llx is not a coherent allocation of this device",
		          dev_name(m, dev), handle);
		return -1;
	}
	return unmap_rec(m, dev, mr, size, DMA_BIDIRECTIONAL, "dma_free_coherent");
}

static int sync(struct machine *m, int dev, uint64_t handle, uint64_t size, enum dma_dir dir, int for_cpu,
                struct step_result *r)
{
	machine_advance(m, m->cost.dma_api_ns);
	struct dma_map_rec *mr = rec_find(&m->dma->dev[dev], handle, 0);
	const char *fn = for_cpu ? "dma_sync_single_for_cpu" : "dma_sync_single_for_device";
	if (!mr || mr->coherent) {
		set_error(r, "%s: 0x%llx is not a streaming mapping of this device", fn, handle);
		return -1;
	}
	uint64_t off = handle - mr->handle;
	if (size > mr->size - off)
		size = mr->size - off;
	if (mr->bounced) {
		if (for_cpu && (mr->dir == DMA_FROM_DEVICE || mr->dir == DMA_BIDIRECTIONAL))
			bounce_copy(m, dev, mr->slot + off, mr->phys + off, size, 0);
		if (!for_cpu && (mr->dir == DMA_TO_DEVICE || mr->dir == DMA_BIDIRECTIONAL))
			bounce_copy(m, dev, mr->phys + off, mr->slot + off, size, 1);
	}
	mr->cpu_owned = (uint8_t)for_cpu;
	char line[200];
	snprintf(line, sizeof line, "%s(%s, 0x%llx, %llu, %s): the %s owns the buffer now", fn,
	         dev_name(m, dev), (unsigned long long)handle, (unsigned long long)size, dir_names[dir],
	         for_cpu ? "CPU" : "device");
	emit(m, EV_DMA_SYNC, UNIT_DMA_API, dev_ent(m, dev), mr->phys + off, handle, size, (uint16_t)for_cpu,
	     0, dir, 0, line);
	return 0;
}

int dma_sync_for_cpu(struct machine *m, int dev, uint64_t handle, uint64_t size, enum dma_dir dir,
                     struct step_result *r)
{
	return sync(m, dev, handle, size, dir, 1, r);
}

int dma_sync_for_device(struct machine *m, int dev, uint64_t handle, uint64_t size, enum dma_dir dir,
                        struct step_result *r)
{
	return sync(m, dev, handle, size, dir, 0, r);
}

/* ---- the device side ---- */

/* Is the device's traffic remapped by the IOMMU? */
static int goes_through_iommu(const struct machine *m, int dev)
{
	return m->iommu && !m->dma->dev[dev].noiommu;
}

static void land(struct machine *m, int dev, uint64_t bus, uint64_t hpa, void *buf, size_t len, int write)
{
	int actor = dev_ent(m, dev), owner = dev_owner(m, dev);
	const struct span *s = mem_span_at(&m->mem, hpa);
	if (!s || s->kind == SPAN_RESERVED) {
		emit(m, EV_DEV_DMA, UNIT_DEVICE, actor, bus, hpa, len, 1,
		     (write ? EVF_WRITE : 0) | EVF_BLOCKED, 0, 0,
		     "no memory at this address: the request ends in an Unsupported Request (master abort)");
		if (!write)
			memset(buf, 0xff, len);
		return;
	}
	if (s->kind == SPAN_MMIO) {
		/* peer-to-peer: a device reaching another device's BAR */
		for (size_t o = 0; o < len; o += 4) {
			unsigned l = len - o >= 4 ? 4 : (unsigned)(len - o);
			uint64_t off = hpa + o - s->base;
			const struct device_type *dt =
			    s->device >= 0 ? device_type_by_id(m->d->devs[s->device].type_id) : NULL;
			if (write && dt && dt->mmio_write) {
				uint64_t v = 0;
				memcpy(&v, (uint8_t *)buf + o, l);
				dt->mmio_write(m, s->device, off, v, l);
			} else if (!write) {
				uint64_t v =
				    dt && dt->mmio_read ? dt->mmio_read(m, s->device, off, l) : ~0ull;
				memcpy((uint8_t *)buf + o, &v, l);
			}
		}
		emit(m, EV_DEV_DMA, UNIT_DEVICE, actor, bus, hpa, len, 2, write ? EVF_WRITE : 0, 0,
		     (uint64_t)s->owner, "peer-to-peer access to a device BAR");
		return;
	}
	if (write)
		mem_write(&m->mem, hpa, buf, len);
	else
		mem_read(&m->mem, hpa, buf, len);
	emit(m, write ? EV_MEM_WRITE : EV_MEM_READ, UNIT_DEVICE, actor, hpa, 0, len, 0, write ? EVF_WRITE : 0,
	     0, (uint64_t)s->owner, NULL);
	machine_advance(m, m->cost.mem_ref_ns + len * m->cost.dma_byte_ps / 1000);
	counter_add_id(m, m->dma->dev[dev].c_bytes, len);
	if (write && s->owner != owner) {
		char line[200];
		snprintf(line, sizeof line,
		         "%s (owned by %s) wrote %zu bytes at HPA 0x%llx, memory of %s (%s)",
		         dev_name(m, dev), entity_name(m, owner), len, (unsigned long long)hpa,
		         entity_name(m, s->owner), s->label);
		emit(m, EV_ISOLATION_BREACH, UNIT_DEVICE, actor, bus, hpa, len, 0, EVF_WRITE, (uint64_t)owner,
		     (uint64_t)s->owner, line);
		counter_add_id(m, m->dma->c_breaches, 1);
		dma_step_mut(m)->breaches++;
	}
}

static int dev_dma(struct machine *m, int dev, uint64_t addr, uint8_t *buf, size_t len, int write,
                   struct step_result *r)
{
	struct dma_dev *dd = &m->dma->dev[dev];
	int actor = dev_ent(m, dev), failed = 0;
	uint16_t sid = dma_dev_sid(m, dev);
	size_t done = 0;
	while (done < len) {
		uint64_t a = addr + done;
		size_t chunk = PAGE_SIZE - (a & (PAGE_SIZE - 1)); /* a request never crosses 4 KiB */
		if (chunk > len - done)
			chunk = len - done;
		if (a >= MSI_WINDOW_LO && a <= MSI_WINDOW_HI) {
			if (write) {
				uint32_t data = 0;
				memcpy(&data, buf + done, chunk < 4 ? chunk : 4);
				char line[160];
				snprintf(line, sizeof line,
				         "write to 0x%llx is in the interrupt window 0xFEE00000-0xFEEFFFFF: "
				         "an interrupt "
				         "request (APIC %u, vector 0x%02x), not DMA",
				         (unsigned long long)a, (unsigned)((a >> 12) & 0xff), data & 0xff);
				emit(m, EV_IRQ, UNIT_DEVICE, actor, a, 0, chunk, (uint16_t)(data & 0xff),
				     EVF_WRITE, data, 0, line);
				machine_advance(m, m->cost.irq_ns);
				counter_add_id(m, dd->c_irqs, 1);
				dma_step_mut(m)->irqs++;
			} else {
				emit(m, EV_DEV_DMA, UNIT_DEVICE, actor, a, 0, chunk, 3, EVF_BLOCKED, 0, 0,
				     "a read of the interrupt window is not a valid request: blocked");
				memset(buf + done, 0xff, chunk);
				failed = 1;
			}
			done += chunk;
			continue;
		}
		uint64_t hpa = a;
		emit(m, EV_DEV_DMA, UNIT_DEVICE, actor, a, 0, chunk, 0, write ? EVF_WRITE : 0, 0, 0, NULL);
		if (goes_through_iommu(m, dev)) {
			struct iommu_xlate x;
			int rc = iommu_translate(m, actor, sid, a, write, &x);
			struct dma_step_flags *f = dma_step_mut(m);
			if (r)
				r->walk_refs += x.refs;
			if (x.iotlb == 1) {
				counter_add_id(m, dd->c_hits, 1);
				f->iotlb_hits++;
			} else if (x.iotlb == 2) {
				counter_add_id(m, dd->c_misses, 1);
				counter_add_id(m, dd->c_walks, 1);
				f->iotlb_misses++;
			}
			if (x.stale)
				f->stale_hits++;
			if (r && !r->has_iova) {
				r->has_iova = 1;
				r->iova = a;
			}
			if (rc) {
				if (!f->faults) {
					f->fault_sid = sid;
					f->fault_write = write;
				}
				f->faults++;
				counter_add_id(m, dd->c_faults, 1);
				if (r && !r->fault.valid)
					r->fault = x.fault;
				if (!write)
					memset(buf + done, 0xff,
					       chunk); /* no data: the completion is an error */
				failed = 1;
				done += chunk;
				continue;
			}
			hpa = x.hpa;
		}
		if (r && !r->has_hpa) {
			r->has_hpa = 1;
			r->hpa = hpa;
		}
		land(m, dev, a, hpa, buf + done, chunk, write);
		done += chunk;
	}
	return failed ? -1 : 0;
}

int dev_dma_read(struct machine *m, int dev, uint64_t addr, void *buf, size_t len, struct step_result *r)
{
	return dev_dma(m, dev, addr, buf, len, 0, r);
}

int dev_dma_write(struct machine *m, int dev, uint64_t addr, const void *buf, size_t len,
                  struct step_result *r)
{
	uint8_t tmp[4096];
	const uint8_t *src = buf;
	int rc = 0;
	/* dev_dma takes a mutable buffer (reads fill it); copy in page-sized pieces */
	for (size_t done = 0; done < len;) {
		uint64_t a = addr + done;
		size_t chunk = PAGE_SIZE - (a & (PAGE_SIZE - 1));
		if (chunk > len - done)
			chunk = len - done;
		memcpy(tmp, src + done, chunk);
		if (dev_dma(m, dev, a, tmp, chunk, 1, r))
			rc = -1;
		done += chunk;
	}
	return rc;
}

int dev_msi(struct machine *m, int dev, uint32_t apic_id, uint32_t data, struct step_result *r)
{
	uint8_t b[4];
	le32_store(b, data);
	return dev_dma_write(m, dev, MSI_WINDOW_LO | ((uint64_t)(apic_id & 0xff) << 12), b, 4, r);
}
