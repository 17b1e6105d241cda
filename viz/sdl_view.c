/*
 * sdl_view.c — the interactive viewer, headless screenshots and the frame
 * benchmark (viewer.h). Owns the window, the clock and the keys; the scene
 * model decides what is drawn and sdl_draw.c draws it.
 *
 *   file --scenario_load--> scenario --engine (trace on)--> full trace + marks
 *                                     \--engine_goto(step)--> machine at the step (rings, hex dumps)
 *   keys/mouse/clock --> view (cur event, t, lang, presenter…) --scene_build--> display list --gfx_draw
 *
 * Keys: Space play/pause · ←/→ event · Shift+←/→ step · Home/End · +/− speed ·
 * L language · F fullscreen · P presenter · H/? help · S screenshot · E SVG ·
 * R reload (and automatic reload when the file changes on disk) ·
 * A show/hide the answer of a lesson question (scene_lesson.c: gates before
 * the steps that carry a question, where autoplay holds, and the end card).
 *
 * Not modelled: touch input; several windows.
 */
#include "viewer.h"

#include <SDL.h>
#include <SDL_image.h>
#include <SDL_ttf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "gv.h"
#include "scenario.h"
#include "scene.h"
#include "sdl_draw.h"

void viewer_opts_default(struct viewer_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->w = 1280;
	o->h = 800;
	o->lang = LANG_EN;
	o->step = -1;
	o->t = 1.0f;
	o->mouse_x = o->mouse_y = -1;
}

/* One loaded scenario: lives on the heap because the machines point into
 * the scenario's machine description. */
struct vdoc {
	struct scenario sc;
	struct engine run, now;
	int have_now, now_step;
	uint64_t *mark;
};

struct vstate {
	char path[1024];
	struct vdoc *doc;
	struct scene_src src;
	struct scene_view v;
	struct scene scene;
	char status[300];
	uint32_t status_until;
	struct timespec mtime;
	int lesson;
};

/* ------------------------------------------------------------- loading */

static char *read_all(const char *path, size_t *len, char *err, size_t cap)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, cap, "%s: %s", path, strerror(errno));
		return NULL;
	}
	size_t n = 0, c = 65536;
	char *b = malloc(c + 1);
	while (b) {
		size_t k = fread(b + n, 1, c - n, f);
		n += k;
		if (k == 0)
			break;
		if (n == c) {
			if (c > (64u << 20))
				break;
			c *= 2;
			char *q = realloc(b, c + 1);
			if (!q) {
				free(b);
				b = NULL;
			}
			b = q;
		}
	}
	fclose(f);
	if (!b) {
		snprintf(err, cap, "out of memory");
		return NULL;
	}
	b[n] = 0;
	*len = n;
	return b;
}

static void doc_free(struct vdoc *d)
{
	if (!d)
		return;
	if (d->have_now)
		engine_free(&d->now);
	engine_free(&d->run);
	scenario_free(&d->sc);
	free(d->mark);
	free(d);
}

static void unload(struct vstate *s)
{
	doc_free(s->doc);
	s->doc = NULL;
	memset(&s->src, 0, sizeof(s->src));
}

static void file_mtime(const char *path, struct timespec *ts)
{
	struct stat st;
	if (stat(path, &st) == 0)
		*ts = st.st_mtim;
	else
		memset(ts, 0, sizeof(*ts));
}

/* Load and run the scenario. Returns 0, or -1 with the problems in err
 * (the previous document stays on screen). */
static int load(struct vstate *s, const char *path, char *err, size_t cap)
{
	size_t len = 0;
	char *buf = read_all(path, &len, err, cap);
	if (!buf)
		return -1;
	struct vdoc *d = calloc(1, sizeof(*d));
	if (!d) {
		free(buf);
		snprintf(err, cap, "out of memory");
		return -1;
	}
	char *errors = NULL;
	if (scenario_load(&d->sc, path, buf, len, NULL, &errors)) {
		snprintf(err, cap, "%s", errors ? errors : "cannot load");
		free(errors);
		free(buf);
		scenario_free(&d->sc);
		free(d);
		return -1;
	}
	free(buf);
	free(errors);
	if (engine_init(&d->run, &d->sc, 1)) {
		snprintf(err, cap, "%s: %s", path, d->run.err);
		engine_free(&d->run);
		scenario_free(&d->sc);
		free(d);
		return -1;
	}
	int failed = 0;
	engine_run_all(&d->run, &failed);
	d->mark = calloc((size_t)d->sc.nsteps + 1, sizeof(*d->mark));
	if (!d->mark) {
		snprintf(err, cap, "out of memory");
		doc_free(d);
		return -1;
	}
	for (int i = 0; i <= d->sc.nsteps; i++)
		d->mark[i] = i <= d->run.next ? d->run.mark[i] : d->run.m.trace.n;
	if (engine_init(&d->now, &d->sc, 0) == 0)
		d->have_now = 1;
	else
		engine_free(&d->now);
	unload(s);
	s->doc = d;
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->src.sc = &d->sc;
	s->src.m = &d->run.m;
	s->src.t = &d->run.m.trace;
	s->src.mark = d->mark;
	s->src.nsteps = d->sc.nsteps;
	s->src.file = s->path;
	s->src.m_now = d->have_now ? &d->now.m : NULL;
	s->src.lesson = s->lesson;
	file_mtime(path, &s->mtime);
	return 0;
}

static uint64_t nev(const struct vstate *s)
{
	return s->src.t ? s->src.t->n : 0;
}

/* keep the machine-at-step in sync with the event on screen */
static void sync_now(struct vstate *s)
{
	struct vdoc *d = s->doc;
	if (!d || !d->have_now)
		return;
	int st = scene_step_of(&s->src, s->v.cur);
	int k = st < 0 ? 0 : st;
	if (d->now.next != k)
		engine_goto(&d->now, k);
	s->src.m_now = &d->now.m;
}

/* The step's most telling event: its first fault/breach, else its last. */
static uint64_t telling_event(const struct vstate *s, int step)
{
	uint64_t n = nev(s);
	if (n == 0)
		return 0;
	uint64_t a = step < 0 ? 0 : s->doc->mark[step];
	uint64_t b = step < 0 ? s->doc->mark[0] : s->doc->mark[step + 1];
	if (b > n)
		b = n;
	if (a >= b)
		return a < n ? a : n - 1;
	const struct ev *ev = s->src.t->ev;
	for (uint64_t i = a; i < b; i++)
		if (ev[i].kind == EV_FAULT || ev[i].kind == EV_ISOLATION_BREACH ||
		    ev[i].kind == EV_DMA_MISUSE || (ev[i].kind == EV_VMEXIT))
			return i;
	return b - 1;
}

static void set_status(struct vstate *s, const char *msg)
{
	size_t n = strlen(msg);
	if (n >= sizeof(s->status))
		n = sizeof(s->status) - 1;
	memcpy(s->status, msg, n);
	s->status[n] = 0;
	s->status_until = SDL_GetTicks() + 3500;
}

static void position(struct vstate *s, const struct viewer_opts *o)
{
	uint64_t n = nev(s);
	s->v.cur = 0;
	if (n == 0)
		return;
	if (o->reveal)
		s->v.revealed = ~0u;
	if (o->end) {
		s->v.cur = n - 1;
		s->v.outro = scene_has_outro(&s->src);
		return;
	}
	if (o->step < 0) {
		s->v.cur = 0;
		return;
	}
	int st = o->step - 1;
	if (st >= s->doc->sc.nsteps)
		st = s->doc->sc.nsteps - 1;
	if (o->event > 0) {
		uint64_t a = st < 0 ? 0 : s->doc->mark[st],
		         b = st < 0 ? s->doc->mark[0] : s->doc->mark[st + 1];
		uint64_t i = a + (uint64_t)o->event - 1;
		s->v.cur = i < b ? i : (b > a ? b - 1 : a);
	} else {
		s->v.cur = telling_event(s, st);
	}
	if (s->v.cur >= n)
		s->v.cur = n - 1;
	if (o->question && st >= 0 && st < s->doc->sc.nsteps) {
		s->v.cur = s->doc->mark[st];
		s->v.ask = scene_gate_at(&s->src, s->v.cur) >= 0;
		s->v.t = 0;
	}
}

static void view_init(struct vstate *s, const struct viewer_opts *o)
{
	memset(&s->v, 0, sizeof(s->v));
	s->v.w = o->w > 0 ? o->w : 1280;
	s->v.h = o->h > 0 ? o->h : 800;
	s->v.lang = o->lang;
	s->v.presenter = o->presenter;
	s->v.t = o->t;
	s->v.pulse = 1.0f;
	s->v.speed = SCENE_SPEED_DEFAULT;
	s->v.hover = -1;
	s->v.dump = -1;
}

/* ---------------------------------------------------------- PNG writing */

static int save_png_atomic(SDL_Surface *surf, const char *out, char *err, size_t cap)
{
	struct stat st;
	if (stat(out, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(err, cap, "%s is a directory", out);
		return -1;
	}
	char tmp[1200];
	snprintf(tmp, sizeof(tmp), "%s.tmp%ld", out, (long)getpid());
	/* opaque pictures: RGB, a quarter smaller than RGBA */
	SDL_Surface *rgb = SDL_ConvertSurfaceFormat(surf, SDL_PIXELFORMAT_RGB24, 0);
	int bad = IMG_SavePNG(rgb ? rgb : surf, tmp) != 0;
	if (rgb)
		SDL_FreeSurface(rgb);
	if (bad) {
		snprintf(err, cap, "%s: %s", out, IMG_GetError());
		remove(tmp);
		return -1;
	}
	if (rename(tmp, out) != 0) {
		snprintf(err, cap, "%s: %s", out, strerror(errno));
		remove(tmp);
		return -1;
	}
	return 0;
}

static void click_elem(struct vstate *s, int hit, float mx);

/* Render the current view into a new surface with a software renderer. */
static SDL_Surface *render_surface(struct vstate *s, char *err, size_t cap)
{
	SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, s->v.w, s->v.h, 32, SDL_PIXELFORMAT_ARGB8888);
	if (!surf) {
		snprintf(err, cap, "SDL: %s", SDL_GetError());
		return NULL;
	}
	SDL_Renderer *r = SDL_CreateSoftwareRenderer(surf);
	if (!r) {
		snprintf(err, cap, "SDL: %s", SDL_GetError());
		SDL_FreeSurface(surf);
		return NULL;
	}
	struct sdl_gfx g;
	if (gfx_init(&g, r, err, cap)) {
		SDL_DestroyRenderer(r);
		SDL_FreeSurface(surf);
		return NULL;
	}
	sync_now(s);
	scene_build(&s->scene, &s->src, &s->v, &g.mx);
	SDL_SetRenderDrawColor(r, 0xF7, 0xF5, 0xF0, 255);
	SDL_RenderClear(r);
	gfx_draw(&g, &s->scene);
	SDL_RenderPresent(r);
	gfx_free(&g);
	SDL_DestroyRenderer(r);
	return surf;
}

int viewer_screenshot(const char *file, const struct viewer_opts *o, const char *out_png)
{
	struct viewer_opts d;
	if (!o) {
		viewer_opts_default(&d);
		o = &d;
	}
	struct vstate *s = calloc(1, sizeof(*s));
	if (!s)
		return 2;
	char err[2048];
	int rc = 2;
	if (load(s, file, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	if (TTF_Init() != 0) {
		fprintf(stderr, "iommulab screenshot: SDL_ttf: %s\n", TTF_GetError());
		goto out;
	}
	view_init(s, o);
	position(s, o);
	if ((o->question && !s->v.ask) || (o->end && !s->v.outro)) {
		char list[400] = "";
		size_t k = 0;
		for (int q = 0; q < s->doc->sc.nquestions && k + 16 < sizeof(list); q++)
			if (s->doc->sc.questions[q].after_step >= 0)
				k += (size_t)snprintf(list + k, sizeof(list) - k, "%s%d", k ? ", " : "",
				                      s->doc->sc.questions[q].after_step + 1);
		if (o->end)
			fprintf(stderr,
			        "iommulab screenshot: %s has no lesson end card (no try, references or end "
			        "question)\n",
			        file);
		else
			fprintf(stderr,
			        "iommulab screenshot: %s: no question is asked before step %d (questions "
			        "before steps: %s)\n",
			        file, o->step, k ? list : "none");
		TTF_Quit();
		goto out;
	}
	scene_init(&s->scene);
	s->v.help = o->help;
	if (o->mouse_x >= 0 && o->mouse_y >= 0) {
		/* lay the frame out once to know what is under the pointer */
		SDL_Surface *probe = render_surface(s, err, sizeof(err));
		if (probe)
			SDL_FreeSurface(probe);
		s->v.mouse_x = o->mouse_x;
		s->v.mouse_y = o->mouse_y;
		int hit = scene_hit(&s->scene, (float)o->mouse_x, (float)o->mouse_y);
		if (o->click && hit >= 0)
			click_elem(s, hit, (float)o->mouse_x);
		else
			s->v.hover = hit;
	}
	SDL_Surface *surf = render_surface(s, err, sizeof(err));
	if (!surf) {
		fprintf(stderr, "iommulab screenshot: %s\n", err);
		goto out_ttf;
	}
	if (save_png_atomic(surf, out_png, err, sizeof(err)) == 0)
		rc = 0;
	else
		fprintf(stderr, "iommulab screenshot: %s\n", err);
	SDL_FreeSurface(surf);
out_ttf:
	scene_free(&s->scene);
	TTF_Quit();
out:
	unload(s);
	free(s);
	return rc;
}

/* ------------------------------------------------------------ benchmark */

/* CPU time of this thread: the software renderer is single-threaded, and
 * on a shared 2-core machine wall time mostly measures the neighbours. */
static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int viewer_bench(const char *file, int w, int h, int frames, double *median_ms, double *p99_ms)
{
	struct vstate *s = calloc(1, sizeof(*s));
	char err[2048];
	int rc = 2;
	double *t = calloc((size_t)(frames > 0 ? frames : 1), sizeof(double));
	if (!s || !t)
		goto out;
	if (load(s, file, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	if (TTF_Init() != 0)
		goto out;
	struct viewer_opts o;
	viewer_opts_default(&o);
	o.w = w;
	o.h = h;
	view_init(s, &o);
	scene_init(&s->scene);
	SDL_Surface *surf = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_ARGB8888);
	SDL_Renderer *r = surf ? SDL_CreateSoftwareRenderer(surf) : NULL;
	struct sdl_gfx g;
	if (!r || gfx_init(&g, r, err, sizeof(err))) {
		if (r)
			SDL_DestroyRenderer(r);
		if (surf)
			SDL_FreeSurface(surf);
		goto out_ttf;
	}
	uint64_t n = nev(s);
	/* animate: 12 frames per event, walking through the whole trace; the
	 * first event's frames warm the caches and are not counted */
	for (int f = -12; f < frames; f++) {
		int ff = f + 12;
		s->v.cur = n ? ((uint64_t)ff / 12) % n : 0;
		s->v.t = (float)(ff % 12) / 11.0f;
		s->v.pulse = 0.5f + 0.5f * (float)((ff % 30) / 30.0);
		s->v.playing = 1;
		double t0 = now_ms();
		sync_now(s);
		scene_build(&s->scene, &s->src, &s->v, &g.mx);
		SDL_SetRenderDrawColor(r, 0xF7, 0xF5, 0xF0, 255);
		SDL_RenderClear(r);
		gfx_draw(&g, &s->scene);
		SDL_RenderPresent(r);
		if (f >= 0)
			t[f] = now_ms() - t0;
	}
	qsort(t, (size_t)frames, sizeof(double), cmp_d);
	*median_ms = t[frames / 2];
	*p99_ms = t[(frames * 99) / 100 < frames ? (frames * 99) / 100 : frames - 1];
	rc = 0;
	gfx_free(&g);
	SDL_DestroyRenderer(r);
	SDL_FreeSurface(surf);
out_ttf:
	scene_free(&s->scene);
	TTF_Quit();
out:
	if (s)
		unload(s);
	free(s);
	free(t);
	return rc;
}

/* ---------------------------------------------------------- interactive */

static const char *basename_of(const char *p)
{
	const char *b = strrchr(p, '/');
	return b ? b + 1 : p;
}

static void stem(const char *path, char *out, size_t cap)
{
	const char *b = basename_of(path);
	size_t n = strlen(b);
	if (n >= cap)
		n = cap - 1;
	memcpy(out, b, n);
	out[n] = 0;
	char *dot = strrchr(out, '.');
	if (dot)
		*dot = 0;
}

static void do_screenshot(struct vstate *s)
{
	char name[600], st[300], err[600];
	stem(s->path, st, sizeof(st));
	snprintf(name, sizeof(name), "%s-step%d-ev%llu.png", st, scene_step_of(&s->src, s->v.cur) + 1,
	         (unsigned long long)s->v.cur + 1);
	struct scene_view keep = s->v;
	s->v.hover = -1;
	s->v.status = NULL;
	SDL_Surface *surf = render_surface(s, err, sizeof(err));
	s->v = keep;
	if (!surf) {
		set_status(s, err);
		return;
	}
	if (save_png_atomic(surf, name, err, sizeof(err)) == 0) {
		char msg[700];
		snprintf(msg, sizeof(msg), s->v.lang == LANG_ZH ? "已保存 %s" : "saved %s", name);
		set_status(s, msg);
	} else {
		set_status(s, err);
	}
	SDL_FreeSurface(surf);
}

static void do_export(struct vstate *s)
{
	int st = scene_step_of(&s->src, s->v.cur);
	struct gv_view gv;
	memset(&gv, 0, sizeof(gv));
	gv.m = &s->doc->run.m;
	gv.sc = &s->doc->sc;
	gv.lang = s->v.lang;
	gv.ev_lo = st < 0 ? 0 : s->doc->mark[st];
	gv.ev_hi = st < 0 ? s->doc->mark[0] : s->doc->mark[st + 1];
	gv.step_lo = gv.step_hi = st + 1;
	char err[400], name[600], base[300], msg[900];
	stem(s->path, base, sizeof(base));
	enum gv_diagram d = GV_WALK;
	if (gv_applies(&gv, d, err, sizeof(err)) != 0)
		d = GV_FLOW;
	Agraph_t *g = gv_build(&gv, d, err, sizeof(err));
	if (!g) {
		snprintf(msg, sizeof(msg), "SVG: %s", err);
		set_status(s, msg);
		return;
	}
	char *out = NULL;
	size_t len = 0;
	if (gv_render(g, GV_SVG, &out, &len, err, sizeof(err)) == 0) {
		snprintf(name, sizeof(name), "%s-step%d-%s.svg", base, st + 1, gv_diagram_name(d));
		char tmp[700];
		snprintf(tmp, sizeof(tmp), "%s.tmp%ld", name, (long)getpid());
		FILE *f = fopen(tmp, "wb");
		int ok = f && fwrite(out, 1, len, f) == len;
		if (f && fclose(f) != 0)
			ok = 0;
		if (ok && rename(tmp, name) == 0) {
			snprintf(msg, sizeof(msg), s->v.lang == LANG_ZH ? "已导出 %s" : "exported %s", name);
		} else {
			remove(tmp);
			snprintf(msg, sizeof(msg), "%s: %s", name, strerror(errno));
		}
		set_status(s, msg);
	} else {
		snprintf(msg, sizeof(msg), "SVG: %s", err);
		set_status(s, msg);
	}
	free(out);
	gv_free_graph(g);
}

/* A click on an element: an event row jumps there; memory opens a hex dump. */
static void click_elem(struct vstate *s, int hit, float mx)
{
	const struct scene_elem *e = &s->scene.e[hit];
	if (e->kind == SE_QUESTION) {
		scene_toggle_answer(&s->src, &s->v);
	} else if (e->kind == SE_EVROW) {
		uint64_t i = e->addr, n = nev(s);
		if (i < n) {
			s->v.cur = i;
			s->v.t = 0;
			s->v.ask = s->v.outro = 0;
		}
	} else if (e->kind == SE_SPAN && e->w > 0) {
		double f = (mx - e->x) / e->w;
		uint64_t a = e->addr + (uint64_t)(f * (double)e->addr2);
		s->v.dump = hit;
		s->v.dump_addr = a & ~(uint64_t)0xF;
	} else if (e->kind == SE_GPA && e->w > 0) {
		int vm = e->id / 16, ok = 0;
		double f = (mx - e->x) / e->w;
		uint64_t gpa = e->addr + (uint64_t)(f * (double)e->addr2);
		uint64_t hpa = vm_gpa_to_hpa(&s->doc->run.m, vm, gpa, &ok);
		if (ok) {
			s->v.dump = hit;
			s->v.dump_addr = hpa & ~(uint64_t)0xF;
		}
	} else if (e->kind == SE_WALKCELL && s->src.t && e->addr < s->src.t->n) {
		s->v.dump = hit;
		s->v.dump_addr = s->src.t->ev[e->addr].addr_out & ~(uint64_t)0xF;
	}
}

/* reload keeping (step, offset in step) */
static void reload(struct vstate *s, int automatic)
{
	int st = scene_step_of(&s->src, s->v.cur);
	uint64_t off = s->v.cur - (st < 0 ? 0 : s->doc->mark[st]);
	char err[2048];
	char path[1024];
	snprintf(path, sizeof(path), "%s", s->path);
	if (load(s, path, err, sizeof(err))) {
		char *nl = strchr(err, '\n');
		if (nl)
			*nl = 0;
		set_status(s, err);
		file_mtime(path, &s->mtime); /* do not retry until the next save */
		return;
	}
	uint64_t n = nev(s);
	if (st >= s->doc->sc.nsteps)
		st = s->doc->sc.nsteps - 1;
	uint64_t a = st < 0 ? 0 : s->doc->mark[st], b = st < 0 ? s->doc->mark[0] : s->doc->mark[st + 1];
	uint64_t c = a + off;
	if (c >= b)
		c = b > a ? b - 1 : a;
	s->v.cur = n ? (c < n ? c : n - 1) : 0;
	s->v.t = 1;
	s->v.hover = -1;
	s->v.dump = -1;
	s->v.ask = s->v.outro = 0;
	set_status(s, automatic ? (s->v.lang == LANG_ZH ? "文件已更改：已重新加载" : "file changed: reloaded")
	                        : (s->v.lang == LANG_ZH ? "已重新加载" : "reloaded"));
}

static void go(struct vstate *s, uint64_t i, int animate)
{
	uint64_t n = nev(s);
	if (n == 0)
		return;
	if (i >= n)
		i = n - 1;
	s->v.cur = i;
	s->v.t = animate && scene_speeds[s->v.speed] > 0 ? 0 : 1;
	s->v.dump = -1;
	s->v.ask = s->v.outro = 0;
}

/* One position forward / back through question gates and the end card. */
static void nav(struct vstate *s, int dir)
{
	uint64_t before = s->v.cur;
	int was_ask = s->v.ask;
	if (dir > 0 ? !scene_nav_next(&s->src, &s->v) : !scene_nav_prev(&s->src, &s->v))
		return;
	s->v.dump = -1;
	if (s->v.ask || s->v.outro)
		s->v.t = 1;
	else if (dir > 0 && (s->v.cur != before || was_ask))
		s->v.t = scene_speeds[s->v.speed] > 0 ? 0 : 1;
	else
		s->v.t = 1;
}

/* Land at the start of step st: its question gate when it has one. */
static void go_step(struct vstate *s, int st, int animate)
{
	go(s, s->doc->mark[st], animate);
	if (scene_gate_at(&s->src, s->v.cur) >= 0) {
		s->v.ask = 1;
		s->v.t = 1;
	}
}

static void step_move(struct vstate *s, int dir)
{
	int st = scene_step_of(&s->src, s->v.cur);
	if (dir > 0) {
		if (s->v.ask) {
			nav(s, 1); /* the gate's own step begins */
		} else if (st + 1 < s->doc->sc.nsteps && s->doc->mark[st + 1] < nev(s)) {
			go_step(s, st + 1, 1);
		} else if (s->v.cur + 1 < nev(s)) {
			go(s, nev(s) - 1, 0);
		} else {
			nav(s, 1); /* the end card */
		}
	} else {
		uint64_t a = st < 0 ? 0 : s->doc->mark[st];
		if (s->v.outro)
			nav(s, -1);
		else if (st >= 0 && (s->v.cur > a || (!s->v.ask && scene_gate_at(&s->src, a) >= 0)))
			go_step(s, st, 0);
		else if (st > 0)
			go_step(s, st - 1, 0);
		else
			go(s, 0, 0);
	}
}

int viewer_open(const char *file, int lesson_mode, const struct viewer_opts *o)
{
	struct viewer_opts d;
	if (!o) {
		viewer_opts_default(&d);
		o = &d;
	}
	const char *drv = getenv("SDL_VIDEODRIVER");
	if (!o->max_frames && (!drv || !*drv) && !getenv("DISPLAY") && !getenv("WAYLAND_DISPLAY")) {
		fprintf(stderr,
		        "iommulab view: no display (DISPLAY and WAYLAND_DISPLAY are unset); use `iommulab "
		        "run %s`, "
		        "`iommulab screenshot %s --step N -o out.png` or `iommulab export %s`\n",
		        file, file, file);
		return 2;
	}
	struct vstate *s = calloc(1, sizeof(*s));
	if (!s)
		return 2;
	char err[2048];
	int rc = 2;
	if (load(s, file, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		free(s);
		return 2;
	}
	SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
	if (SDL_Init(SDL_INIT_VIDEO) != 0) {
		fprintf(stderr,
		        "iommulab view: no display (%s); use `iommulab run`, `iommulab screenshot` or "
		        "`iommulab export`\n",
		        SDL_GetError());
		unload(s);
		free(s);
		return 2;
	}
	const char *vd = SDL_GetCurrentVideoDriver();
	if (!o->max_frames && vd && (!strcmp(vd, "dummy") || !strcmp(vd, "offscreen"))) {
		fprintf(stderr,
		        "iommulab view: no display (SDL video driver \"%s\"); use `iommulab run`, "
		        "`iommulab screenshot FILE --step N -o out.png` or `iommulab export`\n",
		        vd);
		SDL_Quit();
		unload(s);
		free(s);
		return 2;
	}
	if (TTF_Init() != 0) {
		fprintf(stderr, "iommulab view: SDL_ttf: %s\n", TTF_GetError());
		goto out_sdl;
	}
	int ww = o->w > 0 ? o->w : 1280, wh = o->h > 0 ? o->h : 800;
	char title[1200];
	snprintf(title, sizeof(title), "iommulab — %s", basename_of(file));
	SDL_Window *win = SDL_CreateWindow(title, SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, ww, wh,
	                                   SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI);
	if (!win) {
		fprintf(stderr, "iommulab view: cannot open a window: %s\n", SDL_GetError());
		goto out_ttf;
	}
	SDL_SetWindowMinimumSize(win, 1024, 640);
	SDL_Renderer *r = SDL_CreateRenderer(win, -1, SDL_RENDERER_ACCELERATED | SDL_RENDERER_PRESENTVSYNC);
	if (!r)
		r = SDL_CreateRenderer(win, -1, SDL_RENDERER_SOFTWARE);
	if (!r) {
		fprintf(stderr, "iommulab view: no renderer: %s\n", SDL_GetError());
		goto out_win;
	}
	struct sdl_gfx g;
	if (gfx_init(&g, r, err, sizeof(err))) {
		fprintf(stderr, "iommulab view: %s\n", err);
		goto out_r;
	}
	view_init(s, o);
	s->lesson = lesson_mode;
	s->src.lesson = lesson_mode;
	if (lesson_mode)
		s->v.presenter = 1;
	position(s, o);
	if (o->step < 0)
		s->v.t = 1;
	scene_init(&s->scene);
	int running = 1, frames = 0, fullscreen = 0, dragging = 0;
	const char *script = o->keys;
	uint64_t drawn_cur = 0;
	int drawn_w = 0, drawn_h = 0;
	const char *drawn_status = NULL;
	uint32_t last = SDL_GetTicks(), last_watch = last, pulse0 = last;
	float acc_instant = 0;
	rc = 0;
	while (running) {
		SDL_Event ev;
		int ow = 0, oh = 0, lw = 0, lh = 0;
		/* nothing moving: sleep until input (or a quarter second, for the file watch) */
		int idle = !s->v.playing && s->v.t >= 1 && !s->scene.fault && !s->v.status &&
		           !(script && *script) && !dragging && !o->max_frames;
		int woke = 1;
		if (idle)
			woke = SDL_WaitEventTimeout(
			    NULL, 250); /* NULL: the event stays queued for the loop below */
		if (script && *script) {
			/* one scripted key per frame */
			char name[64];
			size_t n = strcspn(script, ",");
			if (n >= sizeof(name))
				n = sizeof(name) - 1;
			memcpy(name, script, n);
			name[n] = 0;
			script += n + (script[n] == ',');
			SDL_Event k;
			memset(&k, 0, sizeof(k));
			k.type = SDL_KEYDOWN;
			const char *kn = name;
			if (!strncmp(kn, "Shift+", 6)) {
				k.key.keysym.mod = KMOD_LSHIFT;
				kn += 6;
			}
			k.key.keysym.sym = SDL_GetKeyFromName(kn);
			if (k.key.keysym.sym != SDLK_UNKNOWN)
				SDL_PushEvent(&k);
		}
		SDL_GetRendererOutputSize(r, &ow, &oh);
		SDL_GetWindowSize(win, &lw, &lh);
		float dpi = lw > 0 ? (float)ow / (float)lw : 1.0f;
		while (SDL_PollEvent(&ev)) {
			switch (ev.type) {
			case SDL_QUIT:
				running = 0;
				break;
			case SDL_KEYDOWN: {
				SDL_Keycode k = ev.key.keysym.sym;
				int shift = (ev.key.keysym.mod & KMOD_SHIFT) != 0;
				if (k == SDLK_ESCAPE) {
					if (s->v.help || s->v.dump >= 0) {
						s->v.help = 0;
						s->v.dump = -1;
					} else if (fullscreen) {
						SDL_SetWindowFullscreen(win, 0);
						fullscreen = 0;
					} else {
						running = 0;
					}
				} else if (k == SDLK_q) {
					running = 0;
				} else if (k == SDLK_SPACE) {
					s->v.playing = !s->v.playing;
					if (s->v.playing &&
					    (s->v.outro || (s->v.cur + 1 >= nev(s) && !s->v.ask)))
						go(s, 0, 1);
					else if (s->v.playing && s->v.ask)
						nav(s, 1); /* continue past the question */
				} else if (k == SDLK_RIGHT) {
					s->v.playing = 0;
					if (shift)
						step_move(s, 1);
					else
						nav(s, 1);
				} else if (k == SDLK_LEFT) {
					s->v.playing = 0;
					if (shift)
						step_move(s, -1);
					else
						nav(s, -1);
				} else if (k == SDLK_a) {
					if (scene_toggle_answer(&s->src, &s->v) < 0)
						set_status(s, s->v.lang == LANG_ZH
						                  ? "这里没有预测题（题目出现在相关步骤之前）"
						                  : "no question here (questions come just "
						                    "before their step)");
				} else if (k == SDLK_HOME) {
					go(s, 0, 0);
				} else if (k == SDLK_END) {
					go(s, nev(s) ? nev(s) - 1 : 0, 0);
				} else if (k == SDLK_PLUS || k == SDLK_EQUALS || k == SDLK_KP_PLUS) {
					if (s->v.speed + 1 < SCENE_NSPEEDS)
						s->v.speed++;
				} else if (k == SDLK_MINUS || k == SDLK_KP_MINUS) {
					if (s->v.speed > 0)
						s->v.speed--;
				} else if (k == SDLK_l) {
					s->v.lang = s->v.lang == LANG_ZH ? LANG_EN : LANG_ZH;
				} else if (k == SDLK_f) {
					fullscreen = !fullscreen;
					SDL_SetWindowFullscreen(
					    win, fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
				} else if (k == SDLK_p) {
					s->v.presenter = !s->v.presenter;
				} else if (k == SDLK_h || k == SDLK_QUESTION || (k == SDLK_SLASH && shift)) {
					s->v.help = !s->v.help;
				} else if (k == SDLK_s) {
					do_screenshot(s);
				} else if (k == SDLK_e) {
					do_export(s);
				} else if (k == SDLK_r) {
					reload(s, 0);
				}
				break;
			}
			case SDL_MOUSEMOTION:
				s->v.mouse_x = (int)((float)ev.motion.x * dpi);
				s->v.mouse_y = (int)((float)ev.motion.y * dpi);
				if (dragging) {
					go(s, scene_timeline_event(&s->scene, &s->src, (float)s->v.mouse_x),
					   0);
				} else {
					s->v.hover =
					    scene_hit(&s->scene, (float)s->v.mouse_x, (float)s->v.mouse_y);
				}
				break;
			case SDL_MOUSEBUTTONDOWN: {
				float mx = (float)ev.button.x * dpi, my = (float)ev.button.y * dpi;
				if (s->v.help) {
					s->v.help = 0;
					break;
				}
				if (s->v.dump >= 0) {
					s->v.dump = -1;
					break;
				}
				int hit = scene_hit(&s->scene, mx, my);
				if (hit < 0)
					break;
				const struct scene_elem *e = &s->scene.e[hit];
				if (e->kind == SE_TIMELINE) {
					dragging = 1;
					s->v.playing = 0;
					go(s, scene_timeline_event(&s->scene, &s->src, mx), 0);
				} else {
					click_elem(s, hit, mx);
				}
				break;
			}
			case SDL_MOUSEBUTTONUP:
				dragging = 0;
				break;
			case SDL_WINDOWEVENT:
				if (ev.window.event == SDL_WINDOWEVENT_SIZE_CHANGED)
					s->v.hover = -1;
				break;
			default:
				break;
			}
		}
		/* clock */
		uint32_t nowt = SDL_GetTicks();
		float dt = (float)(nowt - last) / 1000.0f;
		last = nowt;
		if (dt > 0.25f)
			dt = 0.25f;
		float sp = scene_speeds[s->v.speed];
		if (sp > 0) {
			if (s->v.t < 1)
				s->v.t += dt * sp * 1.15f;
			if (s->v.t >= 1) {
				s->v.t = 1;
				if (s->v.playing) {
					/* hold a finished token briefly, then the next event */
					acc_instant += dt * sp;
					if (acc_instant >= 0.15f) {
						acc_instant = 0;
						int at_end = s->v.cur + 1 >= nev(s) && !s->v.ask;
						if (!scene_nav_hold(&s->src, &s->v))
							nav(s, 1); /* the last event leads to the end card */
						/* a question with its answer hidden: hold, the class thinks
						 */
						if (at_end || s->v.outro || scene_nav_hold(&s->src, &s->v))
							s->v.playing = 0;
					}
				}
			}
		} else if (s->v.playing) {
			/* instant: a whole step at a time, twice a second */
			acc_instant += dt;
			s->v.t = 1;
			if (acc_instant >= 0.5f) {
				acc_instant = 0;
				int st = scene_step_of(&s->src, s->v.cur);
				if (s->v.ask) {
					s->v.ask = 0;
					s->v.cur = telling_event(s, st);
				} else if (st + 1 < s->doc->sc.nsteps) {
					go_step(s, st + 1, 0);
					if (scene_nav_hold(&s->src, &s->v))
						s->v.playing = 0;
					else if (s->v.ask) {
						s->v.ask = 0;
						s->v.cur = telling_event(s, st + 1);
					}
				} else {
					s->v.playing = 0;
				}
			}
		}
		s->v.pulse = 0.5f + 0.5f * SDL_sinf((float)(nowt - pulse0) / 1000.0f * 6.0f);
		s->v.status = nowt < s->status_until ? s->status : NULL;
		/* watch the file */
		if (nowt - last_watch > 500) {
			last_watch = nowt;
			struct timespec mt;
			file_mtime(s->path, &mt);
			if (mt.tv_sec && (mt.tv_sec != s->mtime.tv_sec || mt.tv_nsec != s->mtime.tv_nsec))
				reload(s, 1);
		}
		s->v.w = ow;
		s->v.h = oh;
		/* idle and nothing happened (no input, no reload): keep the picture */
		if (idle && !woke && s->v.status == NULL && drawn_status == NULL && frames > 0 &&
		    s->v.cur == drawn_cur && s->v.w == drawn_w && s->v.h == drawn_h)
			continue;
		drawn_cur = s->v.cur;
		drawn_w = s->v.w;
		drawn_h = s->v.h;
		drawn_status = s->v.status;
		sync_now(s);
		scene_build(&s->scene, &s->src, &s->v, &g.mx);
		SDL_SetRenderDrawColor(r, 0xF7, 0xF5, 0xF0, 255);
		SDL_RenderClear(r);
		gfx_draw(&g, &s->scene);
		SDL_RenderPresent(r);
		frames++;
		if (o->max_frames && frames >= o->max_frames)
			running = 0;
		/* about 60 frames a second when there is no vsync */
		uint32_t spent = SDL_GetTicks() - nowt;
		if (spent < 16)
			SDL_Delay(16 - spent);
	}
	scene_free(&s->scene);
	gfx_free(&g);
out_r:
	SDL_DestroyRenderer(r);
out_win:
	SDL_DestroyWindow(win);
out_ttf:
	TTF_Quit();
out_sdl:
	SDL_Quit();
	unload(s);
	free(s);
	return rc;
}
