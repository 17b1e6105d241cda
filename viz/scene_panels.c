/*
 * scene_panels.c — the panels of the scene: the walk (2-D grid for a nested
 * walk, a row for a one-dimensional one, the address morphing), the memory
 * map (HPA by owner, each VM's GPA ranges linked to the HPA behind them),
 * the narration, the timeline, the event list, and the overlays (fault
 * banner, isolation breach, tooltip, hex dump, help).
 *
 * The 2-D walk grid, hardware order (facts.md section 0):
 *
 *                 EPT PML4E  EPT PDPTE  EPT PDE  EPT PTE | guest entry
 *   guest CR3        1          2         3        4     |  5  PML4E
 *   PML4E -> PDPT    6          7         8        9     | 10  PDPTE
 *   PDPTE -> PD     11         12        13       14     | 15  PDE
 *   PDE   -> PT     16         17        18       19     | 20  PTE
 *   PTE   -> data   21         22        23       24     |  (the access)
 *
 * Cells fill as their walk.ref events are reached: EPT refs go to the
 * current row at column (ept_levels - level), a guest ref closes the row.
 * A large page (EVF_LEAF above level 1) leaves the rest of its row empty.
 *
 * Not modelled: paging-structure caches (the model has none, so every walk
 * after a TLB miss is the full one).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scene_int.h"

#define NONE ((struct rgba){0, 0, 0, 0})

/* ---------------------------------------------------------- walk group */

static int neutral(const struct ev *e)
{
	return e->kind == EV_MEM_READ || e->kind == EV_NOTE || e->kind == EV_LOG || e->kind == EV_TLB_MISS ||
	       e->kind == EV_IOTLB_MISS || e->kind == EV_CTX_CACHE_HIT ||
	       (e->kind == EV_TRANSLATE && e->space_out != SPACE_HPA);
}

static int ends_walk(const struct ev *e)
{
	return (e->kind == EV_TRANSLATE && e->space_out == SPACE_HPA) || e->kind == EV_FAULT ||
	       e->kind == EV_VMEXIT;
}

/* The walk to show at event i: [a, b] (b inclusive, may be the terminating
 * translate/fault). Returns 0 when the step has no walk. */
static int walk_group(const struct scene_src *src, uint64_t i, uint64_t *a, uint64_t *b)
{
	const struct trace *t = src->t;
	if (!t || i >= t->n)
		return 0;
	int st = scene_step_of(src, i);
	uint64_t s0 = st >= 0 ? src->mark[st] : 0;
	uint64_t s1 = st >= 0 ? src->mark[st + 1] : (src->mark ? src->mark[0] : t->n);
	if (s1 > t->n)
		s1 = t->n;
	const struct ev *ci = &t->ev[i];
	if (ci->kind == EV_TLB_HIT || ci->kind == EV_IOTLB_HIT)
		return 0;
	uint64_t j = i + 1, lim = i > s0 + 100000 ? i - 100000 : s0;
	int found = 0;
	while (j-- > lim) {
		if (t->ev[j].kind == EV_WALK_REF) {
			found = 1;
			break;
		}
		if (j < i && (t->ev[j].kind == EV_TLB_HIT || t->ev[j].kind == EV_IOTLB_HIT))
			break;
		if (j == 0)
			break;
	}
	if (!found) {
		for (j = i; j < s1 && j < i + 100000; j++)
			if (t->ev[j].kind == EV_WALK_REF) {
				found = 1;
				break;
			}
		if (!found)
			return 0;
	}
	uint64_t lo = j;
	while (lo > s0) {
		const struct ev *e = &t->ev[lo - 1];
		if (e->kind == EV_WALK_REF || (neutral(e) && e->kind != EV_TLB_MISS))
			lo--;
		else
			break;
	}
	while (lo < j && t->ev[lo].kind != EV_WALK_REF)
		lo++;
	uint64_t hi = j;
	while (hi + 1 < s1) {
		const struct ev *e = &t->ev[hi + 1];
		if (e->kind == EV_WALK_REF || neutral(e)) {
			hi++;
		} else if (ends_walk(e)) {
			hi++;
			break;
		} else {
			break;
		}
	}
	/* an IOMMU walk and a CPU walk never share a group */
	int iommu = t->ev[j].walker >= WALKER_IOMMU_ROOT;
	for (uint64_t k = lo; k <= hi; k++)
		if (t->ev[k].kind == EV_WALK_REF && (t->ev[k].walker >= WALKER_IOMMU_ROOT) != iommu) {
			if (k <= j)
				lo = k + 1;
			else {
				hi = k - 1;
				break;
			}
		}
	*a = lo;
	*b = hi;
	return 1;
}

static const char *guest_level_name(int level)
{
	static const char *const n[] = {"", "PTE", "PDE", "PDPTE", "PML4E", "PML5E"};
	return level >= 1 && level <= 5 ? n[level] : "?";
}

static const char *iommu_level_name(const struct ev *e, char *buf, size_t cap)
{
	if (e->walker == WALKER_IOMMU_ROOT)
		return "root";
	if (e->walker == WALKER_IOMMU_CONTEXT)
		return "context";
	snprintf(buf, cap, "SL-%s", guest_level_name(e->level));
	return buf;
}

static struct rgb walker_colour(int w)
{
	if (w == WALKER_EPT)
		return THEME_EPT;
	if (w >= WALKER_IOMMU_ROOT)
		return THEME_IOMMU;
	return THEME_CPU;
}

static void cell(struct scene *s, const struct scene_view *v, float x, float y, float w, float h, int num,
                 const struct ev *e, uint64_t idx, int state, const char *sub)
{
	/* state: 0 future, 1 done, 2 current, 3 fault */
	float sc = s->s;
	struct rgb col = e ? walker_colour(e->walker) : THEME_GRID;
	struct rgba fill, stroke;
	float thick = 1.2f * sc;
	switch (state) {
	case 1:
		fill = sc_mix(col, THEME_PANEL, 0.78f);
		stroke = sc_mix(col, THEME_PANEL, 0.3f);
		break;
	case 2:
		fill = sc_mix(THEME_ACTIVE, THEME_PANEL, 0.35f);
		stroke = sc_rgba(THEME_ACTIVE, 255);
		thick = 3.5f * sc;
		break;
	case 3:
		fill = sc_mix(THEME_FAULT, THEME_PANEL, 0.25f);
		stroke = sc_rgba(THEME_FAULT, 255);
		thick = 3.5f * sc;
		break;
	default:
		fill = sc_rgba(THEME_BG, 255);
		stroke = sc_rgba(THEME_GRID, 255);
		break;
	}
	int ei = sc_elem(s, SE_WALKCELL, num, x, y, w, h, -1);
	s->e[ei].addr = idx;
	s->e[ei].active = (uint8_t)(state == 2);
	s->e[ei].fault = (uint8_t)(state == 3);
	sc_rect(s, x, y, w, h, fill, stroke, 4 * sc, thick);
	char nb[16];
	snprintf(nb, sizeof(nb), "%d", num);
	int px = h > s->px_body * 2.6f ? s->px_title : s->px_body;
	struct rgba ink = state == 0 ? sc_rgba(THEME_GRID, 255) : sc_rgba(THEME_INK, 255);
	if (sub && state && h > px * 1.3f + s->px_small * 1.3f + 2 * sc) {
		float top = y + (h - px * 1.3f - s->px_small * 1.25f) / 2;
		sc_text(s, x + 2 * sc, top, w - 4 * sc, SF_BOLD, px, SA_CENTER, ink, nb);
		sc_text(s, x + 2 * sc, top + px * 1.25f, w - 4 * sc, SF_MONO, s->px_small, SA_CENTER,
		        sc_rgba(THEME_MUTED, 255), sub);
	} else {
		sc_text(s, x + 2 * sc, y + (h - px * 1.3f) / 2, w - 4 * sc, SF_BOLD, px, SA_CENTER, ink, nb);
	}
	(void)v;
}

static void chip(struct scene *s, float *x, float y, float maxx, const char *label, const char *val,
                 struct rgb col, int known)
{
	float sc = s->s;
	char buf[96];
	snprintf(buf, sizeof(buf), "%s %s", label, known ? val : "?");
	int px = s->chip_px ? s->chip_px : s->px_body;
	float w = (float)sc_tw(s, SF_MONO, px, buf, -1) + 14 * sc;
	if (*x + w > maxx)
		w = maxx - *x;
	if (w < 20 * sc)
		return;
	float h = px * 1.6f;
	sc_rect(s, *x, y, w, h, known ? sc_mix(col, THEME_PANEL, 0.8f) : sc_rgba(THEME_BG, 255),
	        known ? sc_rgba(col, 255) : sc_rgba(THEME_GRID, 255), h / 2, 1.5f * sc);
	sc_text(s, *x + 7 * sc, y + (h - px * 1.3f) / 2, w - 12 * sc, SF_MONO, px, SA_LEFT,
	        known ? sc_rgba(THEME_INK, 255) : sc_rgba(THEME_MUTED, 255), buf);
	*x += w;
}

static void morph_arrow(struct scene *s, float *x, float y, float maxx)
{
	float sc = s->s, h = s->px_body * 1.6f;
	if (*x + 28 * sc > maxx)
		return;
	sc_arrow(s, *x + 5 * sc, y + h / 2, *x + 23 * sc, y + h / 2, sc_rgba(THEME_MUTED, 255), 2 * sc,
	         8 * sc);
	*x += 28 * sc;
}

static void panel(struct scene *s, float x, float y, float w, float h, const char *title, float tw)
{
	float sc = s->s;
	sc_elem(s, SE_PANEL, 0, x, y, w, h, -1);
	sc_rect(s, x, y, w, h, sc_rgba(THEME_PANEL, 255), sc_rgba(THEME_GRID, 255), 8 * sc, 1.2f * sc);
	if (title)
		sc_text(s, x + 12 * sc, y + 6 * sc, w * tw - 24 * sc, SF_BOLD, s->px_label, SA_LEFT,
		        sc_rgba(THEME_INK, 255), title);
}

/* ---- when the step has no walk: a TLB hit, or an entry changed by `set` */

struct field {
	const char *name;
	int hi, lo;
};

static const struct field pte_fields[] = {{"XD", 63, 63}, {"addr", 51, 12}, {"G", 8, 8},   {"PS", 7, 7},
                                          {"D", 6, 6},    {"A", 5, 5},      {"PCD", 4, 4}, {"PWT", 3, 3},
                                          {"US", 2, 2},   {"RW", 1, 1},     {"P", 0, 0},   {NULL, 0, 0}};
static const struct field ept_fields[] = {{"addr", 51, 12}, {"D", 9, 9},  {"A", 8, 8}, {"PS", 7, 7},
                                          {"IPAT", 6, 6},   {"MT", 5, 3}, {"X", 2, 2}, {"W", 1, 1},
                                          {"R", 0, 0},      {NULL, 0, 0}};

static uint64_t field_of(uint64_t v, const struct field *f)
{
	int n = f->hi - f->lo + 1;
	uint64_t mask = n >= 64 ? ~0ull : ((1ull << n) - 1);
	return (v >> f->lo) & mask;
}

static void entry_row(struct scene *s, const struct field *fs, uint64_t v, uint64_t other, float x, float y,
                      float w, float h, const char *label, int is_new)
{
	float sc = s->s;
	float lw = 46 * sc;
	sc_text(s, x, y + (h - s->px_small * 1.3f) / 2, lw - 4 * sc, SF_BOLD, s->px_small, SA_LEFT,
	        sc_rgba(THEME_MUTED, 255), label);
	int n = 0;
	for (; fs[n].name; n++)
		;
	float unit = (w - lw) / (float)(n + 3);
	float cx = x + lw;
	for (int i = 0; i < n; i++) {
		float cw = fs[i].hi - fs[i].lo > 0 && !strcmp(fs[i].name, "addr") ? unit * 4 : unit;
		uint64_t fv = field_of(v, &fs[i]);
		int changed = fv != field_of(other, &fs[i]);
		struct rgba fill =
		    changed ? (is_new ? sc_mix(THEME_FAULT, THEME_PANEL, 0.75f) : sc_rgba(THEME_BG, 255))
		            : sc_rgba(THEME_PANEL, 255);
		sc_rect(s, cx + 1 * sc, y, cw - 2 * sc, h, fill,
		        changed && is_new ? sc_rgba(THEME_FAULT, 255) : sc_rgba(THEME_GRID, 255), 3 * sc,
		        (changed && is_new ? 2.5f : 1.0f) * sc);
		char vb[32];
		if (!strcmp(fs[i].name, "addr"))
			snprintf(vb, sizeof(vb), "0x%llx", (unsigned long long)(fv << 12));
		else
			snprintf(vb, sizeof(vb), "%llu", (unsigned long long)fv);
		sc_text(s, cx + 1 * sc, y + h * 0.5f - s->px_body * 1.25f, cw - 2 * sc, SF_SANS,
		        s->px_small * 85 / 100, SA_CENTER, sc_rgba(THEME_MUTED, 255), fs[i].name);
		sc_text(s, cx + 1 * sc, y + h * 0.5f - s->px_body * 0.05f, cw - 2 * sc, SF_MONO, s->px_body,
		        SA_CENTER, sc_rgba(THEME_INK, 255), vb);
		cx += cw;
	}
}

static void no_walk(struct scene *s, const struct scene_src *src, const struct scene_view *v, float x,
                    float y, float w, float h, float top)
{
	float sc = s->s, pad = 12 * sc;
	const struct trace *t = src->t;
	const struct ev *he = NULL;
	if (t && v->cur < t->n) {
		int st = scene_step_of(src, v->cur);
		uint64_t a = st >= 0 ? src->mark[st] : 0, b = st >= 0 ? src->mark[st + 1] : src->mark[0];
		const struct ev *ce = &t->ev[v->cur];
		if (ce->kind == EV_TLB_HIT || ce->kind == EV_IOTLB_HIT || ce->kind == EV_SET)
			he = ce;
		for (uint64_t i = v->cur + 1; !he && i-- > a && i + 4000 > v->cur;)
			if (t->ev[i].kind == EV_TLB_HIT || t->ev[i].kind == EV_SET ||
			    t->ev[i].kind == EV_IOTLB_HIT)
				he = &t->ev[i];
		for (uint64_t i = v->cur; !he && i < b && i < t->n && i < v->cur + 4000; i++)
			if (t->ev[i].kind == EV_TLB_HIT || t->ev[i].kind == EV_SET ||
			    t->ev[i].kind == EV_IOTLB_HIT)
				he = &t->ev[i];
	}
	char buf[200];
	const char *title = sc_L(v, "Page walk", "页表遍历");
	if (he && he->kind == EV_TLB_HIT)
		title = sc_L(v, "TLB lookup", "TLB 查找");
	else if (he && he->kind == EV_IOTLB_HIT)
		title = sc_L(v, "IOTLB lookup (VT-d)", "IOTLB 查找（VT-d）");
	else if (he && he->kind == EV_SET)
		title = sc_L(v, "A table entry changes", "表项被修改");
	/* a device access that nothing translates (IOMMU off, pass-through) */
	const struct ev *dd = NULL;
	uint64_t dd_hpa = 0;
	int dd_have = 0;
	if (!he && t && v->cur < t->n) {
		int st = scene_step_of(src, v->cur);
		uint64_t a = st >= 0 ? src->mark[st] : 0, b = st >= 0 ? src->mark[st + 1] : src->mark[0];
		for (uint64_t i = v->cur + 1; !dd && i-- > a && i + 4000 > v->cur;)
			if (t->ev[i].kind == EV_DEV_DMA && !(t->ev[i].flags & EVF_BLOCKED))
				dd = &t->ev[i];
		for (uint64_t i = v->cur; !dd && i < b && i < t->n && i < v->cur + 4000; i++)
			if (t->ev[i].kind == EV_DEV_DMA && !(t->ev[i].flags & EVF_BLOCKED))
				dd = &t->ev[i];
		if (dd) {
			title = sc_L(v, "Device DMA: no translation", "设备 DMA：不经转换");
			uint64_t k = (uint64_t)(dd - t->ev);
			for (uint64_t i = k; i < b && i < t->n && i < k + 64; i++) {
				const struct ev *e = &t->ev[i];
				if (e->actor == dd->actor &&
				    (e->kind == EV_MEM_READ || e->kind == EV_MEM_WRITE ||
				     e->kind == EV_ISOLATION_BREACH ||
				     (e->kind == EV_DEV_DMA && e->addr_out))) {
					dd_hpa = e->kind == EV_DEV_DMA                           ? e->addr_out
					         : e->kind == EV_ISOLATION_BREACH && e->addr_out ? e->addr_out
					                                                         : e->addr_in;
					dd_have = v->cur >= i;
					break;
				}
			}
		}
	}
	sc_text(s, x + 12 * sc, y + 6 * sc, w * 0.62f - 24 * sc, SF_BOLD, s->px_label, SA_LEFT,
	        sc_rgba(THEME_INK, 255), title);
	if (dd) {
		float my = top + 8 * sc, mx = x + pad;
		char vb[32];
		snprintf(vb, sizeof(vb), "0x%llx", (unsigned long long)dd->addr_in);
		chip(s, &mx, my, x + w - pad, sc_L(v, "bus", "总线"), vb, THEME_DEVICE, 1);
		morph_arrow(s, &mx, my, x + w - pad);
		snprintf(vb, sizeof(vb), "0x%llx", (unsigned long long)dd_hpa);
		chip(s, &mx, my, x + w - pad, "HPA", vb, THEME_MEMORY, dd_have);
		sc_wrap(
		    s, x + pad, my + s->px_body * 1.6f + 12 * sc, w - 2 * pad, SF_SANS, s->px_body,
		    sc_rgba(THEME_INK, 255),
		    src->m && src->m->iommu
		        ? sc_L(v,
		               "This device's context is pass-through (or identity-mapped): the bus address "
		               "is used as the host physical address, no table is read, nothing is checked.",
		               "该设备的上下文是直通（或恒等映射）：总线地址直接当作宿主机物理地址，不读任何"
		               "表，也不做任何检查。")
		        : sc_L(v,
		               "No IOMMU: the bus address the device puts on PCIe is the host physical "
		               "address. Nothing is read, nothing is checked: the device can reach all of "
		               "memory.",
		               "没有 IOMMU：设备在 PCIe "
		               "上发出的总线地址就是宿主机物理地址。不读任何表，也不做任何检查：设备能访问全"
		               "部内存。"),
		    4, 1);
		return;
	}
	if (he && (he->kind == EV_TLB_HIT || he->kind == EV_IOTLB_HIT)) {
		int io = he->kind == EV_IOTLB_HIT;
		snprintf(buf, sizeof(buf), "%s", sc_L(v, "refs: 0", "访存：0"));
		sc_text(s, x + w * 0.6f, y + 4 * sc, w * 0.4f - pad, SF_BOLD, s->px_title, SA_RIGHT,
		        sc_rgba(THEME_HIT, 255), buf);
		/* a short panel (small window, presenter, rings below) gets a smaller banner */
		int bpx = s->px_big;
		float avail = y + h - 6 * sc - top;
		if (avail < bpx * 1.6f + s->px_body * 1.6f + 12 * sc)
			bpx = s->px_title;
		float by = top + 4 * sc, bh = bpx * 1.5f;
		if (by + bh > y + h - 4 * sc)
			bh = y + h - 4 * sc - by;
		sc_rect(s, x + pad, by, w - 2 * pad, bh, sc_mix(THEME_HIT, THEME_PANEL, 0.82f),
		        sc_rgba(THEME_HIT, 255), 8 * sc, 2 * sc);
		sc_text(s, x + pad, by + (bh - bpx * 1.3f) / 2, w - 2 * pad, SF_BOLD, bpx, SA_CENTER,
		        sc_rgba(THEME_HIT, 255),
		        io ? sc_L(v, "IOTLB HIT", "IOTLB 命中") : sc_L(v, "TLB HIT", "TLB 命中"));
		/* the addresses first, then the words in whatever room is left */
		float my = by + bh + 8 * sc, mx = x + pad;
		if (my + s->px_body * 1.6f > y + h - 4 * sc)
			return;
		char vb[32];
		snprintf(vb, sizeof(vb), "0x%llx", (unsigned long long)he->addr_in);
		chip(s, &mx, my, x + w - pad,
		     io              ? "IOVA"
		     : he->actor > 0 ? "GVA"
		                     : "VA",
		     vb, io ? THEME_DEVICE : THEME_CPU, 1);
		morph_arrow(s, &mx, my, x + w - pad);
		snprintf(vb, sizeof(vb), "0x%llx", (unsigned long long)he->addr_out);
		chip(s, &mx, my, x + w - pad, "HPA", vb, THEME_MEMORY, 1);
		float ty = my + s->px_body * 1.6f + 8 * sc;
		int lines = (int)((y + h - 6 * sc - ty) / (s->px_body * 1.35f));
		if (lines > 0)
			sc_wrap(
			    s, x + pad, ty, w - 2 * pad, SF_SANS, s->px_body, sc_rgba(THEME_INK, 255),
			    io ? sc_L(v,
			              "The IOTLB holds this IOVA's translation: no context or second-level "
			              "entry is read.",
			              "IOTLB 缓存了该 IOVA 的转换：不读上下文表，也不读二级页表。")
			    : he->actor > 0
			        ? sc_L(v,
			               "The TLB holds the combined translation GVA → HPA: no guest entry and "
			               "no EPT entry is read.",
			               "TLB 缓存了 GVA → HPA 的组合转换：客户机页表和 EPT 表项都不必读取。")
			        : sc_L(v, "The TLB holds this VA's translation: no page-table entry is read.",
			               "TLB 缓存了该 VA 的转换：不读任何页表项。"),
			    lines > 3 ? 3 : lines, 1);
		return;
	}
	if (he && he->kind == EV_SET) {
		const struct field *fs = he->walker == WALKER_EPT ? ept_fields : pte_fields;
		snprintf(buf, sizeof(buf),
		         sc_L(v, "%s entry, level %d, at HPA 0x%llx", "%s 表项，第 %d 级，位于 HPA 0x%llx"),
		         he->walker == WALKER_EPT     ? "EPT"
		         : he->walker == WALKER_GUEST ? sc_L(v, "Guest", "客户机")
		                                      : sc_L(v, "Host", "宿主机"),
		         he->level, (unsigned long long)he->addr_in);
		sc_text(s, x + pad, top, w - 2 * pad, SF_BOLD, s->px_body, SA_LEFT, sc_rgba(THEME_INK, 255),
		        buf);
		float rh = s->px_body * 2.9f;
		float ry = top + s->px_body * 1.6f + 6 * sc;
		entry_row(s, fs, he->extra, he->entry, x + pad, ry, w - 2 * pad, rh,
		          sc_L(v, "before", "修改前"), 0);
		entry_row(s, fs, he->entry, he->extra, x + pad, ry + rh + 8 * sc, w - 2 * pad, rh,
		          sc_L(v, "after", "修改后"), 1);
		snprintf(buf, sizeof(buf), "0x%016llx  →  0x%016llx", (unsigned long long)he->extra,
		         (unsigned long long)he->entry);
		sc_text(s, x + pad, ry + 2 * rh + 18 * sc, w - 2 * pad, SF_MONO, s->px_body, SA_LEFT,
		        sc_rgba(THEME_INK, 255), buf);
		sc_wrap(s, x + pad, ry + 2 * rh + 18 * sc + s->px_body * 1.6f, w - 2 * pad, SF_SANS,
		        s->px_small, sc_rgba(THEME_MUTED, 255),
		        sc_L(v,
		             "Changed fields are red. Writing an entry does not flush any TLB: a cached "
		             "translation stays until INVLPG / INVEPT.",
		             "红色为改动的字段。改写表项不会刷新 TLB：已缓存的转换会一直有效，直到 INVLPG / "
		             "INVEPT。"),
		        3, 1);
		return;
	}
	sc_wrap(s, x + pad, top + 10 * sc, w - 2 * pad, SF_SANS, s->px_body, sc_rgba(THEME_MUTED, 255),
	        sc_L(v, "No page walk in this step.", "本步没有页表遍历。"), 3, 1);
}

void sc_walk_panel(struct scene *s, const struct scene_src *src, const struct scene_view *v, float x, float y,
                   float w, float h)
{
	float sc = s->s;
	const struct trace *t = src->t;
	uint64_t a = 0, b = 0;
	int have = walk_group(src, v->cur, &a, &b);
	int nested = 0, iommu = 0;
	int gl = 4, el = 4;
	if (have) {
		int g = 0, ep = 0;
		for (uint64_t k = a; k <= b; k++) {
			const struct ev *e = &t->ev[k];
			if (e->kind != EV_WALK_REF)
				continue;
			if (e->walker == WALKER_GUEST)
				g = 1;
			if (e->walker == WALKER_EPT)
				ep = 1;
			if (e->walker >= WALKER_IOMMU_ROOT)
				iommu = 1;
		}
		nested = g && ep;
		int vmi = src->m ? t->ev[a].actor - 1 : -1;
		if (src->m && vmi >= 0 && vmi < src->m->nvms && src->m->vms[vmi].d) {
			if (src->m->vms[vmi].d->levels)
				gl = src->m->vms[vmi].d->levels;
			if (src->m->vms[vmi].d->ept_levels)
				el = src->m->vms[vmi].d->ept_levels;
		}
	}
	const char *title =
	    !have ? sc_L(v, "Page walk", "页表遍历")
	    : nested ? sc_L(v, "2-D page walk: guest tables × EPT", "二维页表遍历：客户机页表 × EPT")
	    : iommu ? sc_L(v, "IOMMU walk (VT-d)", "IOMMU 页表遍历（VT-d）")
	            : sc_L(v, "Page walk", "页表遍历");
	panel(s, x, y, w, h, have ? title : NULL, 0.62f);
	float pad = 12 * sc, top = y + s->px_label * 1.3f + 14 * sc;
	float morph_h = s->px_body * 1.6f + 10 * sc;
	if (!have) {
		no_walk(s, src, v, x, y, w, h, top);
		return;
	}
	/* count refs and position */
	int total = 0, done = 0;
	for (uint64_t k = a; k <= b; k++)
		if (t->ev[k].kind == EV_WALK_REF) {
			total++;
			if (k <= v->cur)
				done++;
		}
	int theo = nested ? (gl + 1) * (el + 1) - 1 : total;
	int fault_end = ends_walk(&t->ev[b]) && t->ev[b].kind != EV_TRANSLATE;
	if (!fault_end && total > theo)
		theo = total;
	if (fault_end && !nested)
		theo = total;
	s->walk_refs = v->cur < a ? 0 : done;
	s->walk_total = theo;
	char buf[128];
	snprintf(buf, sizeof(buf), sc_L(v, "refs: %d/%d", "访存：%d/%d"), s->walk_refs, theo);
	sc_text(s, x + w * 0.6f, y + 4 * sc, w * 0.4f - pad, SF_BOLD, s->px_title, SA_RIGHT,
	        fault_end && v->cur >= b ? sc_rgba(THEME_FAULT, 255) : sc_rgba(THEME_INK, 255), buf);
	float gy = top, gh = h - (top - y) - morph_h - pad;
	int cur_in = v->cur >= a && v->cur <= b;
	if (nested) {
		int rows = gl + 1, cols = el + 1;
		float lw = w * 0.2f, cw = (w - 2 * pad - lw) / cols, hh = s->px_small * 1.4f;
		float rh = (gh - hh) / rows;
		/* headers */
		for (int c = 0; c < cols; c++) {
			const char *hn = c < el ? guest_level_name(el - c) : sc_L(v, "guest", "客户机");
			char hb[32];
			if (c < el)
				snprintf(hb, sizeof(hb), "EPT %s", hn);
			else
				snprintf(hb, sizeof(hb), "%s", hn);
			sc_text(s, x + pad + lw + c * cw, gy, cw, SF_BOLD, s->px_small, SA_CENTER,
			        sc_rgba(c < el ? THEME_EPT : THEME_CPU, 255), hb);
		}
		sc_text(s, x + pad, gy, lw - 4 * sc, SF_BOLD, s->px_small, SA_LEFT, sc_rgba(THEME_MUTED, 255),
		        sc_L(v, "GPA from", "GPA 来自"));
		for (int r = 0; r < rows; r++) {
			char rb[48];
			if (r == 0)
				snprintf(rb, sizeof(rb), "%s", sc_L(v, "guest CR3", "客户机 CR3"));
			else if (r < rows - 1)
				snprintf(rb, sizeof(rb), "%s", guest_level_name(gl - r + 1));
			else
				snprintf(rb, sizeof(rb), "PTE %s", sc_L(v, "(data)", "（数据）"));
			sc_text(s, x + pad, gy + hh + r * rh + (rh - s->px_small * 1.3f) / 2, lw - 4 * sc,
			        SF_SANS, s->px_small, SA_LEFT, sc_rgba(THEME_MUTED, 255), rb);
		}
		/* empty grid */
		int filled[6][6];
		memset(filled, 0, sizeof(filled));
		int r = 0, num = 0;
		for (uint64_t k = a; k <= b; k++) {
			const struct ev *e = &t->ev[k];
			if (e->kind != EV_WALK_REF)
				continue;
			num++;
			int c;
			if (e->walker == WALKER_EPT) {
				c = el - e->level;
				if (e->flags & EVF_FINAL)
					r = rows - 1;
			} else {
				c = cols - 1;
			}
			if (r >= rows || c < 0 || c >= cols)
				continue;
			int state = k < v->cur ? 1 : k == v->cur ? 2 : 0;
			if (k <= v->cur && k + 1 <= b && k + 1 == b && fault_end && v->cur >= b)
				state = 3;
			if (v->cur < a)
				state = 0;
			char sub[32];
			snprintf(sub, sizeof(sub), "%llx", (unsigned long long)(e->addr_out >> 12));
			snprintf(sub, sizeof(sub), "@%llx", (unsigned long long)e->addr_out);
			cell(s, v, x + pad + lw + c * cw + 2 * sc, gy + hh + r * rh + 2 * sc, cw - 4 * sc,
			     rh - 4 * sc, num, e, k, state, sub);
			filled[r][c] = 1;
			if (e->walker != WALKER_EPT)
				r++;
		}
		for (int rr = 0; rr < rows; rr++)
			for (int c = 0; c < cols; c++)
				if (!filled[rr][c]) {
					float cx = x + pad + lw + c * cw + 2 * sc,
					      cy = gy + hh + rr * rh + 2 * sc;
					if (rr == rows - 1 && c == cols - 1) {
						sc_text(s, cx, cy + (rh - 4 * sc - s->px_small * 1.3f) / 2,
						        cw - 4 * sc, SF_SANS, s->px_small, SA_CENTER,
						        sc_rgba(THEME_MUTED, 255),
						        sc_L(v, "access", "访问数据"));
						continue;
					}
					sc_rect(s, cx, cy, cw - 4 * sc, rh - 4 * sc, sc_rgba(THEME_BG, 255),
					        sc_rgba(THEME_GRID, 255), 4 * sc, 1 * sc);
				}
	} else {
		/* one row of references */
		int n = total > 0 ? total : 1;
		float cw = (w - 2 * pad) / (n < 4 ? 4 : n), ch = gh * 0.55f;
		if (ch > 80 * sc)
			ch = 80 * sc;
		float cy = gy + (gh - ch) / 2;
		int num = 0;
		for (uint64_t k = a; k <= b; k++) {
			const struct ev *e = &t->ev[k];
			if (e->kind != EV_WALK_REF)
				continue;
			char lb[32];
			const char *name = e->walker >= WALKER_IOMMU_ROOT
			                       ? iommu_level_name(e, lb, sizeof(lb))
			                   : e->walker == WALKER_EPT ? guest_level_name(e->level)
			                                             : guest_level_name(e->level);
			int state = k < v->cur ? 1 : k == v->cur ? 2 : 0;
			if (k + 1 == b && fault_end && v->cur >= b)
				state = 3;
			if (v->cur < a)
				state = 0;
			float cx = x + pad + num * cw;
			sc_text(s, cx, cy - s->px_small * 1.4f, cw - 12 * sc, SF_BOLD, s->px_small, SA_CENTER,
			        sc_rgba(walker_colour(e->walker), 255), name);
			char sub[32];
			snprintf(sub, sizeof(sub), "%llx", (unsigned long long)e->addr_out);
			num++;
			cell(s, v, cx, cy, cw - 12 * sc, ch, num, e, k, state, sub);
			if (num < n)
				sc_arrow(s, cx + cw - 11 * sc, cy + ch / 2, cx + cw - 1 * sc, cy + ch / 2,
				         sc_rgba(THEME_MUTED, 255), 1.5f * sc, 6 * sc);
		}
	}
	/* the address morphing: GVA -> GPA -> HPA, or IOVA -> HPA */
	float my = y + h - morph_h - 4 * sc + 5 * sc, mx = x + pad, mmax = x + w - pad;
	{
		/* three chips of up to "GVA 0x7f0000400010" and two arrows: shrink the font if they do not
		 * fit */
		float need =
		    (float)sc_tw(s, SF_MONO, s->px_body, "GVA 0x7f0000400010", -1) * (nested ? 3.0f : 2.0f) +
		    (14 + 28) * sc * (nested ? 3.0f : 2.0f);
		s->chip_px = need > mmax - mx ? s->px_small : s->px_body;
	}
	const struct ev *first = &t->ev[a];
	uint64_t in = first->addr_in, gpa = 0, hpa = 0;
	int gpa_known = 0, hpa_known = 0, gpa_seen = 0;
	for (uint64_t k = a; k <= b; k++) {
		const struct ev *e = &t->ev[k];
		if (e->kind == EV_TRANSLATE && e->space_out == SPACE_GPA) {
			gpa = e->addr_out;
			gpa_seen = 1;
			gpa_known = v->cur >= k;
		}
		if (e->kind == EV_WALK_REF && e->walker == WALKER_EPT && (e->flags & EVF_FINAL) &&
		    !gpa_seen) {
			gpa = e->addr_in;
			gpa_seen = 1;
			gpa_known = v->cur >= k;
		}
		if (e->kind == EV_TRANSLATE && e->space_out == SPACE_HPA) {
			hpa = e->addr_out;
			hpa_known = v->cur >= k;
		}
	}
	for (uint64_t k = a; k <= b; k++) {
		const struct ev *e = &t->ev[k];
		if ((e->kind == EV_TRANSLATE && (e->space_in == SPACE_GVA || e->space_in == SPACE_VA ||
		                                 e->space_in == SPACE_IOVA || e->space_in == SPACE_BUS)) ||
		    (e->kind == EV_WALK_REF && e->walker != WALKER_EPT)) {
			first = e;
			in = e->addr_in;
			break;
		}
	}
	if (!hpa_known && !hpa) {
		/* no translate event (the IOMMU): the access that follows the walk */
		uint64_t last = a;
		for (uint64_t k = a; k <= b; k++)
			if (t->ev[k].kind == EV_WALK_REF)
				last = k;
		for (uint64_t k = last + 1; k < t->n && k <= b + 2 && k < last + 8; k++) {
			const struct ev *e = &t->ev[k];
			if ((e->kind == EV_MEM_READ || e->kind == EV_MEM_WRITE) &&
			    e->actor == t->ev[last].actor) {
				hpa = e->addr_in;
				hpa_known = v->cur >= k;
				break;
			}
		}
	}
	if (!hpa_known && !hpa) {
		/* else the leaf entry gives the frame */
		for (uint64_t k = b + 1; k-- > a;) {
			const struct ev *e = &t->ev[k];
			if (e->kind != EV_WALK_REF || e->walker == WALKER_IOMMU_ROOT ||
			    e->walker == WALKER_IOMMU_CONTEXT)
				continue;
			if ((e->flags & EVF_LEAF) || e->level == 1 ||
			    ((e->level == 2 || e->level == 3) && (e->entry >> 7 & 1))) {
				int lv = e->level >= 1 && e->level <= 3 ? e->level : 1;
				uint64_t ps = 1ull << (12 + 9 * (lv - 1));
				if (e->entry & 3) {
					hpa =
					    (e->entry & 0x000FFFFFFFFFF000ull & ~(ps - 1)) | (in & (ps - 1));
					hpa_known = v->cur >= k;
				}
			}
			break;
		}
	}
	char vb[32];
	const char *inl = nested                          ? "GVA"
	                  : first->walker == WALKER_GUEST ? "GVA"
	                  : first->walker == WALKER_HOST  ? "VA"
	                  : first->walker == WALKER_EPT   ? "GPA"
	                                                  : "IOVA";
	snprintf(vb, sizeof(vb), "0x%llx", (unsigned long long)in);
	chip(s, &mx, my, mmax, inl, vb,
	     first->walker == WALKER_EPT          ? THEME_EPT
	     : first->walker >= WALKER_IOMMU_ROOT ? THEME_DEVICE
	                                          : THEME_CPU,
	     v->cur >= a);
	if (nested) {
		morph_arrow(s, &mx, my, mmax);
		snprintf(vb, sizeof(vb), "0x%llx", (unsigned long long)gpa);
		chip(s, &mx, my, mmax, "GPA", vb, THEME_EPT, gpa_known);
	}
	morph_arrow(s, &mx, my, mmax);
	if (fault_end && v->cur >= b) {
		const struct ev *fe = &t->ev[b];
		if (fe->kind == EV_VMEXIT)
			snprintf(vb, sizeof(vb), "%s %d", sc_L(v, "VM exit", "VM 退出"), fe->code);
		else if (fe->unit == UNIT_IOMMU)
			snprintf(vb, sizeof(vb), "DMAR 0x%02x", fe->code);
		else
			snprintf(vb, sizeof(vb), "#PF 0x%llx", (unsigned long long)fe->extra);
		chip(s, &mx, my, mmax, sc_L(v, "fault:", "故障："), vb, THEME_FAULT, 1);
	} else {
		snprintf(vb, sizeof(vb), "0x%llx", (unsigned long long)hpa);
		chip(s, &mx, my, mmax, "HPA", vb, THEME_MEMORY, hpa_known);
	}
	(void)cur_in;
}

/* ---------------------------------------------------------------- memory */

static float span_weight(uint64_t size)
{
	float w = sqrtf((float)(size >> 12));
	return w < 1 ? 1 : w;
}

static int mem_span_index(const struct mem *mem, uint64_t a)
{
	for (int i = 0; i < mem->nspans; i++)
		if (a >= mem->spans[i].base && a - mem->spans[i].base < mem->spans[i].size)
			return i;
	return 0;
}

static struct rgb owner_colour(const struct machine *m, int owner)
{
	if (!m || owner <= 0)
		return theme_owner(0, 0);
	if (owner <= m->nvms)
		return theme_owner(1, owner - 1);
	return theme_owner(2, owner - m->nvms - 1);
}

int sc_mem_point(const struct scene *s, uint64_t hpa, float *x, float *y)
{
	for (int i = 0; i < s->mem_n; i++) {
		if (hpa >= s->mem_base[i] && hpa - s->mem_base[i] < s->mem_size[i]) {
			double f = (double)(hpa - s->mem_base[i]) / (double)s->mem_size[i];
			*x = s->mem_x[i] + (float)(f * s->mem_w[i]);
			*y = s->mem_y + s->mem_h / 2;
			return 1;
		}
	}
	return 0;
}

void sc_mem_panel(struct scene *s, const struct scene_src *src, const struct scene_view *v, float x, float y,
                  float w, float h)
{
	float sc = s->s, pad = 12 * sc;
	panel(s, x, y, w, h,
	      sc_L(v, "Memory: each VM's GPA space → host physical (HPA)",
	           "内存：各虚拟机 GPA 空间 → 宿主机物理地址 HPA"),
	      1.0f);
	const struct machine *m = src->m;
	s->mem_n = 0;
	if (!m)
		return;
	const struct mem *mem = &m->mem;
	/* HPA bar layout */
	float bx = x + pad + 44 * sc, bw = w - 2 * pad - 44 * sc;
	float bh = s->px_small * 2.2f;
	float strip_h = s->px_small * 1.3f * 2 + 6 * sc, conn_h = 16 * sc, lbl_h = s->px_small * 1.5f;
	int have_notes = mem->nnotes > 0;
	float by = y + h - pad - bh - lbl_h - (have_notes ? strip_h + conn_h : 0);
	{
		/* the VM bars and their links come first; drop the strip if they do not fit */
		float top0 = y + s->px_label * 1.3f + 14 * sc;
		int nv0 = m->nvms < 4 ? m->nvms : 4;
		float need = nv0 ? nv0 * bh * 1.1f + 18 * sc : s->px_small * 1.4f;
		if (have_notes && by - top0 < need) {
			have_notes = 0;
			by = y + h - pad - bh - lbl_h;
		}
	}
	float gap = 12 * sc;
	float tw = 0;
	int n = mem->nspans < SCENE_MEM_MAX ? mem->nspans : SCENE_MEM_MAX;
	int ngaps = 0;
	for (int i = 0; i < n; i++) {
		tw += span_weight(mem->spans[i].size);
		if (i > 0 && mem->spans[i].base != mem->spans[i - 1].base + mem->spans[i - 1].size)
			ngaps++;
	}
	float minw = 6 * sc;
	float avail = bw - ngaps * gap - n * minw;
	if (avail < 0)
		avail = 0;
	float cx = bx;
	sc_text(s, x + pad, by + (bh - s->px_small * 1.3f) / 2, 44 * sc, SF_BOLD, s->px_small, SA_LEFT,
	        sc_rgba(THEME_MEMORY, 255), "HPA");
	uint64_t cur_hpa = 0;
	const struct ev *ce = src->t && v->cur < src->t->n ? &src->t->ev[v->cur] : NULL;
	int have_hpa = ce && sc_ev_hpa(ce, &cur_hpa);
	for (int i = 0; i < n; i++) {
		const struct span *sp = &mem->spans[i];
		if (i > 0 && sp->base != mem->spans[i - 1].base + mem->spans[i - 1].size) {
			/* a hole in the physical address space */
			sc_line(s, cx + gap * 0.3f, by + bh * 0.2f, cx + gap * 0.5f, by + bh * 0.8f,
			        sc_rgba(THEME_MUTED, 255), 1.5f * sc);
			sc_line(s, cx + gap * 0.55f, by + bh * 0.2f, cx + gap * 0.75f, by + bh * 0.8f,
			        sc_rgba(THEME_MUTED, 255), 1.5f * sc);
			cx += gap;
		}
		float sw = minw + avail * span_weight(sp->size) / (tw > 0 ? tw : 1);
		s->mem_x[s->mem_n] = cx;
		s->mem_w[s->mem_n] = sw;
		s->mem_base[s->mem_n] = sp->base;
		s->mem_size[s->mem_n] = sp->size;
		s->mem_n++;
		struct rgb oc = sp->kind == SPAN_MMIO ? THEME_DEVICE : owner_colour(m, sp->owner);
		int ei = sc_elem(s, SE_SPAN, i, cx, by, sw, bh, -1);
		s->e[ei].addr = sp->base;
		s->e[ei].addr2 = sp->size;
		s->e[ei].text = sc_pool(s, sp->label, -1);
		int act = have_hpa && cur_hpa >= sp->base && cur_hpa - sp->base < sp->size;
		s->e[ei].active = (uint8_t)act;
		sc_rect(s, cx, by, sw, bh,
		        sp->kind == SPAN_MMIO ? sc_mix(oc, THEME_PANEL, 0.45f) : sc_rgba(oc, 255),
		        act ? sc_rgba(THEME_INK, 255) : sc_rgba(THEME_PANEL, 255), 2 * sc,
		        (act ? 2.0f : 1.0f) * sc);
		const char *lab = sp->kind == SPAN_MMIO ? sp->label : entity_name(m, sp->owner);
		sc_text(s, cx + 2 * sc, by + (bh - s->px_small * 1.3f) / 2, sw - 4 * sc, SF_SANS, s->px_small,
		        SA_CENTER, sc_rgba(THEME_INK, 255), lab);
		cx += sw;
	}
	s->mem_y = by;
	s->mem_h = bh;
	/* notes (page tables, rings, buffers): a strip of labelled allocations
	 * under the bar, each tied to its place in HPA */
	const struct mem_note *act_note = NULL;
	int nn = mem->nnotes < MEM_MAX_NOTES ? mem->nnotes : MEM_MAX_NOTES;
	if (have_notes) {
		struct nref {
			uint64_t base;
			int i;
		} ord[MEM_MAX_NOTES];
		for (int i = 0; i < nn; i++) {
			ord[i].base = mem->notes[i].base;
			ord[i].i = i;
		}
		for (int i = 1; i < nn; i++) /* nearly sorted already: insertion sort */
			for (int j = i; j > 0 && ord[j].base < ord[j - 1].base; j--) {
				struct nref tmp = ord[j];
				ord[j] = ord[j - 1];
				ord[j - 1] = tmp;
			}
		/* focus: the note touched now, else the last one touched before */
		int focus = -1;
		const struct trace *t = src->t;
		for (uint64_t k = v->cur + 1, lim = 0; k-- > 0 && lim < 400 && t && k < t->n; lim++) {
			uint64_t a2;
			if (!sc_ev_hpa(&t->ev[k], &a2))
				continue;
			for (int i = 0; i < nn; i++) {
				const struct mem_note *no = &mem->notes[ord[i].i];
				if (a2 >= no->base && a2 - no->base < no->size) {
					focus = i;
					break;
				}
			}
			if (focus >= 0)
				break;
		}
		float cwmin = 92 * sc;
		int cells = (int)(bw / cwmin);
		if (cells < 1)
			cells = 1;
		if (cells > nn)
			cells = nn;
		int first = 0;
		if (focus >= 0) {
			first = focus - cells / 2;
			if (first + cells > nn)
				first = nn - cells;
			if (first < 0)
				first = 0;
		}
		float cw = bw / (float)cells, sy = by + bh + conn_h;
		sc_text(s, x + pad, sy + (strip_h - s->px_small * 1.3f) / 2, 44 * sc, SF_SANS,
		        s->px_small * 9 / 10, SA_LEFT, sc_rgba(THEME_MUTED, 255),
		        sc_L(v, "in use", "已分配"));
		for (int c = 0; c < cells; c++) {
			const struct mem_note *no = &mem->notes[ord[first + c].i];
			float cx2 = bx + c * cw, nx, dummy;
			int act = have_hpa && cur_hpa >= no->base && cur_hpa - no->base < no->size;
			if (act)
				act_note = no;
			struct rgb oc = owner_colour(m, no->owner);
			(void)nx;
			(void)dummy;
			int ei = sc_elem(s, SE_SPAN, mem_span_index(mem, no->base), cx2 + 1 * sc, sy,
			                 cw - 2 * sc, strip_h, -1);
			s->e[ei].addr = no->base;
			s->e[ei].addr2 = no->size;
			s->e[ei].active = (uint8_t)act;
			s->e[ei].text = sc_pool(s, no->label, -1);
			sc_rect(s, cx2 + 1 * sc, sy, cw - 2 * sc, strip_h,
			        act ? sc_mix(THEME_ACTIVE, THEME_PANEL, 0.35f)
			            : sc_mix(oc, THEME_PANEL, 0.55f),
			        act ? sc_rgba(THEME_INK, 255) : sc_rgba(THEME_PANEL, 255), 3 * sc,
			        (act ? 2.0f : 1.0f) * sc);
			sc_text(s, cx2 + 4 * sc, sy + 3 * sc, cw - 8 * sc, SF_SANS, s->px_small * 9 / 10,
			        SA_CENTER, sc_rgba(THEME_INK, 255), no->label);
			char ab[32];
			snprintf(ab, sizeof(ab), "0x%llx", (unsigned long long)no->base);
			sc_text(s, cx2 + 4 * sc, sy + 3 * sc + s->px_small * 1.2f, cw - 8 * sc, SF_MONO,
			        s->px_small * 9 / 10, SA_CENTER, sc_rgba(THEME_MUTED, 255), ab);
		}
		if (first > 0)
			sc_text(s, bx - 14 * sc, sy, 14 * sc, SF_BOLD, s->px_small, SA_CENTER,
			        sc_rgba(THEME_MUTED, 255), "…");
		/* a magnifier: the part of HPA these allocations cover, opened up */
		float z0, z1, dz;
		const struct mem_note *n0 = &mem->notes[ord[first].i],
		                      *n1 = &mem->notes[ord[first + cells - 1].i];
		if (sc_mem_point(s, n0->base, &z0, &dz) &&
		    sc_mem_point(s, n1->base + n1->size - 1, &z1, &dz)) {
			if (z1 - z0 < 3 * sc)
				z1 = z0 + 3 * sc;
			struct rgba zc = sc_mix(THEME_MUTED, THEME_PANEL, 0.72f);
			sc_tri(s, z0, by + bh, z1, by + bh, bx + cells * cw, sy, zc);
			sc_tri(s, z0, by + bh, bx + cells * cw, sy, bx, sy, zc);
			sc_line(s, z0, by + bh, bx, sy, sc_rgba(THEME_MUTED, 200), 1 * sc);
			sc_line(s, z1, by + bh, bx + cells * cw, sy, sc_rgba(THEME_MUTED, 200), 1 * sc);
			sc_rect(s, z0, by - 2 * sc, z1 - z0, bh + 4 * sc, NONE, sc_rgba(THEME_INK, 200), 0,
			        1.5f * sc);
		}
	}
	/* the frame being touched */
	float hx = 0, hy = 0;
	if (have_hpa && sc_mem_point(s, cur_hpa, &hx, &hy)) {
		struct rgb c = s->fault ? THEME_FAULT : THEME_ACTIVE;
		float pulse = 0.5f + 0.5f * v->pulse;
		sc_rect(s, hx - 5 * sc, by - 5 * sc, 10 * sc, bh + 10 * sc,
		        sc_rgba(c, (uint8_t)(120 + 100 * pulse)), sc_rgba(THEME_INK, 255), 2 * sc, 1.5f * sc);
		char lb[160];
		const struct span *sp = mem_span_at(mem, cur_hpa);
		if (!act_note)
			act_note = mem_note_at(mem, cur_hpa);
		if (act_note)
			snprintf(
			    lb, sizeof(lb),
			    sc_L(v, "now: HPA 0x%llx · %s · owner %s", "当前：HPA 0x%llx · %s · 属于 %s"),
			    (unsigned long long)cur_hpa, act_note->label, entity_name(m, act_note->owner));
		else
			snprintf(lb, sizeof(lb),
			         sc_L(v, "now: HPA 0x%llx · owner %s", "当前：HPA 0x%llx · 属于 %s"),
			         (unsigned long long)cur_hpa,
			         sp ? (sp->kind == SPAN_MMIO ? sp->label : entity_name(m, sp->owner)) : "-");
		sc_text(s, x + pad, y + h - pad * 0.5f - lbl_h, w - 2 * pad, SF_MONO, s->px_small, SA_LEFT,
		        sc_rgba(s->fault ? THEME_FAULT : THEME_INK, 255), lb);
	}
	/* VM GPA bars, linked to HPA */
	int nv = m->nvms < 4 ? m->nvms : 4;
	float top = y + s->px_label * 1.3f + 14 * sc;
	float linkh = (by - top) * 0.45f;
	float vh = nv ? (by - top - linkh) / nv : 0;
	if (vh > bh * 1.3f)
		vh = bh * 1.3f;
	float vbh = vh * 0.75f;
	for (int vi = 0; vi < nv; vi++) {
		const struct vm_desc *d = m->vms[vi].d;
		if (!d)
			continue;
		float vy = top + vi * vh;
		struct rgb oc = theme_owner(1, vi);
		sc_text(s, x + pad, vy + (vbh - s->px_small * 1.3f) / 2, 44 * sc, SF_BOLD, s->px_small,
		        SA_LEFT, sc_rgb(THEME_INK, 255), entity_name(m, m->vms[vi].entity));
		/* order ranges by gpa */
		int ord[MAX_RAM_RANGES], nr = d->nram < MAX_RAM_RANGES ? d->nram : MAX_RAM_RANGES;
		for (int i = 0; i < nr; i++)
			ord[i] = i;
		for (int i = 1; i < nr; i++)
			for (int j = i; j > 0 && d->ram[ord[j]].gpa < d->ram[ord[j - 1]].gpa; j--) {
				int tmp = ord[j];
				ord[j] = ord[j - 1];
				ord[j - 1] = tmp;
			}
		float vtw = 0;
		int vg = 0;
		for (int i = 0; i < nr; i++) {
			vtw += span_weight(d->ram[ord[i]].size);
			if (i && d->ram[ord[i]].gpa != d->ram[ord[i - 1]].gpa + d->ram[ord[i - 1]].size)
				vg++;
		}
		float vavail = bw * 0.75f - vg * gap - nr * minw;
		float vx = bx;
		uint64_t cur_gpa = 0;
		int have_gpa = 0;
		if (ce && ce->actor == m->vms[vi].entity &&
		    ((ce->kind == EV_WALK_REF && ce->walker == WALKER_EPT) || ce->kind == EV_VMEXIT ||
		     (ce->kind == EV_TRANSLATE && ce->space_in == SPACE_GPA))) {
			cur_gpa = ce->addr_in;
			have_gpa = 1;
		}
		for (int i = 0; i < nr; i++) {
			const struct ram_range_desc *rr = &d->ram[ord[i]];
			if (i && rr->gpa != d->ram[ord[i - 1]].gpa + d->ram[ord[i - 1]].size)
				vx += gap;
			float rw =
			    minw + (vavail > 0 ? vavail : 0) * span_weight(rr->size) / (vtw > 0 ? vtw : 1);
			int ei = sc_elem(s, SE_GPA, vi * 16 + ord[i], vx, vy, rw, vbh, -1);
			s->e[ei].addr = rr->gpa;
			s->e[ei].addr2 = rr->size;
			int act = have_gpa && cur_gpa >= rr->gpa && cur_gpa - rr->gpa < rr->size;
			s->e[ei].active = (uint8_t)act;
			/* link to HPA */
			float h0, h1, yy;
			uint64_t hpa = rr->hpa;
			if (!hpa) {
				int ok = 0;
				hpa = vm_gpa_to_hpa(m, vi, rr->gpa, &ok);
				if (!ok)
					hpa = 0;
			}
			if (sc_mem_point(s, hpa, &h0, &yy) && sc_mem_point(s, hpa + rr->size - 1, &h1, &yy)) {
				/* opaque tints over the white panel: fast on the software renderer */
				struct rgba lc = sc_mix(oc, THEME_PANEL, act ? 0.45f : 0.75f);
				sc_tri(s, vx, vy + vbh, vx + rw, vy + vbh, h1, by, lc);
				sc_tri(s, vx, vy + vbh, h1, by, h0, by, lc);
				sc_line(s, vx, vy + vbh, h0, by, sc_rgba(oc, 220), 1 * sc);
				sc_line(s, vx + rw, vy + vbh, h1, by, sc_rgba(oc, 220), 1 * sc);
			}
			sc_rect(s, vx, vy, rw, vbh, sc_rgba(oc, 255),
			        act ? sc_rgba(THEME_INK, 255) : sc_rgba(THEME_PANEL, 255), 2 * sc,
			        (act ? 2.0f : 1.0f) * sc);
			char lb[48];
			snprintf(lb, sizeof(lb), "GPA 0x%llx", (unsigned long long)rr->gpa);
			sc_text(s, vx + 2 * sc, vy + (vbh - s->px_small * 1.3f) / 2, rw - 4 * sc, SF_MONO,
			        s->px_small, SA_CENTER, sc_rgba(THEME_INK, 255), lb);
			if (act) {
				double f = (double)(cur_gpa - rr->gpa) / (double)rr->size;
				float gx = vx + (float)(f * rw);
				sc_rect(s, gx - 4 * sc, vy - 3 * sc, 8 * sc, vbh + 6 * sc,
				        sc_rgba(THEME_ACTIVE, 230), sc_rgba(THEME_INK, 255), 2 * sc,
				        1.5f * sc);
			}
			vx += rw;
		}
	}
	if (nv == 0 && by - top > s->px_small * 1.4f * 2)
		sc_wrap(
		    s, x + pad, top, w - 2 * pad, SF_SANS, s->px_small, sc_rgba(THEME_MUTED, 255),
		    sc_L(v, "No VM: the host sees HPA directly; device DMA goes through the IOMMU (when on).",
		         "没有虚拟机：宿主机直接使用 HPA；设备 DMA 经过 IOMMU（若开启）。"),
		    2, 1);
}

/* ------------------------------------------------------------------ ring */

int sc_has_ring(const struct scene_src *src)
{
	const struct machine *m = src->m;
	if (!m)
		return 0;
	for (int i = 0; i < m->ndevs; i++)
		if (m->devs[i].d && m->devs[i].d->type_id == DEV_E1000)
			return 1;
	return 0;
}

/* ----------------------------------------------------------- narration */

static const char *step_say(const struct scene_src *src, const struct scene_view *v, int st)
{
	if (st < 0 && src->lesson && src->sc && (src->sc->goals_en || src->sc->goals_zh))
		return v->lang == LANG_ZH && src->sc->goals_zh ? src->sc->goals_zh
		       : src->sc->goals_en                     ? src->sc->goals_en
		                                               : src->sc->goals_zh;
	if (st < 0)
		return sc_L(
		    v, "The machine is built: firmware, kernel boot, page tables, EPT, IOMMU and devices.",
		    "搭建机器：固件、内核启动、页表、EPT、IOMMU 与设备。");
	if (!src->sc || st >= src->sc->nsteps)
		return NULL;
	const struct step *sp = &src->sc->steps[st];
	const char *say = v->lang == LANG_ZH ? (sp->say_zh ? sp->say_zh : sp->say_en)
	                                     : (sp->say_en ? sp->say_en : sp->say_zh);
	if (!say && sp->act)
		say = sp->act->name;
	return say;
}

static float badge_w(struct scene *s, const struct scene_view *v, int st, char *badge, size_t cap,
                     int src_lesson_goals)
{
	if (st >= 0)
		snprintf(badge, cap, sc_L(v, "STEP %d", "第 %d 步"), st + 1);
	else if (src_lesson_goals)
		snprintf(badge, cap, "%s", sc_L(v, "GOALS", "目标"));
	else
		snprintf(badge, cap, "%s", sc_L(v, "SETUP", "启动"));
	return (float)sc_tw(s, SF_BOLD, s->px_body, badge, -1) + 16 * s->s;
}

/* The step text: title size in up to 2 lines, else body size in up to 4. */
static void say_fit(struct scene *s, const char *say, float tw, int *px, int *lines)
{
	*px = s->px_title;
	*lines = 0;
	if (!say)
		return;
	int n = sc_wrap(s, 0, 0, tw, SF_BOLD, s->px_title, (struct rgba){0, 0, 0, 0}, say, 8, 0);
	if (n <= 2) {
		*lines = n;
		return;
	}
	*px = s->px_body + 1;
	n = sc_wrap(s, 0, 0, tw, SF_SANS, *px, (struct rgba){0, 0, 0, 0}, say, 8, 0);
	*lines = n < 6 ? n : 6;
}

float sc_narration_height(struct scene *s, const struct scene_src *src, const struct scene_view *v, float w)
{
	if (sc_card_active(src, v))
		return sc_card_height(s, src, v, w);
	float sc = s->s, pad = 14 * sc;
	char badge[48];
	int st = src->t && v->cur < src->t->n ? scene_step_of(src, v->cur) : -1;
	float bw = badge_w(s, v, st, badge, sizeof(badge),
	                   src->lesson && src->sc && (src->sc->goals_en || src->sc->goals_zh));
	int px, lines;
	say_fit(s, step_say(src, v, st), w - 2 * pad - bw - 10 * sc, &px, &lines);
	if (lines < 1)
		lines = 1;
	float sayh = px * 1.35f * (float)lines;
	if (sayh < s->px_body * 1.6f)
		sayh = s->px_body * 1.6f;
	return pad * 2 + sayh + 6 * sc + s->px_body * 1.35f * 2;
}

void sc_narration(struct scene *s, const struct scene_src *src, const struct scene_view *v, float x, float y,
                  float w, float h)
{
	if (sc_card_active(src, v)) {
		sc_card(s, src, v, x, y, w, h);
		return;
	}
	float sc = s->s, pad = 14 * sc;
	int fault = s->fault;
	sc_elem(s, SE_PANEL, 1, x, y, w, h, -1);
	sc_rect(s, x, y, w, h, sc_rgba(THEME_PANEL, 255),
	        fault ? sc_rgba(THEME_FAULT, 255) : sc_rgba(THEME_GRID, 255), 8 * sc,
	        (fault ? 3.0f : 1.2f) * sc);
	int st = s->step;
	char badge[48];
	float bw = badge_w(s, v, st, badge, sizeof(badge),
	                   src->lesson && src->sc && (src->sc->goals_en || src->sc->goals_zh));
	float bh = s->px_body * 1.6f;
	sc_rect(s, x + pad, y + pad, bw, bh, sc_rgba(THEME_INK, 255), NONE, bh / 2, 0);
	sc_text(s, x + pad, y + pad + (bh - s->px_body * 1.3f) / 2, bw, SF_BOLD, s->px_body, SA_CENTER,
	        sc_rgba(THEME_PANEL, 255), badge);
	const char *say = step_say(src, v, st);
	float tx = x + pad + bw + 10 * sc, tw = x + w - pad - tx;
	int px, lines;
	say_fit(s, say, tw, &px, &lines);
	float sy = y + pad + (lines <= 1 ? (bh - px * 1.35f) / 2 : 0);
	if (say)
		sc_wrap(s, tx, sy, tw, px == s->px_title ? SF_BOLD : SF_SANS, px, sc_rgba(THEME_INK, 255),
		        say, lines > 0 ? lines : 1, 1);
	float sayh = px * 1.35f * (float)(lines > 0 ? lines : 1);
	if (sayh < bh)
		sayh = bh;
	float ey = y + pad + sayh + 6 * sc;
	const struct trace *t = src->t;
	if (t && v->cur < t->n) {
		char buf[600];
		sc_narrate(src, v, v->cur, buf, sizeof(buf));
		if (say && !strcmp(buf, say)) {
			/* the step's own note: it is already written above */
			const char *act = src->sc && st >= 0 && st < src->sc->nsteps && src->sc->steps[st].act
			                      ? src->sc->steps[st].act->name
			                      : "";
			snprintf(buf, sizeof(buf),
			         sc_L(v, "Step %d begins (%s): the explanation is above.",
			              "第 %d 步开始（%s）：说明见上。"),
			         st + 1, act);
		}
		char kb[48];
		snprintf(kb, sizeof(kb), "#%llu %s", (unsigned long long)v->cur + 1,
		         ev_kind_name(t->ev[v->cur].kind));
		float kw = (float)sc_tw(s, SF_MONO, s->px_body, kb, -1) + 8 * sc;
		if (kw > w * 0.3f)
			kw = w * 0.3f;
		sc_text(s, x + pad, ey, kw, SF_MONO, s->px_body, SA_LEFT,
		        fault ? sc_rgba(THEME_FAULT, 255) : sc_rgba(THEME_MUTED, 255), kb);
		int maxl = (int)((y + h - pad * 0.5f - ey) / (s->px_body * 1.35f));
		if (maxl < 1)
			maxl = 1;
		sc_wrap(s, x + pad + kw + 6 * sc, ey, w - 2 * pad - kw - 6 * sc, SF_SANS, s->px_body,
		        fault ? sc_rgba(THEME_FAULT, 255) : sc_rgba(THEME_INK, 255), buf, maxl, 1);
	}
}

/* ------------------------------------------------------------- timeline */

void sc_cache_faults(struct scene *s, const struct scene_src *src)
{
	const struct trace *t = src->t;
	if (!t) {
		s->nfault = 0;
		return;
	}
	if (s->fault_t == t && s->fault_n == t->n)
		return;
	s->nfault = 0;
	for (uint64_t i = 0; i < t->n; i++) {
		uint16_t k = t->ev[i].kind;
		if (k == EV_FAULT || k == EV_ISOLATION_BREACH ||
		    (k == EV_VMEXIT && t->ev[i].code != 49 && 0) || k == EV_DMA_MISUSE || k == EV_RX_DROP) {
			if (s->nfault == s->capfault) {
				int nc = s->capfault ? s->capfault * 2 : 64;
				uint64_t *q = realloc(s->fault_idx, (size_t)nc * sizeof(*q));
				if (!q)
					break;
				s->fault_idx = q;
				s->capfault = nc;
			}
			s->fault_idx[s->nfault++] = i;
		}
	}
	s->fault_t = t;
	s->fault_n = t->n;
}

/* timeline geometry: setup has weight SETUP_W, every step weight 1 */
#define SETUP_W 0.3f
static float tl_x_of(const struct scene *s, const struct scene_src *src, uint64_t i)
{
	const struct trace *t = src->t;
	uint64_t n = t ? t->n : 0;
	if (!src->mark || src->nsteps <= 0 || n == 0)
		return s->tl_x + (n ? (float)i / (float)n : 0) * s->tl_w;
	float unit = s->tl_w / (SETUP_W + (float)src->nsteps);
	int st = scene_step_of(src, i);
	uint64_t a = st >= 0 ? src->mark[st] : 0, b = st >= 0 ? src->mark[st + 1] : src->mark[0];
	float x0 = st >= 0 ? s->tl_x + unit * (SETUP_W + st) : s->tl_x;
	float wseg = st >= 0 ? unit : unit * SETUP_W;
	float f = b > a ? (float)(i - a) / (float)(b - a) : 0;
	return x0 + f * wseg;
}

uint64_t scene_timeline_event(const struct scene *s, const struct scene_src *src, float x)
{
	const struct trace *t = src->t;
	uint64_t n = t ? t->n : 0;
	if (n == 0)
		return 0;
	float f = (x - s->tl_x) / (s->tl_w > 0 ? s->tl_w : 1);
	if (f < 0)
		f = 0;
	if (f > 1)
		f = 1;
	if (!src->mark || src->nsteps <= 0) {
		uint64_t i = (uint64_t)(f * (float)n);
		return i >= n ? n - 1 : i;
	}
	float u = f * (SETUP_W + (float)src->nsteps);
	uint64_t a, b;
	float g;
	if (u < SETUP_W) {
		a = 0;
		b = src->mark[0];
		g = u / SETUP_W;
	} else {
		int st = (int)(u - SETUP_W);
		if (st >= src->nsteps)
			st = src->nsteps - 1;
		a = src->mark[st];
		b = src->mark[st + 1];
		g = u - SETUP_W - (float)st;
	}
	if (b > n)
		b = n;
	if (b <= a)
		return a < n ? a : n - 1;
	uint64_t i = a + (uint64_t)(g * (float)(b - a));
	if (i >= b)
		i = b - 1;
	return i >= n ? n - 1 : i;
}

void sc_timeline(struct scene *s, const struct scene_src *src, const struct scene_view *v, float x, float y,
                 float w, float h)
{
	float sc = s->s;
	float lw = 70 * sc;
	s->tl_x = x + lw;
	s->tl_y = y + h * 0.2f;
	s->tl_w = w - lw - 8 * sc;
	s->tl_h = h * 0.5f;
	sc_text(s, x, y + (h - s->px_small * 1.3f) / 2 - 2 * sc, lw - 8 * sc, SF_BOLD, s->px_small, SA_LEFT,
	        sc_rgba(THEME_MUTED, 255), sc_L(v, "timeline", "时间线"));
	int ei = sc_elem(s, SE_TIMELINE, 0, s->tl_x, y, s->tl_w, h, -1);
	(void)ei;
	sc_rect(s, s->tl_x, s->tl_y, s->tl_w, s->tl_h, sc_rgba(THEME_PANEL, 255), sc_rgba(THEME_GRID, 255),
	        4 * sc, 1 * sc);
	const struct trace *t = src->t;
	if (!t || t->n == 0)
		return;
	/* step segments */
	if (src->mark && src->nsteps > 0) {
		float unit = s->tl_w / (SETUP_W + (float)src->nsteps);
		sc_rect(s, s->tl_x, s->tl_y, unit * SETUP_W, s->tl_h, sc_rgba(THEME_GRID, 255), NONE, 0, 0);
		int every = 1;
		float lblw = (float)sc_tw(s, SF_SANS, s->px_small, "888", -1) + 4 * sc;
		while (unit * every < lblw)
			every *= 2;
		for (int i = 0; i < src->nsteps; i++) {
			float sx = s->tl_x + unit * (SETUP_W + i);
			if (i % 2 == 1)
				sc_rect(s, sx, s->tl_y, unit, s->tl_h, sc_mix(THEME_GRID, THEME_PANEL, 0.6f),
				        NONE, 0, 0);
			if (i == s->step)
				sc_rect(s, sx, s->tl_y, unit, s->tl_h,
				        sc_mix(THEME_ACTIVE, THEME_PANEL, 0.6f), NONE, 0, 0);
			if (unit > 2 * sc)
				sc_line(s, sx, s->tl_y, sx, s->tl_y + s->tl_h, sc_rgba(THEME_GRID, 255),
				        1 * sc);
			if (i % every == 0) {
				char nb[16];
				snprintf(nb, sizeof(nb), "%d", i + 1);
				sc_text(s, sx, s->tl_y + s->tl_h + 1 * sc, unit * every, SF_SANS,
				        s->px_small * 85 / 100, every == 1 ? SA_CENTER : SA_LEFT,
				        sc_rgba(THEME_MUTED, 255), nb);
			}
		}
	}
	/* fault markers (cap the count drawn) */
	int stride = s->nfault > 2000 ? s->nfault / 2000 : 1;
	for (int i = 0; i < s->nfault; i += stride) {
		float fx = tl_x_of(s, src, s->fault_idx[i]);
		sc_rect(s, fx - 1.5f * sc, s->tl_y - 3 * sc, 3 * sc, s->tl_h + 6 * sc,
		        sc_rgba(THEME_FAULT, 255), NONE, 0, 0);
	}
	/* lesson questions: a "?" where each is asked (amber, green once answered) */
	if (src->sc && src->mark && src->nsteps > 0) {
		float unit = s->tl_w / (SETUP_W + (float)src->nsteps);
		float r = s->tl_h * 0.42f;
		int qpx = s->px_small * 85 / 100;
		for (int q = 0; q < src->sc->nquestions; q++) {
			int k = src->sc->questions[q].after_step;
			if (k < 0 || k >= src->nsteps)
				continue;
			float qx = s->tl_x + unit * (SETUP_W + (float)k), qy = s->tl_y + s->tl_h / 2;
			int done = q < 32 && (v->revealed & (1u << q));
			sc_circle(s, qx, qy, r, done ? sc_rgba(THEME_HIT, 255) : sc_rgba(THEME_ACTIVE, 255),
			          sc_rgba(THEME_INK, 255), 1 * sc);
			sc_text(s, qx - r, qy - qpx * 0.68f, 2 * r, SF_BOLD, qpx, SA_CENTER,
			        done ? sc_rgba(THEME_PANEL, 255) : sc_rgba(THEME_INK, 255), "?");
		}
	}
	/* progress + cursor */
	float cx = tl_x_of(s, src, v->cur);
	sc_rect(s, s->tl_x, s->tl_y + s->tl_h - 3 * sc, cx - s->tl_x, 3 * sc, sc_rgba(THEME_CPU, 255), NONE,
	        0, 0);
	sc_line(s, cx, s->tl_y - 4 * sc, cx, s->tl_y + s->tl_h + 4 * sc, sc_rgba(THEME_INK, 255), 2.5f * sc);
	sc_tri(s, cx - 6 * sc, s->tl_y - 8 * sc, cx + 6 * sc, s->tl_y - 8 * sc, cx, s->tl_y,
	       sc_rgba(THEME_INK, 255));
}

/* ----------------------------------------------------------- event list */

static struct rgb kind_colour(const struct ev *e)
{
	switch (e->kind) {
	case EV_FAULT:
	case EV_ISOLATION_BREACH:
	case EV_DMA_MISUSE:
	case EV_RX_DROP:
		return THEME_FAULT;
	case EV_VMEXIT:
		return THEME_EPT;
	case EV_TLB_HIT:
	case EV_IOTLB_HIT:
		return THEME_HIT;
	case EV_STEP:
		return THEME_INK;
	default:
		return sc_box_colour(scene_event_box(NULL, e) ? scene_event_box(NULL, e) : SB_RAM);
	}
}

void sc_event_list(struct scene *s, const struct scene_src *src, const struct scene_view *v, float x, float y,
                   float w, float h)
{
	float sc = s->s, pad = 8 * sc;
	panel(s, x, y, w, h, sc_L(v, "Events", "事件"), 1.0f);
	const struct trace *t = src->t;
	if (!t || t->n == 0)
		return;
	float top = y + s->px_label * 1.3f + 12 * sc;
	float rh = s->px_small * 1.55f;
	int rows = (int)((y + h - pad - top) / rh);
	if (rows < 1)
		return;
	uint64_t first = v->cur > (uint64_t)(rows / 3) ? v->cur - (uint64_t)(rows / 3) : 0;
	if (first + (uint64_t)rows > t->n)
		first = t->n > (uint64_t)rows ? t->n - (uint64_t)rows : 0;
	s->ev_first = (int)first;
	s->ev_rows = rows;
	float kw = (float)sc_tw(s, SF_MONO, s->px_small, "iotlb.miss", -1);
	for (int r = 0; r < rows && first + (uint64_t)r < t->n; r++) {
		uint64_t i = first + (uint64_t)r;
		const struct ev *e = &t->ev[i];
		float ry = top + r * rh;
		int ei = sc_elem(s, SE_EVROW, (int)i, x + pad, ry, w - 2 * pad, rh, -1);
		s->e[ei].addr = i;
		int iscur = i == v->cur;
		s->e[ei].active = (uint8_t)iscur;
		if (e->kind == EV_STEP)
			sc_rect(s, x + pad, ry, w - 2 * pad, rh, sc_rgba(THEME_LAYER_USER, 255), NONE, 3 * sc,
			        0);
		if (iscur)
			sc_rect(s, x + pad, ry, w - 2 * pad, rh, sc_mix(THEME_ACTIVE, THEME_PANEL, 0.45f),
			        sc_rgba(THEME_ACTIVE, 255), 3 * sc, 1.5f * sc);
		struct rgb kc = kind_colour(e);
		int future = i > v->cur;
		sc_rect(s, x + pad + 3 * sc, ry + rh * 0.25f, 4 * sc, rh * 0.5f,
		        sc_rgba(kc, future ? 90 : 255), NONE, 1 * sc, 0);
		char buf[300];
		sc_narrate(src, v, i, buf, sizeof(buf));
		struct rgba ink = future ? sc_mix(THEME_MUTED, THEME_PANEL, 0.2f) : sc_rgba(THEME_INK, 255);
		if (e->kind == EV_FAULT || e->kind == EV_ISOLATION_BREACH)
			ink = future ? sc_mix(THEME_FAULT, THEME_PANEL, 0.45f) : sc_rgba(THEME_FAULT, 255);
		float tx = x + pad + 12 * sc;
		sc_text(s, tx, ry + (rh - s->px_small * 1.3f) / 2, kw + 4 * sc, SF_MONO, s->px_small, SA_LEFT,
		        future ? sc_mix(kc, THEME_PANEL, 0.45f) : sc_rgba(kc, 255), ev_kind_name(e->kind));
		sc_text(s, tx + kw + 8 * sc, ry + (rh - s->px_small * 1.3f) / 2,
		        x + w - pad - 4 * sc - (tx + kw + 8 * sc), SF_SANS, s->px_small, SA_LEFT, ink, buf);
	}
}

/* ------------------------------------------------------------- overlays */

void sc_fault_banner(struct scene *s, const struct scene_src *src, const struct scene_view *v)
{
	const struct trace *t = src->t;
	if (!t || v->cur >= t->n || !s->fault)
		return;
	const struct ev *e = &t->ev[v->cur];
	float sc = s->s, W = (float)v->w, H = (float)v->h;
	char buf[600];
	sc_narrate(src, v, v->cur, buf, sizeof(buf));
	if (s->breach) {
		float th = 7 * sc * (0.6f + 0.4f * v->pulse);
		struct rgba fc = sc_rgba(THEME_FAULT, 255);
		sc_rect(s, 0, 0, W, th, fc, NONE, 0, 0);
		sc_rect(s, 0, H - th, W, th, fc, NONE, 0, 0);
		sc_rect(s, 0, 0, th, H, fc, NONE, 0, 0);
		sc_rect(s, W - th, 0, th, H, fc, NONE, 0, 0);
	}
	/* banner over the top of the architecture diagram */
	float bw = s->arch_w - 20 * sc, bx = s->main_x + 10 * sc;
	float lh = s->px_body * 1.35f;
	const char *head = s->breach                  ? sc_L(v, "ISOLATION BREACH", "隔离被突破")
	                   : e->kind == EV_VMEXIT     ? sc_L(v, "VM EXIT", "VM 退出")
	                   : e->kind == EV_DMA_MISUSE ? sc_L(v, "DMA API MISUSE", "DMA API 误用")
	                   : e->kind == EV_RX_DROP    ? sc_L(v, "PACKET DROPPED", "丢包")
	                   : e->unit == UNIT_IOMMU    ? sc_L(v, "DMA REMAPPING FAULT", "DMA 重映射故障")
	                                              : sc_L(v, "PAGE FAULT", "缺页异常");
	int hp = s->breach ? s->px_big : s->px_title;
	int nl = sc_wrap(s, 0, 0, bw - 24 * sc, SF_SANS, s->px_body, NONE, buf, 3, 0);
	float bh = hp * 1.4f + nl * lh + 18 * sc;
	float by = s->main_y + s->main_h * 0.19f - bh / 2;
	if (by < s->main_y)
		by = s->main_y;
	sc_rect(s, bx - 3 * sc, by - 3 * sc, bw + 6 * sc, bh + 6 * sc, sc_rgba(THEME_FAULT, 80), NONE,
	        10 * sc, 0);
	sc_rect(s, bx, by, bw, bh, sc_rgba(THEME_FAULT, 245), sc_rgba(THEME_PANEL, 255), 8 * sc, 2 * sc);
	sc_text(s, bx + 12 * sc, by + 8 * sc, bw - 24 * sc, SF_BOLD, hp, SA_LEFT, sc_rgba(THEME_PANEL, 255),
	        head);
	sc_wrap(s, bx + 12 * sc, by + 8 * sc + hp * 1.4f, bw - 24 * sc, SF_SANS, s->px_body,
	        sc_rgba(THEME_PANEL, 255), buf, 3, 1);
}

static void overlay_box(struct scene *s, float x, float y, float w, float h)
{
	float sc = s->s;
	sc_rect(s, x + 4 * sc, y + 5 * sc, w, h, (struct rgba){0, 0, 0, 60}, NONE, 8 * sc, 0);
	sc_rect(s, x, y, w, h, sc_rgba(THEME_INK, 255), sc_rgba(THEME_MUTED, 255), 8 * sc, 1 * sc);
}

void sc_tooltip_box(struct scene *s, const struct scene_src *src, const struct scene_view *v)
{
	char buf[1200];
	size_t n = scene_tooltip(s, src, v, v->hover, buf, sizeof(buf));
	if (!n)
		return;
	float sc = s->s, W = (float)v->w, H = (float)v->h;
	int px = s->px_small;
	float lh = px * 1.35f;
	/* measure lines */
	int lines = 0;
	float maxw = 0;
	char *p = buf;
	while (*p && lines < 20) {
		char *nl = strchr(p, '\n');
		int len = nl ? (int)(nl - p) : (int)strlen(p);
		int face = lines == 0 ? SF_BOLD : SF_MONO;
		float lw = (float)sc_tw(s, face, px, p, len);
		if (lw > maxw)
			maxw = lw;
		lines++;
		p = nl ? nl + 1 : p + len;
	}
	float tw = maxw + 20 * sc;
	if (tw > W * 0.45f)
		tw = W * 0.45f;
	float th = lines * lh + 14 * sc;
	float x = (float)v->mouse_x + 16 * sc, y = (float)v->mouse_y + 18 * sc;
	if (x + tw > W - 4)
		x = (float)v->mouse_x - tw - 10 * sc;
	if (y + th > H - 4)
		y = (float)v->mouse_y - th - 10 * sc;
	if (x < 4)
		x = 4;
	if (y < 4)
		y = 4;
	overlay_box(s, x, y, tw, th);
	p = buf;
	for (int i = 0; i < lines; i++) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		sc_text(s, x + 10 * sc, y + 7 * sc + i * lh, tw - 20 * sc, i == 0 ? SF_BOLD : SF_MONO, px,
		        SA_LEFT, sc_rgba(i == 0 ? THEME_ACTIVE : THEME_PANEL, 255), p);
		if (!nl)
			break;
		p = nl + 1;
	}
}

void sc_hexdump(struct scene *s, const struct scene_src *src, const struct scene_view *v)
{
	const struct machine *m = src->m_now ? src->m_now : src->m;
	if (!m)
		return;
	float sc = s->s, W = (float)v->w, H = (float)v->h;
	int px = s->px_mono;
	float lh = px * 1.35f;
	float cw = (float)sc_tw(s, SF_MONO, px, "0", 1);
	float w = cw * 84 + 30 * sc, h = lh * 19 + 30 * sc;
	if (w > W - 20)
		w = W - 20;
	float x = (W - w) / 2, y = (H - h) / 2;
	overlay_box(s, x, y, w, h);
	uint64_t base = v->dump_addr & ~(uint64_t)0xFF;
	const struct span *sp = mem_span_at(&m->mem, base);
	const struct mem_note *no = mem_note_at(&m->mem, base);
	char buf[160];
	snprintf(buf, sizeof(buf),
	         sc_L(v, "HPA 0x%llx · %s%s%s · at the start of step %d  (click to close)",
	              "HPA 0x%llx · %s%s%s · 第 %d 步开始时  （点击关闭）"),
	         (unsigned long long)base, sp ? entity_name(m, sp->owner) : "-", no ? " · " : "",
	         no ? no->label : "", s->step + 1);
	sc_text(s, x + 12 * sc, y + 8 * sc, w - 24 * sc, SF_BOLD, s->px_small, SA_LEFT,
	        sc_rgba(THEME_ACTIVE, 255), buf);
	uint8_t bytes[256];
	if (sp && sp->kind == SPAN_MMIO)
		memset(bytes, 0, sizeof(bytes));
	else
		mem_read(&m->mem, base, bytes, sizeof(bytes));
	for (int r = 0; r < 16; r++) {
		char line[128];
		int o =
		    snprintf(line, sizeof(line), "%012llx  ", (unsigned long long)(base + (uint64_t)r * 16));
		for (int c = 0; c < 16; c++)
			o += snprintf(line + o, sizeof(line) - (size_t)o, "%02x%s", bytes[r * 16 + c],
			              c == 7 ? "  " : " ");
		o += snprintf(line + o, sizeof(line) - (size_t)o, " ");
		for (int c = 0; c < 16 && o < (int)sizeof(line) - 1; c++) {
			uint8_t b = bytes[r * 16 + c];
			line[o++] = b >= 32 && b < 127 ? (char)b : '.';
		}
		line[o] = 0;
		int zero = 1;
		for (int c = 0; c < 16; c++)
			zero &= bytes[r * 16 + c] == 0;
		sc_text(s, x + 12 * sc, y + 14 * sc + lh * (r + 1), w - 24 * sc, SF_MONO, px, SA_LEFT,
		        sc_rgba(zero ? THEME_MUTED : THEME_PANEL, 255), line);
	}
	if (sp && sp->kind == SPAN_MMIO)
		sc_text(s, x + 12 * sc, y + h - lh - 6 * sc, w - 24 * sc, SF_SANS, s->px_small, SA_LEFT,
		        sc_rgba(THEME_GRID, 255),
		        sc_L(v, "MMIO: device registers, not RAM (reads have side effects).",
		             "MMIO：设备寄存器，不是内存（读取有副作用）。"));
}

void sc_help(struct scene *s, const struct scene_view *v)
{
	static const char *const keys[][3] = {
	    {"Space", "play / pause", "播放 / 暂停"},
	    {"→  ←", "one event forward / back", "前进 / 后退一个事件"},
	    {"Shift + →  ←", "one scenario step", "前进 / 后退一个场景步骤"},
	    {"Home  End", "first / last event", "第一个 / 最后一个事件"},
	    {"+  −", "speed: very slow … instant", "速度：很慢 … 瞬时"},
	    {"L", "language: 中文 / English", "语言：中文 / English"},
	    {"P", "presenter mode (large, no event list)", "演示模式（大字，隐藏事件列表）"},
	    {"F", "fullscreen", "全屏"},
	    {"S", "screenshot (PNG)", "截图（PNG）"},
	    {"E", "export this step as SVG", "导出本步为 SVG"},
	    {"R", "reload the scenario (also on save)", "重新加载场景（保存时自动）"},
	    {"mouse", "hover: decoded bits · click memory: hex dump", "悬停：解码位 · 点击内存：十六进制"},
	    {"timeline", "click or drag to jump", "点击或拖动跳转"},
	    {"A", "lesson question: show / hide the answer", "课程预测题：显示 / 隐藏答案"},
	    {"H  ?", "this help", "本帮助"},
	    {"Esc  Q", "close overlay / quit", "关闭浮层 / 退出"},
	};
	int n = (int)(sizeof(keys) / sizeof(keys[0]));
	float sc = s->s, W = (float)v->w, H = (float)v->h;
	float lh = s->px_body * 1.6f;
	float w = W * 0.56f, h = lh * (n + 2) + 20 * sc;
	if (h > H - 20)
		h = H - 20;
	float x = (W - w) / 2, y = (H - h) / 2;
	sc_rect(s, 0, 0, W, H, (struct rgba){0, 0, 0, 90}, NONE, 0, 0);
	overlay_box(s, x, y, w, h);
	sc_text(s, x + 20 * sc, y + 12 * sc, w - 40 * sc, SF_BOLD, s->px_title, SA_LEFT,
	        sc_rgba(THEME_ACTIVE, 255), sc_L(v, "Keys", "快捷键"));
	float kx = w * 0.3f;
	for (int i = 0; i < n; i++) {
		float ry = y + 12 * sc + lh * (i + 1.4f);
		if (ry + lh > y + h)
			break;
		sc_text(s, x + 20 * sc, ry, kx - 24 * sc, SF_MONO, s->px_body, SA_LEFT,
		        sc_rgba(THEME_ACTIVE, 255), keys[i][0]);
		sc_text(s, x + kx, ry, w - kx - 20 * sc, SF_SANS, s->px_body, SA_LEFT,
		        sc_rgba(THEME_PANEL, 255), v->lang == LANG_ZH ? keys[i][2] : keys[i][1]);
	}
}
