/*
 * act_dma.c — the scenario vocabulary of the DMA API and the IOMMU.
 *
 *   action                 Linux call it stands for
 *   kmem.alloc             kmalloc / alloc_pages in the device owner's kernel
 *   kmem.write, kmem.read  the driver's CPU touching its buffer (misuse checked)
 *   dma.set_mask           dma_set_mask_and_coherent(dev, DMA_BIT_MASK(n))
 *   dma.map / dma.unmap    dma_map_single / dma_unmap_single
 *   dma.alloc_coherent     dma_alloc_coherent (binds the handle and the CPU address)
 *   dma.free_coherent      dma_free_coherent
 *   dma.sync               dma_sync_single_for_cpu / _for_device
 *   device.msi             the device writes its MSI (0xFEE00000 | APIC ID << 12)
 *   iommu.flush            an explicit IOTLB / context-cache invalidation
 *   iommu.reg_write        software writing a VT-d register (FECTL, FSTS, FRCD…)
 *   iommu.context          edit a context entry (stage FPD, TT, P faults)
 *   iommu.service_faults   run Linux's dmar_fault() handler now
 *
 * Expect keys: handle, iova, dmar_fault, fault_record, fsts, domain, iotlb,
 * translates, dma_step, fq, iommu_on. Reference: scenarios/README.md,
 * section "IOMMU, DMA API and boot".
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dma.h"
#include "mmu.h"
#include "scenario.h"

static const char *const dir_keys[] = {"bidirectional", "to_device", "from_device", NULL};

/* a value in an expect: a number or "$name" (+ offset), as action.h's addr_arg */
static int parse_xval(struct parse_ctx *pc, const cJSON *n, const char *path, struct addr_arg *x)
{
	return pc_addr_node(pc, n, path, x);
}

static uint64_t xval_get(const struct machine *m, const struct addr_arg *x, int *ok)
{
	struct step_result tmp;
	uint64_t v = 0;
	memset(&tmp, 0, sizeof tmp);
	*ok = addr_resolve(m, x, &tmp, &v) == 0;
	return v;
}

static void bind(struct machine *m, int var, uint64_t v)
{
	if (var >= 0) {
		m->vars[var].v = v;
		m->vars[var].set = 1;
	}
}

/* ------------------------------------------------------------------ */
/* kmem.alloc / kmem.write / kmem.read                                   */

struct kmem_args {
	int dev;
	uint64_t size;
	struct addr_arg addr;
	const uint8_t *bytes;
	size_t nbytes;
	int bind;
	const char *label;
};

static const char *const kalloc_keys[] = {"device", "size", "as", "label", NULL};
static const char *const kwrite_keys[] = {"device", "addr", "bytes", "len", NULL};
static const char *const kread_keys[] = {"device", "addr", "len", "as", NULL};

static int parse_kalloc(struct parse_ctx *pc, void *args)
{
	struct kmem_args *a = args;
	int rc = pc_device(pc, "device", 1, &a->dev);
	rc |= pc_size(pc, "size", 0, 64 * MiB, PAGE_SIZE, &a->size);
	rc |= pc_bind(pc, "as", 1, &a->bind);
	a->label = "kmalloc";
	rc |= pc_str(pc, "label", 0, &a->label);
	return rc ? -1 : 0;
}

static int exec_kalloc(struct machine *m, const void *args, struct step_result *r)
{
	const struct kmem_args *a = args;
	uint64_t p = dma_kalloc(m, a->dev, a->size, a->label);
	if (p == MEM_NO_ADDR) {
		snprintf(r->error, sizeof r->error,
		         "kmem.alloc: %s's owner has no free RAM for %" PRIu64 " bytes",
		         m->d->devs[a->dev].name, a->size);
		return -1;
	}
	bind(m, a->bind, p);
	r->value = p;
	r->has_value = 1;
	return 0;
}

static int parse_kwrite(struct parse_ctx *pc, void *args)
{
	struct kmem_args *a = args;
	int rc = pc_device(pc, "device", 1, &a->dev);
	rc |= pc_addr(pc, "addr", 1, &a->addr);
	rc |= pc_bytes(pc, "bytes", 1, &a->bytes, &a->nbytes);
	rc |= pc_size(pc, "len", 0, 1 * MiB, 0, &a->size);
	if (!rc && !a->nbytes) {
		jr_error(pc->jr, jr_member(pc->step, "bytes"), pc->path, "\"bytes\" is empty");
		rc = -1;
	}
	if (!a->size)
		a->size = a->nbytes;
	return rc ? -1 : 0;
}

static int exec_kwrite(struct machine *m, const void *args, struct step_result *r)
{
	const struct kmem_args *a = args;
	uint64_t p;
	if (addr_resolve(m, &a->addr, r, &p))
		return -1;
	uint8_t *buf = malloc(a->size);
	if (!buf)
		return -1;
	for (uint64_t i = 0; i < a->size; i++)
		buf[i] = a->bytes[i % a->nbytes];
	int rc = kmem_write(m, a->dev, p, buf, a->size);
	free(buf);
	if (rc)
		snprintf(r->error, sizeof r->error, "kmem.write: 0x%" PRIx64 " is not RAM of %s's owner", p,
		         m->d->devs[a->dev].name);
	return rc;
}

static int parse_kread(struct parse_ctx *pc, void *args)
{
	struct kmem_args *a = args;
	int rc = pc_device(pc, "device", 1, &a->dev);
	rc |= pc_addr(pc, "addr", 1, &a->addr);
	rc |= pc_size(pc, "len", 0, 1 * MiB, 8, &a->size);
	rc |= pc_bind(pc, "as", 0, &a->bind);
	return rc ? -1 : 0;
}

static int exec_kread(struct machine *m, const void *args, struct step_result *r)
{
	const struct kmem_args *a = args;
	uint64_t p;
	if (addr_resolve(m, &a->addr, r, &p))
		return -1;
	uint8_t *buf = calloc(1, a->size);
	if (!buf)
		return -1;
	int rc = kmem_read(m, a->dev, p, buf, a->size);
	uint64_t v = 0;
	for (uint64_t i = 0; i < a->size && i < 8; i++)
		v |= (uint64_t)buf[i] << (8 * i);
	free(buf);
	if (rc) {
		snprintf(r->error, sizeof r->error, "kmem.read: 0x%" PRIx64 " is not RAM of %s's owner", p,
		         m->d->devs[a->dev].name);
		return -1;
	}
	r->value = v;
	r->has_value = 1;
	bind(m, a->bind, v);
	return 0;
}

/* kmem.ioremap: the owner's kernel maps the device's BAR0 uncached (PCD|PWT) */
struct ioremap_args {
	int dev;
	int bind;
};

static const char *const ioremap_keys[] = {"device", "as", NULL};

static int parse_ioremap(struct parse_ctx *pc, void *args)
{
	struct ioremap_args *a = args;
	int rc = pc_device(pc, "device", 1, &a->dev);
	rc |= pc_bind(pc, "as", 0, &a->bind);
	if (!rc && !pc->md->devs[a->dev].bar0_size) {
		jr_error(pc->jr, jr_member(pc->step, "device"), pc->path, "%s has no BAR0",
		         pc->md->devs[a->dev].name);
		rc = -1;
	}
	return rc ? -1 : 0;
}

static int exec_ioremap(struct machine *m, const void *args, struct step_result *r)
{
	const struct ioremap_args *a = args;
	const struct device_desc *dd = &m->d->devs[a->dev];
	int vm = dd->owner_entity > 0 ? dd->owner_entity - 1 : -1;
	uint64_t va = mmu_ioremap(m, vm, vm >= 0 ? dd->guest_bar0 : dd->bar0, dd->bar0_size);
	if (!va) {
		snprintf(r->error, sizeof r->error, "kmem.ioremap: no room for %s's page tables", dd->name);
		return -1;
	}
	bind(m, a->bind, va);
	r->value = va;
	r->has_value = 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* dma.*                                                                 */

struct dmaop_args {
	int dev;
	struct addr_arg addr, handle;
	uint64_t size;
	int dir;
	int for_cpu;
	int bind, bind_cpu;
	uint64_t bits;
};

static const char *const map_keys[] = {"device", "addr", "size", "dir", "as", NULL};
static const char *const unmap_keys[] = {"device", "handle", "size", "dir", NULL};
static const char *const alloc_keys[] = {"device", "size", "as", "cpu_as", NULL};
static const char *const free_keys[] = {"device", "handle", "addr", "size", NULL};
static const char *const sync_keys[] = {"device", "handle", "size", "dir", "for", NULL};
static const char *const mask_keys[] = {"device", "bits", NULL};

static int parse_map(struct parse_ctx *pc, void *args)
{
	struct dmaop_args *a = args;
	int rc = pc_device(pc, "device", 1, &a->dev);
	rc |= pc_addr(pc, "addr", 1, &a->addr);
	rc |= pc_size(pc, "size", 1, 64 * MiB, 0, &a->size);
	rc |= pc_enum(pc, "dir", 1, dir_keys, 0, &a->dir);
	rc |= pc_bind(pc, "as", 0, &a->bind);
	if (!rc && !a->size) {
		jr_error(pc->jr, jr_member(pc->step, "size"), pc->path, "size: at least 1 byte");
		rc = -1;
	}
	return rc ? -1 : 0;
}

static int exec_map(struct machine *m, const void *args, struct step_result *r)
{
	const struct dmaop_args *a = args;
	uint64_t p, h;
	if (addr_resolve(m, &a->addr, r, &p))
		return -1;
	if (dma_map_single(m, a->dev, p, a->size, (enum dma_dir)a->dir, &h, r))
		return -1;
	bind(m, a->bind, h);
	return 0;
}

static int parse_unmap(struct parse_ctx *pc, void *args)
{
	struct dmaop_args *a = args;
	int rc = pc_device(pc, "device", 1, &a->dev);
	rc |= pc_addr(pc, "handle", 1, &a->handle);
	rc |= pc_size(pc, "size", 1, 64 * MiB, 0, &a->size);
	rc |= pc_enum(pc, "dir", 1, dir_keys, 0, &a->dir);
	return rc ? -1 : 0;
}

static int exec_unmap(struct machine *m, const void *args, struct step_result *r)
{
	const struct dmaop_args *a = args;
	uint64_t h;
	if (addr_resolve(m, &a->handle, r, &h))
		return -1;
	return dma_unmap_single(m, a->dev, h, a->size, (enum dma_dir)a->dir, r);
}

static int parse_alloc(struct parse_ctx *pc, void *args)
{
	struct dmaop_args *a = args;
	int rc = pc_device(pc, "device", 1, &a->dev);
	rc |= pc_size(pc, "size", 1, 64 * MiB, 0, &a->size);
	rc |= pc_bind(pc, "as", 0, &a->bind);
	rc |= pc_bind(pc, "cpu_as", 0, &a->bind_cpu);
	return rc ? -1 : 0;
}

static int exec_alloc(struct machine *m, const void *args, struct step_result *r)
{
	const struct dmaop_args *a = args;
	uint64_t p, h;
	if (dma_alloc_coherent(m, a->dev, a->size, &p, &h, r))
		return -1;
	bind(m, a->bind, h);
	bind(m, a->bind_cpu, p);
	return 0;
}

static int parse_free(struct parse_ctx *pc, void *args)
{
	struct dmaop_args *a = args;
	int rc = pc_device(pc, "device", 1, &a->dev);
	rc |= pc_addr(pc, "handle", 1, &a->handle);
	rc |= pc_addr(pc, "addr", 1, &a->addr);
	rc |= pc_size(pc, "size", 1, 64 * MiB, 0, &a->size);
	return rc ? -1 : 0;
}

static int exec_free(struct machine *m, const void *args, struct step_result *r)
{
	const struct dmaop_args *a = args;
	uint64_t p, h;
	if (addr_resolve(m, &a->handle, r, &h) || addr_resolve(m, &a->addr, r, &p))
		return -1;
	return dma_free_coherent(m, a->dev, a->size, p, h, r);
}

static int parse_sync(struct parse_ctx *pc, void *args)
{
	struct dmaop_args *a = args;
	static const char *const fors[] = {"device", "cpu", NULL};
	int rc = pc_device(pc, "device", 1, &a->dev);
	rc |= pc_addr(pc, "handle", 1, &a->handle);
	rc |= pc_size(pc, "size", 1, 64 * MiB, 0, &a->size);
	rc |= pc_enum(pc, "dir", 1, dir_keys, 0, &a->dir);
	rc |= pc_enum(pc, "for", 1, fors, 0, &a->for_cpu);
	return rc ? -1 : 0;
}

static int exec_sync(struct machine *m, const void *args, struct step_result *r)
{
	const struct dmaop_args *a = args;
	uint64_t h;
	if (addr_resolve(m, &a->handle, r, &h))
		return -1;
	if (a->for_cpu)
		return dma_sync_for_cpu(m, a->dev, h, a->size, (enum dma_dir)a->dir, r);
	return dma_sync_for_device(m, a->dev, h, a->size, (enum dma_dir)a->dir, r);
}

static int parse_mask(struct parse_ctx *pc, void *args)
{
	struct dmaop_args *a = args;
	int rc = pc_device(pc, "device", 1, &a->dev);
	rc |= pc_u64(pc, "bits", 1, 64, 64, &a->bits);
	if (!rc && a->bits < 24) {
		jr_error(pc->jr, jr_member(pc->step, "bits"), pc->path, "bits: between 24 and 64");
		rc = -1;
	}
	return rc ? -1 : 0;
}

static int exec_mask(struct machine *m, const void *args, struct step_result *r)
{
	const struct dmaop_args *a = args;
	return dma_set_mask(m, a->dev, (int)a->bits, r);
}

/* ------------------------------------------------------------------ */
/* device.msi, iommu.*                                                   */

struct msi_args {
	int dev;
	uint64_t apic, vector;
};

static const char *const msi_keys[] = {"device", "apic", "vector", NULL};

static int parse_msi(struct parse_ctx *pc, void *args)
{
	struct msi_args *a = args;
	int rc = pc_device(pc, "device", 1, &a->dev);
	rc |= pc_u64(pc, "apic", 0, 255, 0, &a->apic);
	rc |= pc_u64(pc, "vector", 0, 255, 0x40, &a->vector);
	return rc ? -1 : 0;
}

static int exec_msi(struct machine *m, const void *args, struct step_result *r)
{
	const struct msi_args *a = args;
	dev_msi(m, a->dev, (uint32_t)a->apic, (uint32_t)a->vector, r);
	return 0;
}

struct flush_args {
	int scope;
	int dev;
	uint64_t iova, pages;
};

static const char *const flush_keys[] = {"scope", "device", "iova", "pages", NULL};

static int parse_flush(struct parse_ctx *pc, void *args)
{
	struct flush_args *a = args;
	static const char *const scopes[] = {"global", "domain", "page", "context", NULL};
	int rc = pc_enum(pc, "scope", 1, scopes, 0, &a->scope);
	rc |= pc_device(pc, "device", a->scope != 0, &a->dev);
	rc |= pc_u64(pc, "iova", a->scope == 2, UINT64_MAX, 0, &a->iova);
	rc |= pc_u64(pc, "pages", 0, 1ull << 20, 1, &a->pages);
	return rc ? -1 : 0;
}

static int need_iommu(const struct machine *m, struct step_result *r, const char *what)
{
	if (m->iommu)
		return 0;
	snprintf(r->error, sizeof r->error, "%s: DMA remapping is off in this machine (no IOMMU to talk to)",
	         what);
	return -1;
}

static int exec_flush(struct machine *m, const void *args, struct step_result *r)
{
	const struct flush_args *a = args;
	if (need_iommu(m, r, "iommu.flush"))
		return -1;
	int dom = a->dev >= 0 ? m->dma->dev[a->dev].dom : -1;
	if (a->scope != 0 && dom < 0) {
		snprintf(r->error, sizeof r->error, "iommu.flush: %s has no domain", m->d->devs[a->dev].name);
		return -1;
	}
	uint16_t did = dom >= 0 ? m->iommu->doms[dom].did : 0;
	switch (a->scope) {
	case 0:
		iommu_inv_iotlb(m, VTD_INV_GLOBAL, 0, 0, 0);
		break;
	case 1:
		iommu_inv_iotlb(m, VTD_INV_DOMAIN, did, 0, 0);
		break;
	case 2:
		iommu_flush_range(m, dom, a->iova & PAGE_MASK, a->pages * PAGE_SIZE);
		break;
	default:
		iommu_inv_context(m, 0, dma_dev_sid(m, a->dev));
		break;
	}
	return 0;
}

static const struct {
	const char *name;
	unsigned off, len;
} vtd_regs[] = {
    {"GCMD", VTD_GCMD, 4},
    {"GSTS", VTD_GSTS, 4},
    {"RTADDR", VTD_RTADDR, 8},
    {"FSTS", VTD_FSTS, 4},
    {"FECTL", VTD_FECTL, 4},
    {"FEDATA", VTD_FEDATA, 4},
    {"FEADDR", VTD_FEADDR, 4},
    {"CAP", VTD_CAP, 8},
    {"ECAP", VTD_ECAP, 8},
    {"IQH", VTD_IQH, 8},
    {"IQT", VTD_IQT, 8},
    {"IQA", VTD_IQA, 8},
    {NULL, 0, 0},
};

static int find_reg(const char *s, unsigned *off, unsigned *len)
{
	for (int i = 0; vtd_regs[i].name; i++)
		if (!strcmp(vtd_regs[i].name, s)) {
			*off = vtd_regs[i].off;
			*len = vtd_regs[i].len;
			return 0;
		}
	/* FRCD<n>_HI / FRCD<n>_LO */
	unsigned n;
	char part[4];
	if (sscanf(s, "FRCD%u_%2s", &n, part) == 2 && n < 256 &&
	    (!strcmp(part, "HI") || !strcmp(part, "LO"))) {
		*off = VTD_FRO_OFF + 16 * n + (part[0] == 'H' ? 8 : 0);
		*len = 8;
		return 0;
	}
	return -1;
}

struct reg_args {
	unsigned off, len;
	uint64_t value;
};

static const char *const reg_keys[] = {"reg", "value", NULL};

static int parse_reg(struct parse_ctx *pc, void *args)
{
	struct reg_args *a = args;
	const char *name;
	int rc = pc_str(pc, "reg", 1, &name);
	if (!rc && find_reg(name, &a->off, &a->len)) {
		jr_error(pc->jr, jr_member(pc->step, "reg"), pc->path,
		         "reg: expected GCMD, FSTS, FECTL, FEDATA, FEADDR, RTADDR, IQT or FRCD<n>_HI/_LO, "
		         "got \"%.20s\"",
		         name);
		rc = -1;
	}
	rc |= pc_u64(pc, "value", 1, UINT64_MAX, 0, &a->value);
	return rc ? -1 : 0;
}

static int exec_reg(struct machine *m, const void *args, struct step_result *r)
{
	const struct reg_args *a = args;
	if (need_iommu(m, r, "iommu.reg_write"))
		return -1;
	iommu_reg_write(m, a->off, a->value, a->len);
	struct ev e;
	memset(&e, 0, sizeof e);
	e.kind = EV_VTD_SET;
	e.unit = UNIT_IOMMU;
	e.addr_in = a->off;
	e.entry = a->value;
	char line[80];
	snprintf(line, sizeof line, "VT-d register 0x%03x <- 0x%" PRIx64, a->off, a->value);
	e.str = trace_str(&m->trace, line);
	machine_emit(m, &e);
	return 0;
}

struct ctx_args {
	int dev;
	int p, fpd;
	int has_tt, has_aw, has_did;
	uint64_t tt, aw, did;
	int flush;
};

static const char *const ctx_keys[] = {"device", "present", "fpd", "tt", "aw", "did", "flush", NULL};

static int parse_ctx(struct parse_ctx *pc, void *args)
{
	struct ctx_args *a = args;
	int rc = pc_device(pc, "device", 1, &a->dev);
	a->p = -1;
	a->fpd = -1;
	if (jr_member(pc->step, "present"))
		rc |= pc_bool(pc, "present", 1, &a->p);
	if (jr_member(pc->step, "fpd"))
		rc |= pc_bool(pc, "fpd", 0, &a->fpd);
	a->has_tt = jr_member(pc->step, "tt") != NULL;
	a->has_aw = jr_member(pc->step, "aw") != NULL;
	a->has_did = jr_member(pc->step, "did") != NULL;
	rc |= pc_u64(pc, "tt", 0, 3, 0, &a->tt);
	rc |= pc_u64(pc, "aw", 0, 7, 0, &a->aw);
	rc |= pc_u64(pc, "did", 0, 0xffff, 0, &a->did);
	rc |= pc_bool(pc, "flush", 1, &a->flush);
	return rc ? -1 : 0;
}

static int exec_ctx(struct machine *m, const void *args, struct step_result *r)
{
	const struct ctx_args *a = args;
	if (need_iommu(m, r, "iommu.context"))
		return -1;
	uint16_t sid = dma_dev_sid(m, a->dev);
	uint64_t ea = iommu_context_addr(m, sid);
	if (!ea) {
		snprintf(r->error, sizeof r->error, "iommu.context: bus %02x has no context table", sid >> 8);
		return -1;
	}
	uint64_t lo = mem_read64(&m->mem, ea), hi = mem_read64(&m->mem, ea + 8), olo = lo;
	if (a->p >= 0)
		lo = a->p ? lo | VTD_CTX_P : lo & ~VTD_CTX_P;
	if (a->fpd >= 0)
		lo = a->fpd ? lo | VTD_CTX_FPD : lo & ~VTD_CTX_FPD;
	if (a->has_tt)
		lo = (lo & ~MASK(3, 2)) | (a->tt << 2);
	if (a->has_aw)
		hi = (hi & ~MASK(2, 0)) | a->aw;
	if (a->has_did)
		hi = (hi & ~MASK(23, 8)) | (a->did << 8);
	mem_write64(&m->mem, ea + 8, hi);
	mem_write64(&m->mem, ea, lo);
	struct ev e;
	memset(&e, 0, sizeof e);
	e.kind = EV_VTD_SET;
	e.code = 1;
	e.unit = UNIT_IOMMU;
	e.walker = WALKER_IOMMU_CONTEXT;
	e.addr_in = sid;
	e.addr_out = ea;
	e.entry = lo;
	e.extra = olo;
	char line[160];
	snprintf(line, sizeof line,
	         "context entry of %02x:%02x.%d at HPA 0x%" PRIx64 ": lo 0x%" PRIx64 " -> 0x%" PRIx64
	         ", hi 0x%" PRIx64,
	         sid >> 8, (sid >> 3) & 31, sid & 7, ea, olo, lo, hi);
	e.str = trace_str(&m->trace, line);
	machine_emit(m, &e);
	if (a->flush) {
		iommu_inv_context(m, 0, sid);
		iommu_inv_iotlb(m, VTD_INV_DOMAIN, (uint16_t)VTD_CTX_DID(hi), 0, 0);
	}
	return 0;
}

static const char *const none_keys[] = {NULL};

static int parse_none(struct parse_ctx *pc, void *args)
{
	return 0;
}

static int exec_service(struct machine *m, const void *args, struct step_result *r)
{
	if (need_iommu(m, r, "iommu.service_faults"))
		return -1;
	iommu_service_faults(m);
	return 0;
}

static const char *const dir_en[] = {"bidirectional", "to the device", "from the device"};
static const char *const dir_zh[] = {"双向", "设备读取", "设备写入"};

static void describe_dmaop(const struct machine *m, const void *args, int lang, char *buf, size_t cap,
                           const char *fn)
{
	const struct dmaop_args *a = args;
	const char *n = m->d->devs[a->dev].name;
	if (lang == LANG_ZH)
		snprintf(buf, cap, "%s 的驱动调用 %s（%" PRIu64 " 字节%s%s）", n, fn, a->size,
		         a->size ? "，" : "", a->size ? dir_zh[a->dir] : "");
	else
		snprintf(buf, cap, "%s's driver calls %s (%" PRIu64 " bytes, %s)", n, fn, a->size,
		         dir_en[a->dir]);
}

static void d_map(const struct machine *m, const void *a, int l, char *b, size_t c)
{
	describe_dmaop(m, a, l, b, c, "dma_map_single");
}

static void d_unmap(const struct machine *m, const void *a, int l, char *b, size_t c)
{
	describe_dmaop(m, a, l, b, c, "dma_unmap_single");
}

static void d_alloc(const struct machine *m, const void *a, int l, char *b, size_t c)
{
	describe_dmaop(m, a, l, b, c, "dma_alloc_coherent");
}

static void d_free(const struct machine *m, const void *a, int l, char *b, size_t c)
{
	describe_dmaop(m, a, l, b, c, "dma_free_coherent");
}

static void d_sync(const struct machine *m, const void *a, int l, char *b, size_t c)
{
	describe_dmaop(m, a, l, b, c,
	               ((const struct dmaop_args *)a)->for_cpu ? "dma_sync_single_for_cpu"
	                                                       : "dma_sync_single_for_device");
}

static void d_kmem(const struct machine *m, const void *args, int lang, char *buf, size_t cap)
{
	const struct kmem_args *a = args;
	const struct device_desc *dd = &m->d->devs[a->dev];
	const char *who = dd->owner_entity > 0 ? dd->owner : "host";
	snprintf(buf, cap,
	         lang == LANG_ZH ? "%s 的内核（%s 的驱动）访问内存"
	                         : "%s's kernel (%s's driver) touches memory",
	         who, dd->name);
}

const struct action_def dma_actions[] = {
    {"kmem.alloc", sizeof(struct kmem_args), kalloc_keys, parse_kalloc, exec_kalloc, d_kmem},
    {"kmem.write", sizeof(struct kmem_args), kwrite_keys, parse_kwrite, exec_kwrite, d_kmem},
    {"kmem.read", sizeof(struct kmem_args), kread_keys, parse_kread, exec_kread, d_kmem},
    {"kmem.ioremap", sizeof(struct ioremap_args), ioremap_keys, parse_ioremap, exec_ioremap, NULL},
    {"dma.map", sizeof(struct dmaop_args), map_keys, parse_map, exec_map, d_map},
    {"dma.unmap", sizeof(struct dmaop_args), unmap_keys, parse_unmap, exec_unmap, d_unmap},
    {"dma.alloc_coherent", sizeof(struct dmaop_args), alloc_keys, parse_alloc, exec_alloc, d_alloc},
    {"dma.free_coherent", sizeof(struct dmaop_args), free_keys, parse_free, exec_free, d_free},
    {"dma.sync", sizeof(struct dmaop_args), sync_keys, parse_sync, exec_sync, d_sync},
    {"dma.set_mask", sizeof(struct dmaop_args), mask_keys, parse_mask, exec_mask, NULL},
    {"device.msi", sizeof(struct msi_args), msi_keys, parse_msi, exec_msi, NULL},
    {"iommu.flush", sizeof(struct flush_args), flush_keys, parse_flush, exec_flush, NULL},
    {"iommu.reg_write", sizeof(struct reg_args), reg_keys, parse_reg, exec_reg, NULL},
    {"iommu.context", sizeof(struct ctx_args), ctx_keys, parse_ctx, exec_ctx, NULL},
    {"iommu.service_faults", 0, none_keys, parse_none, exec_service, NULL},
    {NULL, 0, NULL, NULL, NULL, NULL},
};

/* ------------------------------------------------------------------ */
/* expect keys                                                           */

static int fail(char *msg, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *msg, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, cap, fmt, ap);
	va_end(ap);
	return 1;
}

/* handle: 0x… | "$buf" */
static int xp_handle(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	return parse_xval(pc, val, path, args);
}

static int xc_handle(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                     size_t cap)
{
	int ok;
	uint64_t want = xval_get(m, args, &ok);
	if (!ok)
		return fail(msg, cap, "the expected value's name is not bound");
	if (!r->has_handle)
		return fail(msg, cap, "expected DMA handle 0x%" PRIx64 ", but the step produced none", want);
	if (r->handle != want)
		return fail(msg, cap, "expected DMA handle 0x%" PRIx64 ", got 0x%" PRIx64, want, r->handle);
	return 0;
}

/* iova: {"equals", "not", "below", "at_least", "offset", "nonzero"} on the step's handle/IOVA */
struct x_iova {
	int has_eq, has_ne, has_below, has_min, has_off;
	struct addr_arg eq, ne;
	uint64_t below, min, off;
};

static int xp_iova(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	struct x_iova *a = args;
	if (!cJSON_IsObject(val)) {
		a->has_eq = 1;
		return parse_xval(pc, val, path, &a->eq);
	}
	static const char *const keys[] = {"equals", "not", "below", "at_least", "offset", NULL};
	int rc = jr_check_keys(pc->jr, val, path, keys);
	char p[256];
	const cJSON *x;
	if ((x = jr_member(val, "equals"))) {
		jr_path_key(p, sizeof p, path, "equals");
		rc |= parse_xval(pc, x, p, &a->eq);
		a->has_eq = 1;
	}
	if ((x = jr_member(val, "not"))) {
		jr_path_key(p, sizeof p, path, "not");
		rc |= parse_xval(pc, x, p, &a->ne);
		a->has_ne = 1;
	}
	if ((x = jr_member(val, "below"))) {
		jr_path_key(p, sizeof p, path, "below");
		rc |= jr_u64(pc->jr, x, p, UINT64_MAX, &a->below);
		a->has_below = 1;
	}
	if ((x = jr_member(val, "at_least"))) {
		jr_path_key(p, sizeof p, path, "at_least");
		rc |= jr_u64(pc->jr, x, p, UINT64_MAX, &a->min);
		a->has_min = 1;
	}
	if ((x = jr_member(val, "offset"))) {
		jr_path_key(p, sizeof p, path, "offset");
		rc |= jr_u64(pc->jr, x, p, PAGE_SIZE - 1, &a->off);
		a->has_off = 1;
	}
	return rc ? -1 : 0;
}

static int xc_iova(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                   size_t cap)
{
	const struct x_iova *a = args;
	if (!r->has_iova)
		return fail(
		    msg, cap,
		    "expected an IOVA, but the step produced none (is the device's domain translated?)");
	uint64_t v = r->iova;
	int ok;
	if (a->has_eq) {
		uint64_t w = xval_get(m, &a->eq, &ok);
		if (!ok || v != w)
			return fail(msg, cap, "expected IOVA 0x%" PRIx64 ", got 0x%" PRIx64, w, v);
	}
	if (a->has_ne) {
		uint64_t w = xval_get(m, &a->ne, &ok);
		if (ok && v == w)
			return fail(msg, cap, "expected an IOVA other than 0x%" PRIx64 ", got that one", w);
	}
	if (a->has_below && v >= a->below)
		return fail(msg, cap, "expected an IOVA below 0x%" PRIx64 ", got 0x%" PRIx64, a->below, v);
	if (a->has_min && v < a->min)
		return fail(msg, cap, "expected an IOVA of at least 0x%" PRIx64 ", got 0x%" PRIx64, a->min,
		            v);
	if (a->has_off && (v & (PAGE_SIZE - 1)) != a->off)
		return fail(msg, cap, "expected in-page offset 0x%" PRIx64 ", got 0x%" PRIx64, a->off,
		            (uint64_t)(v & (PAGE_SIZE - 1)));
	return 0;
}

/* dmar_fault: null | {"reason", "addr", "sid": "01:00.0", "type": "read"|"write", "recorded"} */
/* what dmar_fault and fault_record may both say about a fault */
struct fault_fields {
	int has_reason, has_addr, has_sid, has_type;
	uint64_t reason, addr;
	unsigned sid;
	int type_write;
};

struct x_dmar {
	int none, has_rec, rec;
	struct fault_fields f;
};

static int parse_sid(const char *s, unsigned *sid)
{
	unsigned b, d, f;
	if (sscanf(s, "%x:%x.%x", &b, &d, &f) != 3 || b > 255 || d > 31 || f > 7)
		return -1;
	*sid = b << 8 | d << 3 | f;
	return 0;
}

/* "reason", "addr", "sid" ("BB:DD.F"), "type" ("read"|"write") of an expect object */
static int parse_fault_fields(struct parse_ctx *pc, const cJSON *val, const char *path,
                              struct fault_fields *a)
{
	int rc = 0;
	char p[256];
	const cJSON *x;
	if ((x = jr_member(val, "reason"))) {
		jr_path_key(p, sizeof p, path, "reason");
		rc |= jr_u64(pc->jr, x, p, 0xff, &a->reason);
		a->has_reason = 1;
	}
	if ((x = jr_member(val, "addr"))) {
		jr_path_key(p, sizeof p, path, "addr");
		rc |= jr_u64(pc->jr, x, p, UINT64_MAX, &a->addr);
		a->has_addr = 1;
	}
	if ((x = jr_member(val, "sid"))) {
		const char *s;
		jr_path_key(p, sizeof p, path, "sid");
		if (jr_str(pc->jr, x, p, &s) || parse_sid(s, &a->sid)) {
			if (cJSON_IsString(x))
				jr_error(pc->jr, x, p, "expected a source-id \"BB:DD.F\", got \"%.20s\"",
				         x->valuestring);
			rc = -1;
		}
		a->has_sid = 1;
	}
	if ((x = jr_member(val, "type"))) {
		static const char *const t[] = {"read", "write", NULL};
		jr_path_key(p, sizeof p, path, "type");
		rc |= jr_enum(pc->jr, x, p, t, &a->type_write);
		a->has_type = 1;
	}
	return rc;
}

static int xp_dmar(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	struct x_dmar *a = args;
	if (cJSON_IsNull(val)) {
		a->none = 1;
		return 0;
	}
	if (jr_expect_object(pc->jr, val, path))
		return -1;
	static const char *const keys[] = {"reason", "addr", "sid", "type", "recorded", NULL};
	int rc = jr_check_keys(pc->jr, val, path, keys);
	char p[256];
	const cJSON *x;
	rc |= parse_fault_fields(pc, val, path, &a->f);
	if ((x = jr_member(val, "recorded"))) {
		jr_path_key(p, sizeof p, path, "recorded");
		rc |= jr_bool(pc->jr, x, p, &a->rec);
		a->has_rec = 1;
	}
	return rc ? -1 : 0;
}

static int xc_dmar(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                   size_t cap)
{
	const struct x_dmar *a = args;
	const struct fault_info *f = &r->fault;
	int is = f->valid && f->unit == FU_IOMMU;
	if (a->none)
		return is ? fail(msg, cap, "expected no DMAR fault, got reason 0x%x at 0x%" PRIx64, f->reason,
		                 f->addr)
		          : 0;
	if (!is)
		return fail(msg, cap, "expected a DMAR fault, got none");
	if (a->f.has_reason && (uint64_t)f->reason != a->f.reason)
		return fail(msg, cap, "expected fault reason 0x%" PRIx64 " (%s), got 0x%x (%s)", a->f.reason,
		            vtd_fault_reason_str((int)a->f.reason), f->reason,
		            vtd_fault_reason_str(f->reason));
	if (a->f.has_addr && f->addr != a->f.addr)
		return fail(msg, cap, "expected fault address 0x%" PRIx64 ", got 0x%" PRIx64, a->f.addr,
		            f->addr);
	if (a->has_rec && f->recorded != a->rec)
		return fail(msg, cap, "expected the fault %s, but it was %s",
		            a->rec ? "recorded" : "not recorded", f->recorded ? "recorded" : "not recorded");
	const struct dma_step_flags *s = dma_step(m);
	if (a->f.has_sid && s->fault_sid != a->f.sid)
		return fail(msg, cap, "expected source-id %02x:%02x.%x, got %02x:%02x.%x", a->f.sid >> 8,
		            (a->f.sid >> 3) & 31, a->f.sid & 7, s->fault_sid >> 8, (s->fault_sid >> 3) & 31,
		            s->fault_sid & 7);
	if (a->f.has_type && s->fault_write != a->f.type_write)
		return fail(msg, cap, "expected a DMA %s fault, got a DMA %s fault",
		            a->f.type_write ? "write" : "read", s->fault_write ? "write" : "read");
	return 0;
}

/* fault_record: {"index": n, "valid", "reason", "sid", "type", "addr"} — the FRCD register */
struct x_frcd {
	uint64_t index;
	int has_valid, valid;
	struct fault_fields f;
};

static int xp_frcd(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	struct x_frcd *a = args;
	if (jr_expect_object(pc->jr, val, path))
		return -1;
	static const char *const keys[] = {"index", "valid", "reason", "sid", "type", "addr", NULL};
	int rc = jr_check_keys(pc->jr, val, path, keys);
	char p[256];
	const cJSON *x = jr_require(pc->jr, val, path, "index");
	if (!x)
		return -1;
	jr_path_key(p, sizeof p, path, "index");
	rc |= jr_u64(pc->jr, x, p, 255, &a->index);
	if ((x = jr_member(val, "valid"))) {
		jr_path_key(p, sizeof p, path, "valid");
		rc |= jr_bool(pc->jr, x, p, &a->valid);
		a->has_valid = 1;
	}
	rc |= parse_fault_fields(pc, val, path, &a->f);
	return rc ? -1 : 0;
}

static int xc_frcd(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                   size_t cap)
{
	const struct x_frcd *a = args;
	if (!m->iommu)
		return fail(msg, cap, "expected a fault record, but there is no IOMMU");
	if ((int)a->index >= m->iommu->nrec)
		return fail(msg, cap, "the unit has only %d fault-recording registers", m->iommu->nrec);
	unsigned off = VTD_FRO_OFF + 16u * (unsigned)a->index;
	uint64_t lo = iommu_reg_read(m->iommu, off, 8), hi = iommu_reg_read(m->iommu, off + 8, 8);
	int valid = (hi & VTD_FRCD_F) != 0;
	if (a->has_valid && valid != a->valid)
		return fail(msg, cap, "expected FRCD%" PRIu64 " F = %d, got %d", a->index, a->valid, valid);
	if (a->f.has_reason && FIELD(hi, 39, 32) != a->f.reason)
		return fail(msg, cap, "expected FRCD%" PRIu64 " reason 0x%" PRIx64 ", got 0x%" PRIx64,
		            a->index, a->f.reason, (uint64_t)FIELD(hi, 39, 32));
	if (a->f.has_sid && (hi & 0xffff) != a->f.sid)
		return fail(msg, cap, "expected FRCD%" PRIu64 " SID 0x%04x, got 0x%04x", a->index, a->f.sid,
		            (unsigned)(hi & 0xffff));
	if (a->f.has_type && ((hi & VTD_FRCD_T) == 0) != a->f.type_write)
		return fail(msg, cap, "expected FRCD%" PRIu64 " T = %d, got %d", a->index, !a->f.type_write,
		            (hi & VTD_FRCD_T) != 0);
	if (a->f.has_addr && (lo & MASK(63, 12)) != (a->f.addr & MASK(63, 12)))
		return fail(msg, cap, "expected FRCD%" PRIu64 " FI 0x%" PRIx64 ", got 0x%" PRIx64, a->index,
		            (uint64_t)(a->f.addr & MASK(63, 12)), (uint64_t)(lo & MASK(63, 12)));
	return 0;
}

/* fsts: {"ppf": bool, "pfo": bool, "fri": n} */
struct x_fsts {
	int has_ppf, ppf, has_pfo, pfo, has_fri;
	uint64_t fri;
};

static int xp_fsts(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	struct x_fsts *a = args;
	if (jr_expect_object(pc->jr, val, path))
		return -1;
	static const char *const keys[] = {"ppf", "pfo", "fri", NULL};
	int rc = jr_check_keys(pc->jr, val, path, keys);
	char p[256];
	const cJSON *x;
	if ((x = jr_member(val, "ppf"))) {
		jr_path_key(p, sizeof p, path, "ppf");
		rc |= jr_bool(pc->jr, x, p, &a->ppf);
		a->has_ppf = 1;
	}
	if ((x = jr_member(val, "pfo"))) {
		jr_path_key(p, sizeof p, path, "pfo");
		rc |= jr_bool(pc->jr, x, p, &a->pfo);
		a->has_pfo = 1;
	}
	if ((x = jr_member(val, "fri"))) {
		jr_path_key(p, sizeof p, path, "fri");
		rc |= jr_u64(pc->jr, x, p, 255, &a->fri);
		a->has_fri = 1;
	}
	return rc ? -1 : 0;
}

static int xc_fsts(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                   size_t cap)
{
	const struct x_fsts *a = args;
	if (!m->iommu)
		return fail(msg, cap, "expected FSTS, but there is no IOMMU");
	uint64_t f = iommu_reg_read(m->iommu, VTD_FSTS, 4);
	if (a->has_ppf && ((f & VTD_FSTS_PPF) != 0) != a->ppf)
		return fail(msg, cap, "expected FSTS.PPF = %d, got FSTS = 0x%" PRIx64, a->ppf, f);
	if (a->has_pfo && ((f & VTD_FSTS_PFO) != 0) != a->pfo)
		return fail(msg, cap, "expected FSTS.PFO = %d, got FSTS = 0x%" PRIx64, a->pfo, f);
	if (a->has_fri && VTD_FSTS_FRI(f) != a->fri)
		return fail(msg, cap, "expected FSTS.FRI = %" PRIu64 ", got %" PRIu64, a->fri,
		            (uint64_t)VTD_FSTS_FRI(f));
	return 0;
}

/* domain: {"device": "nic0", "type": "DMA-FQ"} */
struct x_domain {
	int dev, type;
};

static int xp_domain(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	struct x_domain *a = args;
	if (jr_expect_object(pc->jr, val, path))
		return -1;
	static const char *const keys[] = {"device", "type", NULL};
	if (jr_check_keys(pc->jr, val, path, keys))
		return -1;
	char p[256];
	const cJSON *d = jr_require(pc->jr, val, path, "device"), *t = jr_require(pc->jr, val, path, "type");
	if (!d || !t)
		return -1;
	const char *name;
	jr_path_key(p, sizeof p, path, "device");
	if (jr_str(pc->jr, d, p, &name))
		return -1;
	a->dev = -1;
	for (int i = 0; i < pc->md->ndevs; i++)
		if (!strcmp(pc->md->devs[i].name, name))
			a->dev = i;
	if (a->dev < 0) {
		jr_error(pc->jr, d, p, "no device named \"%.40s\"", name);
		return -1;
	}
	static const char *const types[] = {"none",   "blocked",   "identity", "DMA",
	                                    "DMA-FQ", "unmanaged", NULL};
	jr_path_key(p, sizeof p, path, "type");
	return jr_enum(pc->jr, t, p, types, &a->type);
}

static int xc_domain(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                     size_t cap)
{
	const struct x_domain *a = args;
	enum dom_type t = dma_dev_domain(m, a->dev);
	if ((int)t != a->type)
		return fail(msg, cap, "expected %s's domain to be %s, got %s (%s)", m->d->devs[a->dev].name,
		            dom_type_name((enum dom_type)a->type), dom_type_name(t),
		            boot_reason_text(m->dma->dev[a->dev].why, 0));
	return 0;
}

/* iotlb: "hit" | "miss" | "stale" | "none" — the IOMMU's IOTLB in this step */
static int xp_iotlb(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	static const char *const v[] = {"none", "hit", "miss", "stale", NULL};
	return jr_enum(pc->jr, val, path, v, args);
}

static int xc_iotlb(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                    size_t cap)
{
	int want = *(const int *)args;
	const struct dma_step_flags *s = dma_step(m);
	int got = s->stale_hits ? 3 : s->iotlb_hits && !s->iotlb_misses ? 1 : s->iotlb_misses ? 2 : 0;
	static const char *const n[] = {"no IOTLB lookup", "an IOTLB hit", "an IOTLB miss",
	                                "a stale IOTLB hit"};
	if (want == 1 && got == 3)
		return 0; /* a stale hit is a hit */
	if (got != want)
		return fail(msg, cap, "expected %s, got %s (%d hits, %d misses, %d stale)", n[want], n[got],
		            s->iotlb_hits, s->iotlb_misses, s->stale_hits);
	return 0;
}

/* translates: {"device", "iova", "hpa" | "fault"} — what the tables say now (no caches, no side effects) */
struct x_xl {
	int dev, has_hpa, has_fault, write;
	struct addr_arg iova, hpa;
	uint64_t fault;
};

static int xp_xl(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	struct x_xl *a = args;
	if (jr_expect_object(pc->jr, val, path))
		return -1;
	static const char *const keys[] = {"device", "iova", "hpa", "fault", "write", NULL};
	int rc = jr_check_keys(pc->jr, val, path, keys);
	char p[256];
	const cJSON *d = jr_require(pc->jr, val, path, "device"), *i = jr_require(pc->jr, val, path, "iova");
	if (!d || !i)
		return -1;
	const char *name;
	jr_path_key(p, sizeof p, path, "device");
	if (jr_str(pc->jr, d, p, &name))
		return -1;
	a->dev = -1;
	for (int k = 0; k < pc->md->ndevs; k++)
		if (!strcmp(pc->md->devs[k].name, name))
			a->dev = k;
	if (a->dev < 0) {
		jr_error(pc->jr, d, p, "no device named \"%.40s\"", name);
		return -1;
	}
	jr_path_key(p, sizeof p, path, "iova");
	rc |= parse_xval(pc, i, p, &a->iova);
	const cJSON *x;
	if ((x = jr_member(val, "hpa"))) {
		jr_path_key(p, sizeof p, path, "hpa");
		rc |= parse_xval(pc, x, p, &a->hpa);
		a->has_hpa = 1;
	}
	if ((x = jr_member(val, "fault"))) {
		jr_path_key(p, sizeof p, path, "fault");
		rc |= jr_u64(pc->jr, x, p, 0xff, &a->fault);
		a->has_fault = 1;
	}
	if ((x = jr_member(val, "write"))) {
		jr_path_key(p, sizeof p, path, "write");
		rc |= jr_bool(pc->jr, x, p, &a->write);
	}
	if (!rc && !a->has_hpa && !a->has_fault) {
		jr_error(pc->jr, val, path,
		         "give \"hpa\" (where it lands) or \"fault\" (the reason it is blocked)");
		rc = -1;
	}
	return rc ? -1 : 0;
}

static int xc_xl(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                 size_t cap)
{
	const struct x_xl *a = args;
	int ok;
	uint64_t iova = xval_get(m, &a->iova, &ok), hpa = 0;
	if (!ok)
		return fail(msg, cap, "the IOVA's name is not bound");
	int fr;
	if (m->dma->dev[a->dev].noiommu) {
		fr = 0;
		hpa = iova;
	} else {
		fr = iommu_peek(m, dma_dev_sid(m, a->dev), iova, a->write, &hpa);
	}
	if (a->has_fault) {
		if ((uint64_t)fr != a->fault)
			return fail(msg, cap,
			            "expected IOVA 0x%" PRIx64 " to fault with 0x%" PRIx64 ", got %s 0x%x",
			            iova, a->fault, fr ? "fault" : "no fault, reason", fr);
		return 0;
	}
	uint64_t want = xval_get(m, &a->hpa, &ok);
	if (fr)
		return fail(msg, cap,
		            "expected IOVA 0x%" PRIx64 " -> HPA 0x%" PRIx64
		            ", but it faults (reason 0x%x, %s)",
		            iova, want, fr, vtd_fault_reason_str(fr));
	if (hpa != want)
		return fail(msg, cap, "expected IOVA 0x%" PRIx64 " -> HPA 0x%" PRIx64 ", got HPA 0x%" PRIx64,
		            iova, want, hpa);
	return 0;
}

/* dma_step: {"breaches", "misuse", "bounces", "irqs", "stale_hits", "faults", "iotlb_hits", "iotlb_misses"}
 */
struct x_step {
	int has[8];
	uint64_t v[8];
};

static const char *const step_fields[] = {"breaches", "misuse",     "bounces",      "irqs", "stale_hits",
                                          "faults",   "iotlb_hits", "iotlb_misses", NULL};

static int xp_step(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	struct x_step *a = args;
	if (jr_expect_object(pc->jr, val, path) || jr_check_keys(pc->jr, val, path, step_fields))
		return -1;
	int rc = 0;
	for (int i = 0; step_fields[i]; i++) {
		const cJSON *x = jr_member(val, step_fields[i]);
		if (!x)
			continue;
		char p[256];
		jr_path_key(p, sizeof p, path, step_fields[i]);
		rc |= jr_u64(pc->jr, x, p, 1u << 30, &a->v[i]);
		a->has[i] = 1;
	}
	return rc ? -1 : 0;
}

static int xc_step(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                   size_t cap)
{
	const struct x_step *a = args;
	const struct dma_step_flags *s = dma_step(m);
	int got[8] = {s->breaches,   s->misuse, s->bounces,    s->irqs,
	              s->stale_hits, s->faults, s->iotlb_hits, s->iotlb_misses};
	for (int i = 0; i < 8; i++)
		if (a->has[i] && (uint64_t)got[i] != a->v[i])
			return fail(msg, cap, "expected %" PRIu64 " %s in this step, got %d", a->v[i],
			            step_fields[i], got[i]);
	return 0;
}

/* fq: {"device": d, "pending": n} — IOVAs waiting in the device domain's flush queue */
struct x_fq {
	int dev;
	uint64_t pending;
};

static int xp_fq(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	struct x_fq *a = args;
	if (jr_expect_object(pc->jr, val, path))
		return -1;
	static const char *const keys[] = {"device", "pending", NULL};
	if (jr_check_keys(pc->jr, val, path, keys))
		return -1;
	const cJSON *d = jr_require(pc->jr, val, path, "device"),
	            *n = jr_require(pc->jr, val, path, "pending");
	if (!d || !n)
		return -1;
	char p[256];
	const char *name;
	jr_path_key(p, sizeof p, path, "device");
	if (jr_str(pc->jr, d, p, &name))
		return -1;
	a->dev = -1;
	for (int k = 0; k < pc->md->ndevs; k++)
		if (!strcmp(pc->md->devs[k].name, name))
			a->dev = k;
	if (a->dev < 0) {
		jr_error(pc->jr, d, p, "no device named \"%.40s\"", name);
		return -1;
	}
	jr_path_key(p, sizeof p, path, "pending");
	return jr_u64(pc->jr, n, p, UINT64_MAX, &a->pending);
}

static int xc_fq(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                 size_t cap)
{
	const struct x_fq *a = args;
	int dom = m->dma->dev[a->dev].dom;
	uint64_t n = m->iommu && dom >= 0 ? m->iommu->doms[dom].nfq : 0;
	if (n != a->pending)
		return fail(msg, cap, "expected %" PRIu64 " IOVAs in %s's flush queue, got %" PRIu64,
		            a->pending, m->d->devs[a->dev].name, n);
	return 0;
}

static int xp_bool(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	return jr_bool(pc->jr, val, path, args);
}

static int xc_on(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                 size_t cap)
{
	int want = *(const int *)args, got = m->iommu != NULL;
	if (want != got)
		return fail(msg, cap, "expected DMA remapping %s, it is %s (%s)", want ? "on" : "off",
		            got ? "on" : "off", boot_reason_text(m->dma->boot.why, 0));
	return 0;
}

const struct expect_def dma_expects[] = {
    {"handle", sizeof(struct addr_arg), xp_handle, xc_handle},
    {"iova", sizeof(struct x_iova), xp_iova, xc_iova},
    {"dmar_fault", sizeof(struct x_dmar), xp_dmar, xc_dmar},
    {"fault_record", sizeof(struct x_frcd), xp_frcd, xc_frcd},
    {"fsts", sizeof(struct x_fsts), xp_fsts, xc_fsts},
    {"domain", sizeof(struct x_domain), xp_domain, xc_domain},
    {"iotlb", sizeof(int), xp_iotlb, xc_iotlb},
    {"translates", sizeof(struct x_xl), xp_xl, xc_xl},
    {"dma_step", sizeof(struct x_step), xp_step, xc_step},
    {"fq", sizeof(struct x_fq), xp_fq, xc_fq},
    {"iommu_on", sizeof(int), xp_bool, xc_on},
    {NULL, 0, NULL, NULL},
};
