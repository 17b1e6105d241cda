/*
 * test_render.c — the viewer's pixels, headless (software renderer on a
 * surface; no video driver).
 *
 *   - at the #PF event the MMU box is painted in the fault red, and it is
 *     not before the fault;
 *   - every character of every string on screen, in Chinese and English,
 *     has a glyph in the font the viewer uses (no tofu boxes);
 *   - `screenshot` writes a PNG of the asked size, atomically.
 */
#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "scene.h"
#include "sdl_draw.h"
#include "testutil.h"

/* Under AddressSanitizer, a leak fails the test (Criterion alone ignores them). */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define LEAK_CHECK() cr_assert_eq(__lsan_do_recoverable_leak_check(), 0, "memory leaked")
#else
#define LEAK_CHECK() ((void)0)
#endif
#include "theme.h"
#include "viewer.h"

static const char *PF_JSON =
    "{\"format\": \"iommulab/1\", \"title\": {\"en\": \"A page fault\", \"zh\": \"缺页异常\"},"
    " \"vms\": [{\"name\": \"vm1\", \"ram\": [{\"gpa\": \"0x0\", \"size\": \"32MiB\", \"hpa\": "
    "\"0x4000000\"}],"
    "  \"pages\": [{\"gva\": \"0x7f0000400000\", \"gpa\": \"0x1200000\", \"size\": \"4KiB\", \"perm\": "
    "\"rw-\"}]}],"
    " \"steps\": ["
    "  {\"do\": \"cpu.read\", \"vm\": \"vm1\", \"gva\": \"0x7f0000400010\", \"size\": 8,"
    "   \"say\": {\"en\": \"A mapped address.\", \"zh\": \"已映射的地址。\"}},"
    "  {\"do\": \"cpu.read\", \"vm\": \"vm1\", \"gva\": \"0x7f0000800000\", \"size\": 8,"
    "   \"say\": {\"en\": \"An unmapped address raises #PF.\", \"zh\": \"未映射的地址触发缺页异常 #PF。\"}}"
    " ]}";

/* A device DMA to an IOVA nobody mapped: the IOMMU blocks it (DMAR fault). */
static const char *DMAR_JSON =
    "{\"format\": \"iommulab/1\", \"title\": {\"en\": \"DMAR fault\", \"zh\": \"DMAR 故障\"},"
    " \"devices\": [{\"name\": \"dev0\", \"type\": \"dma-device\", \"bdf\": \"01:00.0\"}],"
    " \"steps\": ["
    "  {\"do\": \"kmem.alloc\", \"device\": \"dev0\", \"size\": 4096, \"as\": \"buf\"},"
    "  {\"do\": \"dma.map\", \"device\": \"dev0\", \"addr\": \"$buf\", \"size\": 4096, \"dir\": "
    "\"from_device\", \"as\": \"h\"},"
    "  {\"do\": \"device.write\", \"device\": \"dev0\", \"addr\": \"$h\", \"bytes\": \"de ad be ef\"},"
    "  {\"do\": \"device.write\", \"device\": \"dev0\", \"addr\": \"0x7fff0000\", \"bytes\": \"01 02\"}"
    " ]}";

struct rig {
	struct scenario sc;
	struct engine e;
	uint64_t *mark;
	struct scene_src src;
	SDL_Surface *surf;
	SDL_Renderer *r;
	struct sdl_gfx g;
	struct scene s;
};

static void rig_open_json(struct rig *x, int w, int h, const char *json)
{
	memset(x, 0, sizeof(*x));
	tu_start(&x->sc, &x->e, json);
	int failed = 0;
	engine_run_all(&x->e, &failed);
	x->mark = calloc((size_t)x->sc.nsteps + 1, sizeof(*x->mark));
	memcpy(x->mark, x->e.mark, ((size_t)x->sc.nsteps + 1) * sizeof(*x->mark));
	x->src.sc = &x->sc;
	x->src.m = &x->e.m;
	x->src.t = &x->e.m.trace;
	x->src.mark = x->mark;
	x->src.nsteps = x->sc.nsteps;
	cr_assert_eq(TTF_Init(), 0);
	x->surf = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
	cr_assert(x->surf);
	x->r = SDL_CreateSoftwareRenderer(x->surf);
	cr_assert(x->r);
	char err[256];
	cr_assert_eq(gfx_init(&x->g, x->r, err, sizeof(err)), 0, "%s", err);
	scene_init(&x->s);
}

static void rig_open(struct rig *x, int w, int h)
{
	rig_open_json(x, w, h, PF_JSON);
}

static void rig_close(struct rig *x)
{
	scene_free(&x->s);
	gfx_free(&x->g);
	SDL_DestroyRenderer(x->r);
	SDL_FreeSurface(x->surf);
	TTF_Quit();
	engine_free(&x->e);
	scenario_free(&x->sc);
	free(x->mark);
}

static void frame(struct rig *x, uint64_t cur, enum lang lang)
{
	struct scene_view v;
	memset(&v, 0, sizeof(v));
	v.w = x->surf->w;
	v.h = x->surf->h;
	v.lang = lang;
	v.cur = cur;
	v.t = 1;
	v.pulse = 1;
	v.hover = -1;
	v.dump = -1;
	scene_build(&x->s, &x->src, &v, &x->g.mx);
	SDL_SetRenderDrawColor(x->r, 0, 0, 0, 255);
	SDL_RenderClear(x->r);
	gfx_draw(&x->g, &x->s);
	SDL_RenderPresent(x->r);
}

/* pixels within tol of colour c inside the element's rectangle */
static int count_colour(struct rig *x, int elem, struct rgb c, int tol)
{
	const struct scene_elem *e = &x->s.e[elem];
	SDL_Surface *s = x->surf;
	int n = 0;
	for (int y = (int)e->y; y < (int)(e->y + e->h) && y < s->h; y++)
		for (int xx = (int)e->x; xx < (int)(e->x + e->w) && xx < s->w; xx++) {
			uint32_t p = ((uint32_t *)((uint8_t *)s->pixels + y * s->pitch))[xx];
			uint8_t r, g, b;
			SDL_GetRGB(p, s->format, &r, &g, &b);
			if (abs(r - c.r) <= tol && abs(g - c.g) <= tol && abs(b - c.b) <= tol)
				n++;
		}
	return n;
}

Test(render, the_fault_red_fills_the_mmu_box_at_the_page_fault)
{
	struct rig x;
	rig_open(&x, 1280, 800);
	uint64_t pf = UINT64_MAX, before = UINT64_MAX;
	for (uint64_t i = 0; i < x.src.t->n; i++) {
		if (x.src.t->ev[i].kind == EV_FAULT && pf == UINT64_MAX)
			pf = i;
		if (x.src.t->ev[i].kind == EV_WALK_REF && before == UINT64_MAX)
			before = i;
	}
	cr_assert_neq(pf, UINT64_MAX, "the scenario raises a #PF");
	frame(&x, before, LANG_EN);
	int k = scene_find(&x.s, SE_BOX, SB_MMU);
	cr_assert(k >= 0);
	int red_before = count_colour(&x, k, THEME_FAULT, 10);
	frame(&x, pf, LANG_EN);
	k = scene_find(&x.s, SE_BOX, SB_MMU);
	int red_at = count_colour(&x, k, THEME_FAULT, 10);
	const struct scene_elem *e = &x.s.e[k];
	int perimeter = (int)(2 * (e->w + e->h));
	cr_assert_eq(red_before, 0, "no fault red in the MMU box before the fault (%d px)", red_before);
	cr_assert_gt(red_at, perimeter * 3, "the MMU box is outlined in fault red at the #PF (%d px)",
	             red_at);
	/* the fault banner: a large red area somewhere on screen */
	int banner = 0;
	SDL_Surface *s = x.surf;
	for (int y = 0; y < s->h; y += 2)
		for (int xx = 0; xx < s->w; xx += 2) {
			uint32_t p = ((uint32_t *)((uint8_t *)s->pixels + y * s->pitch))[xx];
			uint8_t r, g, b;
			SDL_GetRGB(p, s->format, &r, &g, &b);
			banner += abs(r - 0xD3) < 12 && abs(g - 0x2F) < 14 && abs(b - 0x2F) < 14;
		}
	cr_assert_gt(banner, 3000, "a red fault banner is shown (%d samples)", banner);
	rig_close(&x);
}

Test(render, the_fault_red_fills_the_iommu_box_at_the_dmar_fault)
{
	struct rig x;
	rig_open_json(&x, 1920, 1080, DMAR_JSON);
	uint64_t f = UINT64_MAX, ok_dma = UINT64_MAX;
	for (uint64_t i = 0; i < x.src.t->n; i++) {
		const struct ev *e = &x.src.t->ev[i];
		if (e->kind == EV_FAULT && e->unit == UNIT_IOMMU && f == UINT64_MAX)
			f = i;
		if (e->kind == EV_DEV_DMA && ok_dma == UINT64_MAX)
			ok_dma = i;
	}
	cr_assert_neq(f, UINT64_MAX, "the scenario has a DMAR fault");
	cr_assert_neq(ok_dma, UINT64_MAX);
	frame(&x, ok_dma, LANG_ZH);
	int k = scene_find(&x.s, SE_BOX, SB_IOMMU);
	cr_assert(k >= 0);
	int before = count_colour(&x, k, THEME_FAULT, 10);
	frame(&x, f, LANG_ZH);
	k = scene_find(&x.s, SE_BOX, SB_IOMMU);
	cr_assert(x.s.e[k].fault, "the IOMMU box is marked as faulting");
	int at = count_colour(&x, k, THEME_FAULT, 10);
	int perimeter = (int)(2 * (x.s.e[k].w + x.s.e[k].h));
	cr_assert_eq(before, 0, "no fault red in the IOMMU box during a good DMA (%d px)", before);
	cr_assert_gt(at, perimeter * 3, "the IOMMU box is outlined in fault red at the DMAR fault (%d px)",
	             at);
	/* the fault log lists the faulting address */
	int logged = 0;
	for (int p = 0; p < x.s.np; p++)
		if (x.s.p[p].kind == SP_TEXT && strstr(scene_str(&x.s, x.s.p[p].text), "7fff0000"))
			logged = 1;
	cr_assert(logged, "the faulting IOVA is on screen");
	rig_close(&x);
}

Test(render, every_character_on_screen_has_a_glyph)
{
	struct rig x;
	rig_open_json(&x, 1024, 640, DMAR_JSON);
	TTF_Font *sans = TTF_OpenFont(x.g.font_path[SF_SANS], 16);
	TTF_Font *mono = TTF_OpenFont(x.g.font_path[SF_MONO], 16);
	cr_assert(sans && mono);
	int checked = 0;
	for (int lang = 0; lang < 2; lang++)
		for (uint64_t i = 0; i < x.src.t->n; i += 3) {
			frame(&x, i, lang ? LANG_ZH : LANG_EN);
			for (int p = 0; p < x.s.np; p++) {
				if (x.s.p[p].kind != SP_TEXT)
					continue;
				const char *str = scene_str(&x.s, x.s.p[p].text);
				int ascii = 1;
				for (const char *q = str; *q; q++)
					ascii &= (unsigned char)*q < 0x80;
				TTF_Font *f = x.s.p[p].face == SF_MONO && ascii ? mono : sans;
				for (const unsigned char *q = (const unsigned char *)str; *q;) {
					uint32_t cp;
					int k;
					if (*q < 0x80) {
						cp = *q;
						k = 1;
					} else if ((*q & 0xE0) == 0xC0) {
						cp = ((uint32_t)(q[0] & 0x1F) << 6) | (q[1] & 0x3F);
						k = 2;
					} else if ((*q & 0xF0) == 0xE0) {
						cp = ((uint32_t)(q[0] & 0x0F) << 12) |
						     ((uint32_t)(q[1] & 0x3F) << 6) | (q[2] & 0x3F);
						k = 3;
					} else {
						cp = ((uint32_t)(q[0] & 0x07) << 18) |
						     ((uint32_t)(q[1] & 0x3F) << 12) |
						     ((uint32_t)(q[2] & 0x3F) << 6) | (q[3] & 0x3F);
						k = 4;
					}
					cr_assert(TTF_GlyphIsProvided32(f, cp),
					          "U+%04X in \"%s\" has no glyph (tofu)", cp, str);
					checked++;
					q += k;
				}
			}
		}
	cr_assert_gt(checked, 1000);
	TTF_CloseFont(sans);
	TTF_CloseFont(mono);
	rig_close(&x);
}

Test(render, screenshot_writes_a_png_of_the_asked_size)
{
	char dir[] = "/tmp/iommulab-shot-XXXXXX";
	cr_assert(mkdtemp(dir));
	char json[300], png[300];
	snprintf(json, sizeof(json), "%s/pf.json", dir);
	snprintf(png, sizeof(png), "%s/pf.png", dir);
	FILE *f = fopen(json, "w");
	cr_assert(f);
	fputs(PF_JSON, f);
	fclose(f);
	struct viewer_opts o;
	viewer_opts_default(&o);
	o.w = 1024;
	o.h = 640;
	o.step = 2;
	o.lang = LANG_ZH;
	o.presenter = 1;
	cr_assert_eq(viewer_screenshot(json, &o, png), 0);
	SDL_Surface *s = IMG_Load(png);
	cr_assert(s, "PNG loads back: %s", IMG_GetError());
	cr_assert_eq(s->w, 1024);
	cr_assert_eq(s->h, 640);
	SDL_FreeSurface(s);
	/* no temp file is left behind */
	char tmp[400];
	snprintf(tmp, sizeof(tmp), "%s/pf.png.tmp%ld", dir, (long)getpid());
	cr_assert_eq(access(tmp, F_OK), -1);
	/* a directory as the output is refused */
	cr_assert_eq(viewer_screenshot(json, &o, dir), 2);
	remove(png);
	remove(json);
	rmdir(dir);
	LEAK_CHECK();
}

/* The interactive viewer, driven by a key script on the dummy video driver:
 * two Shift+Right (setup -> step 1 -> step 2), one Right, language, presenter,
 * help on and off, then S writes a screenshot named for the position. */
Test(render, the_viewer_follows_keys_and_saves_a_screenshot)
{
	char dir[] = "/tmp/iommulab-view-XXXXXX";
	cr_assert(mkdtemp(dir));
	char json[300], old[1024];
	snprintf(json, sizeof(json), "%s/pf.json", dir);
	FILE *f = fopen(json, "w");
	cr_assert(f);
	fputs(PF_JSON, f);
	fclose(f);
	cr_assert(getcwd(old, sizeof(old)));
	cr_assert_eq(chdir(dir), 0);
	setenv("SDL_VIDEODRIVER", "dummy", 1);
	/* expected name: step 2, event = first event of step 2 + 1 (1-based: +2) */
	struct scenario sc;
	struct engine e;
	tu_start(&sc, &e, PF_JSON);
	engine_run_all(&e, NULL);
	char want[300];
	snprintf(want, sizeof(want), "pf-step2-ev%llu.png", (unsigned long long)e.mark[1] + 2);
	engine_free(&e);
	scenario_free(&sc);
	struct viewer_opts o;
	viewer_opts_default(&o);
	o.w = 1024;
	o.h = 640;
	o.max_frames = 16;
	o.keys = "Shift+Right,Shift+Right,Right,L,P,H,H,+,-,S";
	cr_assert_eq(viewer_open("pf.json", 0, &o), 0);
	SDL_Surface *s = IMG_Load(want);
	cr_assert(s, "the S key saved %s: %s", want, IMG_GetError());
	cr_assert_eq(s->w, 1024);
	SDL_FreeSurface(s);
	remove(want);
	remove("pf.json");
	cr_assert_eq(chdir(old), 0);
	rmdir(dir);
	LEAK_CHECK();
}

/* Pixels that differ between two same-size surfaces in rows [y0, y1). */
static long diff_rows(SDL_Surface *a, SDL_Surface *b, int y0, int y1)
{
	SDL_Surface *x = SDL_ConvertSurfaceFormat(a, SDL_PIXELFORMAT_ARGB8888, 0);
	SDL_Surface *y = SDL_ConvertSurfaceFormat(b, SDL_PIXELFORMAT_ARGB8888, 0);
	long n = 0;
	for (int r = y0; r < y1 && r < x->h; r++)
		for (int c = 0; c < x->w; c++)
			n += ((uint32_t *)((uint8_t *)x->pixels + r * x->pitch))[c] !=
			     ((uint32_t *)((uint8_t *)y->pixels + r * y->pitch))[c];
	SDL_FreeSurface(x);
	SDL_FreeSurface(y);
	return n;
}

/* `screenshot --step 2 --question [--reveal]` on lesson 6: the card at the
 * bottom, the answer drawn only with --reveal (the card grows; the header is
 * the same); a step without a question is refused with exit 2. */
Test(render, screenshot_draws_the_lesson_question_with_and_without_the_answer)
{
	char file[1200], dir[] = "/tmp/iommulab-q-XXXXXX";
	cr_assert(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/lessons/06-ept-vs-iommu.json", IOMMULAB_SOURCE_DIR);
	char hid[300], rev[300];
	snprintf(hid, sizeof(hid), "%s/hidden.png", dir);
	snprintf(rev, sizeof(rev), "%s/revealed.png", dir);
	struct viewer_opts o;
	viewer_opts_default(&o);
	o.w = 1024;
	o.h = 640;
	o.presenter = 1;
	o.lang = LANG_ZH;
	o.step = 2;
	o.question = 1;
	cr_assert_eq(viewer_screenshot(file, &o, hid), 0);
	o.reveal = 1;
	cr_assert_eq(viewer_screenshot(file, &o, rev), 0);
	SDL_Surface *a = IMG_Load(hid), *b = IMG_Load(rev);
	cr_assert(a && b);
	long top = diff_rows(a, b, 0, 30), bottom = diff_rows(a, b, 640 / 2, 640);
	cr_assert_eq(top, 0, "the header does not change (%ld pixels)", top);
	cr_assert_gt(bottom, 2000, "the answer is drawn in the card (%ld pixels differ)", bottom);
	SDL_FreeSurface(a);
	SDL_FreeSurface(b);
	o.step = 3; /* no question before step 3 */
	cr_assert_eq(viewer_screenshot(file, &o, hid), 2);
	remove(hid);
	remove(rev);
	rmdir(dir);
	LEAK_CHECK();
}

#include <dirent.h>

static void rig_open_file(struct rig *x, int w, int h, const char *rel)
{
	memset(x, 0, sizeof(*x));
	char *err = NULL;
	cr_assert_eq(tu_load_file(&x->sc, rel, &err), 0, "%s: %s", rel, err ? err : "");
	free(err);
	cr_assert_eq(engine_init(&x->e, &x->sc, 1), 0);
	int failed = 0;
	engine_run_all(&x->e, &failed);
	x->mark = calloc((size_t)x->sc.nsteps + 1, sizeof(*x->mark));
	memcpy(x->mark, x->e.mark, ((size_t)x->sc.nsteps + 1) * sizeof(*x->mark));
	x->src.sc = &x->sc;
	x->src.m = &x->e.m;
	x->src.t = &x->e.m.trace;
	x->src.mark = x->mark;
	x->src.nsteps = x->sc.nsteps;
	cr_assert_eq(TTF_Init(), 0);
	x->surf = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
	x->r = SDL_CreateSoftwareRenderer(x->surf);
	char e2[256];
	cr_assert_eq(gfx_init(&x->g, x->r, e2, sizeof(e2)), 0, "%s", e2);
	scene_init(&x->s);
}

/* With the real fonts (SDL_ttf metrics), at 1024x640 in presenter mode:
 * every question of every shipped lesson, hidden and revealed, and every
 * end card, in both languages, fits without a cut line, no text run is
 * wider than its box, and every character has a glyph. */
Test(render, every_lesson_question_card_fits_with_the_real_fonts, .timeout = 120)
{
	char path[1024];
	snprintf(path, sizeof(path), "%s/lessons", IOMMULAB_SOURCE_DIR);
	DIR *dir = opendir(path);
	cr_assert(dir);
	struct dirent *de;
	int cards = 0;
	while ((de = readdir(dir))) {
		size_t n = strlen(de->d_name);
		if (n < 6 || strcmp(de->d_name + n - 5, ".json") || !strcmp(de->d_name, "registry.json"))
			continue;
		char rel[600];
		snprintf(rel, sizeof(rel), "lessons/%s", de->d_name);
		struct rig x;
		rig_open_file(&x, 1024, 640, rel);
		TTF_Font *sans = TTF_OpenFont(x.g.font_path[SF_SANS], 16);
		cr_assert(sans);
		for (int q = 0; q <= x.sc.nquestions; q++)
			for (int k = 0; k < 4; k++) {
				int a = q < x.sc.nquestions ? x.sc.questions[q].after_step : -1;
				if (q < x.sc.nquestions && a < 0)
					continue;
				struct scene_view v;
				memset(&v, 0, sizeof(v));
				v.w = 1024;
				v.h = 640;
				v.lang = k & 1 ? LANG_ZH : LANG_EN;
				v.presenter = 1;
				v.cur = a >= 0 ? x.mark[a] : x.src.t->n - 1;
				v.ask = a >= 0;
				v.outro = a < 0;
				v.revealed = k & 2 ? ~0u : 0;
				v.t = 1;
				v.hover = v.dump = -1;
				scene_build(&x.s, &x.src, &v, &x.g.mx);
				cr_assert_eq(x.s.card_cut, 0,
				             "%s question %d lang %d revealed %d: a line is cut", rel, q,
				             k & 1, k >> 1);
				if (a >= 0)
					cr_assert_eq(x.s.question, q);
				for (int p = 0; p < x.s.np; p++) {
					const struct scene_prim *pr = &x.s.p[p];
					if (pr->kind != SP_TEXT ||
					    (pr->y < x.s.main_y + x.s.main_h && !v.outro))
						continue; /* the card (below the main area) and the end card
						           */
					const char *str = scene_str(&x.s, pr->text);
					int tw = x.g.mx.text_w(x.g.mx.ctx, pr->face, pr->px, str, pr->len);
					cr_assert(tw <= pr->w + 0.5f, "%s: \"%s\" is %d px in %g", rel, str,
					          tw, pr->w);
					for (const unsigned char *c = (const unsigned char *)str; *c;) {
						uint32_t cp = *c;
						int kk = 1;
						if ((*c & 0xE0) == 0xC0) {
							cp = ((uint32_t)(c[0] & 0x1F) << 6) | (c[1] & 0x3F);
							kk = 2;
						} else if ((*c & 0xF0) == 0xE0) {
							cp = ((uint32_t)(c[0] & 0x0F) << 12) |
							     ((uint32_t)(c[1] & 0x3F) << 6) | (c[2] & 0x3F);
							kk = 3;
						} else if (*c >= 0xF0) {
							cp = ((uint32_t)(c[0] & 0x07) << 18) |
							     ((uint32_t)(c[1] & 0x3F) << 12) |
							     ((uint32_t)(c[2] & 0x3F) << 6) | (c[3] & 0x3F);
							kk = 4;
						}
						cr_assert(TTF_GlyphIsProvided32(sans, cp),
						          "%s: U+%04X in \"%s\" has no glyph", rel, cp, str);
						c += kk;
					}
				}
				cards++;
			}
		TTF_CloseFont(sans);
		rig_close(&x);
	}
	closedir(dir);
	cr_assert_gt(cards, 100);
}
