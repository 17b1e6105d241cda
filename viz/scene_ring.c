/*
 * scene_ring.c — the NIC ring panel and the tooltips (decoded bits).
 *
 * The e1000 rings as strips of descriptors (facts 1.5):
 *
 *            TAIL (driver, MMIO write of RDT/TDT)
 *              v
 *   Rx  [DD][DD][hw][hw][hw][  ][  ][  ] ...
 *          ^
 *        HEAD (hardware, advances on each write-back)
 *
 *   colours: hardware-owned [head, tail) orange; written back (DD set,
 *   waiting for the driver) green with DD/EOP; software-owned grey.
 *
 * Ring state at event N = the NIC registers and descriptor memory at the
 * start of N's step (the engine's replay), then every desc.wb (head, DD,
 * EOP) and MMIO write of RDT/TDT (tail) up to N in trace order. With
 * several NICs the panel shows the one the latest event involves.
 *
 * Not modelled here: TX write-back that only sets DD on RS descriptors is
 * shown as the model's trace reports it, no more.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e1000.h"
#include "nic.h"
#include "paging.h"
#include "scene_int.h"

#define NONE          ((struct rgba){0, 0, 0, 0})
#define RING_VIEW_MAX 64

struct ring_view {
	uint32_t n, head, tail;
	int nic;
	uint8_t st[NIC_MAX_RING]; /* status byte per descriptor: DD 0x01, EOP 0x02 */
	int touched;              /* descriptor index the current event touches, -1 */
};

static int is_nic(const struct machine *m, int dev)
{
	return dev >= 0 && dev < m->ndevs && m->devs[dev].d && m->devs[dev].d->type_id == DEV_E1000 &&
	       m->devs[dev].state;
}

/* The e1000 an event is about: the NIC as the actor (descriptor fetch and
 * write-back, its DMA), or the device whose register an MMIO access hits. */
static int nic_of_event(const struct machine *m, const struct ev *e)
{
	if (e->kind == EV_MMIO && e->code != 0xffff)
		return is_nic(m, e->code) ? e->code : -1;
	for (int i = 0; i < m->ndevs; i++)
		if (m->devs[i].entity == e->actor && is_nic(m, i))
			return i;
	return -1;
}

#define RING_LOOKBACK 16384 /* events searched back for the NIC to show */

/* The NIC the panel shows: the one the latest event up to cur involves
 * (a scenario with several NICs follows the one at work), else the first. */
static int ring_nic(const struct scene_src *src, uint64_t cur)
{
	const struct machine *m = src->m;
	const struct trace *t = src->t;
	uint64_t hi = cur < t->n ? cur + 1 : t->n, lo = hi > RING_LOOKBACK ? hi - RING_LOOKBACK : 0;
	for (uint64_t i = hi; i-- > lo;) {
		int dev = nic_of_event(m, &t->ev[i]);
		if (dev >= 0)
			return dev;
	}
	for (int i = 0; i < m->ndevs; i++)
		if (is_nic(m, i))
			return i;
	return -1;
}

/* owner-view physical address of a ring -> HPA */
static uint64_t ring_hpa(const struct machine *m, int dev, uint64_t phys)
{
	int owner = m->devs[dev].d ? m->devs[dev].d->owner_entity : 0;
	if (owner >= 1 && owner <= m->nvms) {
		int ok = 0;
		uint64_t h = vm_gpa_to_hpa(m, owner - 1, phys, &ok);
		return ok ? h : MEM_NO_ADDR;
	}
	return phys;
}

static void ring_state(const struct scene_src *src, uint64_t cur, int tx, struct ring_view *r)
{
	memset(r, 0, sizeof(*r));
	r->touched = -1;
	/* configuration (BAR, ring addresses, sizes) from the run's machine;
	 * registers and descriptor bytes as they were when the step began */
	const struct machine *mf = src->m;
	const struct machine *m0 = src->m_now ? src->m_now : src->m;
	int dev = ring_nic(src, cur);
	r->nic = dev;
	if (dev < 0 || dev >= m0->ndevs || !m0->devs[dev].state)
		return;
	const struct nic_state *nf = nic_get_const(mf, dev);
	const struct nic_state *ns = nic_get_const(m0, dev);
	if (!ns || !nf)
		return;
	r->n = tx ? nf->o.tx_ring : nf->o.rx_ring;
	if (r->n > NIC_MAX_RING)
		r->n = NIC_MAX_RING;
	r->head = tx ? ns->hw.tdh : ns->hw.rdh;
	r->tail = tx ? ns->hw.tdt : ns->hw.rdt;
	uint64_t ring = tx ? nf->drv.tx_ring_phys : nf->drv.rx_ring_phys;
	if (ns->drv.probed && ring) {
		uint64_t h = ring_hpa(m0, dev, ring);
		if (h != MEM_NO_ADDR)
			for (uint32_t i = 0; i < r->n; i++)
				r->st[i] = (uint8_t)(mem_read64(&m0->mem, h + (uint64_t)i * 16 + 8) >> 32);
	}
	/* replay this step's events up to cur */
	const struct trace *t = src->t;
	int st = scene_step_of(src, cur);
	uint64_t a = st >= 0 ? src->mark[st] : 0;
	int16_t actor = (int16_t)src->m->devs[dev].entity;
	uint64_t bar = nf->drv.bar;
	for (uint64_t i = a; i <= cur && i < t->n; i++) {
		const struct ev *e = &t->ev[i];
		if (e->actor == actor && (e->kind == EV_DESC_WB || e->kind == EV_DESC_FETCH) &&
		    e->code == (tx ? 1 : 0)) {
			uint32_t idx = (uint32_t)e->extra;
			if (r->n && idx < r->n) {
				if (e->kind == EV_DESC_WB) {
					r->st[idx] = (uint8_t)e->entry;
					r->head = (idx + 1) % r->n;
				}
				if (i == cur)
					r->touched = (int)idx;
			}
		} else if (e->kind == EV_MMIO && (e->flags & EVF_WRITE) && bar && e->addr_in >= bar &&
		           e->addr_in - bar < E1000_BAR_SIZE) {
			uint64_t off = e->addr_in - bar;
			if (off == (tx ? E1000_TDT : E1000_RDT))
				r->tail = (uint32_t)e->entry;
			if (off == (tx ? E1000_TDH : E1000_RDH))
				r->head = (uint32_t)e->entry;
		} else if (e->kind == EV_MEM_WRITE && e->actor == 0 && nf->drv.probed) {
			/* the driver rewrites a descriptor (refill): its status is cleared */
			uint64_t ringp = tx ? nf->drv.tx_ring_phys : nf->drv.rx_ring_phys;
			uint64_t h = ring_hpa(m0, dev, ringp);
			if (h != MEM_NO_ADDR && e->addr_in >= h && e->addr_in < h + (uint64_t)r->n * 16) {
				uint32_t idx = (uint32_t)((e->addr_in - h) / 16);
				uint64_t off = (e->addr_in - h) % 16;
				if (off <= 12 && off + (e->len ? e->len : 16) > 12)
					r->st[idx] = 0;
			}
		}
	}
	if (r->n) {
		r->head %= r->n;
		r->tail %= r->n;
	}
}

static void strip(struct scene *s, const struct scene_view *v, const struct ring_view *r, int tx, float x,
                  float y, float w, float h)
{
	float sc = s->s;
	float lw = 34 * sc;
	sc_text(s, x, y + (h - s->px_body * 1.3f) / 2, lw, SF_BOLD, s->px_body, SA_LEFT,
	        sc_rgba(THEME_DEVICE, 255), tx ? "Tx" : "Rx");
	if (r->n == 0) {
		sc_text(s, x + lw, y + (h - s->px_small * 1.3f) / 2, w - lw, SF_SANS, s->px_small, SA_LEFT,
		        sc_rgba(THEME_MUTED, 255), sc_L(v, "ring not set up yet", "环尚未建立"));
		return;
	}
	float avail = w - lw;
	uint32_t fit = (uint32_t)(avail / (16 * sc));
	if (fit > RING_VIEW_MAX)
		fit = RING_VIEW_MAX;
	if (fit < 4)
		fit = 4;
	uint32_t nshow = r->n < fit ? r->n : fit;
	/* window: start a few before head */
	uint32_t start = 0;
	if (nshow < r->n)
		start = (r->head + r->n - nshow / 4) % r->n;
	float cw = avail / (float)nshow;
	float arrow = s->px_small * 1.3f;
	float cy = y + arrow, ch = h - 2 * arrow;
	uint32_t owned = nic_hw_owned(r->head, r->tail, r->n);
	for (uint32_t k = 0; k < nshow; k++) {
		uint32_t i = (start + k) % r->n;
		float cx = x + lw + k * cw;
		int hw = nic_hw_owned(r->head, i, r->n) < owned || (owned && i == r->head);
		hw = ((i - r->head + r->n) % r->n) < owned;
		int dd = r->st[i] & 0x01, eop = r->st[i] & 0x02;
		struct rgba fill = hw   ? sc_mix(THEME_DEVICE, THEME_PANEL, 0.45f)
		                   : dd ? sc_mix(THEME_HIT, THEME_PANEL, 0.45f)
		                        : sc_rgba(THEME_BG, 255);
		int touched = (int)i == r->touched;
		int ei = sc_elem(s, SE_DESC, (tx ? 0x10000 : 0) | (int)i, cx, cy, cw, ch, -1);
		s->e[ei].addr = r->st[i];
		s->e[ei].addr2 = (uint64_t)hw;
		s->e[ei].active = (uint8_t)touched;
		sc_rect(s, cx + 1 * sc, cy, cw - 2 * sc, ch, fill,
		        touched ? sc_rgba(THEME_ACTIVE, 255) : sc_rgba(THEME_GRID, 255), 2 * sc,
		        (touched ? 3.0f : 1.0f) * sc);
		if (cw > s->px_small * 1.6f && ch >= s->px_small * 0.85f * 1.3f * 2) {
			if (dd)
				sc_text(s, cx, cy + ch * 0.5f - s->px_small * 1.3f, cw, SF_BOLD,
				        s->px_small * 85 / 100, SA_CENTER, sc_rgba(THEME_INK, 255), "DD");
			if (eop)
				sc_text(s, cx, cy + ch * 0.5f, cw, SF_SANS, s->px_small * 80 / 100, SA_CENTER,
				        sc_rgba(THEME_INK, 255), "EOP");
		} else if (cw > s->px_small * 1.6f && ch >= s->px_small * 0.85f * 1.3f && dd) {
			sc_text(s, cx, cy + (ch - s->px_small * 0.85f * 1.3f) / 2, cw, SF_BOLD,
			        s->px_small * 85 / 100, SA_CENTER, sc_rgba(THEME_INK, 255), "DD");
		}
		float ax = cx + cw / 2;
		if (i == r->tail)
			sc_arrow(s, ax, y, ax, cy - 1 * sc, sc_rgba(THEME_KERNEL, 255), 2 * sc, 6 * sc);
		if (i == r->head)
			sc_arrow(s, ax, y + h, ax, cy + ch + 1 * sc, sc_rgba(THEME_DEVICE, 255), 2 * sc,
			         6 * sc);
		int lpx = s->px_small * 85 / 100;
		if (i == r->tail) {
			float tlw = (float)sc_tw(s, SF_BOLD, lpx, "TAIL", -1) + 2;
			float lx = ax + 4 * sc + tlw > x + w ? ax - 4 * sc - tlw : ax + 4 * sc;
			sc_text(s, lx, y - 2 * sc, tlw, SF_BOLD, lpx, SA_LEFT, sc_rgba(THEME_KERNEL, 255),
			        "TAIL");
		}
		if (i == r->head) {
			float tlw = (float)sc_tw(s, SF_BOLD, lpx, "HEAD", -1) + 2;
			float lx = ax + 4 * sc + tlw > x + w ? ax - 4 * sc - tlw : ax + 4 * sc;
			sc_text(s, lx, y + h - arrow + 1 * sc, tlw, SF_BOLD, lpx, SA_LEFT,
			        sc_rgba(THEME_DEVICE, 255), "HEAD");
		}
	}
}

void sc_ring_panel(struct scene *s, const struct scene_src *src, const struct scene_view *v, float x, float y,
                   float w, float h)
{
	float sc = s->s, pad = 12 * sc;
	sc_elem(s, SE_PANEL, 2, x, y, w, h, -1);
	sc_rect(s, x, y, w, h, sc_rgba(THEME_PANEL, 255), sc_rgba(THEME_GRID, 255), 8 * sc, 1.2f * sc);
	struct ring_view rv;
	ring_state(src, v->cur, 0, &rv);
	char buf[160];
	const char *name = rv.nic >= 0 ? entity_name(src->m, rv.nic + src->m->nvms + 1) : "nic";
	snprintf(buf, sizeof(buf), sc_L(v, "%s descriptor rings", "%s 描述符环"), name);
	float tw = (float)sc_tw(s, SF_BOLD, s->px_label, buf, -1);
	sc_text(s, x + pad, y + 4 * sc, w * 0.4f, SF_BOLD, s->px_label, SA_LEFT, sc_rgba(THEME_INK, 255),
	        buf);
	/* legend, right-aligned */
	const char *lg[3] = {sc_L(v, "hardware owns", "硬件持有"), sc_L(v, "done (DD)", "已完成 (DD)"),
	                     sc_L(v, "driver owns", "驱动持有")};
	struct rgba lc[3] = {sc_mix(THEME_DEVICE, THEME_PANEL, 0.45f), sc_mix(THEME_HIT, THEME_PANEL, 0.45f),
	                     sc_rgba(THEME_BG, 255)};
	float lx = x + w - pad, ly = y + 4 * sc + (s->px_label - s->px_small) * 0.65f,
	      box = s->px_small * 0.9f;
	for (int i = 2; i >= 0; i--) {
		float lw2 = (float)sc_tw(s, SF_SANS, s->px_small, lg[i], -1);
		if (lx - lw2 - box - 14 * sc < x + pad + tw + 10 * sc)
			break;
		lx -= lw2;
		sc_text(s, lx, ly, lw2 + 1, SF_SANS, s->px_small, SA_LEFT, sc_rgba(THEME_MUTED, 255), lg[i]);
		lx -= box + 4 * sc;
		sc_rect(s, lx, ly + (s->px_small * 1.3f - box) / 2, box, box, lc[i], sc_rgba(THEME_GRID, 255),
		        2 * sc, 1 * sc);
		lx -= 12 * sc;
	}
	float top = y + s->px_label * 1.3f + 8 * sc, sh = (y + h - pad * 0.5f - top) / 2;
	strip(s, v, &rv, 0, x + pad, top, w - 2 * pad, sh - 2 * sc);
	ring_state(src, v->cur, 1, &rv);
	strip(s, v, &rv, 1, x + pad, top + sh, w - 2 * pad, sh - 2 * sc);
}

/* -------------------------------------------------------------- tooltips */

static size_t cat(char *buf, size_t cap, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static size_t cat(char *buf, size_t cap, size_t n, const char *fmt, ...)
{
	if (n >= cap)
		return n;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(buf + n, cap - n, fmt, ap);
	va_end(ap);
	if (k < 0)
		return n;
	n += (size_t)k;
	return n < cap ? n : cap - 1;
}

static size_t decode_entry(const struct ev *e, char *buf, size_t cap, size_t n)
{
	uint64_t x = e->entry;
	switch (e->walker) {
	case WALKER_GUEST:
	case WALKER_HOST:
		n = cat(buf, cap, n, "\nP=%d RW=%d US=%d PWT=%d PCD=%d A=%d D=%d PS=%d G=%d XD=%d",
		        (int)(x & 1), (int)(x >> 1 & 1), (int)(x >> 2 & 1), (int)(x >> 3 & 1),
		        (int)(x >> 4 & 1), (int)(x >> 5 & 1), (int)(x >> 6 & 1), (int)(x >> 7 & 1),
		        (int)(x >> 8 & 1), (int)(x >> 63 & 1));
		n = cat(buf, cap, n, "\naddr[51:12] = 0x%llx",
		        (unsigned long long)(x & 0x000FFFFFFFFFF000ull));
		break;
	case WALKER_EPT:
		n = cat(buf, cap, n, "\nR=%d W=%d X=%d memtype=%d IPAT=%d PS=%d A=%d D=%d", (int)(x & 1),
		        (int)(x >> 1 & 1), (int)(x >> 2 & 1), (int)(x >> 3 & 7), (int)(x >> 6 & 1),
		        (int)(x >> 7 & 1), (int)(x >> 8 & 1), (int)(x >> 9 & 1));
		n = cat(buf, cap, n, "\naddr[51:12] = 0x%llx",
		        (unsigned long long)(x & 0x000FFFFFFFFFF000ull));
		break;
	case WALKER_IOMMU_ROOT:
		n = cat(buf, cap, n, "\nP=%d  CTP (context table) = 0x%llx", (int)(x & 1),
		        (unsigned long long)(x & ~0xFFFull));
		break;
	case WALKER_IOMMU_CONTEXT:
		n = cat(buf, cap, n, "\nP=%d FPD=%d TT=%d  SLPTPTR = 0x%llx", (int)(x & 1), (int)(x >> 1 & 1),
		        (int)(x >> 2 & 3), (unsigned long long)(x & 0x000FFFFFFFFFF000ull));
		break;
	case WALKER_IOMMU:
		n = cat(buf, cap, n, "\nR=%d W=%d PS=%d  addr = 0x%llx", (int)(x & 1), (int)(x >> 1 & 1),
		        (int)(x >> 7 & 1), (unsigned long long)(x & 0x000FFFFFFFFFF000ull));
		break;
	default:
		break;
	}
	return n;
}

size_t scene_tooltip(const struct scene *s, const struct scene_src *src, const struct scene_view *v, int elem,
                     char *buf, size_t cap)
{
	if (elem < 0 || elem >= s->ne || cap == 0)
		return 0;
	buf[0] = 0;
	const struct scene_elem *e = &s->e[elem];
	const struct machine *m = src->m;
	const struct trace *t = src->t;
	size_t n = 0;
	switch (e->kind) {
	case SE_BOX: {
		n = cat(buf, cap, n, "%s", scene_str(s, e->text));
		if (e->id >= SB_VM && e->id < SB_DEV && m) {
			const struct vm *vm = &m->vms[e->id - SB_VM];
			n = cat(buf, cap, n, "\nCR3 (GPA) = 0x%llx", (unsigned long long)vm->cr3);
			n = cat(buf, cap, n, "\nEPTP = 0x%llx  VPID = %u", (unsigned long long)vm->eptp,
			        vm->vpid);
			if (vm->d)
				for (int i = 0; i < vm->d->nram && i < 6; i++)
					n = cat(buf, cap, n, "\nGPA 0x%llx +0x%llx -> HPA 0x%llx",
					        (unsigned long long)vm->d->ram[i].gpa,
					        (unsigned long long)vm->d->ram[i].size,
					        (unsigned long long)vm->d->ram[i].hpa);
		} else if (e->id >= SB_DEV && m && e->id - SB_DEV < m->ndevs) {
			const struct device *d = &m->devs[e->id - SB_DEV];
			if (d->d) {
				n = cat(buf, cap, n, "\n%s  BDF %02x:%02x.%d  owner %s", d->d->type,
				        d->d->bdf >> 8, (d->d->bdf >> 3) & 31, d->d->bdf & 7,
				        d->d->owner ? d->d->owner : "host");
				n = cat(buf, cap, n, "\nBAR0 0x%llx  DMA mask %d bits  %s",
				        (unsigned long long)d->d->bar0,
				        d->d->dma_mask_bits ? d->d->dma_mask_bits : 64,
				        d->d->trusted ? sc_L(v, "trusted", "可信")
				                      : sc_L(v, "untrusted (external)", "不可信（外部）"));
			}
		} else if (e->id == SB_EPT && m) {
			for (int i = 0; i < m->nvms; i++)
				n = cat(buf, cap, n, "\n%s: EPTP 0x%llx (root HPA 0x%llx)",
				        entity_name(m, m->vms[i].entity), (unsigned long long)m->vms[i].eptp,
				        (unsigned long long)m->vms[i].ept_root);
		} else if (e->id == SB_CPU && m) {
			n = cat(buf, cap, n, "\nhost CR3 = 0x%llx", (unsigned long long)m->host_cr3);
		} else if (e->id == SB_IOMMU || e->id == SB_IOMMU_DRV) {
			n = cat(buf, cap, n, "\n%s",
			        m && m->iommu ? sc_L(v, "DMA remapping enabled", "DMA 重映射已启用")
			                      : sc_L(v, "no IOMMU translation", "无 IOMMU 转换"));
		}
		if (e->active && t && v->cur < t->n) {
			char nb[400];
			sc_narrate(src, v, v->cur, nb, sizeof(nb));
			n = cat(buf, cap, n, "\n> %s", nb);
		}
		break;
	}
	case SE_SPAN: {
		const struct span *sp = m && e->id < m->mem.nspans ? &m->mem.spans[e->id] : NULL;
		if (!sp)
			return 0;
		n = cat(buf, cap, n, "HPA 0x%llx - 0x%llx  (%llu KiB)", (unsigned long long)sp->base,
		        (unsigned long long)(sp->base + sp->size - 1), (unsigned long long)(sp->size >> 10));
		n = cat(buf, cap, n, "\n%s  %s: %s",
		        sp->kind == SPAN_MMIO  ? "MMIO"
		        : sp->kind == SPAN_RAM ? "RAM"
		                               : "reserved",
		        sc_L(v, "owner", "属于"), entity_name(m, sp->owner));
		if (sp->label[0])
			n = cat(buf, cap, n, "\n%s", sp->label);
		int shown = 0;
		for (int i = 0; i < m->mem.nnotes && shown < 8; i++) {
			const struct mem_note *no = &m->mem.notes[i];
			if (no->base >= sp->base && no->base - sp->base < sp->size) {
				n = cat(buf, cap, n, "\n  0x%llx %s", (unsigned long long)no->base,
				        no->label);
				shown++;
			}
		}
		n = cat(buf, cap, n, "\n%s", sc_L(v, "click: hex dump", "点击：十六进制查看"));
		break;
	}
	case SE_GPA:
		n = cat(buf, cap, n, "%s GPA 0x%llx +0x%llx", m ? entity_name(m, e->id / 16 + 1) : "vm",
		        (unsigned long long)e->addr, (unsigned long long)e->addr2);
		if (m && e->id / 16 < m->nvms && m->vms[e->id / 16].d) {
			const struct ram_range_desc *rr = &m->vms[e->id / 16].d->ram[e->id % 16];
			n = cat(buf, cap, n, "\n-> HPA 0x%llx  (EPT maps it; KVM memslot)",
			        (unsigned long long)rr->hpa);
		}
		break;
	case SE_WALKCELL: {
		if (!t || e->addr >= t->n)
			return 0;
		const struct ev *ev = &t->ev[e->addr];
		n = cat(buf, cap, n, "#%d %s L%d", e->id, walker_name(ev->walker), ev->level);
		n = cat(buf, cap, n, "\n%s 0x%llx", sc_L(v, "for address", "待转换地址"),
		        (unsigned long long)ev->addr_in);
		n = cat(buf, cap, n, "\n%s HPA 0x%llx", sc_L(v, "entry at", "表项位于"),
		        (unsigned long long)ev->addr_out);
		n = cat(buf, cap, n, "\n%s 0x%016llx", sc_L(v, "value", "值"), (unsigned long long)ev->entry);
		n = decode_entry(ev, buf, cap, n);
		break;
	}
	case SE_DESC: {
		int tx = (e->id >> 16) & 1, idx = e->id & 0xFFFF;
		unsigned st = (unsigned)e->addr;
		n = cat(buf, cap, n, "%s %s[%d]", tx ? "Tx" : "Rx", sc_L(v, "descriptor", "描述符"), idx);
		n = cat(buf, cap, n, "\n%s",
		        e->addr2 ? sc_L(v, "owned by hardware", "硬件持有")
		                 : sc_L(v, "owned by the driver", "驱动持有"));
		if (tx)
			n = cat(buf, cap, n, "\nSTA=0x%x  DD=%u EC=%u LC=%u TU=%u", st, st & 1, st >> 1 & 1,
			        st >> 2 & 1, st >> 3 & 1);
		else
			n = cat(buf, cap, n,
			        "\nstatus=0x%02x  DD=%u EOP=%u IXSM=%u VP=%u TCPCS=%u IPCS=%u PIF=%u", st,
			        st & 1, st >> 1 & 1, st >> 2 & 1, st >> 3 & 1, st >> 5 & 1, st >> 6 & 1,
			        st >> 7 & 1);
		break;
	}
	case SE_EVROW: {
		if (!t || e->addr >= t->n)
			return 0;
		char nb[600];
		sc_narrate(src, v, e->addr, nb, sizeof(nb));
		n = cat(buf, cap, n, "#%llu %s", (unsigned long long)e->addr + 1,
		        ev_kind_name(t->ev[e->addr].kind));
		/* wrap the narration at ~70 columns */
		const char *p = nb;
		while (*p) {
			size_t len = strlen(p), take = len;
			if (take > 72) {
				take = 72;
				while (take > 40 && p[take] != ' ')
					take--;
				while (take > 0 && ((unsigned char)p[take] & 0xC0) == 0x80)
					take--;
			}
			n = cat(buf, cap, n, "\n%.*s", (int)take, p);
			p += take;
			while (*p == ' ')
				p++;
		}
		char js[600];
		ev_to_json(m, t, &t->ev[e->addr], js, sizeof(js));
		if (strlen(js) > 90)
			strcpy(js + 86, "…}");
		n = cat(buf, cap, n, "\n%s", js);
		break;
	}
	case SE_TIMELINE:
		n = cat(buf, cap, n, "%s",
		        sc_L(v, "timeline: click or drag to jump", "时间线：点击或拖动跳转"));
		break;
	default:
		return 0;
	}
	return n;
}
