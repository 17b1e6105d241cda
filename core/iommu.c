/*
 * iommu.c — Intel VT-d remapping hardware (legacy mode) and the
 * intel-iommu driver code that builds its tables. See iommu.h for the
 * formats; facts 1.3 for the ground truth.
 *
 * Hardware side: the register file is 4 KiB of little-endian bytes; the
 * root, context and second-level tables are real bytes in simulated host
 * memory, read entry by entry (one walk.ref event each). The IOTLB (64
 * entries, fully associative, round-robin) is tagged by DID and caches
 * final translations per page size; the context cache (16 entries) caches
 * present context entries by source-id. Hits read nothing.
 *
 * Kernel side: iommu_kernel_enable builds the root table and turns
 * translation on the way intel_iommu_init does (SRTP, global context and
 * IOTLB invalidation, TE); domains get DIDs from 2 up (0 reserved for
 * caching mode, 1 for the identity domain, as FLPT_DEFAULT_DID);
 * iommu_map writes second-level entries with pt_map(PT_VTD).
 *
 * Queued invalidation: every invalidation is written as a 16-byte
 * descriptor (type 2 IOTLB, type 1 context) followed by a wait descriptor
 * (type 5) into the invalidation queue page, IQT advances, the hardware
 * consumes them (IQH = IQT). linux: drivers/iommu/intel/dmar.c qi_submit_sync.
 *
 * Not modelled: see iommu.h.
 */
#include "iommu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dma.h"
#include "mem.h"
#include "paging.h"

static const char *const fault_str[VTD_FR_MAX] = {
    "Software",
    "Present bit in root entry is clear",
    "Present bit in context entry is clear",
    "Invalid context entry",
    "Access beyond MGAW",
    "PTE Write access is not set",
    "PTE Read access is not set",
    "Next page table ptr is invalid",
    "Root table address invalid",
    "Context table ptr is invalid",
    "non-zero reserved fields in RTP",
    "non-zero reserved fields in CTP",
    "non-zero reserved fields in PTE",
    "PCE for translation request specifies blocking",
};

const char *vtd_fault_reason_str(int reason)
{
	if (reason >= 0 && reason < VTD_FR_MAX)
		return fault_str[reason];
	return "Unknown";
}

static const char *const dom_names[DOM_TYPE_MAX] = {"none", "blocked", "identity",
                                                    "DMA",  "DMA-FQ",  "unmanaged"};

const char *dom_type_name(enum dom_type t)
{
	return (unsigned)t < DOM_TYPE_MAX ? dom_names[t] : "?";
}

int dom_type_parse(const char *s)
{
	for (int i = 0; i < DOM_TYPE_MAX; i++)
		if (!strcmp(s, dom_names[i]))
			return i;
	return -1;
}

/* ---- registers ---- */

static uint64_t reg64(const struct iommu *io, unsigned off)
{
	return le64_load(io->regs + off);
}

static void set64(struct iommu *io, unsigned off, uint64_t v)
{
	le64_store(io->regs + off, v);
}

static uint32_t reg32(const struct iommu *io, unsigned off)
{
	return le32_load(io->regs + off);
}

static void set32(struct iommu *io, unsigned off, uint32_t v)
{
	le32_store(io->regs + off, v);
}

struct iommu *iommu_create(struct machine *m, const struct boot_desc *b)
{
	struct iommu *io = calloc(1, sizeof *io);
	if (!io)
		return NULL;
	io->levels = b->agaw_levels ? b->agaw_levels : 4;
	io->nrec = b->nfr > 0 ? b->nfr : 8;
	if (io->nrec > 64)
		io->nrec = 64;
	int sllps = b->sllps >= 0 ? b->sllps & 3 : 3;
	uint64_t width = 12 + 9 * (uint64_t)io->levels;                       /* 39, 48, 57 */
	io->cap = 2ull                                                        /* ND: 256 domain ids */
	          | (b->cap_cm ? VTD_CAP_CM : 0) | (BIT(io->levels - 2) << 8) /* SAGAW */
	          | ((width - 1) << 16)                                       /* MGAW */
	          | ((uint64_t)(VTD_FRO_OFF / 16) << 24)                      /* FRO */
	          | ((uint64_t)sllps << 34) | VTD_CAP_PSI | ((uint64_t)(io->nrec - 1) << 40) /* NFR */
	          | (9ull << 48); /* MAMV: up to 2^9 pages */
	io->ecap =
	    VTD_ECAP_C | VTD_ECAP_QI | (b->ecap_pt ? VTD_ECAP_PT : 0) | ((uint64_t)(VTD_IRO_OFF / 16) << 8);
	set32(io, VTD_VER, 0x10);
	set64(io, VTD_CAP, io->cap);
	set64(io, VTD_ECAP, io->ecap);
	io->fault_deadline = UINT64_MAX;
	io->next_did = 2;
	for (int i = 0; i < IOMMU_MAX_DOMAINS; i++)
		io->doms[i].fq_deadline = UINT64_MAX;
	io->c_inv = counter_id(m, "iommu.invalidations");
	io->c_faults = counter_id(m, "iommu.faults");
	return io;
}

void iommu_destroy(struct iommu *io)
{
	if (!io)
		return;
	for (int i = 0; i < IOMMU_MAX_DOMAINS; i++) {
		free(io->doms[i].iovas);
		free(io->doms[i].fq);
	}
	free(io);
}

uint64_t iommu_reg_read(const struct iommu *io, unsigned off, unsigned len)
{
	if (off + len > VTD_REG_SIZE)
		return 0;
	return len == 8 ? reg64(io, off) : reg32(io, off);
}

void iommu_reg_write(struct machine *m, unsigned off, uint64_t v, unsigned len)
{
	struct iommu *io = m->iommu;
	if (!io || off + len > VTD_REG_SIZE)
		return;
	if (off == VTD_GCMD) {
		uint32_t sts = reg32(io, VTD_GSTS);
		if (v & VTD_GCMD_SRTP) {
			io->rta = reg64(io, VTD_RTADDR) & MASK(63, 12);
			sts |= VTD_GSTS_RTPS;
		}
		sts = (v & VTD_GCMD_TE) ? sts | VTD_GSTS_TES : sts & ~(uint32_t)VTD_GSTS_TES;
		sts = (v & VTD_GCMD_QIE) ? sts | VTD_GSTS_QIES : sts & ~(uint32_t)VTD_GSTS_QIES;
		set32(io, VTD_GCMD, (uint32_t)v & ~(uint32_t)VTD_GCMD_SRTP);
		set32(io, VTD_GSTS, sts);
		return;
	}
	if (off == VTD_FECTL) {
		/* IM is software's; IP is hardware's. Unmasking with IP set delivers the held interrupt. */
		uint32_t old = reg32(io, VTD_FECTL);
		uint32_t nv = ((uint32_t)v & (uint32_t)VTD_FECTL_IM) | (old & (uint32_t)VTD_FECTL_IP);
		if (!(nv & VTD_FECTL_IM) && (nv & VTD_FECTL_IP)) {
			nv &= ~(uint32_t)VTD_FECTL_IP;
			if (io->fault_deadline == UINT64_MAX)
				io->fault_deadline = m->now_ns + m->cost.irq_ns;
		}
		set32(io, VTD_FECTL, nv);
		return;
	}
	if (off == VTD_FSTS) {
		uint32_t f = reg32(io, VTD_FSTS);
		f &= ~((uint32_t)v & (uint32_t)VTD_FSTS_PFO); /* RW1C */
		set32(io, VTD_FSTS, f);
		return;
	}
	if (off >= VTD_FRO_OFF && off < VTD_FRO_OFF + 16u * (unsigned)io->nrec) {
		unsigned rec = (off - VTD_FRO_OFF) / 16, hi = VTD_FRO_OFF + rec * 16 + 8;
		if (off == hi && len == 8 && (v & VTD_FRCD_F))
			set64(io, hi, reg64(io, hi) & ~VTD_FRCD_F);
		else if (off == hi + 4 && (v & BIT(31)))
			set64(io, hi, reg64(io, hi) & ~VTD_FRCD_F);
		/* PPF is the OR of every record's F */
		uint32_t f = reg32(io, VTD_FSTS) & ~(uint32_t)VTD_FSTS_PPF;
		for (int i = 0; i < io->nrec; i++)
			if (reg64(io, VTD_FRO_OFF + 16u * (unsigned)i + 8) & VTD_FRCD_F)
				f |= VTD_FSTS_PPF;
		set32(io, VTD_FSTS, f);
		return;
	}
	if (len == 8)
		set64(io, off, v);
	else
		set32(io, off, (uint32_t)v);
}

/* ---- events ---- */

static void emit(struct machine *m, uint16_t kind, int actor, uint64_t in, uint64_t out, uint64_t entry,
                 uint64_t extra, uint16_t code, uint8_t flags, const char *str)
{
	struct ev e;
	memset(&e, 0, sizeof e);
	e.kind = kind;
	e.unit = UNIT_IOMMU;
	e.actor = (int16_t)actor;
	e.addr_in = in;
	e.addr_out = out;
	e.entry = entry;
	e.extra = extra;
	e.code = code;
	e.flags = flags;
	e.space_in = SPACE_IOVA;
	e.space_out = SPACE_HPA;
	if (str)
		e.str = trace_str(&m->trace, str);
	machine_emit(m, &e);
}

static void walk_ref(struct machine *m, int actor, enum walker w, int level, uint64_t iova, uint64_t ea,
                     uint64_t val, uint64_t hi, int write)
{
	struct ev e;
	memset(&e, 0, sizeof e);
	e.kind = EV_WALK_REF;
	e.unit = UNIT_IOMMU;
	e.walker = (uint8_t)w;
	e.level = (int8_t)level;
	e.actor = (int16_t)actor;
	e.addr_in = iova;
	e.addr_out = ea;
	e.entry = val;
	e.extra = hi;
	e.space_in = SPACE_IOVA;
	e.space_out = SPACE_HPA;
	e.flags = write ? EVF_WRITE : 0;
	machine_emit(m, &e);
	machine_advance(m, m->cost.mem_ref_ns + m->cost.walk_step_ns);
}

/* ---- fault recording ---- */

static void record_fault(struct machine *m, int actor, uint16_t sid, uint64_t iova, int write, int reason,
                         int fpd, struct fault_info *f)
{
	struct iommu *io = m->iommu;
	f->valid = 1;
	f->unit = FU_IOMMU;
	f->addr = iova;
	f->reason = reason;
	f->recorded = 0;
	counter_add_id(m, io->c_faults, 1);
	char line[200];
	if (fpd) {
		snprintf(line, sizeof line,
		         "fault %Xh at 0x%llx blocked; FPD = 1 in the context entry: no record, no interrupt",
		         reason, (unsigned long long)iova);
		emit(m, EV_FAULT, actor, iova, 0, 0, 0, (uint16_t)reason,
		     EVF_BLOCKED | (write ? EVF_WRITE : 0), line);
		return;
	}
	uint32_t fsts = reg32(io, VTD_FSTS);
	unsigned off = VTD_FRO_OFF + 16u * (unsigned)io->next_frcd;
	if ((fsts & VTD_FSTS_PFO) || (reg64(io, off + 8) & VTD_FRCD_F)) {
		/* every record is valid (or an overflow is already pending): lost */
		set32(io, VTD_FSTS, fsts | VTD_FSTS_PFO);
		io->faults_lost++;
		snprintf(
		    line, sizeof line,
		    "fault %Xh at 0x%llx blocked; recording register %d still valid: PFO set, fault lost",
		    reason, (unsigned long long)iova, io->next_frcd);
		emit(m, EV_FAULT, actor, iova, 0, VTD_FSTS_PFO, (uint64_t)io->next_frcd, (uint16_t)reason,
		     EVF_BLOCKED | (write ? EVF_WRITE : 0), line);
		return;
	}
	uint64_t lo = iova & MASK(63, 12);
	uint64_t hi = (uint64_t)sid | ((uint64_t)reason << 32) | (write ? 0 : VTD_FRCD_T) | VTD_FRCD_F;
	set64(io, off, lo);
	set64(io, off + 8, hi);
	f->recorded = 1;
	int idx = io->next_frcd;
	if (!(fsts & VTD_FSTS_PPF)) {
		fsts = (fsts & ~(uint32_t)MASK(15, 8)) | ((uint32_t)idx << 8) | VTD_FSTS_PPF;
		/* the fault event: an MSI to FEADDR unless masked; Linux's handler runs after it */
		if (reg32(io, VTD_FECTL) & VTD_FECTL_IM)
			set32(io, VTD_FECTL, reg32(io, VTD_FECTL) | VTD_FECTL_IP); /* held until unmasked */
		else if (io->fault_deadline == UINT64_MAX)
			io->fault_deadline = m->now_ns + m->cost.irq_ns;
	}
	set32(io, VTD_FSTS, fsts);
	io->next_frcd = (io->next_frcd + 1) % io->nrec;
	snprintf(line, sizeof line, "fault %Xh recorded in register %d (FRCD at 0x%x): SID %02x:%02x.%d, %s",
	         reason, idx, off, sid >> 8, (sid >> 3) & 31, sid & 7, write ? "write" : "read");
	emit(m, EV_FAULT, actor, iova, 0, hi, lo, (uint16_t)reason, write ? EVF_WRITE : 0, line);
}

void iommu_service_faults(struct machine *m)
{
	struct iommu *io = m->iommu;
	if (!io)
		return;
	io->fault_deadline = UINT64_MAX;
	uint32_t fsts = reg32(io, VTD_FSTS);
	if (!(fsts & (VTD_FSTS_PPF | VTD_FSTS_PFO)))
		return;
	char head[80];
	snprintf(head, sizeof head, "DMAR: DRHD: handling fault status reg %x", fsts);
	machine_log(m, UNIT_KERNEL, head);
	int idx = (int)VTD_FSTS_FRI(fsts);
	for (int n = 0; n < io->nrec; n++) {
		unsigned off = VTD_FRO_OFF + 16u * (unsigned)idx;
		uint64_t hi = reg64(io, off + 8);
		if (!(hi & VTD_FRCD_F))
			break;
		uint64_t lo = reg64(io, off);
		unsigned sid = (unsigned)(hi & 0xffff), reason = (unsigned)FIELD(hi, 39, 32);
		char line[240];
		snprintf(line, sizeof line,
		         "DMAR: [%s NO_PASID] Request device [%02x:%02x.%d] fault addr 0x%llx [fault reason "
		         "0x%02x] %s",
		         (hi & VTD_FRCD_T) ? "DMA Read" : "DMA Write", sid >> 8, (sid >> 3) & 31, sid & 7,
		         (unsigned long long)(lo & MASK(63, 12)), reason, vtd_fault_reason_str((int)reason));
		machine_log(m, UNIT_KERNEL, line);
		iommu_reg_write(m, off + 8, VTD_FRCD_F, 8); /* clear F (write 1) */
		idx = (idx + 1) % io->nrec;
	}
	/* dmar_fault ends by clearing PFO (and PPF, which follows the records) */
	iommu_reg_write(m, VTD_FSTS, VTD_FSTS_PFO | VTD_FSTS_PPF, 4);
	set32(io, VTD_FECTL, reg32(io, VTD_FECTL) & ~(uint32_t)VTD_FECTL_IP);
	machine_advance(m, m->cost.irq_ns);
}

/* ---- caches ---- */

static struct ctx_cache_entry *cc_find(struct iommu *io, uint16_t sid)
{
	for (int i = 0; i < CTX_CACHE_ENTRIES; i++)
		if (io->cc[i].valid && io->cc[i].sid == sid)
			return &io->cc[i];
	return NULL;
}

static void cc_insert(struct iommu *io, uint16_t sid, uint64_t lo, uint64_t hi)
{
	struct ctx_cache_entry *c = cc_find(io, sid);
	if (!c) {
		c = &io->cc[io->cc_next];
		io->cc_next = (io->cc_next + 1) % CTX_CACHE_ENTRIES;
	}
	c->valid = 1;
	c->sid = sid;
	c->lo = lo;
	c->hi = hi;
}

static struct iotlb_entry *iotlb_find(struct iommu *io, uint16_t did, uint64_t iova)
{
	for (int i = 0; i < IOTLB_ENTRIES; i++) {
		struct iotlb_entry *t = &io->iotlb[i];
		if (t->valid && t->did == did && (iova & ~(t->psize - 1)) == t->iova)
			return t;
	}
	return NULL;
}

static void iotlb_insert(struct iommu *io, const struct iotlb_entry *n)
{
	struct iotlb_entry *t = iotlb_find(io, n->did, n->iova);
	if (!t) {
		t = &io->iotlb[io->iotlb_next];
		io->iotlb_next = (io->iotlb_next + 1) % IOTLB_ENTRIES;
	}
	*t = *n;
	t->valid = 1;
}

/* ---- second-level tables: kernel-side peek (no trace) ---- */

static int sl_peek(const struct mem *mem, uint64_t pgd, int levels, uint64_t iova, uint64_t *hpa,
                   unsigned *perm, uint64_t *psize)
{
	uint64_t table = pgd;
	unsigned p = PERM_R | PERM_W;
	for (int lvl = levels; lvl >= 1; lvl--) {
		uint64_t e = mem_read64(mem, table + 8 * PX(lvl, iova));
		if (!(e & (VTD_SL_R | VTD_SL_W)))
			return -1;
		if (!(e & VTD_SL_R))
			p &= ~PERM_R;
		if (!(e & VTD_SL_W))
			p &= ~PERM_W;
		if (lvl == 1 || (lvl <= 3 && (e & VTD_SL_PS))) {
			uint64_t sz = LEVEL_SIZE(lvl);
			*hpa = (e & VTD_SL_ADDR & ~(sz - 1)) | (iova & (sz - 1));
			*perm = p;
			if (psize)
				*psize = sz;
			return 0;
		}
		table = e & VTD_SL_ADDR;
	}
	return -1;
}

/* ---- translation ---- */

/* Check a present context entry; returns a fault reason or 0. */
static int ctx_check(const struct iommu *io, uint64_t lo, uint64_t hi)
{
	if ((lo & MASK(11, 4)) || (hi & (BIT(7) | MASK(63, 24))))
		return VTD_FR_CTX_RSVD;
	unsigned tt = (unsigned)VTD_CTX_TT(lo);
	if (tt == VTD_TT_RESERVED)
		return VTD_FR_CTX_INV;
	if (tt == VTD_TT_PASS_THROUGH)
		return (io->ecap & VTD_ECAP_PT) ? 0 : VTD_FR_CTX_INV;
	unsigned aw = (unsigned)VTD_CTX_AW(hi);
	if (aw > 4 || !(VTD_CAP_SAGAW(io->cap) & BIT(aw)))
		return VTD_FR_CTX_INV;
	return 0;
}

int iommu_translate(struct machine *m, int actor, uint16_t sid, uint64_t iova, int write,
                    struct iommu_xlate *x)
{
	struct iommu *io = m->iommu;
	memset(x, 0, sizeof *x);
	if (!(reg32(io, VTD_GSTS) & VTD_GSTS_TES)) {
		x->hpa = iova;
		x->passthrough = 1;
		return 0;
	}
	uint64_t lo, hi;
	struct ctx_cache_entry *c = cc_find(io, sid);
	if (c) {
		lo = c->lo;
		hi = c->hi;
		x->ctx_hit = 1;
		emit(m, EV_CTX_CACHE_HIT, actor, iova, 0, lo, hi, sid, write ? EVF_WRITE : 0, NULL);
		machine_advance(m, m->cost.iotlb_hit_ns);
	} else {
		uint64_t rea = io->rta + 16u * (sid >> 8);
		uint64_t re = mem_read64(&m->mem, rea), rehi = mem_read64(&m->mem, rea + 8);
		walk_ref(m, actor, WALKER_IOMMU_ROOT, 0, iova, rea, re, rehi, write);
		x->refs++;
		int fr = 0;
		if (!(re & VTD_ROOT_P))
			fr = VTD_FR_ROOT_P;
		else if ((re & MASK(11, 1)) || rehi)
			fr = VTD_FR_ROOT_RSVD;
		if (fr) {
			record_fault(m, actor, sid, iova, write, fr, 0, &x->fault);
			return -1;
		}
		uint64_t cea = (re & VTD_ROOT_CTP) + 16u * (sid & 0xff);
		lo = mem_read64(&m->mem, cea);
		hi = mem_read64(&m->mem, cea + 8);
		walk_ref(m, actor, WALKER_IOMMU_CONTEXT, 0, iova, cea, lo, hi, write);
		x->refs++;
		if (!(lo & VTD_CTX_P)) {
			record_fault(m, actor, sid, iova, write, VTD_FR_CTX_P, 0, &x->fault);
			return -1;
		}
		fr = ctx_check(io, lo, hi);
		if (fr) {
			record_fault(m, actor, sid, iova, write, fr, (lo & VTD_CTX_FPD) != 0, &x->fault);
			return -1;
		}
		cc_insert(io, sid, lo, hi);
	}
	int fpd = (lo & VTD_CTX_FPD) != 0;
	unsigned tt = (unsigned)VTD_CTX_TT(lo);
	if (tt == VTD_TT_PASS_THROUGH) {
		uint64_t haw = VTD_CAP_MGAW(io->cap);
		if (haw < 64 && (iova >> haw)) {
			record_fault(m, actor, sid, iova, write, VTD_FR_ADDR_BEYOND_MGAW, fpd, &x->fault);
			return -1;
		}
		x->hpa = iova;
		x->passthrough = 1;
		return 0;
	}
	int levels = (int)VTD_CTX_AW(hi) + 2;
	uint64_t width = 12 + 9 * (uint64_t)levels;
	uint64_t mgaw = VTD_CAP_MGAW(io->cap);
	if (mgaw < width)
		width = mgaw;
	if (iova >> width) {
		record_fault(m, actor, sid, iova, write, VTD_FR_ADDR_BEYOND_MGAW, fpd, &x->fault);
		return -1;
	}
	uint16_t did = (uint16_t)VTD_CTX_DID(hi);
	uint64_t pgd = lo & VTD_CTX_SLPTPTR;
	struct iotlb_entry *t = iotlb_find(io, did, iova);
	if (t && t->np) {
		/* caching mode: a cached not-present entry faults without a walk */
		x->iotlb = 1;
		emit(m, EV_IOTLB_HIT, actor, iova, 0, 0, t->psize, did, (write ? EVF_WRITE : 0) | EVF_BLOCKED,
		     "cached not-present entry (CAP.CM = 1)");
		machine_advance(m, m->cost.iotlb_hit_ns);
		record_fault(m, actor, sid, iova, write, write ? VTD_FR_WRITE : VTD_FR_READ, fpd, &x->fault);
		return -1;
	}
	if (t && (write ? t->w : t->r)) {
		x->iotlb = 1;
		x->hpa = t->hpa | (iova & (t->psize - 1));
		uint64_t now_hpa;
		unsigned now_perm;
		x->stale = sl_peek(&m->mem, t->pgd, levels, iova, &now_hpa, &now_perm, NULL) ||
		           now_hpa != x->hpa || !(now_perm & (write ? PERM_W : PERM_R));
		emit(m, EV_IOTLB_HIT, actor, iova, x->hpa, 0, t->psize, did,
		     (write ? EVF_WRITE : 0) | (x->stale ? EVF_STALE : 0),
		     x->stale ? "stale: the tables no longer map this IOVA; the IOTLB was not invalidated yet"
		              : NULL);
		machine_advance(m, m->cost.iotlb_hit_ns);
		return 0;
	}
	x->iotlb = 2;
	emit(m, EV_IOTLB_MISS, actor, iova, 0, 0, 0, did, write ? EVF_WRITE : 0, NULL);
	uint64_t table = pgd;
	int ok_r = 1, ok_w = 1;
	int sllps = (int)VTD_CAP_SLLPS(io->cap);
	for (int lvl = levels; lvl >= 1; lvl--) {
		uint64_t ea = table + 8 * PX(lvl, iova);
		uint64_t e = mem_read64(&m->mem, ea);
		int leaf = lvl == 1 || (lvl <= 3 && (e & VTD_SL_PS));
		walk_ref(m, actor, WALKER_IOMMU, lvl, iova, ea, e, 0, write);
		x->refs++;
		ok_r &= (e & VTD_SL_R) != 0;
		ok_w &= (e & VTD_SL_W) != 0;
		if (write ? !ok_w : !ok_r) {
			if (io->cap & VTD_CAP_CM) {
				struct iotlb_entry n = {.iova = iova & PAGE_MASK,
				                        .psize = PAGE_SIZE,
				                        .did = did,
				                        .pgd = pgd,
				                        .np = 1};
				iotlb_insert(io, &n);
			}
			record_fault(m, actor, sid, iova, write, write ? VTD_FR_WRITE : VTD_FR_READ, fpd,
			             &x->fault);
			return -1;
		}
		int rsvd = (e & MASK(6, 3)) != 0;
		if (e & VTD_SL_PS) {
			if (lvl == 1)
				rsvd = 0; /* bit 7 is ignored in a 4 KiB leaf */
			else if (lvl > 3 || (lvl == 2 && !(sllps & 1)) || (lvl == 3 && !(sllps & 2)))
				rsvd = 1;
			else if (e & MASK(12 + 9 * (lvl - 1) - 1, 12))
				rsvd = 1;
		}
		if (rsvd) {
			record_fault(m, actor, sid, iova, write, VTD_FR_PAGING_RSVD, fpd, &x->fault);
			return -1;
		}
		if (leaf) {
			uint64_t sz = LEVEL_SIZE(lvl);
			struct iotlb_entry n = {.iova = iova & ~(sz - 1),
			                        .hpa = e & VTD_SL_ADDR & ~(sz - 1),
			                        .psize = sz,
			                        .pgd = pgd,
			                        .did = did,
			                        .r = (uint8_t)ok_r,
			                        .w = (uint8_t)ok_w};
			iotlb_insert(io, &n);
			x->hpa = n.hpa | (iova & (sz - 1));
			return 0;
		}
		table = e & VTD_SL_ADDR;
	}
	return -1;
}

int iommu_peek(const struct machine *m, uint16_t sid, uint64_t iova, int write, uint64_t *hpa)
{
	const struct iommu *io = m->iommu;
	if (!io || !(reg32(io, VTD_GSTS) & VTD_GSTS_TES)) {
		*hpa = iova;
		return 0;
	}
	uint64_t re = mem_read64(&m->mem, io->rta + 16u * (sid >> 8));
	if (!(re & VTD_ROOT_P))
		return VTD_FR_ROOT_P;
	uint64_t cea = (re & VTD_ROOT_CTP) + 16u * (sid & 0xff);
	uint64_t lo = mem_read64(&m->mem, cea), hi = mem_read64(&m->mem, cea + 8);
	if (!(lo & VTD_CTX_P))
		return VTD_FR_CTX_P;
	int fr = ctx_check(io, lo, hi);
	if (fr)
		return fr;
	if (VTD_CTX_TT(lo) == VTD_TT_PASS_THROUGH) {
		*hpa = iova;
		return 0;
	}
	int levels = (int)VTD_CTX_AW(hi) + 2;
	if (iova >> (12 + 9 * levels))
		return VTD_FR_ADDR_BEYOND_MGAW;
	unsigned perm;
	if (sl_peek(&m->mem, lo & VTD_CTX_SLPTPTR, levels, iova, hpa, &perm, NULL) ||
	    !(perm & (write ? PERM_W : PERM_R)))
		return write ? VTD_FR_WRITE : VTD_FR_READ;
	return 0;
}

uint64_t iommu_context_addr(const struct machine *m, uint16_t sid)
{
	const struct iommu *io = m->iommu;
	if (!io || !io->root_table)
		return 0;
	uint64_t re = mem_read64(&m->mem, io->root_table + 16u * (sid >> 8));
	if (!(re & VTD_ROOT_P))
		return 0;
	return (re & VTD_ROOT_CTP) + 16u * (sid & 0xff);
}

/* ---- invalidation (queued) ---- */

static void qi_submit(struct machine *m, uint64_t d0, uint64_t d1)
{
	struct iommu *io = m->iommu;
	if (!io->iq_base)
		return;
	uint64_t tail = reg64(io, VTD_IQT) & MASK(18, 4);
	mem_write64(&m->mem, io->iq_base + tail, d0);
	mem_write64(&m->mem, io->iq_base + tail + 8, d1);
	tail = (tail + 16) % PAGE_SIZE;
	/* invalidation wait descriptor (type 5, SW = 1): fences the one before */
	mem_write64(&m->mem, io->iq_base + tail, 5 | BIT(5));
	mem_write64(&m->mem, io->iq_base + tail + 8, 0);
	tail = (tail + 16) % PAGE_SIZE;
	set64(io, VTD_IQT, tail);
	set64(io, VTD_IQH, tail); /* the hardware consumed both */
}

void iommu_inv_iotlb(struct machine *m, enum vtd_inv gran, uint16_t did, uint64_t addr, int am)
{
	struct iommu *io = m->iommu;
	if (!io)
		return;
	if (gran == VTD_INV_PAGE && (!(io->cap & VTD_CAP_PSI) || am > (int)VTD_CAP_MAMV(io->cap)))
		gran = VTD_INV_DOMAIN; /* as iommu_flush_iotlb_psi falls back */
	uint64_t lo_a = 0, hi_a = 0;
	if (gran == VTD_INV_PAGE) {
		uint64_t span = PAGE_SIZE << am;
		lo_a = addr & ~(span - 1);
		hi_a = lo_a + span - 1;
	}
	int dropped = 0;
	for (int i = 0; i < IOTLB_ENTRIES; i++) {
		struct iotlb_entry *t = &io->iotlb[i];
		if (!t->valid)
			continue;
		if (gran != VTD_INV_GLOBAL && t->did != did)
			continue;
		if (gran == VTD_INV_PAGE && (t->iova > hi_a || t->iova + t->psize - 1 < lo_a))
			continue;
		t->valid = 0;
		dropped++;
	}
	/* QI IOTLB descriptor: type 2, granularity 5:4, DR/DW, DID 31:16; addr | IH | AM */
	qi_submit(m, 2 | ((uint64_t)gran << 4) | BIT(6) | BIT(7) | ((uint64_t)did << 16),
	          gran == VTD_INV_PAGE ? (lo_a | (uint64_t)am) : 0);
	static const char *const gname[] = {"", "global", "domain-selective", "page-selective"};
	char line[160];
	if (gran == VTD_INV_PAGE)
		snprintf(line, sizeof line,
		         "IOTLB %s invalidation DID %u addr 0x%llx AM %d (%d entries dropped)", gname[gran],
		         did, (unsigned long long)lo_a, am, dropped);
	else if (gran == VTD_INV_DOMAIN)
		snprintf(line, sizeof line, "IOTLB domain-selective invalidation DID %u (%d entries dropped)",
		         did, dropped);
	else
		snprintf(line, sizeof line, "IOTLB global invalidation (%d entries dropped)", dropped);
	emit(m, EV_IOTLB_INV, 0, lo_a, did, (uint64_t)dropped, (uint64_t)am, (uint16_t)gran, 0, line);
	counter_add_id(m, io->c_inv, 1);
	machine_advance(m, m->cost.inv_ns);
}

void iommu_inv_context(struct machine *m, int global, uint16_t sid)
{
	struct iommu *io = m->iommu;
	if (!io)
		return;
	for (int i = 0; i < CTX_CACHE_ENTRIES; i++)
		if (global || io->cc[i].sid == sid)
			io->cc[i].valid = 0;
	/* QI context-cache descriptor: type 1, granularity 5:4 (1 global, 3 device), SID 47:32 */
	qi_submit(m, 1 | ((uint64_t)(global ? 1 : 3) << 4) | ((uint64_t)sid << 32), 0);
	char line[120];
	if (global)
		snprintf(line, sizeof line, "context-cache global invalidation");
	else
		snprintf(line, sizeof line, "context-cache device invalidation %02x:%02x.%d", sid >> 8,
		         (sid >> 3) & 31, sid & 7);
	emit(m, EV_IOTLB_INV, 0, 0, 0, 0, 0, VTD_INV_CONTEXT, 0, line);
	counter_add_id(m, io->c_inv, 1);
	machine_advance(m, m->cost.inv_ns);
}

/* ---- kernel side ---- */

static uint64_t ktable(struct machine *m, const char *label)
{
	uint64_t a = mem_alloc(&m->mem, 0, PAGE_SIZE, PAGE_SIZE, label);
	return a;
}

static uint64_t sl_tbl_to_hpa(void *ctx, uint64_t a)
{
	(void)ctx;
	return a;
}

static uint64_t sl_alloc(void *ctx)
{
	struct machine *m = ctx;
	uint64_t a = ktable(m, "vt-d second-level table");
	if (a != MEM_NO_ADDR)
		machine_advance(m, m->cost.pte_write_ns);
	return a;
}

int iommu_kernel_enable(struct machine *m)
{
	struct iommu *io = m->iommu;
	io->root_table = ktable(m, "vt-d root table");
	io->iq_base = ktable(m, "vt-d invalidation queue");
	if (io->root_table == MEM_NO_ADDR || io->iq_base == MEM_NO_ADDR)
		return -1;
	/* queued invalidation first (Linux: dmar_enable_qi) */
	set64(io, VTD_IQA, io->iq_base);
	iommu_reg_write(m, VTD_GCMD, reg32(io, VTD_GCMD) | VTD_GCMD_QIE, 4);
	set64(io, VTD_RTADDR, io->root_table);
	iommu_reg_write(m, VTD_GCMD, reg32(io, VTD_GCMD) | VTD_GCMD_SRTP, 4);
	iommu_inv_context(m, 1, 0);
	iommu_inv_iotlb(m, VTD_INV_GLOBAL, 0, 0, 0);
	iommu_reg_write(m, VTD_GCMD, reg32(io, VTD_GCMD) | VTD_GCMD_TE, 4);
	return 0;
}

int iommu_domain_alloc(struct machine *m, enum dom_type t, int vm)
{
	struct iommu *io = m->iommu;
	if (t == DOM_IDENTITY) {
		for (int i = 0; i < IOMMU_MAX_DOMAINS; i++)
			if (io->doms[i].used && io->doms[i].type == DOM_IDENTITY)
				return i; /* one static identity domain */
	}
	for (int i = 0; i < IOMMU_MAX_DOMAINS; i++) {
		struct iommu_domain *d = &io->doms[i];
		if (d->used)
			continue;
		memset(d, 0, sizeof *d);
		d->used = 1;
		d->type = t;
		d->vm = vm;
		d->levels = io->levels;
		d->fq_deadline = UINT64_MAX;
		if (t == DOM_IDENTITY) {
			d->did = DID_IDENTITY;
			return i;
		}
		if (io->next_did >= 256)
			return -1;
		d->did = io->next_did++;
		d->pgd = ktable(m, "vt-d second-level table (top)");
		if (d->pgd == MEM_NO_ADDR)
			return -1;
		/* dma-iommu reserves the interrupt window (IOMMU_RESV_MSI) */
		iova_reserve(d, MSI_WINDOW_LO >> PAGE_SHIFT, MSI_WINDOW_HI >> PAGE_SHIFT);
		return i;
	}
	return -1;
}

int iommu_attach(struct machine *m, int di, uint16_t sid)
{
	struct iommu *io = m->iommu;
	struct iommu_domain *d = &io->doms[di];
	uint64_t rea = io->root_table + 16u * (sid >> 8);
	uint64_t re = mem_read64(&m->mem, rea);
	if (!(re & VTD_ROOT_P)) {
		uint64_t ct = ktable(m, "vt-d context table");
		if (ct == MEM_NO_ADDR)
			return -1;
		re = ct | VTD_ROOT_P;
		mem_write64(&m->mem, rea, re);
		mem_write64(&m->mem, rea + 8, 0);
		machine_advance(m, m->cost.pte_write_ns);
	}
	uint64_t cea = (re & VTD_ROOT_CTP) + 16u * (sid & 0xff);
	uint64_t old = mem_read64(&m->mem, cea), oldhi = mem_read64(&m->mem, cea + 8);
	uint64_t lo, hi;
	if (d->type == DOM_IDENTITY) {
		/* context_setup_pass_through: TT = 10, AW = msagaw, FPD = 0, P = 1 */
		lo = ((uint64_t)VTD_TT_PASS_THROUGH << 2) | VTD_CTX_P;
		hi = (uint64_t)(io->levels - 2) | ((uint64_t)d->did << 8);
	} else {
		lo = (d->pgd & VTD_CTX_SLPTPTR) | ((uint64_t)VTD_TT_MULTI_LEVEL << 2) | VTD_CTX_P;
		hi = (uint64_t)(d->levels - 2) | ((uint64_t)d->did << 8);
	}
	if (old & VTD_CTX_P) {
		/* replacing a live entry: clear it, flush, then write the new one */
		mem_write64(&m->mem, cea, 0);
		iommu_inv_context(m, 0, sid);
		iommu_inv_iotlb(m, VTD_INV_DOMAIN, (uint16_t)VTD_CTX_DID(oldhi), 0, 0);
	}
	mem_write64(&m->mem, cea + 8, hi);
	mem_write64(&m->mem, cea, lo);
	machine_advance(m, 2 * m->cost.pte_write_ns);
	if (io->cap & VTD_CAP_CM)
		iommu_inv_context(m, 0, sid); /* caching mode: not-present -> present needs a flush too */
	d->ndev++;
	return 0;
}

int iommu_map(struct machine *m, int di, uint64_t iova, uint64_t hpa, uint64_t size, unsigned perm)
{
	struct iommu *io = m->iommu;
	struct iommu_domain *d = &io->doms[di];
	struct pt_ctx p = {.fmt = PT_VTD,
	                   .mem = &m->mem,
	                   .tbl_to_hpa = sl_tbl_to_hpa,
	                   .alloc_table = sl_alloc,
	                   .ctx = m,
	                   .levels = d->levels};
	int sllps = (int)VTD_CAP_SLLPS(io->cap);
	uint64_t off = 0;
	while (off < size) {
		uint64_t v = iova + off, pa = hpa + off, left = size - off, ps = PAGE_SIZE;
		if ((sllps & 2) && !((v | pa) & (GiB - 1)) && left >= GiB)
			ps = GiB;
		else if ((sllps & 1) && !((v | pa) & (2 * MiB - 1)) && left >= 2 * MiB)
			ps = 2 * MiB;
		uint64_t n = ps == PAGE_SIZE ? 1 : left / ps;
		if (ps == PAGE_SIZE) {
			/* run of 4 KiB pages up to the next large-page boundary */
			uint64_t nb = ((v + 2 * MiB) & ~(2 * MiB - 1)) - v;
			n = (nb < left ? nb : left) / PAGE_SIZE;
			if (!n)
				n = 1;
		}
		int rc = pt_map(&p, d->pgd, v, pa, n * ps, ps, perm & (PERM_R | PERM_W));
		if (rc)
			return rc;
		machine_advance(m, n * m->cost.pte_write_ns);
		off += n * ps;
	}
	/* map needs no flush unless caching mode (Linux: iommu_flush_iotlb_psi on map when CM = 1) */
	if (io->cap & VTD_CAP_CM)
		iommu_flush_range(m, di, iova, size);
	return 0;
}

uint64_t iommu_unmap(struct machine *m, int di, uint64_t iova, uint64_t size)
{
	struct iommu_domain *d = &m->iommu->doms[di];
	uint64_t done = 0;
	while (done < size) {
		uint64_t v = iova + done, table = d->pgd, step = PAGE_SIZE;
		for (int lvl = d->levels; lvl >= 1; lvl--) {
			uint64_t ea = table + 8 * PX(lvl, v);
			uint64_t e = mem_read64(&m->mem, ea);
			if (!(e & (VTD_SL_R | VTD_SL_W)))
				break;
			if (lvl == 1 || (lvl <= 3 && (e & VTD_SL_PS))) {
				step = LEVEL_SIZE(lvl);
				mem_write64(&m->mem, ea, 0);
				machine_advance(m, m->cost.pte_write_ns);
				break;
			}
			table = e & VTD_SL_ADDR;
		}
		done += step - (v & (step - 1));
	}
	return done;
}

void iommu_flush_range(struct machine *m, int di, uint64_t iova, uint64_t size)
{
	struct iommu_domain *d = &m->iommu->doms[di];
	uint64_t first = iova >> PAGE_SHIFT, last = (iova + size - 1) >> PAGE_SHIFT;
	int am = 0;
	/* smallest aligned 2^am-page block that covers [first, last] */
	while (am < 52 && (first >> am) != (last >> am))
		am++;
	iommu_inv_iotlb(m, VTD_INV_PAGE, d->did, iova, am);
}

int iommu_iova_to_phys(const struct machine *m, int di, uint64_t iova, uint64_t *hpa, unsigned *perm)
{
	const struct iommu_domain *d = &m->iommu->doms[di];
	unsigned p;
	if (d->type == DOM_IDENTITY) {
		*hpa = iova;
		if (perm)
			*perm = PERM_R | PERM_W;
		return 0;
	}
	if (sl_peek(&m->mem, d->pgd, d->levels, iova, hpa, &p, NULL))
		return -1;
	if (perm)
		*perm = p;
	return 0;
}

/* ---- IOVA allocator ---- */

static int iova_insert(struct iommu_domain *d, uint64_t lo, uint64_t hi)
{
	if (d->niovas == d->capiovas) {
		int nc = d->capiovas ? d->capiovas * 2 : 16;
		struct iova_range *n = realloc(d->iovas, (size_t)nc * sizeof *n);
		if (!n)
			return -1;
		d->iovas = n;
		d->capiovas = nc;
	}
	int i = 0;
	while (i < d->niovas && d->iovas[i].lo < lo)
		i++;
	memmove(&d->iovas[i + 1], &d->iovas[i], (size_t)(d->niovas - i) * sizeof *d->iovas);
	d->iovas[i].lo = lo;
	d->iovas[i].hi = hi;
	d->niovas++;
	return 0;
}

int iova_reserve(struct iommu_domain *d, uint64_t lo_pfn, uint64_t hi_pfn)
{
	return iova_insert(d, lo_pfn, hi_pfn);
}

/* alloc_iova(size_aligned = true): the highest free, size-aligned block at
 * or below limit_pfn; PFN 0 is never handed out (start_pfn = 1). */
uint64_t iova_alloc(struct iommu_domain *d, uint64_t npages, uint64_t limit_pfn)
{
	uint64_t align = 1;
	while (align < npages)
		align <<= 1;
	uint64_t ceil = limit_pfn; /* highest usable pfn of the gap being tried */
	for (int i = d->niovas - 1; i >= -1; i--) {
		if (i >= 0 && d->iovas[i].lo > ceil)
			continue; /* entirely above the limit */
		uint64_t floor = i >= 0 ? d->iovas[i].hi + 1 : 1;
		if (floor <= ceil && ceil - floor + 1 >= npages) {
			uint64_t start = (ceil + 1 - npages) & ~(align - 1);
			if (start >= floor) {
				if (iova_insert(d, start, start + npages - 1))
					return 0;
				return start;
			}
		}
		if (i < 0 || d->iovas[i].lo == 0)
			break;
		ceil = d->iovas[i].lo - 1;
	}
	return 0;
}

void iova_free(struct iommu_domain *d, uint64_t pfn)
{
	for (int i = 0; i < d->niovas; i++)
		if (d->iovas[i].lo == pfn) {
			memmove(&d->iovas[i], &d->iovas[i + 1],
			        (size_t)(d->niovas - i - 1) * sizeof *d->iovas);
			d->niovas--;
			return;
		}
}

/* ---- timers ---- */

uint64_t iommu_next_deadline(const struct machine *m)
{
	const struct iommu *io = m->iommu;
	if (!io)
		return UINT64_MAX;
	uint64_t t = io->fault_deadline;
	for (int i = 0; i < IOMMU_MAX_DOMAINS; i++)
		if (io->doms[i].used && io->doms[i].fq_deadline < t)
			t = io->doms[i].fq_deadline;
	return t;
}

void iommu_fire(struct machine *m, uint64_t now)
{
	struct iommu *io = m->iommu;
	if (!io)
		return;
	if (io->fault_deadline <= now)
		iommu_service_faults(m);
	for (int i = 0; i < IOMMU_MAX_DOMAINS; i++)
		if (io->doms[i].used && io->doms[i].fq_deadline <= now)
			dma_fq_flush(m, i, 1);
}
