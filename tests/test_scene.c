/*
 * test_scene.c — the viewer's scene model, without SDL.
 *
 * What a student sees must be right before it is pretty:
 *   - every primitive and element stays inside the window, 1024x640 … 4K,
 *     both languages, presenter mode on and off;
 *   - the box lit at event N is the one event N names (its unit or actor),
 *     and the walk cell lit is event N's own reference;
 *   - going back a step (engine replay) and forward again gives the same
 *     display list, byte for byte;
 *   - no text run is wider than the box it was fitted to, at the minimum
 *     size, measured with this test's own width function.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "scene.h"
#include "testutil.h"

/* Under AddressSanitizer, a leak fails the test (Criterion alone ignores them). */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define LEAK_CHECK() cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "memory leaked")
#else
#define LEAK_CHECK() ((void)0)
#endif

/* Width estimate: ASCII 0.56 em (mono 0.6), CJK and other wide 1 em. */
static int est_w(void *ctx, int face, int px, const char *s, int len)
{
	(void)ctx;
	float w = 0;
	for (int i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			w += px * (face == SF_MONO ? 0.6f : face == SF_BOLD ? 0.6f : 0.56f);
			i++;
		} else {
			int k = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
			w += (float)px;
			i += k;
		}
	}
	return (int)(w + 0.99f);
}

static const struct scene_metrics MX = {est_w, NULL};

static const char *PF_JSON =
    "{\"format\": \"iommulab/1\", \"title\": {\"en\": \"pf\", \"zh\": \"缺页\"},"
    " \"vms\": [{\"name\": \"vm1\", \"ram\": [{\"gpa\": \"0x0\", \"size\": \"32MiB\", \"hpa\": "
    "\"0x4000000\"},"
    "   {\"gpa\": \"0x2000000\", \"size\": \"32MiB\", \"hpa\": \"0x9000000\"}],"
    "  \"pages\": [{\"gva\": \"0x7f0000400000\", \"gpa\": \"0x2200000\", \"size\": \"4KiB\", \"perm\": "
    "\"rw-\"}]}],"
    " \"steps\": ["
    "  {\"do\": \"cpu.read\", \"vm\": \"vm1\", \"gva\": \"0x7f0000400010\", \"size\": 8,"
    "   \"say\": {\"en\": \"A cold nested walk: 24 references before the data.\", \"zh\": "
    "\"冷启动的二维遍历：取数据前共 24 次访存。\"}},"
    "  {\"do\": \"cpu.read\", \"vm\": \"vm1\", \"gva\": \"0x7f0000400018\", \"size\": 8,"
    "   \"say\": {\"en\": \"Same page: a TLB hit.\", \"zh\": \"同一页：TLB 命中。\"}},"
    "  {\"do\": \"cpu.read\", \"vm\": \"vm1\", \"gva\": \"0x7f0000800000\", \"size\": 8,"
    "   \"say\": {\"en\": \"An unmapped address: the guest walk finds a non-present entry and raises #PF.\","
    "             \"zh\": \"未映射的地址：客户机页表遍历遇到不存在的表项，触发缺页异常 #PF。\"}}"
    " ]}";

struct fixture {
	struct scenario sc;
	struct engine e;
	uint64_t *mark;
	struct scene_src src;
};

static void fx_open(struct fixture *f, const char *json)
{
	memset(f, 0, sizeof(*f));
	tu_start(&f->sc, &f->e, json);
	int failed = 0;
	engine_run_all(&f->e, &failed);
	f->mark = calloc((size_t)f->sc.nsteps + 1, sizeof(*f->mark));
	for (int i = 0; i <= f->sc.nsteps; i++)
		f->mark[i] = f->e.mark[i];
	f->src.sc = &f->sc;
	f->src.m = &f->e.m;
	f->src.t = &f->e.m.trace;
	f->src.mark = f->mark;
	f->src.nsteps = f->sc.nsteps;
	f->src.file = "t.json";
}

static void fx_close(struct fixture *f)
{
	engine_free(&f->e);
	scenario_free(&f->sc);
	free(f->mark);
}

static void view(struct scene_view *v, int w, int h, enum lang lang, int presenter, uint64_t cur)
{
	memset(v, 0, sizeof(*v));
	v->w = w;
	v->h = h;
	v->lang = lang;
	v->presenter = presenter;
	v->cur = cur;
	v->t = 0.5f;
	v->pulse = 1;
	v->hover = -1;
	v->dump = -1;
	v->speed = SCENE_SPEED_DEFAULT;
}

static void check_inside(const struct scene *s, int w, int h, const char *what)
{
	const float eps = 1.0f;
	for (int i = 0; i < s->np; i++) {
		const struct scene_prim *p = &s->p[i];
		float x0 = p->x, y0 = p->y, x1 = p->x + p->w, y1 = p->y + p->h;
		if (p->kind == SP_CIRCLE) {
			x0 = p->x - p->w;
			x1 = p->x + p->w;
			y0 = p->y - p->w;
			y1 = p->y + p->w;
		}
		if (p->kind == SP_LINE) {
			float a = x0 < x1 ? x0 : x1, b = x0 < x1 ? x1 : x0;
			x0 = a;
			x1 = b;
			a = y0 < y1 ? y0 : y1;
			b = y0 < y1 ? y1 : y0;
			y0 = a;
			y1 = b;
		}
		cr_assert(x0 >= -eps && y0 >= -eps && x1 <= w + eps && y1 <= h + eps,
		          "%s: prim %d (kind %d, text \"%s\") at [%g,%g]-[%g,%g] leaves %dx%d", what, i,
		          p->kind, p->kind == SP_TEXT ? scene_str(s, p->text) : "", x0, y0, x1, y1, w, h);
		if (p->kind == SP_TEXT) {
			int tw = est_w(NULL, p->face, p->px, scene_str(s, p->text), p->len);
			cr_assert(tw <= p->w + 0.5f, "%s: text \"%s\" is %d px wide in a %g px box", what,
			          scene_str(s, p->text), tw, p->w);
		}
	}
	for (int i = 0; i < s->ne; i++) {
		const struct scene_elem *e = &s->e[i];
		cr_assert(e->x >= -eps && e->y >= -eps && e->x + e->w <= w + eps && e->y + e->h <= h + eps,
		          "%s: element %d (kind %d id %d) leaves the window", what, i, e->kind, e->id);
	}
}

Test(scene, everything_stays_inside_the_window_at_every_size)
{
	struct fixture f;
	fx_open(&f, PF_JSON);
	static const int sizes[][2] = {{1024, 640},  {1280, 800},  {1366, 768},
	                               {1920, 1080}, {2560, 1600}, {3840, 2160}};
	struct scene s;
	scene_init(&s);
	uint64_t n = f.src.t->n;
	cr_assert_gt(n, 30);
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
		for (int lang = 0; lang < 2; lang++)
			for (int pres = 0; pres < 2; pres++)
				for (uint64_t i = 0; i < n; i += (k == 0 ? 1 : 7)) {
					struct scene_view v;
					view(&v, sizes[k][0], sizes[k][1], lang ? LANG_ZH : LANG_EN, pres, i);
					v.help = i % 11 == 3;
					scene_build(&s, &f.src, &v, &MX);
					char what[96];
					snprintf(what, sizeof(what), "%dx%d %s%s event %llu", sizes[k][0],
					         sizes[k][1], lang ? "zh" : "en", pres ? " presenter" : "",
					         (unsigned long long)i);
					check_inside(&s, sizes[k][0], sizes[k][1], what);
				}
	scene_free(&s);
	fx_close(&f);
}

Test(scene, the_lit_box_is_the_one_the_event_names)
{
	struct fixture f;
	fx_open(&f, PF_JSON);
	struct scene s;
	scene_init(&s);
	int seen_mmu = 0, seen_ept = 0, seen_tlb = 0, seen_fault = 0;
	for (uint64_t i = 0; i < f.src.t->n; i++) {
		const struct ev *e = &f.src.t->ev[i];
		struct scene_view v;
		view(&v, 1280, 800, LANG_EN, 0, i);
		scene_build(&s, &f.src, &v, &MX);
		int want = SB_NONE;
		switch (e->kind) {
		case EV_WALK_REF:
			want = e->walker == WALKER_EPT ? SB_EPT : SB_MMU;
			break;
		case EV_TLB_HIT:
		case EV_TLB_MISS:
			want = SB_TLB;
			break;
		case EV_FAULT:
			want = e->unit == UNIT_MMU ? SB_MMU : SB_NONE;
			break;
		default:
			continue;
		}
		cr_assert_eq(s.active_box, want, "event %llu (%s): lit box %d, want %d",
		             (unsigned long long)i, ev_kind_name(e->kind), s.active_box, want);
		int lit = 0;
		for (int k = 0; k < s.ne; k++)
			if (s.e[k].kind == SE_BOX && s.e[k].active) {
				cr_assert_eq(s.e[k].id, want, "event %llu: box %d lit, want %d",
				             (unsigned long long)i, s.e[k].id, want);
				lit++;
			}
		cr_assert_eq(lit, 1, "event %llu: %d boxes lit", (unsigned long long)i, lit);
		if (e->kind == EV_WALK_REF) {
			/* the active walk cell is this very reference */
			int cells = 0;
			for (int k = 0; k < s.ne; k++)
				if (s.e[k].kind == SE_WALKCELL && s.e[k].active) {
					cr_assert_eq(s.e[k].addr, i, "walk cell for event %llu",
					             (unsigned long long)i);
					cells++;
				}
			cr_assert_eq(cells, 1);
			seen_mmu += want == SB_MMU;
			seen_ept += want == SB_EPT;
		}
		if (e->kind == EV_FAULT) {
			cr_assert(s.fault);
			int k = scene_find(&s, SE_BOX, SB_MMU);
			cr_assert(k >= 0 && s.e[k].fault, "the MMU box shows the #PF");
			seen_fault++;
		}
		seen_tlb += want == SB_TLB;
	}
	cr_assert_eq(seen_mmu, 4 + 3, "guest refs: 4 in the cold walk, 3 before the #PF (PDE not present)");
	cr_assert_gt(seen_ept, 20);
	cr_assert_gt(seen_tlb, 1);
	cr_assert_eq(seen_fault, 1);
	scene_free(&s);
	fx_close(&f);
}

Test(scene, cold_nested_walk_counter_reaches_24)
{
	struct fixture f;
	fx_open(&f, PF_JSON);
	struct scene s;
	scene_init(&s);
	/* last event of step 1: the full grid */
	struct scene_view v;
	view(&v, 1280, 800, LANG_EN, 0, f.mark[1] - 1);
	scene_build(&s, &f.src, &v, &MX);
	cr_assert_eq(s.walk_total, 24);
	cr_assert_eq(s.walk_refs, 24);
	int cells = 0;
	for (int k = 0; k < s.ne; k++)
		cells += s.e[k].kind == SE_WALKCELL;
	cr_assert_eq(cells, 24);
	/* in the middle of the walk the counter says how far it got */
	uint64_t i = f.mark[0];
	int refs = 0;
	while (refs < 17) {
		if (f.src.t->ev[i].kind == EV_WALK_REF)
			refs++;
		if (refs < 17)
			i++;
	}
	view(&v, 1280, 800, LANG_EN, 0, i);
	scene_build(&s, &f.src, &v, &MX);
	cr_assert_eq(s.walk_refs, 17);
	cr_assert_eq(s.walk_total, 24);
	int found = 0;
	for (int p = 0; p < s.np; p++)
		if (s.p[p].kind == SP_TEXT && !strcmp(scene_str(&s, s.p[p].text), "refs: 17/24"))
			found = 1;
	cr_assert(found, "the counter reads refs: 17/24");
	scene_free(&s);
	fx_close(&f);
}

static size_t snapshot(const struct scene *s, char **out)
{
	size_t n = (size_t)s->np * sizeof(*s->p) + (size_t)s->ne * sizeof(*s->e) + (size_t)s->pool_len;
	char *b = malloc(n + 1);
	memcpy(b, s->p, (size_t)s->np * sizeof(*s->p));
	memcpy(b + (size_t)s->np * sizeof(*s->p), s->e, (size_t)s->ne * sizeof(*s->e));
	memcpy(b + (size_t)s->np * sizeof(*s->p) + (size_t)s->ne * sizeof(*s->e), s->pool,
	       (size_t)s->pool_len);
	*out = b;
	return n;
}

Test(scene, step_back_then_forward_gives_the_same_scene)
{
	struct fixture f;
	fx_open(&f, PF_JSON);
	struct scene s;
	scene_init(&s);
	for (int lang = 0; lang < 2; lang++) {
		uint64_t probe[3] = {f.mark[0] + 9, f.mark[1] + 1, f.mark[3] - 1};
		for (int k = 0; k < 3; k++) {
			struct scene_view v;
			view(&v, 1280, 800, lang ? LANG_ZH : LANG_EN, 0, probe[k]);
			scene_build(&s, &f.src, &v, &MX);
			char *a;
			size_t na = snapshot(&s, &a);
			/* back to step 1 (replay), then forward to the end again */
			cr_assert_eq(engine_goto(&f.e, 1), 0);
			cr_assert_eq(engine_back(&f.e), 0);
			while (engine_forward(&f.e) >= 0)
				;
			f.src.t = &f.e.m.trace;
			f.src.m = &f.e.m;
			scene_build(&s, &f.src, &v, &MX);
			char *b;
			size_t nb = snapshot(&s, &b);
			cr_assert_eq(na, nb);
			/* pointers into the pool are offsets, so the bytes compare */
			cr_assert(memcmp(a, b, na) == 0, "scene differs after back+forward at event %llu",
			          (unsigned long long)probe[k]);
			free(a);
			free(b);
		}
	}
	scene_free(&s);
	fx_close(&f);
}

Test(scene, hit_test_and_tooltips_decode_the_entry)
{
	struct fixture f;
	fx_open(&f, PF_JSON);
	struct scene s;
	scene_init(&s);
	struct scene_view v;
	view(&v, 1280, 800, LANG_EN, 0, f.mark[0] + 3);
	scene_build(&s, &f.src, &v, &MX);
	int k = -1;
	for (int i = 0; i < s.ne; i++)
		if (s.e[i].kind == SE_WALKCELL && s.e[i].active)
			k = i;
	cr_assert(k >= 0);
	int hit = scene_hit(&s, s.e[k].x + s.e[k].w / 2, s.e[k].y + s.e[k].h / 2);
	cr_assert_eq(hit, k);
	char buf[1200];
	size_t n = scene_tooltip(&s, &f.src, &v, hit, buf, sizeof(buf));
	cr_assert_gt(n, 0);
	/* an EPT entry: its permission bits and address are decoded */
	cr_assert(strstr(buf, "R=1 W=1 X=1") != NULL, "tooltip: %s", buf);
	cr_assert(strstr(buf, "addr[51:12]") != NULL, "tooltip: %s", buf);
	/* the timeline maps back to events in the right step */
	uint64_t e2 = scene_timeline_event(&s, &f.src, s.tl_x + s.tl_w - 1);
	cr_assert_eq(scene_step_of(&f.src, e2), f.sc.nsteps - 1);
	uint64_t e0 = scene_timeline_event(&s, &f.src, s.tl_x + 1);
	cr_assert_eq(scene_step_of(&f.src, e0), -1);
	scene_free(&s);
	fx_close(&f);
}

static void fx_open_file(struct fixture *f, const char *rel)
{
	memset(f, 0, sizeof(*f));
	char *err = NULL;
	cr_assert_eq(tu_load_file(&f->sc, rel, &err), 0, "%s: %s", rel, err ? err : "");
	free(err);
	cr_assert_eq(engine_init(&f->e, &f->sc, 1), 0);
	int failed = 0;
	engine_run_all(&f->e, &failed);
	f->mark = calloc((size_t)f->sc.nsteps + 1, sizeof(*f->mark));
	for (int i = 0; i <= f->sc.nsteps; i++)
		f->mark[i] = f->e.mark[i];
	f->src.sc = &f->sc;
	f->src.m = &f->e.m;
	f->src.t = &f->e.m.trace;
	f->src.mark = f->mark;
	f->src.nsteps = f->sc.nsteps;
}

/* Rx descriptor i: its status byte and whether the hardware owns it. */
static int rx_desc(const struct scene *s, int i, unsigned *status, int *hw)
{
	for (int k = 0; k < s->ne; k++)
		if (s->e[k].kind == SE_DESC && s->e[k].id == i) {
			*status = (unsigned)s->e[k].addr;
			*hw = (int)s->e[k].addr2;
			return 1;
		}
	return 0;
}

Test(scene, nic_ring_ownership_follows_the_registers)
{
	struct fixture f;
	fx_open_file(&f, "scenarios/nic-rx-one.json");
	struct engine now;
	cr_assert_eq(engine_init(&now, &f.sc, 0), 0);
	struct scene s;
	scene_init(&s);
	struct scene_view v;
	unsigned st;
	int hw;
	/* end of nic.probe: RDH 0, RDT 6: the hardware owns 0..5 */
	engine_goto(&now, 0);
	f.src.m_now = &now.m;
	view(&v, 1280, 800, LANG_EN, 0, f.mark[1] - 1);
	scene_build(&s, &f.src, &v, &MX);
	for (int i = 0; i < 8; i++) {
		cr_assert(rx_desc(&s, i, &st, &hw), "descriptor %d drawn", i);
		cr_assert_eq(hw, i < 6, "after probe: descriptor %d hw-owned = %d", i, hw);
		cr_assert_eq(st & 1, 0);
	}
	/* end of wire.rx: descriptor 0 written back with DD|EOP, RDH 1: the hardware owns 1..5 */
	engine_goto(&now, 1);
	view(&v, 1280, 800, LANG_EN, 0, f.mark[2] - 1);
	scene_build(&s, &f.src, &v, &MX);
	cr_assert(rx_desc(&s, 0, &st, &hw));
	cr_assert_eq(st & 3, 3, "descriptor 0 status 0x%x has DD and EOP", st);
	cr_assert_eq(hw, 0);
	for (int i = 1; i < 8; i++) {
		cr_assert(rx_desc(&s, i, &st, &hw));
		cr_assert_eq(hw, i < 6, "after rx: descriptor %d hw-owned = %d", i, hw);
	}
	/* every size still fits with the ring panel on screen */
	static const int sizes[][2] = {{1024, 640}, {1920, 1080}, {3840, 2160}};
	for (size_t k = 0; k < 3; k++)
		for (uint64_t i = 0; i < f.src.t->n; i += 5) {
			view(&v, sizes[k][0], sizes[k][1], i % 2 ? LANG_ZH : LANG_EN, (int)(i / 5) % 2, i);
			scene_build(&s, &f.src, &v, &MX);
			check_inside(&s, sizes[k][0], sizes[k][1], "nic-rx-one");
		}
	scene_free(&s);
	engine_free(&now);
	fx_close(&f);
}

static int shows(const struct scene *s, const char *str);

/* Lesson 3 has two NICs: the ring panel follows the one at work (nic0's
 * frames in step 4, nic1's in step 6), not always the first. */
Test(scene, ring_panel_shows_the_nic_the_event_involves)
{
	struct fixture f;
	fx_open_file(&f, "lessons/03-pt-lazy-strict-off.json");
	struct engine now;
	cr_assert_eq(engine_init(&now, &f.sc, 0), 0);
	struct scene s;
	scene_init(&s);
	struct scene_view v;
	static const struct {
		int step; /* 0-based */
		const char *title;
	} want[] = {{3, "nic0 descriptor rings"}, {5, "nic1 descriptor rings"}, {6, "nic1 descriptor rings"}};
	for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
		engine_goto(&now, want[k].step);
		f.src.m_now = &now.m;
		view(&v, 1280, 800, LANG_EN, 0, f.mark[want[k].step + 1] - 1);
		scene_build(&s, &f.src, &v, &MX);
		cr_assert(shows(&s, want[k].title), "step %d: the panel should read \"%s\"", want[k].step + 1,
		          want[k].title);
	}
	scene_free(&s);
	engine_free(&now);
	fx_close(&f);
}

#include <dirent.h>

#define TL(v, en, zh) ((v)->lang == LANG_ZH ? (zh) : (en))

/* Every shipped scenario and lesson, sampled at 40 events in both
 * languages, at the minimum size: everything inside, no text overflow. */
Test(scene, every_shipped_scenario_fits_at_the_minimum_size, .timeout = 300)
{
	static const char *const dirs[] = {"scenarios", "lessons"};
	int files = 0;
	for (int d = 0; d < 2; d++) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", IOMMULAB_SOURCE_DIR, dirs[d]);
		DIR *dir = opendir(path);
		if (!dir)
			continue;
		struct dirent *de;
		while ((de = readdir(dir))) {
			size_t n = strlen(de->d_name);
			if (n < 6 || strcmp(de->d_name + n - 5, ".json") ||
			    !strcmp(de->d_name, "schema.json") || !strcmp(de->d_name, "registry.json"))
				continue;
			char rel[600];
			snprintf(rel, sizeof(rel), "%s/%s", dirs[d], de->d_name);
			struct fixture f;
			fx_open_file(&f, rel);
			struct engine now;
			cr_assert_eq(engine_init(&now, &f.sc, 0), 0);
			struct scene s;
			scene_init(&s);
			uint64_t n_ev = f.src.t->n;
			for (int k = 0; k < 40 && n_ev; k++) {
				uint64_t i = n_ev * (uint64_t)k / 40;
				int st = scene_step_of(&f.src, i);
				engine_goto(&now, st < 0 ? 0 : st);
				f.src.m_now = &now.m;
				struct scene_view v;
				view(&v, 1024, 640, k % 2 ? LANG_ZH : LANG_EN, k % 3 == 0, i);
				scene_build(&s, &f.src, &v, &MX);
				char what[700];
				snprintf(what, sizeof(what), "%s event %llu", rel, (unsigned long long)i);
				check_inside(&s, 1024, 640, what);
			}
			/* every question card, hidden and revealed, and the end card */
			for (int q = 0; q <= f.sc.nquestions; q++)
				for (int k = 0; k < 8; k++) {
					struct scene_view v;
					int a = q < f.sc.nquestions ? f.sc.questions[q].after_step : -1;
					if (q < f.sc.nquestions && a < 0)
						continue;
					view(&v, 1024, 640, k & 1 ? LANG_ZH : LANG_EN, (k >> 1) & 1,
					     a >= 0 ? f.mark[a] : n_ev - 1);
					v.revealed = (k >> 2) & 1 ? ~0u : 0;
					v.ask = a >= 0;
					v.outro = a < 0;
					engine_goto(&now, a >= 0 ? a : f.sc.nsteps - 1);
					f.src.m_now = &now.m;
					scene_build(&s, &f.src, &v, &MX);
					char what[700];
					snprintf(what, sizeof(what), "%s %s %d %s%s%s", rel,
					         a >= 0 ? "question" : "end card", q, k & 1 ? "zh" : "en",
					         k & 2 ? " presenter" : "", k & 4 ? " revealed" : "");
					check_inside(&s, 1024, 640, what);
					cr_assert_eq(s.card_cut, 0, "%s: every line of the card fits", what);
					if (a >= 0) {
						cr_assert_eq(s.question, q, "%s: card shown", what);
						cr_assert_eq(s.answer_shown, (k >> 2) & 1, "%s", what);
						const struct question *Q = &f.sc.questions[q];
						cr_assert(shows(&s, k & 1 ? Q->q_zh : Q->q_en),
						          "%s: question text", what);
						cr_assert_eq(shows(&s, k & 1 ? Q->a_zh : Q->a_en),
						             (k >> 2) & 1, "%s: answer text", what);
					}
				}
			scene_free(&s);
			engine_free(&now);
			fx_close(&f);
			files++;
		}
		closedir(dir);
	}
	cr_assert_gt(files, 5);
	LEAK_CHECK();
}

/* ------------------------------------------------------ lesson questions */

/* Some text run on screen starts with the first few characters of str
 * (whole UTF-8 characters, up to 24 bytes: the first line of a wrap). */
static int shows(const struct scene *s, const char *str)
{
	int n = 0;
	while (str[n] && n < 24) {
		int k = (unsigned char)str[n] < 0x80 ? 1 : ((unsigned char)str[n] & 0xF0) == 0xE0 ? 3 : 2;
		if (n + k > 24)
			break;
		n += k;
	}
	for (int i = 0; i < s->np; i++)
		if (s->p[i].kind == SP_TEXT && s->p[i].len >= n &&
		    !strncmp(scene_str(s, s->p[i].text), str, (size_t)n))
			return 1;
	return 0;
}

static void build_at(struct scene *s, struct fixture *f, const struct scene_view *v)
{
	scene_build(s, &f->src, v, &MX);
}

/* Walking lesson 6 one position at a time from the start: the Predict card
 * is on screen exactly at the gates just before the steps its questions are
 * anchored to, never inside a step or before; its answer only when revealed. */
Test(scene, lesson_question_card_appears_at_its_step_and_not_before)
{
	struct fixture f;
	fx_open_file(&f, "lessons/06-ept-vs-iommu.json");
	cr_assert_eq(f.sc.nquestions, 3);
	struct scene s;
	scene_init(&s);
	for (int lang = 0; lang < 2; lang++) {
		struct scene_view v;
		view(&v, 1280, 800, lang ? LANG_ZH : LANG_EN, 1, 0);
		int seen[3] = {0, 0, 0}, positions = 0;
		for (;;) {
			build_at(&s, &f, &v);
			int want = -1;
			for (int q = 0; q < 3; q++)
				if (v.ask && v.cur == f.mark[f.sc.questions[q].after_step])
					want = q;
			cr_assert_eq(s.question, want, "event %llu ask %d: card %d, want %d",
			             (unsigned long long)v.cur, v.ask, s.question, want);
			for (int q = 0; q < 3; q++) {
				const struct question *Q = &f.sc.questions[q];
				const char *qt = lang ? Q->q_zh : Q->q_en, *at = lang ? Q->a_zh : Q->a_en;
				cr_assert_eq(shows(&s, qt), q == want, "question %d on screen at event %llu",
				             q, (unsigned long long)v.cur);
				cr_assert(!shows(&s, at), "answer %d must stay hidden", q);
			}
			if (want >= 0) {
				seen[want]++;
				cr_assert(!s.answer_shown);
				cr_assert(shows(&s, TL(&v, "Think it over", "先想一想")),
				          "the hint says how to reveal");
				cr_assert(shows(&s, TL(&v, "PREDICT", "预测")));
				/* the step's own text (it gives the answer away) is not there */
				const struct step *sp = &f.sc.steps[f.sc.questions[want].after_step];
				cr_assert(!shows(&s, lang ? sp->say_zh : sp->say_en));
				cr_assert_geq(scene_find(&s, SE_QUESTION, want), 0, "the card is clickable");
				cr_assert_eq(s.token_elem_to, -1, "no token at a gate");
			}
			positions++;
			if (!scene_nav_next(&f.src, &v))
				break;
		}
		for (int q = 0; q < 3; q++)
			cr_assert_eq(seen[q], 1, "question %d asked once", q);
		cr_assert_eq(positions, (int)f.src.t->n + 3 + 1, "every event, 3 gates and the end card");
		cr_assert(v.outro && s.end_card, "the walk ends on the end card");
		cr_assert(shows(&s, TL(&v, "Try this", "动手试试")));
		cr_assert(shows(&s, lang ? f.sc.try_zh : f.sc.try_en));
		cr_assert(shows(&s, TL(&v, "References", "参考资料")));
		cr_assert(shows(&s, f.sc.refs));
	}
	scene_free(&s);
	fx_close(&f);
	LEAK_CHECK();
}

/* A reveals the answer of the question on screen; it stays revealed when
 * the class goes back and forth, and the other questions stay hidden. */
Test(scene, lesson_answer_is_revealed_on_demand_and_survives_back_and_forth)
{
	struct fixture f;
	fx_open_file(&f, "lessons/06-ept-vs-iommu.json");
	struct scene s;
	scene_init(&s);
	for (int lang = 0; lang < 2; lang++) {
		const struct question *Q1 = &f.sc.questions[1], *Q2 = &f.sc.questions[2];
		struct scene_view v;
		view(&v, 1024, 640, lang ? LANG_ZH : LANG_EN, 1, f.mark[Q1->after_step] - 1);
		cr_assert_eq(scene_toggle_answer(&f.src, &v), -1, "no question inside a step");
		cr_assert(scene_nav_next(&f.src, &v));
		cr_assert(v.ask);
		build_at(&s, &f, &v);
		cr_assert(!shows(&s, lang ? Q1->a_zh : Q1->a_en));
		cr_assert_eq(scene_toggle_answer(&f.src, &v), 1);
		build_at(&s, &f, &v);
		cr_assert(s.answer_shown);
		cr_assert(shows(&s, lang ? Q1->a_zh : Q1->a_en), "answer shown after A");
		cr_assert(shows(&s, TL(&v, "ANSWER", "答案")));
		check_inside(&s, 1024, 640, "revealed card");
		/* forward into the step, further, then back to the gate */
		for (int i = 0; i < 5; i++)
			cr_assert(scene_nav_next(&f.src, &v));
		build_at(&s, &f, &v);
		cr_assert_eq(s.question, -1);
		for (int i = 0; i < 5; i++)
			cr_assert(scene_nav_prev(&f.src, &v));
		cr_assert(v.ask);
		build_at(&s, &f, &v);
		cr_assert_eq(s.question, 1);
		cr_assert(shows(&s, lang ? Q1->a_zh : Q1->a_en), "still revealed after back and forth");
		/* the language switch keeps it too */
		v.lang = lang ? LANG_EN : LANG_ZH;
		build_at(&s, &f, &v);
		cr_assert(shows(&s, lang ? Q1->a_en : Q1->a_zh));
		v.lang = lang ? LANG_ZH : LANG_EN;
		/* the next question is still hidden */
		v.ask = 0;
		v.cur = f.mark[Q2->after_step] - 1;
		cr_assert(scene_nav_next(&f.src, &v));
		build_at(&s, &f, &v);
		cr_assert_eq(s.question, 2);
		cr_assert(!s.answer_shown);
		cr_assert(!shows(&s, lang ? Q2->a_zh : Q2->a_en));
		/* A again hides it */
		v.cur = f.mark[Q1->after_step];
		v.ask = 1;
		cr_assert_eq(scene_toggle_answer(&f.src, &v), 1);
		build_at(&s, &f, &v);
		cr_assert(!shows(&s, lang ? Q1->a_zh : Q1->a_en));
	}
	scene_free(&s);
	fx_close(&f);
}

/* Autoplay (the viewer's loop: hold, else one position forward) stops at
 * each question whose answer is hidden, and not at revealed ones. */
Test(scene, autoplay_holds_at_an_unrevealed_question)
{
	struct fixture f;
	fx_open_file(&f, "lessons/03-pt-lazy-strict-off.json");
	cr_assert_geq(f.sc.nquestions, 2);
	struct scene_view v;
	view(&v, 1280, 800, LANG_EN, 1, 0);
	for (int q = 0; q < f.sc.nquestions; q++) {
		while (!scene_nav_hold(&f.src, &v))
			cr_assert(scene_nav_next(&f.src, &v), "autoplay ran off the end before question %d",
			          q);
		cr_assert(v.ask);
		cr_assert_eq(v.cur, f.mark[f.sc.questions[q].after_step], "held at question %d's gate", q);
		cr_assert_eq(scene_question_at(&f.src, &v), q);
		/* the teacher presses A: the hold is over; autoplay goes on */
		cr_assert_eq(scene_toggle_answer(&f.src, &v), q);
		cr_assert(!scene_nav_hold(&f.src, &v));
		cr_assert(scene_nav_next(&f.src, &v));
		cr_assert(!v.ask, "the step begins");
	}
	/* all revealed: a second run from the start does not hold at all */
	view(&v, 1280, 800, LANG_ZH, 1, 0);
	v.revealed = (1u << f.sc.nquestions) - 1;
	int gates = 0;
	while (scene_nav_next(&f.src, &v)) {
		cr_assert(!scene_nav_hold(&f.src, &v));
		gates += v.ask;
	}
	cr_assert_eq(gates, f.sc.nquestions);
	cr_assert(v.outro);
	fx_close(&f);
}
