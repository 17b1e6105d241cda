/*
 * mmu.c — the CPU side: TLB, native and two-dimensional walks, A/D
 * updates, #PF / EPT violation / EPT misconfiguration, RAM vs MMIO.
 * See mmu.h for the walk order; xv6's walk() is the ancestor of walk_any().
 *
 * Speed (tests/bench/README.md): the walk is one function, walk_any(),
 * instantiated for the default machine (4-level paging, 4-level EPT with
 * A/D off, no trace) with constant levels so its loops unroll, and once
 * in general. Entry reads go through mem_frame_memo(): a per-level memo of
 * the simulator, *not* a paging-structure cache of the modelled CPU: every
 * entry is still read from simulated memory, counted and traced. A test
 * (test_engine: untraced_run_computes_what_the_traced_run_does) keeps the
 * instances equal.
 */
#include "mmu.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "bits.h"
#include "ept.h"
#include "paging.h"

#define MAXPHYADDR 52

static int vm_levels(const struct machine *m, int vm)
{
	return vm < 0 ? m->d->host_levels : m->vms[vm].d->levels;
}

static int16_t actor_of(const struct machine *m, int vm)
{
	return (int16_t)(vm < 0 ? 0 : m->vms[vm].entity);
}

/* Store an event straight into the trace (seq, step and time filled in
 * here): the walkers' hot path, with no event built on the stack and
 * copied. Counted only, when tracing is off. */
static inline void emit_fast(struct machine *m, struct ev e)
{
	struct ev *d = trace_next(&m->trace);
	if (!d)
		return;
	e.seq = (uint32_t)(m->trace.count - 1);
	e.step = m->step;
	e.t_ns = m->now_ns;
	*d = e;
}

/* One walk.ref event. Only while tracing: an untraced walk counts its
 * references in bulk, in refs_done(). */
static inline void emit_ref(struct machine *m, int vm, enum walker w, int level, uint64_t for_addr,
                            uint64_t ea, uint64_t e, uint8_t flags)
{
	m->now_ns += m->cost.mem_ref_ns;
	emit_fast(m, (struct ev){.kind = EV_WALK_REF,
	                         .unit = w == WALKER_EPT ? UNIT_EPT : UNIT_MMU,
	                         .walker = (uint8_t)w,
	                         .level = (int8_t)level,
	                         .flags = flags,
	                         .actor = actor_of(m, vm),
	                         .addr_in = for_addr,
	                         .addr_out = ea,
	                         .entry = e});
}

/* n entries were read: the step's count, and (untraced) the clock and the
 * event count that emit_ref() would have advanced one by one. */
static inline void refs_done(struct machine *m, struct step_result *r, int n, int traced)
{
	r->walk_refs += n;
	if (!traced) {
		m->now_ns += (uint64_t)n * m->cost.mem_ref_ns;
		m->trace.count += (uint64_t)n;
	}
}

/* A paging-structure entry at ea. *p is where it lives, for the A/D
 * update after the walk; NULL when its frame was never written (it reads
 * as zero): then A/D go through mem_write64. The pointer is re-read
 * before writing, so an entry that aliases another one updated meanwhile
 * is still handled like the hardware's locked OR.
 * ea is 8-aligned: roots come from mem_alloc (page-aligned) and every
 * table address is an entry's 4 KiB-aligned address field. */
static inline uint64_t entry_load(const struct machine *m, uint64_t ea, unsigned memo, uint8_t **p)
{
	assert((ea & 7) == 0);
	uint8_t *f = mem_memo_hit(&m->mem, ea, memo); /* the level's last tables (mem_frame_memo) */
	if (UNLIKELY(!f) && UNLIKELY(!(f = mem_frame_memo(&m->mem, ea, memo)))) {
		*p = NULL;
		return 0; /* never written: reads as zero */
	}
	*p = f + (ea & (PAGE_SIZE - 1));
	return le64_load(*p);
}

/* Set `bits` in the entry at ea / p if any is still clear. */
static inline void entry_set(struct machine *m, uint64_t ea, uint8_t *p, uint64_t bits)
{
	if (p) {
		uint64_t cur = le64_load(p);
		if ((cur | bits) != cur)
			le64_store(p, cur | bits);
		return;
	}
	uint64_t cur = mem_read64(&m->mem, ea);
	if ((cur | bits) != cur)
		mem_write64(&m->mem, ea, cur | bits);
}

static void emit_vmexit(struct machine *m, int vm, int reason, uint64_t gpa, uint64_t gla, uint64_t qual,
                        struct step_result *r)
{
	struct ev ev = {0};
	ev.kind = EV_VMEXIT;
	ev.unit = UNIT_EPT;
	ev.actor = actor_of(m, vm);
	ev.code = (uint16_t)reason;
	ev.addr_in = gpa;
	ev.addr_out = gla;
	ev.extra = qual;
	machine_emit(m, &ev);
	r->fault.valid = 1;
	r->fault.unit = FU_EPT;
	r->fault.exit_reason = reason;
	r->fault.qualification = qual;
	r->fault.addr = gpa;
	counter_add(m, "vmexits", 1);
}

/* The EPT walk, inlined into the 2-D walk (five per guest translation).
 * `elv` is the number of EPT levels when the caller knows it as a
 * constant (then the loop unrolls: constant shifts, leaf tests and
 * reserved-bit masks per level), or 0 to read it from the VM. */
#if defined(__GNUC__)
#define WALK_INLINE static inline __attribute__((always_inline))
#else
#define WALK_INLINE static inline
#endif

struct ept_ctx { /* what every EPT walk of one translation needs, read once */
	uint64_t root;
	int levels, ad;
};

/* elv: EPT levels if known as a constant (else 0); ead: EPT A/D likewise
 * (0 off, -1 = read it). */
static inline struct ept_ctx ept_ctx_of(const struct machine *m, int vm, const int elv, const int ead)
{
	const struct vm *v = &m->vms[vm];
	struct ept_ctx c;
	c.root = v->ept_root;
	c.levels = elv ? elv : v->d->ept_levels == 5 ? 5 : 4; /* the loader allows 4 or 5 */
	c.ad = ead < 0 ? v->d->ept_ad : ead;
	return c;
}

WALK_INLINE int ept_walk(struct machine *m, int vm, const struct ept_ctx c, uint64_t gpa, enum access acc,
                         int final, uint64_t gla, struct step_result *r, uint64_t *hpa, const int tmode,
                         int *refs)
{
	int levels = c.levels, ad = c.ad;
	/* with EPT A/D on, guest paging-structure accesses count as writes */
	int write = acc == ACC_WRITE || (!final && ad);
	uint64_t table = c.root, eaddr[5];
	uint8_t *eptr[5];
	int n = 0, lvl;
	uint64_t e = 0, all = ~0ull; /* AND of the entries: bits 2:0 = the effective XWR */
	uint8_t fl = final ? EVF_FINAL : 0;
	int traced = tmode < 0 ? m->trace.enabled : tmode;
#pragma GCC unroll 5
	for (lvl = levels; lvl >= 1; lvl--) {
		uint64_t ea = table + 8 * PX(lvl, gpa);
		uint8_t *p;
		e = entry_load(m, ea, (unsigned)lvl - 1, &p); /* memo slots 0-4: EPT levels */
		if (traced) {
			int lf = lvl == 1 || ((lvl == 2 || lvl == 3) && (e & EPT_PS) && (e & EPT_XWR));
			emit_ref(m, vm, WALKER_EPT, lvl, gpa, ea, e, (uint8_t)(fl | (lf ? EVF_LEAF : 0)));
		}
		if (ad) { /* kept for the A/D update */
			eaddr[n] = ea;
			eptr[n] = p;
		}
		n++;
		all &= e;
		if (UNLIKELY(!(e & EPT_XWR)))
			break; /* not present: XWR 000, so the effective XWR is 000 too */
		/* a leaf: level 1, or a present 2M/1G entry with PS */
		int leaf = lvl == 1 || ((lvl == 2 || lvl == 3) && (e & EPT_PS));
		if (UNLIKELY(ept_misconfigured(e, lvl, MAXPHYADDR))) {
			*refs += n;
			emit_vmexit(m, vm, EXIT_EPT_MISCONFIG, gpa, gla, 0, r);
			return -1;
		}
		if (leaf)
			break;
		table = e & EPT_ADDR;
	}
	*refs += n;
	int eff = (int)(all & EPT_XWR);
	int need = acc == ACC_FETCH ? EPT_X : write ? EPT_W : EPT_R;
	if (UNLIKELY(eff == 0 || !(eff & need))) {
		uint64_t q = 0;
		q |= acc == ACC_FETCH ? EPTQ_FETCH : write ? EPTQ_WRITE : EPTQ_READ;
		if (!final && ad && acc != ACC_WRITE)
			q = EPTQ_WRITE | EPTQ_READ; /* A/D assist: the paging access is a write */
		q |= (uint64_t)(eff & 7) << 3;
		q |= EPTQ_GLA;
		if (final)
			q |= EPTQ_FINAL;
		emit_vmexit(m, vm, EXIT_EPT_VIOLATION, gpa, gla, q, r);
		return -1;
	}
	uint64_t psize = LEVEL_SIZE(lvl);
	*hpa = (e & EPT_ADDR & ~(psize - 1)) | (gpa & (psize - 1));
	if (ad)
		for (int i = 0; i < n; i++)
			entry_set(m, eaddr[i], eptr[i], i == n - 1 && write ? EPT_A | EPT_D : EPT_A);
	return 0;
}

int ept_translate(struct machine *m, int vm, uint64_t gpa, enum access acc, int final, uint64_t gla,
                  struct step_result *r, uint64_t *hpa)
{
	int refs = 0, rc = ept_walk(m, vm, ept_ctx_of(m, vm, 0, -1), gpa, acc, final, gla, r, hpa, -1, &refs);
	refs_done(m, r, refs, m->trace.enabled);
	return rc;
}

/* The #PF error code's access bits: W/R (bit 1), U/S (bit 2), I/D (bit 4). */
static uint32_t pfec_of(enum access acc, int user)
{
	return (acc == ACC_WRITE ? PFEC_W : 0) | (user ? PFEC_U : 0) | (acc == ACC_FETCH ? PFEC_I : 0);
}

static void pf(struct machine *m, int vm, uint64_t va, uint32_t code, struct step_result *r)
{
	struct ev ev = {0};
	ev.kind = EV_FAULT;
	ev.unit = UNIT_MMU;
	ev.actor = actor_of(m, vm);
	ev.addr_in = va;
	ev.extra = code;
	ev.flags = (code & PFEC_W) ? EVF_WRITE : 0;
	machine_emit(m, &ev);
	r->fault.valid = 1;
	r->fault.unit = FU_MMU;
	r->fault.error_code = code;
	r->fault.addr = va;
	counter_add(m, "page_faults", 1);
}

/* A small MMU event: a TLB hit or miss, a finished translation. */
static inline void emit_mmu(struct machine *m, int vm, uint16_t kind, uint8_t unit, uint8_t sin, uint64_t in,
                            uint8_t sout, uint64_t out, uint32_t len)
{
	emit_fast(m, (struct ev){.kind = kind,
	                         .unit = unit,
	                         .space_in = sin,
	                         .space_out = sout,
	                         .actor = actor_of(m, vm),
	                         .len = len,
	                         .addr_in = in,
	                         .addr_out = out});
}

static void emit_translate(struct machine *m, int vm, enum space a, uint64_t in, enum space b, uint64_t out,
                           int refs)
{
	emit_mmu(m, vm, EV_TRANSLATE, a == SPACE_GPA ? UNIT_EPT : UNIT_MMU, (uint8_t)a, in, (uint8_t)b, out,
	         (uint32_t)refs);
}

/* The walk, instantiated below with `guest` a constant (the host's
 * version carries no EPT code, the guest's has its five EPT walks
 * inline) and, for the default machine (4-level paging, 4-level EPT),
 * constant level counts `glv` / `elv` so that every loop unrolls;
 * 0 = read them from the machine. `tmode`: 1 traced, 0 untraced (then
 * no event code is compiled in), -1 = ask the trace. */
WALK_INLINE int walk_any(struct machine *m, int vm, uint64_t va, enum access acc, int user,
                         struct step_result *r, uint64_t *hpa, int fresh, const int guest, const int glv,
                         const int elv, const int tmode)
{
	int levels = glv ? glv : vm_levels(m, vm) == 5 ? 5 : 4;
	int traced = tmode < 0 ? m->trace.enabled : tmode;
	uint64_t table = guest ? m->vms[vm].cr3 : m->host_cr3;
	uint64_t eaddr[5], eval[5];
	uint8_t *eptr[5];
	int n = 0, lvl;
	uint64_t all = ~0ull, any = 0; /* AND and OR of the entries: R/W, U/S need all, XD any */
	int refs = 0;                  /* entries read (EPT's too), counted into r once, at the end */
	struct ept_ctx ec = {0, 0, 0};
	if (guest)
		ec = ept_ctx_of(m, vm, elv, elv ? 0 : -1); /* the fast instance: EPT A/D off */
	uint64_t e = 0;
#pragma GCC unroll 5
	for (lvl = levels; lvl >= 1; lvl--) {
		uint64_t ta = table + 8 * PX(lvl, va), ea = ta;
		if (guest && ept_walk(m, vm, ec, ta, ACC_READ, 0, va, r, &ea, tmode, &refs))
			goto fail;
		e = entry_load(m, ea, 4 + (unsigned)lvl, &eptr[n]); /* slots 5-9: paging levels */
		int leaf = lvl == 1 || ((lvl == 2 || lvl == 3) && (e & PTE_PS));
		if (traced)
			emit_ref(m, vm, guest ? WALKER_GUEST : WALKER_HOST, lvl, va, ea, e,
			         leaf ? EVF_LEAF : 0);
		eaddr[n] = ea;
		eval[n++] = e;
		refs++;
		if (UNLIKELY(!(e & PTE_P))) {
			refs_done(m, r, refs, traced);
			pf(m, vm, va, pfec_of(acc, user), r);
			return -1;
		}
		/* reserved: PS in PML4E/PML5E; low address bits of a large leaf */
		if (UNLIKELY((lvl >= 4 && (e & PTE_PS)) || (leaf && lvl == 2 && (e & MASK(20, 13))) ||
		             (leaf && lvl == 3 && (e & MASK(29, 13))))) {
			refs_done(m, r, refs, traced);
			pf(m, vm, va, pfec_of(acc, user) | PFEC_P | PFEC_RSVD, r);
			return -1;
		}
		all &= e;
		any |= e;
		if (leaf)
			break;
		table = e & PTE_ADDR;
	}
	int rw = !!(all & PTE_RW), us = !!(all & PTE_US), nx = !!(any & PTE_NX);
	if (UNLIKELY((acc == ACC_WRITE && !rw) || (user && !us) || (acc == ACC_FETCH && nx))) {
		refs_done(m, r, refs, traced);
		pf(m, vm, va, pfec_of(acc, user) | PFEC_P, r);
		return -1;
	}
	uint64_t psize = LEVEL_SIZE(lvl);
	uint64_t frame_mask = PTE_ADDR & ~(psize - 1);
	uint64_t pa = (e & frame_mask) | (va & (psize - 1));
	uint64_t out = pa;
	if (guest) {
		emit_translate(m, vm, SPACE_GVA, va, SPACE_GPA, pa, refs);
		int before = refs;
		if (ept_walk(m, vm, ec, pa, acc, 1, va, r, &out, tmode, &refs))
			goto fail;
		emit_translate(m, vm, SPACE_GPA, pa, SPACE_HPA, out, refs - before);
		r->has_gpa = 1;
		r->gpa = pa;
	} else {
		emit_translate(m, vm, SPACE_VA, va, SPACE_HPA, out, refs);
	}
	refs_done(m, r, refs, traced);
	/* A on every entry used, D on the leaf for a write. Like the hardware,
	 * write an entry only when a bit is still clear. An entry that had its
	 * bits when the walk read it still has them (a walk only sets bits):
	 * the common case, all of them, is one test; else each entry lacking a
	 * bit is re-read, since a hostile layout may alias a guest entry with
	 * an entry updated since. */
	uint64_t dirty = acc == ACC_WRITE ? PTE_D : 0;
	if (UNLIKELY(!(all & PTE_A) || (eval[n - 1] & dirty) != dirty))
		for (int i = 0; i < n; i++) {
			uint64_t want = i == n - 1 ? PTE_A | dirty : PTE_A;
			if ((eval[i] & want) != want)
				entry_set(m, eaddr[i], eptr[i], want);
		}
	*hpa = out;
	/* a 2-D translation is cached at the smaller of the two page sizes */
	if (guest && m->vms[vm].d->ept_page < psize)
		psize = m->vms[vm].d->ept_page;
	struct tlb_entry *te =
	    tlb_claim(&m->tlb, (uint16_t)(vm + 1), (va & ~(psize - 1)) >> 12, psize, fresh);
	te->frame = out & ~(psize - 1);
	te->gpa_frame = pa & ~(psize - 1);
	te->writable = (uint8_t)rw;
	te->user = (uint8_t)us;
	te->nx = (uint8_t)nx;
	te->dirty = acc == ACC_WRITE;
	return 0;
fail: /* an EPT violation or misconfiguration (already reported) */
	refs_done(m, r, refs, traced);
	return -1;
}

/* The four instances. Each is its own function so that the hot one stays
 * small and the general ones (5-level tables, a trace to fill) do not
 * crowd it out of the instruction cache. */
#if defined(__GNUC__)
#define WALK_OUTLINE static __attribute__((noinline))
#else
#define WALK_OUTLINE static
#endif

WALK_OUTLINE int walk_host_fast(struct machine *m, uint64_t va, enum access acc, int user,
                                struct step_result *r, uint64_t *hpa, int fresh)
{
	return walk_any(m, -1, va, acc, user, r, hpa, fresh, 0, 4, 0, 0);
}

WALK_OUTLINE int walk_host_any(struct machine *m, uint64_t va, enum access acc, int user,
                               struct step_result *r, uint64_t *hpa, int fresh)
{
	return walk_any(m, -1, va, acc, user, r, hpa, fresh, 0, 0, 0, -1);
}

WALK_OUTLINE int walk_guest_fast(struct machine *m, int vm, uint64_t va, enum access acc, int user,
                                 struct step_result *r, uint64_t *hpa, int fresh)
{
	return walk_any(m, vm, va, acc, user, r, hpa, fresh, 1, 4, 4, 0);
}

WALK_OUTLINE int walk_guest_any(struct machine *m, int vm, uint64_t va, enum access acc, int user,
                                struct step_result *r, uint64_t *hpa, int fresh)
{
	return walk_any(m, vm, va, acc, user, r, hpa, fresh, 1, 0, 0, -1);
}

/* Walk, and on success cache the translation in the TLB. fresh: the TLB
 * lookup found no entry for va (see tlb_claim). */
static int walk(struct machine *m, int vm, uint64_t va, enum access acc, int user, struct step_result *r,
                uint64_t *hpa, int fresh)
{
	/* the fast instances: untraced, default 4-level tables (and 4-level EPT, A/D off) */
	int fast = !m->trace.enabled;
	if (vm < 0)
		return fast && m->d->host_levels == 4 ? walk_host_fast(m, va, acc, user, r, hpa, fresh)
		                                      : walk_host_any(m, va, acc, user, r, hpa, fresh);
	const struct vm_desc *d = m->vms[vm].d;
	return fast && d->levels == 4 && d->ept_levels == 4 && !d->ept_ad
	           ? walk_guest_fast(m, vm, va, acc, user, r, hpa, fresh)
	           : walk_guest_any(m, vm, va, acc, user, r, hpa, fresh);
}

int mmu_translate(struct machine *m, int vm, uint64_t va, enum access acc, int user, struct step_result *r,
                  uint64_t *hpa)
{
	uint16_t vpid = (uint16_t)(vm + 1);
	struct tlb_entry *t = tlb_lookup(&m->tlb, vpid, va);
	if (t && !(acc == ACC_WRITE && (!t->writable || !t->dirty)) && !(user && !t->user) &&
	    !(acc == ACC_FETCH && t->nx)) {
		uint64_t off = va & (t->psize - 1);
		*hpa = t->frame | off;
		m->now_ns += m->cost.tlb_hit_ns;
		if (!r->tlb)
			r->tlb = 1;
		if (vm >= 0) {
			r->has_gpa = 1;
			r->gpa = t->gpa_frame | off;
		}
		emit_mmu(m, vm, EV_TLB_HIT, UNIT_MMU, 0, va, 0, *hpa, 0);
		if (!m->tlb.cid_hits)
			m->tlb.cid_hits = counter_id(m, "tlb_hits") + 1;
		counter_add_id(m, m->tlb.cid_hits - 1, 1);
		return 0;
	}
	if (!r->tlb)
		r->tlb = 2;
	emit_mmu(m, vm, EV_TLB_MISS, UNIT_MMU, 0, va, 0, 0, 0);
	if (!m->tlb.cid_misses)
		m->tlb.cid_misses = counter_id(m, "tlb_misses") + 1;
	counter_add_id(m, m->tlb.cid_misses - 1, 1);
	return walk(m, vm, va, acc, user, r, hpa, t == NULL);
}

uint64_t cpu_mmio(struct machine *m, int vm, uint64_t hpa, int write, uint64_t val, unsigned len)
{
	const struct span *s = mem_span_at(&m->mem, hpa);
	m->now_ns += m->cost.mmio_ns;
	struct ev ev = {0};
	ev.kind = EV_MMIO;
	ev.unit = UNIT_CPU;
	ev.actor = actor_of(m, vm);
	ev.addr_in = hpa;
	ev.len = len;
	ev.flags = write ? EVF_WRITE : 0;
	ev.code = s && s->device >= 0 ? (uint16_t)s->device : 0xffff;
	counter_add(m, "mmio", 1);
	uint64_t v = val;
	if (write) {
		/* the store reaches the register first; what the device then does follows it */
		ev.entry = val;
		machine_emit(m, &ev);
		if (s && s->kind == SPAN_MMIO && s->device >= 0) {
			const struct device_type *dt = device_type_by_id(m->devs[s->device].d->type_id);
			if (dt && dt->mmio_write)
				dt->mmio_write(m, s->device, hpa - s->base, val, len);
		}
		return val;
	}
	if (s && s->kind == SPAN_MMIO && s->device >= 0) {
		const struct device_type *dt = device_type_by_id(m->devs[s->device].d->type_id);
		v = dt && dt->mmio_read ? dt->mmio_read(m, s->device, hpa - s->base, len) : ~0ull;
	} else {
		v = ~0ull; /* master abort: all ones */
	}
	if (len < 8)
		v &= (1ull << (8 * len)) - 1;
	ev.entry = v;
	machine_emit(m, &ev);
	return v;
}

int cpu_access(struct machine *m, int vm, uint64_t va, enum access acc, int user, void *buf, size_t len,
               struct step_result *r)
{
	uint8_t *p = buf;
	while (len) {
		size_t chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		if (chunk > len)
			chunk = len;
		uint64_t hpa;
		if (mmu_translate(m, vm, va, acc, user, r, &hpa))
			return -1;
		if (!r->has_hpa) {
			r->has_hpa = 1;
			r->hpa = hpa;
		}
		const struct span *s = mem_span_at(&m->mem, hpa);
		if (s && s->kind == SPAN_MMIO) {
			uint64_t v = 0;
			if (acc == ACC_WRITE)
				for (size_t i = 0; i < chunk && i < 8; i++)
					v |= (uint64_t)p[i] << (8 * i);
			unsigned l = chunk > 8 ? 8 : (unsigned)chunk;
			v = cpu_mmio(m, vm, hpa, acc == ACC_WRITE, v, l);
			if (acc != ACC_WRITE)
				for (size_t i = 0; i < chunk; i++)
					p[i] = i < 8 ? (uint8_t)(v >> (8 * i)) : 0xff;
		} else {
			if (acc == ACC_WRITE) {
				if (mem_write(&m->mem, hpa, p, chunk)) {
					snprintf(r->error, sizeof r->error,
					         "memory cap reached (raise --max-memory)");
					return -1;
				}
			} else
				mem_read(&m->mem, hpa, p, chunk);
			m->now_ns += m->cost.mem_ref_ns;
			uint64_t phys =
			    vm >= 0 ? r->gpa : hpa; /* this chunk's address in its kernel's view */
			for (const struct module_def *const *md = module_list(); *md; md++)
				if ((*md)->cpu_access)
					(*md)->cpu_access(m, actor_of(m, vm), phys, chunk, acc == ACC_WRITE);
			if (m->trace.enabled) {
				struct ev ev = {0};
				ev.kind = acc == ACC_WRITE ? EV_MEM_WRITE : EV_MEM_READ;
				ev.unit = UNIT_CPU;
				ev.actor = actor_of(m, vm);
				ev.addr_in = hpa;
				ev.len = (uint32_t)chunk;
				ev.extra = (uint64_t)(s ? s->owner : 0);
				const struct mem_note *note = mem_note_at(&m->mem, hpa);
				if (note)
					ev.str = trace_str(&m->trace, note->label);
				else if (s)
					ev.str = trace_str(&m->trace, s->label);
				machine_emit(m, &ev);
			} else
				m->trace.count++;
		}
		va += chunk;
		p += chunk;
		len -= chunk;
	}
	return 0;
}

uint64_t mmu_ioremap(struct machine *m, int vm, uint64_t pa, uint64_t size)
{
	return machine_ioremap(m, vm, pa, size);
}
