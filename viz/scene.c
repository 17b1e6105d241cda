/*
 * scene.c — the scene model's core: the display list, text fitting and
 * wrapping, the layout, the header, the architecture diagram (three layers
 * and their boxes), the token, faults and breaches. Panels (walk, memory,
 * ring, narration, timeline, event list, overlays) are in scene_panels.c.
 *
 *   event N --scene_event_box--> box that acts  --token-->  box/frame it reaches
 *      |                                                   (eased, t in 0..1)
 *      +-- ev_narrate --> narration panel, event list
 *
 * Which box an event names (the "active" box, tested by test_scene.c):
 *
 *   kind                         box
 *   walk.ref guest/host          MMU          walk.ref ept       EPT
 *   walk.ref iommu-*             IOMMU        tlb.hit/miss/flush TLB
 *   iotlb.*, ctx cache           IOTLB        fault              MMU / EPT / IOMMU (unit)
 *   vmexit                       KVM          dma.* , bounce     DMA API
 *   dev.dma, wire, desc, napi    the device   irq                CPU
 *   mem.read/write               the actor's box (CPU or device)
 *   boot, log                    IOMMU driver / kernel
 *
 * Not modelled: animation of several events at once (one token at a time);
 * a per-glyph layout of wrapped text (word widths are summed).
 */
#include "scene.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scene_int.h"
#include "theme.h"

const float scene_speeds[SCENE_NSPEEDS] = {0.25f, 0.5f, 1.0f, 2.0f, 5.0f, 20.0f, 0.0f};

/* ---------------------------------------------------------------- basics */

struct rgba sc_rgb(struct rgb c, uint8_t a)
{
	return (struct rgba){c.r, c.g, c.b, a};
}

struct rgba sc_mix(struct rgb a, struct rgb b, float f)
{
	if (f < 0)
		f = 0;
	if (f > 1)
		f = 1;
	return (struct rgba){(uint8_t)(a.r + (b.r - a.r) * f), (uint8_t)(a.g + (b.g - a.g) * f),
	                     (uint8_t)(a.b + (b.b - a.b) * f), 255};
}

void scene_init(struct scene *s)
{
	memset(s, 0, sizeof(*s));
}

void scene_free(struct scene *s)
{
	free(s->p);
	free(s->e);
	free(s->pool);
	free(s->fault_idx);
	memset(s, 0, sizeof(*s));
}

const char *scene_str(const struct scene *s, int off)
{
	if (off < 0 || !s->pool)
		return "";
	return s->pool + off;
}

static void *grow(void *p, int *cap, int need, size_t sz)
{
	if (need <= *cap)
		return p;
	int nc = *cap ? *cap * 2 : 256;
	while (nc < need)
		nc *= 2;
	void *q = realloc(p, (size_t)nc * sz);
	if (!q)
		abort();
	*cap = nc;
	return q;
}

int sc_pool(struct scene *s, const char *str, int len)
{
	if (len < 0)
		len = (int)strlen(str);
	s->pool = grow(s->pool, &s->pool_cap, s->pool_len + len + 1, 1);
	int off = s->pool_len;
	memcpy(s->pool + off, str, (size_t)len);
	s->pool[off + len] = 0;
	s->pool_len += len + 1;
	return off;
}

struct scene_prim *sc_prim(struct scene *s, int kind)
{
	s->p = grow(s->p, &s->capp, s->np + 1, sizeof(*s->p));
	struct scene_prim *p = &s->p[s->np++];
	memset(p, 0, sizeof(*p));
	p->kind = (uint8_t)kind;
	p->elem = -1;
	p->text = -1;
	return p;
}

int sc_elem(struct scene *s, int kind, int id, float x, float y, float w, float h, int parent)
{
	s->e = grow(s->e, &s->cape, s->ne + 1, sizeof(*s->e));
	struct scene_elem *e = &s->e[s->ne];
	memset(e, 0, sizeof(*e));
	e->kind = (uint8_t)kind;
	e->id = id;
	e->x = x;
	e->y = y;
	e->w = w;
	e->h = h;
	e->parent = parent;
	e->text = -1;
	return s->ne++;
}

void sc_rect(struct scene *s, float x, float y, float w, float h, struct rgba fill, struct rgba stroke,
             float radius, float thick)
{
	struct scene_prim *p = sc_prim(s, SP_RECT);
	p->x = x;
	p->y = y;
	p->w = w;
	p->h = h;
	p->fill = fill;
	p->stroke = stroke;
	p->r = radius;
	p->x3 = thick;
}

void sc_line(struct scene *s, float x0, float y0, float x1, float y1, struct rgba c, float thick)
{
	struct scene_prim *p = sc_prim(s, SP_LINE);
	p->x = x0;
	p->y = y0;
	p->w = x1 - x0;
	p->h = y1 - y0;
	p->fill = c;
	p->r = thick < 1 ? 1 : thick;
}

void sc_circle(struct scene *s, float cx, float cy, float r, struct rgba fill, struct rgba stroke,
               float thick)
{
	struct scene_prim *p = sc_prim(s, SP_CIRCLE);
	p->x = cx;
	p->y = cy;
	p->w = r;
	p->fill = fill;
	p->stroke = stroke;
	p->r = thick;
}

void sc_tri(struct scene *s, float x0, float y0, float x1, float y1, float x2, float y2, struct rgba c)
{
	struct scene_prim *p = sc_prim(s, SP_TRI);
	p->x = x0;
	p->y = y0;
	p->w = x1 - x0;
	p->h = y1 - y0;
	p->x3 = x2;
	p->y3 = y2;
	p->fill = c;
}

/* An arrow head at (x1,y1) pointing from (x0,y0). */
void sc_arrow(struct scene *s, float x0, float y0, float x1, float y1, struct rgba c, float thick, float head)
{
	float dx = x1 - x0, dy = y1 - y0, d = sqrtf(dx * dx + dy * dy);
	if (d < 1)
		return;
	dx /= d;
	dy /= d;
	sc_line(s, x0, y0, x1 - dx * head * 0.8f, y1 - dy * head * 0.8f, c, thick);
	sc_tri(s, x1, y1, x1 - dx * head - dy * head * 0.5f, y1 - dy * head + dx * head * 0.5f,
	       x1 - dx * head + dy * head * 0.5f, y1 - dy * head - dx * head * 0.5f, c);
}

/* ------------------------------------------------------------------ text */

int sc_utf8_next(const char *p, int *cp)
{
	const unsigned char *u = (const unsigned char *)p;
	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if ((u[0] & 0xE0) == 0xC0 && u[1]) {
		*cp = ((u[0] & 0x1F) << 6) | (u[1] & 0x3F);
		return 2;
	}
	if ((u[0] & 0xF0) == 0xE0 && u[1] && u[2]) {
		*cp = ((u[0] & 0x0F) << 12) | ((u[1] & 0x3F) << 6) | (u[2] & 0x3F);
		return 3;
	}
	if ((u[0] & 0xF8) == 0xF0 && u[1] && u[2] && u[3]) {
		*cp = ((u[0] & 0x07) << 18) | ((u[1] & 0x3F) << 12) | ((u[2] & 0x3F) << 6) | (u[3] & 0x3F);
		return 4;
	}
	*cp = 0xFFFD;
	return 1;
}

int sc_tw(const struct scene *s, int face, int px, const char *str, int len)
{
	if (len < 0)
		len = (int)strlen(str);
	if (len == 0)
		return 0;
	return s->mx->text_w(s->mx->ctx, face, px, str, len);
}

/* Longest prefix of str (in bytes, on a code point boundary) that fits in
 * maxw with "…" appended when cut. Returns the byte length; *cut set. */
static int fit_prefix(const struct scene *s, int face, int px, const char *str, int len, float maxw, int *cut)
{
	*cut = 0;
	if (sc_tw(s, face, px, str, len) <= maxw)
		return len;
	*cut = 1;
	int ell = sc_tw(s, face, px, "\xE2\x80\xA6", 3);
	/* binary search over code point boundaries */
	int lo = 0, hi = len;
	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;
		while (mid > 0 && mid < len && ((unsigned char)str[mid] & 0xC0) == 0x80)
			mid--;
		if (mid <= lo) {
			/* no boundary between lo and hi */
			break;
		}
		if (sc_tw(s, face, px, str, mid) + ell <= maxw)
			lo = mid;
		else
			hi = mid - 1;
		while (hi > lo && hi < len && ((unsigned char)str[hi] & 0xC0) == 0x80)
			hi--;
	}
	return lo;
}

/* One line of text fitted into [x, x+w] (ellipsized). Baseline-less: y is
 * the top of the line box. */
void sc_text(struct scene *s, float x, float y, float w, int face, int px, int align, struct rgba c,
             const char *str)
{
	if (!str || !*str || w <= 2)
		return;
	int len = (int)strlen(str), cut;
	int n = fit_prefix(s, face, px, str, len, w, &cut);
	char buf[1024];
	if (n >= (int)sizeof(buf) - 4)
		n = (int)sizeof(buf) - 4;
	memcpy(buf, str, (size_t)n);
	if (cut) {
		memcpy(buf + n, "\xE2\x80\xA6", 3);
		n += 3;
	}
	buf[n] = 0;
	if (n == 3 && cut && sc_tw(s, face, px, buf, n) > w)
		return; /* not even the ellipsis fits */
	struct scene_prim *p = sc_prim(s, SP_TEXT);
	p->x = x;
	p->y = y;
	p->w = w;
	p->h = (float)px * 1.3f;
	p->face = (uint8_t)face;
	p->px = px;
	p->align = (uint8_t)align;
	p->fill = c;
	p->text = sc_pool(s, buf, n);
	p->len = n;
}

void sc_textf(struct scene *s, float x, float y, float w, int face, int px, int align, struct rgba c,
              const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sc_text(s, x, y, w, face, px, align, c, buf);
}

static int is_break_cp(int cp)
{
	return cp >= 0x2E80; /* CJK and full-width punctuation: break anywhere */
}

/* Wrap str into at most maxlines lines of width w starting at y. Returns
 * the number of lines drawn (the last one ellipsized when it does not fit).
 * With draw = 0 only counts. */
int sc_wrap(struct scene *s, float x, float y, float w, int face, int px, struct rgba c, const char *str,
            int maxlines, int draw)
{
	if (!str || !*str)
		return 0;
	float lh = (float)px * 1.35f;
	int lines = 0;
	const char *p = str;
	while (*p && lines < maxlines) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		/* grow the line token by token */
		const char *q = p, *last_ok = p;
		while (*q && *q != '\n') {
			int cp;
			const char *t = q;
			int k = sc_utf8_next(t, &cp);
			if (is_break_cp(cp)) {
				/* keep CJK punctuation with its neighbour: no line starts
				 * with a closing mark, none ends with an opening one */
				int open = cp == 0xFF08 || cp == 0x300C || cp == 0x300A || cp == 0x300E ||
				           cp == 0x201C;
				t += k;
				for (;;) {
					int cp2, k2 = sc_utf8_next(t, &cp2);
					if (!*t)
						break;
					if (open && !is_break_cp(cp2) && cp2 != ' ' && cp2 != '\n') {
						/* "（CRC-32": an opening mark takes the whole next word */
						while (*t && *t != ' ' && *t != '\n') {
							int cp4, k4 = sc_utf8_next(t, &cp4);
							if (is_break_cp(cp4))
								break;
							t += k4;
						}
						open = 0;
						continue;
					}
					if (open || cp2 == 0xFF0C || cp2 == 0x3002 || cp2 == 0x3001 ||
					    cp2 == 0xFF1B || cp2 == 0xFF1A || cp2 == 0xFF01 ||
					    cp2 == 0xFF1F || cp2 == 0xFF09 || cp2 == 0x300D ||
					    cp2 == 0x300B || cp2 == 0x300F || cp2 == 0x201D ||
					    cp2 == 0x2026 || cp2 == ')' || cp2 == ',' || cp2 == '.' ||
					    cp2 == ':' || cp2 == ';') {
						open = cp2 == 0xFF08 || cp2 == 0x300C;
						t += k2;
						continue;
					}
					break;
				}
			} else if (cp == ' ') {
				t += 1;
			} else {
				while (*t && *t != ' ' && *t != '\n') {
					int cp2, k2 = sc_utf8_next(t, &cp2);
					if (is_break_cp(cp2) && t != q)
						break;
					t += k2;
				}
			}
			/* closing marks stay on the line of what they close */
			for (;;) {
				int cp3, k3 = sc_utf8_next(t, &cp3);
				if (*t && (cp3 == 0xFF0C || cp3 == 0x3002 || cp3 == 0x3001 || cp3 == 0xFF1B ||
				           cp3 == 0xFF1A || cp3 == 0xFF01 || cp3 == 0xFF1F || cp3 == 0xFF09 ||
				           cp3 == 0x300D || cp3 == 0x300B)) {
					t += k3;
					continue;
				}
				break;
			}
			if (sc_tw(s, face, px, p, (int)(t - p)) > w) {
				if (last_ok == p)
					last_ok = t; /* one token longer than the line: fit_prefix cuts it */
				break;
			}
			last_ok = t;
			q = t;
		}
		const char *end = last_ok;
		int len = (int)(end - p);
		while (len > 0 && p[len - 1] == ' ')
			len--;
		if (lines == maxlines - 1 && *end && *end != '\n') {
			len = (int)strlen(p); /* the rest, ellipsized */
			const char *nl = strchr(p, '\n');
			if (nl)
				len = (int)(nl - p);
		}
		if (draw) {
			char buf[1024];
			if (len > (int)sizeof(buf) - 1)
				len = (int)sizeof(buf) - 1;
			memcpy(buf, p, (size_t)len);
			buf[len] = 0;
			sc_text(s, x, y + lines * lh, w, face, px, SA_LEFT, c, buf);
		}
		lines++;
		p = end;
		if (*p == '\n')
			p++;
	}
	return lines;
}

/* ------------------------------------------------------------- events */

int scene_step_of(const struct scene_src *src, uint64_t i)
{
	if (!src->mark || src->nsteps <= 0)
		return -1;
	if (i < src->mark[0])
		return -1;
	int lo = 0, hi = src->nsteps - 1;
	while (lo < hi) {
		int mid = (lo + hi + 1) / 2;
		if (src->mark[mid] <= i)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

static int dev_box(const struct machine *m, int actor)
{
	if (!m || actor < 0)
		return SB_NONE;
	int d = actor - (m->nvms + 1);
	if (d >= 0 && d < m->ndevs && d < SB_MAX - SB_DEV)
		return SB_DEV + d;
	return SB_NONE;
}

int scene_event_box(const struct machine *m, const struct ev *e)
{
	switch (e->kind) {
	case EV_WALK_REF:
		if (e->walker == WALKER_EPT)
			return SB_EPT;
		if (e->walker >= WALKER_IOMMU_ROOT)
			return SB_IOMMU;
		return SB_MMU;
	case EV_TRANSLATE:
		if (e->unit == UNIT_IOMMU || e->space_in == SPACE_IOVA || e->space_in == SPACE_BUS)
			return SB_IOMMU;
		if (e->unit == UNIT_EPT)
			return SB_EPT;
		return SB_MMU;
	case EV_TLB_HIT:
	case EV_TLB_MISS:
	case EV_TLB_FLUSH:
		return SB_TLB;
	case EV_FAULT:
		if (e->unit == UNIT_IOMMU)
			return SB_IOMMU;
		if (e->unit == UNIT_EPT)
			return SB_EPT;
		if (e->unit == UNIT_DEVICE || e->unit == UNIT_NIC || e->unit == UNIT_DMAC)
			return dev_box(m, e->actor) ? dev_box(m, e->actor) : SB_IOMMU;
		return SB_MMU;
	case EV_VMEXIT:
		return SB_KVM;
	case EV_SET:
		if (e->walker == WALKER_EPT)
			return SB_EPT;
		if (e->walker >= WALKER_IOMMU_ROOT)
			return SB_IOMMU;
		return SB_MMU;
	case EV_MEM_READ:
	case EV_MEM_WRITE: {
		int d = dev_box(m, e->actor);
		return d ? d : SB_CPU;
	}
	case EV_IOTLB_HIT:
	case EV_IOTLB_MISS:
	case EV_IOTLB_INV:
	case EV_CTX_CACHE_HIT:
		return SB_IOTLB;
	case EV_DMA_MAP:
	case EV_DMA_UNMAP:
	case EV_DMA_SYNC:
	case EV_DMA_ALLOC:
	case EV_DMA_FREE:
	case EV_BOUNCE:
	case EV_FQ_FLUSH:
	case EV_DMA_MISUSE:
		return SB_DMA_API;
	case EV_BOOT:
		return SB_IOMMU_DRV;
	case EV_LOG:
	case EV_NOTE:
	case EV_STEP:
		if (e->unit == UNIT_IOMMU)
			return SB_IOMMU;
		if (e->unit == UNIT_KERNEL || e->unit == UNIT_DMA_API)
			return e->unit == UNIT_DMA_API ? SB_DMA_API : SB_IOMMU_DRV;
		return SB_NONE;
	case EV_ISOLATION_BREACH:
	case EV_DEV_DMA:
	case EV_WIRE_RX:
	case EV_WIRE_TX:
	case EV_DESC_FETCH:
	case EV_DESC_WB:
	case EV_RX_DROP:
	case EV_DMAC:
	case EV_MMIO: {
		int d = dev_box(m, e->actor);
		if (d)
			return d;
		if (e->kind == EV_MMIO)
			return SB_CPU;
		return SB_IOMMU;
	}
	case EV_NAPI:
		return SB_DRIVER;
	case EV_IRQ:
		return SB_CPU;
	case EV_CPU_COPY:
		return SB_CPU;
	default:
		return SB_NONE;
	}
}

/* The HPA an event touches, if it names one. */
int sc_ev_hpa(const struct ev *e, uint64_t *hpa)
{
	switch (e->kind) {
	case EV_WALK_REF:
		*hpa = e->addr_out;
		return 1;
	case EV_MEM_READ:
	case EV_MEM_WRITE:
	case EV_MMIO:
	case EV_SET:
		*hpa = e->addr_in;
		return 1;
	case EV_TRANSLATE:
	case EV_TLB_HIT:
	case EV_IOTLB_HIT:
		if (e->space_out == SPACE_HPA || e->kind != EV_TRANSLATE) {
			*hpa = e->addr_out;
			return e->addr_out != 0 || e->kind == EV_TRANSLATE;
		}
		return 0;
	case EV_ISOLATION_BREACH:
		*hpa = e->addr_out ? e->addr_out : e->addr_in;
		return 1;
	case EV_DESC_FETCH:
	case EV_DESC_WB:
		if (e->addr_out) {
			*hpa = e->addr_out;
			return 1;
		}
		return 0;
	default:
		return 0;
	}
}

float scene_ease(float t)
{
	if (t <= 0)
		return 0;
	if (t >= 1)
		return 1;
	return t < 0.5f ? 4 * t * t * t : 1 - powf(-2 * t + 2, 3) / 2;
}

size_t sc_narrate(const struct scene_src *src, const struct scene_view *v, uint64_t i, char *buf, size_t cap)
{
	const struct trace *t = src->t;
	if (!t || i >= t->n) {
		buf[0] = 0;
		return 0;
	}
	const struct ev *e = &t->ev[i];
	if ((e->kind == EV_NOTE || e->kind == EV_STEP) && src->sc) {
		int st = scene_step_of(src, i);
		if (st >= 0 && st < src->sc->nsteps && e->actor == -1) {
			const struct step *sp = &src->sc->steps[st];
			const char *say = v->lang == LANG_ZH && sp->say_zh ? sp->say_zh
			                  : sp->say_en                     ? sp->say_en
			                                                   : sp->say_zh;
			if (e->kind == EV_NOTE && say)
				return (size_t)snprintf(buf, cap, "%s", say);
		}
	}
	return ev_narrate(src->m, t, e, v->lang, buf, cap);
}

/* --------------------------------------------------------------- labels */

const char *sc_L(const struct scene_view *v, const char *en, const char *zh)
{
	return v->lang == LANG_ZH ? zh : en;
}

int scene_find(const struct scene *s, int kind, int id)
{
	for (int i = 0; i < s->ne; i++)
		if (s->e[i].kind == kind && s->e[i].id == id)
			return i;
	return -1;
}

int scene_hit(const struct scene *s, float x, float y)
{
	/* topmost = last added, smallest wins among overlapping */
	int best = -1;
	float barea = 1e30f;
	for (int i = s->ne - 1; i >= 0; i--) {
		const struct scene_elem *e = &s->e[i];
		if (e->kind == SE_PANEL)
			continue;
		if (x >= e->x && x < e->x + e->w && y >= e->y && y < e->y + e->h) {
			float a = e->w * e->h;
			if (a < barea) {
				barea = a;
				best = i;
			}
		}
	}
	return best;
}

/* ---------------------------------------------------- architecture boxes */

static const char *box_name(const struct scene_src *src, const struct scene_view *v, int id, char *buf,
                            size_t cap)
{
	const struct machine *m = src->m;
	if (id >= SB_VM && id < SB_DEV) {
		snprintf(buf, cap, "%s", m ? entity_name(m, id - SB_VM + 1) : "vm");
		return buf;
	}
	if (id >= SB_DEV && id < SB_MAX) {
		snprintf(buf, cap, "%s", m ? entity_name(m, id - SB_DEV + m->nvms + 1) : "dev");
		return buf;
	}
	switch (id) {
	case SB_HOST_USER:
		return sc_L(v, "host process / QEMU", "宿主机进程 / QEMU");
	case SB_KVM:
		return "KVM";
	case SB_VFIO:
		return "VFIO";
	case SB_DMA_API:
		return sc_L(v, "DMA API", "DMA API");
	case SB_IOMMU_DRV:
		return "intel-iommu";
	case SB_DRIVER:
		return sc_L(v, "drivers", "驱动");
	case SB_CPU:
		return "CPU";
	case SB_MMU:
		return "MMU";
	case SB_TLB:
		return "TLB";
	case SB_EPT:
		return "EPT";
	case SB_RAM:
		return sc_L(v, "DRAM", "内存 DRAM");
	case SB_IOMMU:
		return src->m && !src->m->iommu ? sc_L(v, "IOMMU (VT-d) — off", "IOMMU (VT-d) — 未启用")
		                                : "IOMMU (VT-d)";
	case SB_IOTLB:
		return "IOTLB";
	case SB_FAULTLOG:
		return sc_L(v, "fault log", "故障记录");
	default:
		return "?";
	}
}

struct rgb sc_box_colour(int id)
{
	if (id >= SB_VM && id < SB_DEV)
		return theme_owner(1, id - SB_VM);
	if (id >= SB_DEV)
		return THEME_DEVICE;
	switch (id) {
	case SB_CPU:
	case SB_MMU:
	case SB_TLB:
		return THEME_CPU;
	case SB_EPT:
		return THEME_EPT;
	case SB_IOMMU:
	case SB_IOTLB:
	case SB_FAULTLOG:
		return THEME_IOMMU;
	case SB_RAM:
		return THEME_MEMORY;
	case SB_HOST_USER:
		return THEME_MUTED;
	default:
		return THEME_KERNEL;
	}
}

/* A component box: coloured header strip with the name, body for content.
 * Returns the element index. */
int sc_box(struct scene *s, const struct scene_src *src, const struct scene_view *v, int id, float x, float y,
           float w, float h, int parent, const char *sub)
{
	char nb[64];
	const char *name = box_name(src, v, id, nb, sizeof(nb));
	int ei = sc_elem(s, SE_BOX, id, x, y, w, h, parent);
	s->e[ei].text = sc_pool(s, name, -1);
	struct rgb col = sc_box_colour(id);
	int active = s->active_box == id;
	int fault = active && s->fault;
	s->e[ei].active = (uint8_t)active;
	s->e[ei].fault = (uint8_t)fault;
	float sc = s->s;
	struct rgba fill = sc_rgba(THEME_PANEL, 255);
	struct rgba stroke = v->presenter ? sc_rgba(col, 255) : sc_mix(col, THEME_PANEL, 0.25f);
	float thick = (v->presenter ? 2.5f : 1.5f) * sc;
	int off = (id == SB_IOMMU || id == SB_IOTLB || id == SB_FAULTLOG) && src->m && !src->m->iommu;
	if (off) {
		fill = sc_rgba(THEME_BG, 255);
		stroke = sc_rgba(THEME_GRID, 255);
		col = THEME_GRID;
	}
	if (active) {
		fill = sc_mix(THEME_ACTIVE, THEME_PANEL, 0.55f);
		stroke = sc_rgba(THEME_ACTIVE, 255);
		thick = 4 * sc;
	}
	if (fault) {
		float f = 0.35f + 0.45f * v->pulse;
		fill = sc_mix(THEME_PANEL, THEME_FAULT, f);
		stroke = sc_rgba(THEME_FAULT, 255);
		thick = 5 * sc;
	}
	if (active)
		sc_rect(s, x - 4 * sc, y - 4 * sc, w + 8 * sc, h + 8 * sc,
		        fault ? sc_rgba(THEME_FAULT, 70) : sc_rgba(THEME_ACTIVE, 90),
		        (struct rgba){0, 0, 0, 0}, 8 * sc, 0);
	sc_rect(s, x, y, w, h, fill, stroke, 6 * sc, thick);
	int px = s->px_label;
	/* shrink the name to fit a narrow box (down to the small size) */
	while (px > s->px_small && sc_tw(s, SF_BOLD, px, name, -1) > w - 22 * sc)
		px--;
	float lh = px * 1.3f;
	struct rgba ink = fault ? sc_rgba(THEME_PANEL, 255) : sc_rgba(THEME_INK, 255);
	/* colour chip + name */
	float chip = 6 * sc;
	sc_rect(s, x + 6 * sc, y + 6 * sc, chip, h < lh + 12 * sc ? h - 12 * sc : lh - 4 * sc,
	        sc_rgba(col, 255), (struct rgba){0, 0, 0, 0}, 2 * sc, 0);
	float ty = h < lh * 2 ? y + (h - lh) / 2 : y + 4 * sc;
	sc_text(s, x + 16 * sc, ty, w - 22 * sc, SF_BOLD, px, SA_LEFT, ink, name);
	float sl = s->px_small * 1.35f;
	int maxl = (int)((y + h - 4 * sc - (ty + lh)) / sl);
	if (sub && *sub && maxl > 0)
		sc_wrap(s, x + 16 * sc, ty + lh, w - 22 * sc, SF_SANS, s->px_small,
		        fault          ? sc_rgba(THEME_PANEL, 255)
		        : v->presenter ? sc_rgba(THEME_INK, 255)
		                       : sc_rgba(THEME_MUTED, 255),
		        sub, maxl > 3 ? 3 : maxl, 1);
	return ei;
}

static void layer_band(struct scene *s, float x, float y, float w, float h, struct rgb c, const char *label)
{
	float sc = s->s;
	sc_rect(s, x, y, w, h, sc_rgba(c, 255), sc_mix(c, THEME_INK, 0.12f), 8 * sc, 1 * sc);
	sc_text(s, x + 10 * sc, y + 4 * sc, w - 20 * sc, SF_BOLD, s->px_small, SA_LEFT,
	        sc_rgba(THEME_MUTED, 255), label);
}

/* Counters over the current step's events up to cur (bounded scan). */
struct step_counts {
	int tlb_hit, tlb_miss, iotlb_hit, iotlb_miss, faults_iommu, walks;
	uint64_t last_fault[4];
	int nlast;
};

static void count_step(const struct scene_src *src, uint64_t cur, struct step_counts *c)
{
	memset(c, 0, sizeof(*c));
	const struct trace *t = src->t;
	if (!t || t->n == 0)
		return;
	int st = scene_step_of(src, cur);
	uint64_t lo = st >= 0 ? src->mark[st] : 0;
	if (cur >= lo + 200000)
		lo = cur - 200000;
	for (uint64_t i = lo; i <= cur && i < t->n; i++) {
		const struct ev *e = &t->ev[i];
		switch (e->kind) {
		case EV_TLB_HIT:
			c->tlb_hit++;
			break;
		case EV_TLB_MISS:
			c->tlb_miss++;
			break;
		case EV_IOTLB_HIT:
			c->iotlb_hit++;
			break;
		case EV_IOTLB_MISS:
			c->iotlb_miss++;
			break;
		default:
			break;
		}
	}
	/* the IOMMU fault log: the last 4 DMAR faults anywhere before cur */
	uint64_t scan = cur + 1 < t->n ? cur + 1 : t->n;
	for (uint64_t i = scan; i-- > 0 && c->nlast < 4;) {
		const struct ev *e = &t->ev[i];
		if (e->kind == EV_FAULT && e->unit == UNIT_IOMMU)
			c->last_fault[c->nlast++] = i;
		if (scan - i > 200000)
			break;
	}
}

static void arch_diagram(struct scene *s, const struct scene_src *src, const struct scene_view *v, float x,
                         float y, float w, float h)
{
	float sc = s->s, g = 8 * sc;
	const struct machine *m = src->m;
	int nvms = m ? m->nvms : 0, ndevs = m ? m->ndevs : 0;
	struct step_counts cnt;
	count_step(src, v->cur, &cnt);
	float hu = h * 0.19f, hk = h * 0.22f, hh = h - hu - hk - 2 * g;
	float yu = y, yk = y + hu + g, yh = yk + hk + g;
	float band_top = s->px_small * 1.3f + 6 * sc;
	layer_band(s, x, yu, w, hu, THEME_LAYER_USER, sc_L(v, "USER SPACE", "用户态"));
	layer_band(s, x, yk, w, hk, THEME_LAYER_KERNEL, sc_L(v, "KERNEL", "内核"));
	layer_band(s, x, yh, w, hh, THEME_LAYER_HW, sc_L(v, "HARDWARE", "硬件"));
	char buf[160];

	/* user space: one box per VM, plus the host process */
	{
		int n = nvms + 1;
		if (n > 5)
			n = 5;
		float bw = (w - g * (n + 1)) / n, by = yu + band_top, bh = hu - band_top - g;
		for (int i = 0; i < n; i++) {
			float bx = x + g + i * (bw + g);
			if (i < nvms && i < 4) {
				const struct vm *vm = &m->vms[i];
				snprintf(buf, sizeof(buf),
				         sc_L(v, "guest · %d-level paging · GVA", "客户机 · %d 级页表 · GVA"),
				         vm->d && vm->d->levels ? vm->d->levels : 4);
				sc_box(s, src, v, SB_VM + i, bx, by, bw, bh, -1, buf);
			} else {
				sc_box(s, src, v, SB_HOST_USER, bx, by, bw, bh, -1,
				       sc_L(v, "host virtual addresses (VA)", "宿主机虚拟地址 (VA)"));
			}
		}
	}
	/* kernel: KVM, VFIO, DMA API, drivers, intel-iommu */
	{
		static const int ids[] = {SB_KVM, SB_VFIO, SB_DMA_API, SB_DRIVER, SB_IOMMU_DRV};
		const char *subs[5];
		subs[0] = sc_L(v, "VM exits, EPT setup", "VM exit、建立 EPT");
		subs[1] = sc_L(v, "device assignment", "设备直通");
		subs[2] = sc_L(v, "map / unmap / sync", "map / unmap / sync");
		buf[0] = 0;
		for (int i = 0; i < ndevs && i < 4; i++) {
			const char *t = m->devs[i].d && m->devs[i].d->type ? m->devs[i].d->type : "";
			if (!strstr(buf, t) && strlen(buf) + strlen(t) + 3 < sizeof(buf)) {
				if (buf[0])
					strcat(buf, ", ");
				strcat(buf, t);
			}
		}
		subs[3] = buf[0] ? buf : sc_L(v, "none", "无");
		subs[4] = m && m->iommu ? sc_L(v, "domains, page tables", "域与页表")
		                        : sc_L(v, "IOMMU off", "IOMMU 未启用");
		float bw = (w - g * 6) / 5, by = yk + band_top, bh = hk - band_top - g;
		for (int i = 0; i < 5; i++)
			sc_box(s, src, v, ids[i], x + g + i * (bw + g), by, bw, bh, -1, subs[i]);
	}
	/* hardware: row 1 CPU (MMU, TLB), EPT, DRAM; row 2 IOMMU (IOTLB, faults), devices */
	{
		float top = yh + band_top, rh = (hh - band_top - 3 * g) / 2;
		float r1 = top, r2 = top + rh + g * 2;
		float wc = (w - 4 * g) * 0.48f, we = (w - 4 * g) * 0.22f, wr = (w - 4 * g) - wc - we;
		float sub_top = s->px_label * 1.3f + 10 * sc;
		int cpu = sc_box(s, src, v, SB_CPU, x + g, r1, wc, rh, -1, NULL);
		float iw = (wc - 3 * g) / 2, ih = rh - sub_top - g;
		snprintf(buf, sizeof(buf), "%s", sc_L(v, "page walker", "页表遍历器"));
		sc_box(s, src, v, SB_MMU, x + 2 * g, r1 + sub_top, iw, ih, cpu, buf);
		snprintf(buf, sizeof(buf), sc_L(v, "hit %d · miss %d", "命中 %d · 未命中 %d"), cnt.tlb_hit,
		         cnt.tlb_miss);
		sc_box(s, src, v, SB_TLB, x + 3 * g + iw, r1 + sub_top, iw, ih, cpu, buf);
		snprintf(buf, sizeof(buf), sc_L(v, "GPA → HPA, %d VM", "GPA → HPA，%d 个虚拟机"), nvms);
		sc_box(s, src, v, SB_EPT, x + 2 * g + wc, r1, we, rh, -1,
		       nvms ? buf : sc_L(v, "no VM", "无虚拟机"));
		snprintf(buf, sizeof(buf), sc_L(v, "%llu MiB · %llu KiB written", "%llu MiB · 已写 %llu KiB"),
		         (unsigned long long)((m && m->d ? m->d->ram : 0) >> 20),
		         (unsigned long long)((m ? m->mem.touched_bytes : 0) >> 10));
		sc_box(s, src, v, SB_RAM, x + 3 * g + wc + we, r1, wr, rh, -1, buf);
		/* memory bus */
		float busy = r1 + rh + g;
		sc_line(s, x + g, busy, x + w - g, busy, sc_rgba(THEME_MEMORY, 160), 3 * sc);
		/* row 2 */
		float wi = (w - 3 * g) * 0.52f;
		int iommu_on = m && m->iommu;
		int io = sc_box(
		    s, src, v, SB_IOMMU, x + g, r2, wi, rh - g, -1,
		    iommu_on ? NULL
		             : sc_L(v,
		                    "No DMA remapping: a device's bus address is the host physical address; "
		                    "nothing is checked.",
		                    "没有 DMA 重映射：设备的总线地址就是宿主机物理地址，不做任何检查。"));
		if (iommu_on) {
			float ih2 = rh - g - sub_top - g;
			snprintf(buf, sizeof(buf), sc_L(v, "hit %d · miss %d", "命中 %d · 未命中 %d"),
			         cnt.iotlb_hit, cnt.iotlb_miss);
			sc_box(s, src, v, SB_IOTLB, x + 2 * g, r2 + sub_top, iw * 0.8f, ih2, io, buf);
			float flx = x + 3 * g + iw * 0.8f, flw = x + g + wi - g - flx;
			sc_box(s, src, v, SB_FAULTLOG, flx, r2 + sub_top, flw, ih2, io, NULL);
			/* fault records */
			float fy = r2 + sub_top + s->px_label * 1.3f + 6 * sc;
			for (int i = 0; i < cnt.nlast; i++) {
				const struct ev *fe = &src->t->ev[cnt.last_fault[i]];
				if (fy + s->px_small * 1.3f > r2 + sub_top + ih2)
					break;
				snprintf(buf, sizeof(buf), "%c %llx r%x", (fe->flags & EVF_WRITE) ? 'W' : 'R',
				         (unsigned long long)fe->addr_in, fe->code);
				sc_text(s, flx + 8 * sc, fy, flw - 12 * sc, SF_MONO, s->px_small, SA_LEFT,
				        sc_rgba(THEME_FAULT, 255), buf);
				fy += s->px_small * 1.3f;
			}
		}
		/* devices */
		int nd = ndevs < 4 ? ndevs : 4;
		float dx = x + 2 * g + wi, dw = x + w - g - dx;
		if (nd == 0) {
			sc_text(s, dx, r2 + rh / 2 - s->px_small, dw, SF_SANS, s->px_small, SA_CENTER,
			        sc_rgba(THEME_MUTED, 255), sc_L(v, "no devices", "无设备"));
		} else {
			float dh = (rh - g - g * (nd - 1)) / nd;
			for (int i = 0; i < nd; i++) {
				const struct device *d = &m->devs[i];
				snprintf(buf, sizeof(buf), "%s %02x:%02x.%d · %s",
				         d->d && d->d->type ? d->d->type : "", d->d ? d->d->bdf >> 8 : 0,
				         d->d ? (d->d->bdf >> 3) & 31 : 0, d->d ? d->d->bdf & 7 : 0,
				         d->d && d->d->owner ? d->d->owner : "host");
				sc_box(s, src, v, SB_DEV + i, dx, r2 + i * (dh + g), dw, dh, -1, buf);
			}
			/* PCIe link into the IOMMU */
			sc_line(s, dx - g, r2 + 6 * sc, dx - g, r2 + rh - g - 6 * sc,
			        sc_rgba(THEME_DEVICE, 150), 3 * sc);
		}
	}
}

/* ----------------------------------------------------------------- token */

static int box_center(const struct scene *s, int id, float *cx, float *cy)
{
	int i = scene_find(s, SE_BOX, id);
	if (i < 0)
		return 0;
	*cx = s->e[i].x + s->e[i].w / 2;
	*cy = s->e[i].y + s->e[i].h / 2;
	return 1;
}

static void draw_token(struct scene *s, const struct scene_view *v, const struct ev *e, float x0, float y0,
                       float x1, float y1, struct rgb col)
{
	float k = scene_ease(v->t);
	float tx = x0 + (x1 - x0) * k, ty = y0 + (y1 - y0) * k;
	if (e->kind == EV_FAULT || e->kind == EV_ISOLATION_BREACH)
		col = THEME_FAULT;
	float sc = s->s;
	/* the path, faint; the travelled part, strong */
	sc_line(s, x0, y0, x1, y1, sc_rgba(col, 60), 3 * sc);
	sc_line(s, x0, y0, tx, ty, sc_rgba(col, 200), 4 * sc);
	sc_circle(s, tx, ty, 13 * sc, sc_rgba(THEME_ACTIVE, 90), (struct rgba){0, 0, 0, 0}, 0);
	sc_circle(s, tx, ty, 8 * sc, sc_rgba(col, 255), sc_rgba(THEME_PANEL, 255), 2.5f * sc);
	s->token_x = tx;
	s->token_y = ty;
}

/* Where the current event's token starts and ends. */
static void token(struct scene *s, const struct scene_src *src, const struct scene_view *v)
{
	const struct trace *t = src->t;
	if (!t || v->cur >= t->n)
		return;
	const struct ev *e = &t->ev[v->cur];
	float x0, y0, x1, y1;
	int from = SB_NONE, to = SB_NONE;
	int to_mem = 0;
	uint64_t hpa = 0;
	switch (e->kind) {
	case EV_WALK_REF:
	case EV_MEM_READ:
	case EV_MEM_WRITE:
		from = s->active_box;
		to_mem = sc_ev_hpa(e, &hpa);
		break;
	case EV_TRANSLATE:
		from = s->active_box;
		to_mem = sc_ev_hpa(e, &hpa) && e->space_out == SPACE_HPA;
		break;
	case EV_DEV_DMA:
		from = s->active_box;
		to = SB_IOMMU;
		if (!src->m || !src->m->iommu)
			to = SB_RAM;
		break;
	case EV_IRQ:
		from = dev_box(src->m, e->actor) ? dev_box(src->m, e->actor) : SB_IOMMU;
		to = SB_CPU;
		break;
	case EV_VMEXIT:
		from = SB_CPU;
		to = SB_KVM;
		break;
	case EV_DMA_MAP:
	case EV_DMA_UNMAP:
		from = SB_DRIVER;
		to = SB_DMA_API;
		break;
	case EV_IOTLB_MISS:
	case EV_IOTLB_HIT:
		from = SB_IOMMU;
		to = SB_IOTLB;
		break;
	case EV_TLB_HIT:
	case EV_TLB_MISS:
		from = SB_MMU;
		to = SB_TLB;
		break;
	case EV_MMIO: {
		/* the register's device: the MMIO span the address falls in */
		const struct span *sp = src->m ? mem_span_at(&src->m->mem, e->addr_in) : NULL;
		from = SB_CPU;
		to = sp && sp->kind == SPAN_MMIO && sp->device >= 0 && sp->device < SB_MAX - SB_DEV
		         ? SB_DEV + sp->device
		         : SB_NONE;
		break;
	}
	case EV_DESC_FETCH:
	case EV_DESC_WB: {
		/* to (or from) the descriptor in the ring panel */
		int di = scene_find(s, SE_DESC, (e->code == 1 ? 0x10000 : 0) | (int)(e->extra & 0xFFFF));
		if (di >= 0 && box_center(s, s->active_box, &x0, &y0)) {
			x1 = s->e[di].x + s->e[di].w / 2;
			y1 = s->e[di].y + s->e[di].h / 2;
			if (e->kind == EV_DESC_FETCH) {
				float tx0 = x0, ty0 = y0;
				x0 = x1;
				y0 = y1;
				x1 = tx0;
				y1 = ty0;
			}
			draw_token(s, v, e, x0, y0, x1, y1, THEME_DEVICE);
			s->token_elem_from = scene_find(s, SE_BOX, s->active_box);
			s->token_elem_to = di;
			return;
		}
		from = s->active_box;
		to_mem = sc_ev_hpa(e, &hpa);
		break;
	}
	case EV_ISOLATION_BREACH:
		from = s->active_box;
		to_mem = sc_ev_hpa(e, &hpa);
		break;
	case EV_WIRE_RX:
		from = SB_NONE;
		to = s->active_box;
		break;
	default:
		break;
	}
	if (!from || !box_center(s, from, &x0, &y0))
		return;
	if (to_mem) {
		if (!sc_mem_point(s, hpa, &x1, &y1))
			return;
	} else if (!to || !box_center(s, to, &x1, &y1)) {
		return;
	}
	draw_token(s, v, e, x0, y0, x1, y1, sc_box_colour(from));
	s->token_elem_from = scene_find(s, SE_BOX, from);
	s->token_elem_to = to ? scene_find(s, SE_BOX, to) : -1;
}

/* ---------------------------------------------------------------- header */

static void header(struct scene *s, const struct scene_src *src, const struct scene_view *v, float h)
{
	float sc = s->s, W = (float)v->w;
	sc_rect(s, 0, 0, W, h, sc_rgba(THEME_INK, 255), (struct rgba){0, 0, 0, 0}, 0, 0);
	float x = 12 * sc, cy = (h - s->px_title * 1.3f) / 2;
	const char *title = NULL;
	if (src->m && src->m->d)
		title = v->lang == LANG_ZH && src->m->d->title_zh ? src->m->d->title_zh : src->m->d->title_en;
	if (!title || !*title)
		title = src->file ? src->file : "";
	int tw = sc_tw(s, SF_BOLD, s->px_title, "iommulab", -1);
	sc_text(s, x, cy, (float)tw + 2, SF_BOLD, s->px_title, SA_LEFT, sc_rgba(THEME_ACTIVE, 255),
	        "iommulab");
	x += tw + 14 * sc;
	/* right side: play state, step, event, speed, language */
	char buf[200];
	const struct trace *t = src->t;
	uint64_t n = t ? t->n : 0;
	int st = scene_step_of(src, v->cur);
	const char *act = "";
	if (src->sc && st >= 0 && st < src->sc->nsteps && src->sc->steps[st].act)
		act = src->sc->steps[st].act->name;
	float rw = W * 0.46f;
	if (st >= 0)
		snprintf(
		    buf, sizeof(buf),
		    sc_L(v, "step %d/%d  %s   ·   event %llu/%llu", "第 %d/%d 步  %s   ·   事件 %llu/%llu"),
		    st + 1, src->nsteps, act, (unsigned long long)(n ? v->cur + 1 : 0),
		    (unsigned long long)n);
	else
		snprintf(buf, sizeof(buf),
		         sc_L(v, "machine setup   ·   event %llu/%llu", "机器启动   ·   事件 %llu/%llu"),
		         (unsigned long long)(n ? v->cur + 1 : 0), (unsigned long long)n);
	float lx = W - rw - 12 * sc;
	/* language badge */
	float bw = 46 * sc, bh = h * 0.6f;
	sc_rect(s, W - bw - 10 * sc, (h - bh) / 2, bw, bh, sc_rgba(THEME_PANEL, 40),
	        sc_rgba(THEME_PANEL, 140), 4 * sc, 1 * sc);
	sc_text(s, W - bw - 10 * sc, (h - s->px_body * 1.3f) / 2, bw, SF_BOLD, s->px_body, SA_CENTER,
	        sc_rgba(THEME_PANEL, 255), v->lang == LANG_ZH ? "中文" : "EN");
	/* speed */
	float spw = 90 * sc, spx = W - bw - 20 * sc - spw;
	float sp = scene_speeds[v->speed < 0 ? 0 : v->speed % SCENE_NSPEEDS];
	if (sp > 0)
		snprintf(buf + 100, 100, sc_L(v, "%g ev/s", "%g 事件/秒"), sp);
	else
		snprintf(buf + 100, 100, "%s", sc_L(v, "instant", "瞬时"));
	sc_text(s, spx, (h - s->px_small * 1.3f) / 2, spw, SF_SANS, s->px_small, SA_RIGHT,
	        sc_rgba(THEME_GRID, 255), buf + 100);
	/* play / pause icon */
	float ix = spx - 10 * sc, isz = h * 0.34f, iy = h / 2;
	if (v->playing) {
		sc_tri(s, ix - isz, iy - isz / 2, ix - isz, iy + isz / 2, ix - isz * 0.15f, iy,
		       sc_rgba(THEME_HIT, 255));
	} else {
		sc_rect(s, ix - isz, iy - isz / 2, isz * 0.3f, isz, sc_rgba(THEME_GRID, 255),
		        (struct rgba){0, 0, 0, 0}, 0, 0);
		sc_rect(s, ix - isz * 0.5f, iy - isz / 2, isz * 0.3f, isz, sc_rgba(THEME_GRID, 255),
		        (struct rgba){0, 0, 0, 0}, 0, 0);
	}
	{
		float need = (float)sc_tw(s, SF_BOLD, s->px_body, buf, -1) + 4;
		if (need < rw)
			rw = need;
	}
	lx = ix - isz - 14 * sc - rw;
	if (lx < x + W * 0.25f) {
		rw -= x + W * 0.25f - lx;
		lx = x + W * 0.25f;
	}
	sc_text(s, lx, (h - s->px_body * 1.3f) / 2, rw, SF_BOLD, s->px_body, SA_RIGHT,
	        sc_rgba(THEME_PANEL, 255), buf);
	sc_text(s, x, cy, lx - x - 12 * sc, SF_BOLD, s->px_title, SA_LEFT, sc_rgba(THEME_PANEL, 255), title);
}

/* ------------------------------------------------------------- the build */

void scene_build(struct scene *s, const struct scene_src *src, const struct scene_view *v,
                 const struct scene_metrics *mx)
{
	s->np = 0;
	s->ne = 0;
	s->pool_len = 0;
	s->mx = mx;
	s->token_elem_from = s->token_elem_to = -1;
	s->token_x = s->token_y = -1;
	s->walk_refs = s->walk_total = 0;
	s->chip_px = 0;
	s->breach = 0;
	s->fault = 0;
	s->active_box = SB_NONE;
	s->question = -1;
	s->answer_shown = 0;
	s->end_card = 0;
	s->card_cut = 0;
	float W = (float)(v->w > 64 ? v->w : 64), H = (float)(v->h > 64 ? v->h : 64);
	float sc = W / 1280.0f < H / 800.0f ? W / 1280.0f : H / 800.0f;
	if (v->presenter)
		sc *= 1.22f;
	s->s = sc;
	float fs = v->presenter ? 1.12f : 1.0f;
	s->px_small = (int)lroundf(12.5f * sc * fs);
	s->px_body = (int)lroundf(14.5f * sc * fs);
	s->px_label = (int)lroundf(14.0f * sc * fs);
	s->px_title = (int)lroundf(19.0f * sc * fs);
	s->px_big = (int)lroundf(24.0f * sc * fs);
	s->px_mono = (int)lroundf(12.5f * sc * fs);
	if (s->px_small < 10)
		s->px_small = 10;
	if (s->px_mono < 10)
		s->px_mono = 10;
	if (s->px_body < 11)
		s->px_body = 11;
	if (s->px_label < 11)
		s->px_label = 11;

	const struct trace *t = src->t;
	const struct ev *cur = t && v->cur < t->n ? &t->ev[v->cur] : NULL;
	s->step = cur ? scene_step_of(src, v->cur) : -1;
	if (cur) {
		s->active_box = scene_event_box(src->m, cur);
		s->fault = cur->kind == EV_FAULT || cur->kind == EV_ISOLATION_BREACH ||
		           cur->kind == EV_DMA_MISUSE || cur->kind == EV_RX_DROP;
		s->breach = cur->kind == EV_ISOLATION_BREACH;
	}
	/* at a question gate or the end card the step has not run (or is over):
	 * no fault to give the answer away */
	int card = sc_card_active(src, v);
	if (card)
		s->fault = s->breach = 0;
	/* the panels at a question gate show the machine before the step: the
	 * previous event, finished (the step's own walk would give it away) */
	struct scene_view pv = *v;
	if (v->ask && v->cur > 0) {
		pv.cur = v->cur - 1;
		pv.t = 1;
		s->active_box = SB_NONE;
	}
	sc_cache_faults(s, src);

	/* background */
	sc_rect(s, 0, 0, W, H, sc_rgba(THEME_BG, 255), (struct rgba){0, 0, 0, 0}, 0, 0);
	float g = 10 * sc;
	float hh = 44 * sc;
	float tlh = 40 * sc;
	float evw = v->presenter ? 0 : W * 0.2f;
	float nh = sc_narration_height(s, src, v, W - 2 * g - (evw > 0 ? evw + g : 0));
	if (nh > H * (card ? 0.4f : 0.3f))
		nh = H * (card ? 0.4f : 0.3f);
	header(s, src, v, hh);
	float my = hh + g, mh = H - hh - g - nh - g - tlh - g;
	float mx0 = g, mw = W - 2 * g - (evw > 0 ? evw + g : 0);
	s->main_x = mx0;
	s->main_y = my;
	s->main_w = mw;
	s->main_h = mh;
	float aw = mw * (v->presenter ? 0.44f : 0.50f);
	s->arch_w = aw;
	float rx = mx0 + aw + g, rw = mw - aw - g;
	/* the right column: walk, ring (when a NIC exists), memory */
	int has_ring = sc_has_ring(src);
	int novm = !src->m || src->m->nvms == 0;
	float wh = mh * (has_ring ? 0.34f : v->presenter ? 0.54f : 0.50f);
	float rh = has_ring ? mh * (novm ? 0.27f : 0.22f) : 0;
	if (has_ring) {
		/* two strips of descriptors with their HEAD/TAIL labels need this much */
		float ring_min =
		    s->px_label * 1.3f + 14 * sc + 2 * (2 * s->px_small * 0.85f * 1.3f + s->px_small * 2.0f);
		if (rh < ring_min) {
			wh -= ring_min - rh;
			rh = ring_min;
		}
	}
	float memh = mh - wh - rh - g - (has_ring ? g : 0);
	arch_diagram(s, src, &pv, mx0, my, aw, mh);
	sc_walk_panel(s, src, &pv, rx, my, rw, wh);
	if (has_ring)
		sc_ring_panel(s, src, &pv, rx, my + wh + g, rw, rh);
	sc_mem_panel(s, src, &pv, rx, my + wh + g + (has_ring ? rh + g : 0), rw, memh);
	if (evw > 0)
		sc_event_list(s, src, &pv, W - g - evw, my, evw, mh + g + nh);
	sc_narration(s, src, v, g, my + mh + g, W - 2 * g - (evw > 0 ? evw + g : 0), nh);
	sc_timeline(s, src, v, g, H - tlh - g * 0.6f, W - 2 * g, tlh);
	if (!card) {
		token(s, src, v);
		sc_fault_banner(s, src, v);
	}
	sc_end_card(s, src, v);
	if (v->hover >= 0 && v->hover < s->ne && !v->help)
		sc_tooltip_box(s, src, v);
	if (v->dump >= 0)
		sc_hexdump(s, src, v);
	if (v->help)
		sc_help(s, v);
	if (v->status && *v->status) {
		float sw = W * 0.5f, sh = s->px_body * 1.6f;
		sc_rect(s, (W - sw) / 2, hh + 6 * sc, sw, sh, sc_rgba(THEME_INK, 230),
		        (struct rgba){0, 0, 0, 0}, 6 * sc, 0);
		sc_text(s, (W - sw) / 2 + 8 * sc, hh + 6 * sc + (sh - s->px_body * 1.3f) / 2, sw - 16 * sc,
		        SF_SANS, s->px_body, SA_CENTER, sc_rgba(THEME_PANEL, 255), v->status);
	}
}
