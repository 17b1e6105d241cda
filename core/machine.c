/*
 * machine.c — building the machine a scenario declares (see machine.h),
 * entities, events, counters, timers.
 *
 * Build order (what firmware and the kernels would do):
 *   1. host RAM [0, ram) owned by the host; each VM's RAM ranges carved out
 *   2. device BARs as MMIO spans
 *   3. host page tables (host RAM, allocated top-down)
 *   4. per VM: guest page tables inside guest RAM (GPA space, top-down,
 *      never on a page the scenario maps), then EPT tables in host RAM
 *      mapping every RAM range (and KVM-style MMIO misconfig entries)
 *   5. modules' boot (IOMMU, domains), devices' init, modules' late boot
 */
#include "machine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "ept.h"
#include "paging.h"

void machine_desc_default(struct machine_desc *d)
{
	memset(d, 0, sizeof *d);
	d->ram = 256 * MiB;
	d->host_levels = 4;
	cost_default(&d->cost);
	d->boot.firmware_vtd = 1;
	d->boot.kconfig_default_on = 1;
	d->boot.kconfig_passthrough = 0;
	d->boot.kconfig_lazy = 1;
	d->boot.cmdline = "";
	d->boot.ecap_pt = 1;
	d->boot.nfr = 8;
	d->boot.agaw_levels = 4;
	d->boot.sllps = 3;
	d->boot.fq_size = 256;
	d->boot.fq_timeout_ns = 10 * 1000 * 1000;
	d->tlb_entries = 64;
}

/* ---- entities ---- */

int machine_nentities(const struct machine *m)
{
	return 1 + m->nvms + m->ndevs;
}

const char *entity_name(const struct machine *m, int ent)
{
	if (ent <= 0)
		return "host";
	if (ent <= m->nvms)
		return m->vms[ent - 1].d->name;
	if (ent - 1 - m->nvms < m->ndevs)
		return m->devs[ent - 1 - m->nvms].d->name;
	return "?";
}

enum entity_kind entity_kind(const struct machine *m, int ent)
{
	if (ent <= 0)
		return ENT_HOST;
	return ent <= m->nvms ? ENT_VM : ENT_DEVICE;
}

int machine_vm_index(const struct machine *m, const char *name)
{
	for (int i = 0; i < m->nvms; i++)
		if (!strcmp(m->vms[i].d->name, name))
			return i;
	return -1;
}

int machine_dev_index(const struct machine *m, const char *name)
{
	for (int i = 0; i < m->ndevs; i++)
		if (!strcmp(m->devs[i].d->name, name))
			return i;
	return -1;
}

uint64_t vm_gpa_to_hpa(const struct machine *m, int vm, uint64_t gpa, int *ok)
{
	const struct vm_desc *d = m->vms[vm].d;
	for (int i = 0; i < d->nram; i++)
		if (gpa >= d->ram[i].gpa && gpa - d->ram[i].gpa < d->ram[i].size) {
			if (ok)
				*ok = 1;
			return d->ram[i].hpa + (gpa - d->ram[i].gpa);
		}
	if (ok)
		*ok = 0;
	return MEM_NO_ADDR;
}

/* ---- events ---- */

struct ev *machine_emit(struct machine *m, struct ev *e)
{
	e->step = m->step;
	e->t_ns = m->now_ns;
	return trace_push(&m->trace, e);
}

void machine_log(struct machine *m, enum unit u, const char *line)
{
	struct ev e = {0};
	e.kind = EV_LOG;
	e.unit = (uint8_t)u;
	e.str = trace_str(&m->trace, line);
	machine_emit(m, &e);
}

void machine_advance(struct machine *m, uint64_t ns)
{
	machine_run_until(m, m->now_ns + ns);
}

void machine_run_until(struct machine *m, uint64_t t)
{
	for (int guard = 0; guard < 1000000; guard++) {
		uint64_t best = UINT64_MAX;
		const struct module_def *bm = NULL;
		int bd = -1;
		for (const struct module_def *const *md = module_list(); *md; md++)
			if ((*md)->next_deadline) {
				uint64_t dl = (*md)->next_deadline(m);
				if (dl < best) {
					best = dl;
					bm = *md;
					bd = -1;
				}
			}
		for (int i = 0; i < m->ndevs; i++) {
			const struct device_type *dt = device_type_by_id(m->devs[i].d->type_id);
			if (dt && dt->next_deadline) {
				uint64_t dl = dt->next_deadline(m, i);
				if (dl < best) {
					best = dl;
					bm = NULL;
					bd = i;
				}
			}
		}
		if (best > t || best == UINT64_MAX)
			break;
		if (best > m->now_ns)
			m->now_ns = best;
		if (bd >= 0)
			device_type_by_id(m->devs[bd].d->type_id)->fire(m, bd, m->now_ns);
		else if (bm)
			bm->fire(m, m->now_ns);
	}
	if (t > m->now_ns)
		m->now_ns = t;
}

/* ---- counters and vars ---- */

/* counters: insertion order is kept (for --stats); an open-addressing index
 * (FNV-1a) finds a name without scanning them all, since every modelled
 * event counts something */
static unsigned counter_hash(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

int counter_id(struct machine *m, const char *full)
{
	char name[sizeof m->counters[0].name];
	snprintf(name, sizeof name, "%s", full); /* names are kept at this length */
	unsigned mask = 2 * MAX_COUNTERS - 1, i = counter_hash(name) & mask;
	for (;;) {
		int slot = m->counter_slots[i];
		if (!slot)
			break;
		if (!strcmp(m->counters[slot - 1].name, name))
			return slot - 1;
		i = (i + 1) & mask;
	}
	if (m->ncounters >= MAX_COUNTERS)
		return -1;
	struct counter *c = &m->counters[m->ncounters];
	snprintf(c->name, sizeof c->name, "%s", name);
	c->v = 0;
	m->counter_slots[i] = (int16_t)(m->ncounters + 1);
	return m->ncounters++;
}

void counter_add(struct machine *m, const char *name, uint64_t d)
{
	counter_add_id(m, counter_id(m, name), d);
}

uint64_t counter_get(const struct machine *m, const char *name, int *found)
{
	for (int i = 0; i < m->ncounters; i++)
		if (!strcmp(m->counters[i].name, name)) {
			if (found)
				*found = 1;
			return m->counters[i].v;
		}
	if (found)
		*found = 0;
	return 0;
}

int var_id(struct machine *m, const char *name)
{
	for (int i = 0; i < m->nvars; i++)
		if (!strcmp(m->vars[i].name, name))
			return i;
	if (m->nvars >= MAX_VARS)
		return -1;
	snprintf(m->vars[m->nvars].name, NAME_LEN, "%s", name);
	return m->nvars++;
}

void var_set(struct machine *m, const char *name, uint64_t v)
{
	int i = var_id(m, name);
	if (i >= 0) {
		m->vars[i].v = v;
		m->vars[i].set = 1;
	}
}

/* ---- page-table builders ---- */

struct host_pt {
	struct machine *m;
	const char *label;
};

static uint64_t ident(void *ctx, uint64_t a)
{
	(void)ctx;
	return a;
}

static uint64_t host_alloc(void *ctx)
{
	struct host_pt *h = ctx;
	return mem_alloc(&h->m->mem, 0, PAGE_SIZE, PAGE_SIZE, h->label);
}

struct guest_pt {
	struct machine *m;
	int vm;
};

static uint64_t guest_tbl(void *ctx, uint64_t gpa)
{
	struct guest_pt *g = ctx;
	return vm_gpa_to_hpa(g->m, g->vm, gpa, NULL);
}

static int gpa_used_by_pages(const struct vm_desc *d, uint64_t gpa)
{
	for (int i = 0; i < d->npages; i++)
		if (gpa + PAGE_SIZE > d->pages[i].pa && gpa < d->pages[i].pa + d->pages[i].size)
			return 1;
	return 0;
}

static uint64_t guest_alloc(void *ctx)
{
	struct guest_pt *g = ctx;
	struct vm *v = &g->m->vms[g->vm];
	const struct vm_desc *d = v->d;
	/* the guest kernel allocates page-table pages from its RAM, top-down */
	for (int r = d->nram - 1; r >= 0; r--) {
		while (v->pt_alloc_top[r] >= d->ram[r].gpa + PAGE_SIZE) {
			uint64_t gpa = v->pt_alloc_top[r] - PAGE_SIZE;
			v->pt_alloc_top[r] = gpa;
			if (gpa_used_by_pages(d, gpa))
				continue;
			char label[MEM_LABEL_LEN];
			snprintf(label, sizeof label, "page tables of %s (GPA 0x%llx)", d->name,
			         (unsigned long long)gpa);
			mem_note(&g->m->mem, d->ram[r].hpa + (gpa - d->ram[r].gpa), PAGE_SIZE, v->entity,
			         label);
			return gpa;
		}
	}
	return MEM_NO_ADDR;
}

static int build_err(char *err, unsigned cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int build_err(char *err, unsigned cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, cap, fmt, ap);
	va_end(ap);
	return -1;
}

uint64_t machine_ioremap(struct machine *m, int vm, uint64_t pa, uint64_t size)
{
	/* Linux's vmalloc/ioremap area starts at 0xffffc90000000000 (4-level) */
	int slot = vm + 1;
	if (!m->ioremap_next[slot])
		m->ioremap_next[slot] = 0xffffc90000000000ull;
	uint64_t off = pa & (PAGE_SIZE - 1);
	uint64_t base = pa & PAGE_MASK, len = (size + off + PAGE_SIZE - 1) & PAGE_MASK;
	uint64_t va = m->ioremap_next[slot];
	struct pt_ctx p = {0};
	p.fmt = PT_X86;
	p.mem = &m->mem;
	p.levels = vm < 0 ? m->d->host_levels : m->vms[vm].d->levels;
	struct host_pt h = {m, "host page tables"};
	struct guest_pt g = {m, vm};
	uint64_t root;
	if (vm < 0) {
		p.tbl_to_hpa = ident;
		p.alloc_table = host_alloc;
		p.ctx = &h;
		root = m->host_cr3;
	} else {
		p.tbl_to_hpa = guest_tbl;
		p.alloc_table = guest_alloc;
		p.ctx = &g;
		root = m->vms[vm].cr3;
	}
	if (pt_map(&p, root, va, base, len, PAGE_SIZE, PERM_R | PERM_W | PERM_UC))
		return 0;
	m->ioremap_next[slot] = va + len + PAGE_SIZE; /* a guard page, as vmalloc leaves */
	return va + off;
}

static int build_host(struct machine *m, char *err, unsigned cap)
{
	const struct machine_desc *d = m->d;
	struct host_pt h = {m, "host page tables"};
	m->host_cr3 = mem_alloc(&m->mem, 0, PAGE_SIZE, PAGE_SIZE, "host page tables");
	if (m->host_cr3 == MEM_NO_ADDR)
		return build_err(err, cap, "host RAM too small for the host's page tables");
	struct pt_ctx p = {PT_X86, &m->mem, ident, host_alloc, &h, d->host_levels};
	for (int i = 0; i < d->nhost_pages; i++) {
		const struct mapping_desc *mp = &d->host_pages[i];
		int rc = pt_map(&p, m->host_cr3, mp->va, mp->pa, mp->size, mp->psize, mp->perm);
		if (rc)
			return build_err(err, cap, "host.pages[%d]: %s", i,
			                 rc == -2 ? "overlaps another mapping"
			                          : "no host RAM left for page tables");
	}
	return 0;
}

static int build_vm(struct machine *m, int i, char *err, unsigned cap)
{
	struct vm *v = &m->vms[i];
	const struct vm_desc *d = v->d;
	for (int r = 0; r < d->nram; r++)
		v->pt_alloc_top[r] = d->ram[r].gpa + d->ram[r].size;
	struct guest_pt g = {m, i};
	v->cr3 = guest_alloc(&g);
	if (v->cr3 == MEM_NO_ADDR)
		return build_err(err, cap, "vms[%d]: no guest RAM left for the guest's page tables", i);
	struct pt_ctx p = {PT_X86, &m->mem, guest_tbl, guest_alloc, &g, d->levels};
	for (int k = 0; k < d->npages; k++) {
		const struct mapping_desc *mp = &d->pages[k];
		int rc = pt_map(&p, v->cr3, mp->va, mp->pa, mp->size, mp->psize, mp->perm);
		if (rc)
			return build_err(err, cap, "vms[%d].pages[%d]: %s", i, k,
			                 rc == -2 ? "overlaps another mapping"
			                          : "no guest RAM left for page tables");
	}
	/* EPT, built by KVM in host RAM */
	char label[MEM_LABEL_LEN];
	snprintf(label, sizeof label, "EPT tables of %s", d->name);
	struct host_pt h = {m, NULL};
	h.label = label;
	v->ept_root = mem_alloc(&m->mem, 0, PAGE_SIZE, PAGE_SIZE, label);
	if (v->ept_root == MEM_NO_ADDR)
		return build_err(err, cap, "host RAM too small for the EPT tables of %s", d->name);
	struct pt_ctx e = {PT_EPT, &m->mem, ident, host_alloc, &h, d->ept_levels};
	for (int r = 0; r < d->nram; r++) {
		const struct ram_range_desc *rr = &d->ram[r];
		int rc = pt_map(&e, v->ept_root, rr->gpa, rr->hpa, rr->size, d->ept_page,
		                PERM_R | PERM_W | PERM_X);
		if (rc)
			return build_err(
			    err, cap, "vms[%d].ram[%d]: %s", i, r,
			    rc == -2 ? "overlaps another RAM range in GPA space"
			             : "host RAM too small for the EPT tables (use \"ept_page\": \"2MiB\")");
	}
	/* emulated MMIO: XWR = 110 (W|X without R), KVM's misconfiguration trick */
	for (int k = 0; k < d->nmmio; k++) {
		int rc = pt_map(&e, v->ept_root, d->mmio[k].gpa, 0, d->mmio[k].size, PAGE_SIZE,
		                PERM_W | PERM_X | PERM_UC);
		if (rc)
			return build_err(err, cap, "vms[%d].mmio[%d]: overlaps guest RAM", i, k);
	}
	v->eptp = v->ept_root | EPTP_WB | EPTP_PWL(d->ept_levels) | (d->ept_ad ? EPTP_AD : 0);
	return 0;
}

int machine_create(struct machine *m, const struct machine_desc *d, int trace_on, char *err, unsigned errcap)
{
	memset(m, 0, sizeof *m);
	m->d = d;
	m->cost = d->cost;
	struct mem_desc md = {d->max_frames};
	if (mem_init(&m->mem, &md))
		return build_err(err, errcap, "out of memory");
	trace_init(&m->trace, trace_on);
	if (d->max_events)
		m->trace.max_events = d->max_events;
	tlb_init(&m->tlb, d->tlb_entries ? d->tlb_entries : 64);
	m->nvms = d->nvms;
	m->ndevs = d->ndevs;
	for (int i = 0; i < d->nvms; i++) {
		m->vms[i].d = &d->vms[i];
		m->vms[i].entity = 1 + i;
		m->vms[i].vpid = (uint16_t)(1 + i);
	}
	for (int i = 0; i < d->ndevs; i++) {
		m->devs[i].d = &d->devs[i];
		m->devs[i].entity = 1 + d->nvms + i;
	}
	if (mem_add_span(&m->mem, 0, d->ram, SPAN_RAM, 0, -1, "host RAM"))
		return build_err(err, errcap, "machine.ram: invalid size");
	for (int i = 0; i < d->nvms; i++)
		for (int r = 0; r < d->vms[i].nram; r++) {
			const struct ram_range_desc *rr = &d->vms[i].ram[r];
			char label[MEM_LABEL_LEN];
			snprintf(label, sizeof label, "RAM of %s (GPA 0x%llx)", d->vms[i].name,
			         (unsigned long long)rr->gpa);
			if (mem_add_span(&m->mem, rr->hpa, rr->size, SPAN_RAM, m->vms[i].entity, -1, label))
				return build_err(err, errcap,
				                 "vms[%d].ram[%d]: HPA range is not free host RAM", i, r);
		}
	for (int i = 0; i < d->ndevs; i++) {
		const struct device_desc *dd = &d->devs[i];
		if (!dd->bar0_size)
			continue;
		char label[MEM_LABEL_LEN];
		snprintf(label, sizeof label, "MMIO BAR0 of %s", dd->name);
		if (mem_add_span(&m->mem, dd->bar0, dd->bar0_size, SPAN_MMIO, m->devs[i].entity, i, label))
			return build_err(err, errcap, "devices[%d].bar0: overlaps RAM or another BAR", i);
	}
	if (build_host(m, err, errcap))
		goto built_fail;
	for (int i = 0; i < d->nvms; i++)
		if (build_vm(m, i, err, errcap))
			goto built_fail;
	/* assigned devices' BARs appear in their guest through EPT (UC) */
	for (int i = 0; i < d->ndevs; i++) {
		const struct device_desc *dd = &d->devs[i];
		if (dd->owner_entity <= 0 || dd->owner_entity > d->nvms || !dd->bar0_size || !dd->guest_bar0)
			continue;
		struct vm *v = &m->vms[dd->owner_entity - 1];
		struct host_pt h = {m, "EPT tables"};
		struct pt_ctx e = {PT_EPT, &m->mem, ident, host_alloc, &h, v->d->ept_levels};
		if (pt_map(&e, v->ept_root, dd->guest_bar0, dd->bar0, dd->bar0_size, PAGE_SIZE,
		           PERM_R | PERM_W | PERM_UC))
			return build_err(err, errcap, "devices[%d].guest_bar0: overlaps guest RAM", i);
	}
	for (const struct module_def *const *mdp = module_list(); *mdp; mdp++)
		if ((*mdp)->boot && (*mdp)->boot(m, err, errcap))
			return -1;
	for (int i = 0; i < d->ndevs; i++) {
		const struct device_type *dt = device_type_by_id(d->devs[i].type_id);
		if (dt && dt->init && dt->init(m, i))
			return build_err(err, errcap, "devices[%d]: %s could not be initialised", i,
			                 d->devs[i].name);
	}
	for (const struct module_def *const *mdp = module_list(); *mdp; mdp++)
		if ((*mdp)->late_boot && (*mdp)->late_boot(m, err, errcap))
			return -1;
	if (m->mem.out_of_frames)
		return build_err(
		    err, errcap,
		    "the memory cap was reached while building the machine (raise --max-memory)");
	return 0;
built_fail:
	/* a table write that failed because of the frame cap is not "RAM too small" */
	if (m->mem.out_of_frames)
		return build_err(err, errcap,
		                 "the memory cap (%llu KiB touched) was reached while building the machine's "
		                 "page tables (raise --max-memory or machine.limits.max_memory)",
		                 (unsigned long long)(m->mem.touched_bytes >> 10));
	return -1;
}

void machine_free(struct machine *m)
{
	if (!m->d)
		return;
	for (int i = 0; i < m->ndevs; i++) {
		const struct device_type *dt = device_type_by_id(m->devs[i].d->type_id);
		if (dt && dt->free_state)
			dt->free_state(m, i);
	}
	for (const struct module_def *const *mdp = module_list(); *mdp; mdp++)
		if ((*mdp)->free)
			(*mdp)->free(m);
	mem_free(&m->mem);
	trace_free(&m->trace);
	m->d = NULL;
}
