/*
 * sdl_draw.c — the SDL2 painter for the scene display list.
 *
 *   prim        drawn as
 *   rect        SDL_RenderFillRectF (square) or a triangle fan (rounded),
 *               border as a triangle strip between two rounded outlines
 *   line        a quad of the given thickness (SDL_RenderGeometry)
 *   circle      a 32-segment fan (+ ring)
 *   tri         one triangle
 *   text        cached white texture, colour/alpha mod, aligned in its box
 *
 * Everything runs on the software renderer at 60 fps at 1080p (see
 * viewer bench in README.md, "Frame time"): the cost is dominated by text
 * blits, so each distinct (face, size, string) is rasterised once.
 *
 * Not modelled: anti-aliased geometry (the software renderer has none).
 */
#include "sdl_draw.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "theme.h"

#define PI_F 3.14159265358979f

static const char *find_font(const char *const *list)
{
	for (int i = 0; list[i]; i++) {
		FILE *f = fopen(list[i], "rb");
		if (f) {
			fclose(f);
			return list[i];
		}
	}
	return NULL;
}

int gfx_init(struct sdl_gfx *g, SDL_Renderer *r, char *err, size_t errcap)
{
	memset(g, 0, sizeof(*g));
	g->r = r;
	if (!TTF_WasInit() && TTF_Init() != 0) {
		snprintf(err, errcap, "SDL_ttf: %s", TTF_GetError());
		return -1;
	}
	const char *sans = find_font(theme_font_files);
	const char *mono = find_font(theme_mono_font_files);
	if (!sans) {
		snprintf(err, errcap,
		         "no font found: install fonts-wqy-microhei (Chinese + Latin) or fonts-dejavu-core");
		return -1;
	}
	snprintf(g->font_path[SF_SANS], sizeof(g->font_path[0]), "%s", sans);
	snprintf(g->font_path[SF_BOLD], sizeof(g->font_path[0]), "%s", sans);
	snprintf(g->font_path[SF_MONO], sizeof(g->font_path[0]), "%s", mono ? mono : sans);
	g->cap = 4096;
	g->tab = calloc((size_t)g->cap, sizeof(*g->tab));
	if (!g->tab) {
		snprintf(err, errcap, "out of memory");
		return -1;
	}
	g->mx.text_w = gfx_text_w;
	g->mx.ctx = g;
	return 0;
}

void gfx_flush(struct sdl_gfx *g)
{
	for (int i = 0; i < g->cap; i++) {
		if (g->tab[i].tex)
			SDL_DestroyTexture(g->tab[i].tex);
		free(g->tab[i].s);
	}
	memset(g->tab, 0, (size_t)g->cap * sizeof(*g->tab));
	g->n = 0;
}

void gfx_free(struct sdl_gfx *g)
{
	if (g->tab)
		gfx_flush(g);
	free(g->tab);
	for (int f = 0; f < SF_FACES; f++)
		for (int p = 0; p <= GFX_MAX_PX; p++)
			if (g->font[f][p])
				TTF_CloseFont(g->font[f][p]);
	for (int f = 0; f < SF_FACES; f++)
		free(g->font_data[f]);
	memset(g, 0, sizeof(*g));
}

static int ascii(const char *s, int len)
{
	for (int i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

/* Fonts are read once into memory: WenQuanYi Micro Hei is 5 MiB and every
 * text size is a separate TTF_Font. */
static TTF_Font *open_sized(struct sdl_gfx *g, int face, int px)
{
	if (!g->font_data[face]) {
		FILE *f = fopen(g->font_path[face], "rb");
		if (!f)
			return NULL;
		fseek(f, 0, SEEK_END);
		long n = ftell(f);
		fseek(f, 0, SEEK_SET);
		if (n <= 0 || n > (64l << 20)) {
			fclose(f);
			return NULL;
		}
		void *b = malloc((size_t)n);
		if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
			free(b);
			b = NULL;
		}
		fclose(f);
		if (!b)
			return NULL;
		g->font_data[face] = b;
		g->font_size[face] = (size_t)n;
	}
	SDL_RWops *rw = SDL_RWFromConstMem(g->font_data[face], (int)g->font_size[face]);
	return rw ? TTF_OpenFontRW(rw, 1, px) : NULL;
}

static TTF_Font *font(struct sdl_gfx *g, int face, int px)
{
	if (px < 4)
		px = 4;
	if (px > GFX_MAX_PX)
		px = GFX_MAX_PX;
	if (face < 0 || face >= SF_FACES)
		face = SF_SANS;
	if (!g->font[face][px]) {
		TTF_Font *f = open_sized(g, face, px);
		if (!f && face != SF_SANS)
			f = open_sized(g, SF_SANS, px);
		if (!f)
			return NULL;
		if (face == SF_BOLD)
			TTF_SetFontStyle(f, TTF_STYLE_BOLD);
		TTF_SetFontHinting(f, TTF_HINTING_LIGHT);
		g->font[face][px] = f;
	}
	return g->font[face][px];
}

static uint64_t hash_of(int face, int px, uint32_t rgb, const char *s, int len)
{
	uint64_t h = 1469598103934665603ull;
	h = (h ^ (uint64_t)rgb) * 1099511628211ull;
	h = (h ^ (uint64_t)face) * 1099511628211ull;
	h = (h ^ (uint64_t)px) * 1099511628211ull;
	for (int i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	return h | 1;
}

/* Find or create the cache entry; with_tex renders the texture. */
/* Width entries have rgb = 0 and no texture; drawn entries are rendered in
 * their final colour (the software blitter is much faster without colour
 * modulation). */
static struct gfx_text *entry(struct sdl_gfx *g, int face, int px, const char *s, int len, int with_tex,
                              uint32_t rgb)
{
	if (face == SF_MONO && !ascii(s, len))
		face = SF_SANS;
	if (!with_tex)
		rgb = 0;
	else
		rgb |= 0x1000000u;
	uint64_t h = hash_of(face, px, rgb, s, len);
	int mask = g->cap - 1;
	int i = (int)(h & (uint64_t)mask);
	for (;;) {
		struct gfx_text *e = &g->tab[i];
		if (!e->hash)
			break;
		if (e->hash == h && e->face == face && e->px == px && e->rgb == rgb &&
		    (int)strlen(e->s) == len && !memcmp(e->s, s, (size_t)len)) {
			if (with_tex && !e->tex)
				goto render;
			e->used = g->frame;
			g->hits++;
			return e;
		}
		i = (i + 1) & mask;
	}
	/* new entry; keep the table under 70 % full */
	if (g->n + 1 > g->cap * 7 / 10) {
		gfx_flush(g);
		return entry(g, face, px, s, len, with_tex, rgb & 0xFFFFFF);
	}
	{
		struct gfx_text *e = &g->tab[i];
		e->hash = h;
		e->face = face;
		e->px = px;
		e->rgb = rgb;
		e->s = malloc((size_t)len + 1);
		if (!e->s) {
			e->hash = 0;
			return NULL;
		}
		memcpy(e->s, s, (size_t)len);
		e->s[len] = 0;
		e->used = g->frame;
		g->n++;
		TTF_Font *f = font(g, face, px);
		int w = 0, hh = 0;
		if (f)
			TTF_SizeUTF8(f, e->s, &w, &hh);
		e->w = w;
		e->h = hh;
		if (!with_tex)
			return e;
	}
render:;
	struct gfx_text *e = &g->tab[i];
	TTF_Font *f = font(g, face, px);
	if (!f || !e->s[0])
		return e;
	SDL_Color fg = {(uint8_t)(rgb >> 16), (uint8_t)(rgb >> 8), (uint8_t)rgb, 255};
	SDL_Surface *surf = TTF_RenderUTF8_Blended(f, e->s, fg);
	if (!surf)
		return e;
	e->tex = SDL_CreateTextureFromSurface(g->r, surf);
	if (e->tex)
		SDL_SetTextureBlendMode(e->tex, SDL_BLENDMODE_BLEND);
	e->w = surf->w;
	e->h = surf->h;
	SDL_FreeSurface(surf);
	g->renders++;
	return e;
}

int gfx_text_w(void *ctx, int face, int px, const char *s, int len)
{
	struct sdl_gfx *g = ctx;
	if (len <= 0)
		return 0;
	struct gfx_text *e = entry(g, face, px, s, len, 0, 0);
	return e ? e->w : len * px / 2;
}

/* ------------------------------------------------------------ geometry */

#define MAXV 1024

/* Opaque colours skip blending: SDL's software renderer has a fast path
 * for BLENDMODE_NONE fills and a slow per-pixel one for BLEND. */
static void blend(SDL_Renderer *r, uint8_t a)
{
	SDL_SetRenderDrawBlendMode(r, a == 255 ? SDL_BLENDMODE_NONE : SDL_BLENDMODE_BLEND);
}

static void geom(SDL_Renderer *r, const SDL_Vertex *v, int nv, const int *idx, int ni)
{
	if (nv > 0 && ni > 0) {
		blend(r, v[0].color.a);
		SDL_RenderGeometry(r, NULL, v, nv, idx, ni);
	}
}

static SDL_Color col(struct rgba c)
{
	return (SDL_Color){c.r, c.g, c.b, c.a};
}

static void fill_poly_fan(SDL_Renderer *r, const SDL_FPoint *p, int n, float cx, float cy, struct rgba c)
{
	SDL_Vertex v[MAXV];
	int idx[MAXV * 3];
	if (n + 1 > MAXV)
		n = MAXV - 1;
	v[0] = (SDL_Vertex){{cx, cy}, col(c), {0, 0}};
	for (int i = 0; i < n; i++)
		v[i + 1] = (SDL_Vertex){p[i], col(c), {0, 0}};
	int ni = 0;
	for (int i = 0; i < n; i++) {
		idx[ni++] = 0;
		idx[ni++] = 1 + i;
		idx[ni++] = 1 + (i + 1) % n;
	}
	geom(r, v, n + 1, idx, ni);
}

static void ring_between(SDL_Renderer *r, const SDL_FPoint *a, const SDL_FPoint *b, int n, struct rgba c)
{
	SDL_Vertex v[MAXV];
	int idx[MAXV * 3];
	if (2 * n > MAXV)
		n = MAXV / 2;
	for (int i = 0; i < n; i++) {
		v[2 * i] = (SDL_Vertex){a[i], col(c), {0, 0}};
		v[2 * i + 1] = (SDL_Vertex){b[i], col(c), {0, 0}};
	}
	int ni = 0;
	for (int i = 0; i < n; i++) {
		int j = (i + 1) % n;
		idx[ni++] = 2 * i;
		idx[ni++] = 2 * i + 1;
		idx[ni++] = 2 * j;
		idx[ni++] = 2 * j;
		idx[ni++] = 2 * i + 1;
		idx[ni++] = 2 * j + 1;
	}
	geom(r, v, 2 * n, idx, ni);
}

/* A fan over an open arc (no closing triangle). */
static void fill_fan_open(SDL_Renderer *r, const SDL_FPoint *p, int n, float cx, float cy, struct rgba c)
{
	SDL_Vertex v[40];
	int idx[120];
	if (n + 1 > 40)
		n = 39;
	v[0] = (SDL_Vertex){{cx, cy}, col(c), {0, 0}};
	for (int i = 0; i < n; i++)
		v[i + 1] = (SDL_Vertex){p[i], col(c), {0, 0}};
	int ni = 0;
	for (int i = 0; i + 1 < n; i++) {
		idx[ni++] = 0;
		idx[ni++] = 1 + i;
		idx[ni++] = 2 + i;
	}
	geom(r, v, n + 1, idx, ni);
}

/* A band between two open arcs. */
static void strip_open(SDL_Renderer *r, const SDL_FPoint *a, const SDL_FPoint *b, int n, struct rgba c)
{
	SDL_Vertex v[80];
	int idx[240];
	if (2 * n > 80)
		n = 40;
	for (int i = 0; i < n; i++) {
		v[2 * i] = (SDL_Vertex){a[i], col(c), {0, 0}};
		v[2 * i + 1] = (SDL_Vertex){b[i], col(c), {0, 0}};
	}
	int ni = 0;
	for (int i = 0; i + 1 < n; i++) {
		int j = i + 1;
		idx[ni++] = 2 * i;
		idx[ni++] = 2 * i + 1;
		idx[ni++] = 2 * j;
		idx[ni++] = 2 * j;
		idx[ni++] = 2 * i + 1;
		idx[ni++] = 2 * j + 1;
	}
	geom(r, v, 2 * n, idx, ni);
}

static int segs_for(float r)
{
	int s = (int)(r / 2.5f) + 2;
	return s > 10 ? 10 : s;
}

static void draw_rect(SDL_Renderer *r, const struct scene_prim *p)
{
	float thick = p->x3;
	if (p->w <= 0 || p->h <= 0)
		return;
	if (p->r < 1.0f) {
		if (p->fill.a) {
			blend(r, p->fill.a);
			SDL_SetRenderDrawColor(r, p->fill.r, p->fill.g, p->fill.b, p->fill.a);
			SDL_FRect fr = {p->x, p->y, p->w, p->h};
			SDL_RenderFillRectF(r, &fr);
		}
		if (p->stroke.a && thick > 0) {
			blend(r, p->stroke.a);
			SDL_SetRenderDrawColor(r, p->stroke.r, p->stroke.g, p->stroke.b, p->stroke.a);
			SDL_FRect e[4] = {{p->x, p->y, p->w, thick},
			                  {p->x, p->y + p->h - thick, p->w, thick},
			                  {p->x, p->y + thick, thick, p->h - 2 * thick},
			                  {p->x + p->w - thick, p->y + thick, thick, p->h - 2 * thick}};
			SDL_RenderFillRectsF(r, e, 4);
		}
		return;
	}
	/* Rounded: straight parts as rectangles (the software renderer fills
	 * those fast), only the four corners as small triangle fans. */
	float rad = p->r;
	if (rad > p->w / 2)
		rad = p->w / 2;
	if (rad > p->h / 2)
		rad = p->h / 2;
	int seg = segs_for(rad);
	float x0 = p->x, y0 = p->y, x1 = p->x + p->w, y1 = p->y + p->h;
	const float cx[4] = {x1 - rad, x1 - rad, x0 + rad, x0 + rad};
	const float cy[4] = {y0 + rad, y1 - rad, y1 - rad, y0 + rad};
	const float a0[4] = {-PI_F / 2, 0, PI_F / 2, PI_F};
	if (p->fill.a) {
		blend(r, p->fill.a);
		SDL_SetRenderDrawColor(r, p->fill.r, p->fill.g, p->fill.b, p->fill.a);
		SDL_FRect fr[3] = {{x0, y0 + rad, p->w, p->h - 2 * rad},
		                   {x0 + rad, y0, p->w - 2 * rad, rad},
		                   {x0 + rad, y1 - rad, p->w - 2 * rad, rad}};
		SDL_RenderFillRectsF(r, fr, 3);
		for (int c = 0; c < 4; c++) {
			SDL_FPoint pt[16];
			for (int i = 0; i <= seg; i++) {
				float an = a0[c] + PI_F / 2 * (float)i / (float)seg;
				pt[i] = (SDL_FPoint){cx[c] + rad * cosf(an), cy[c] + rad * sinf(an)};
			}
			fill_fan_open(r, pt, seg + 1, cx[c], cy[c], p->fill);
		}
	}
	if (p->stroke.a && thick > 0) {
		float t = thick;
		if (t > rad)
			t = rad;
		blend(r, p->stroke.a);
		SDL_SetRenderDrawColor(r, p->stroke.r, p->stroke.g, p->stroke.b, p->stroke.a);
		SDL_FRect e[4] = {{x0 + rad, y0, p->w - 2 * rad, thick},
		                  {x0 + rad, y1 - thick, p->w - 2 * rad, thick},
		                  {x0, y0 + rad, thick, p->h - 2 * rad},
		                  {x1 - thick, y0 + rad, thick, p->h - 2 * rad}};
		SDL_RenderFillRectsF(r, e, 4);
		for (int c = 0; c < 4; c++) {
			SDL_FPoint o[16], in[16];
			float ri = rad - t;
			for (int i = 0; i <= seg; i++) {
				float an = a0[c] + PI_F / 2 * (float)i / (float)seg;
				o[i] = (SDL_FPoint){cx[c] + rad * cosf(an), cy[c] + rad * sinf(an)};
				in[i] = (SDL_FPoint){cx[c] + ri * cosf(an), cy[c] + ri * sinf(an)};
			}
			strip_open(r, o, in, seg + 1, p->stroke);
		}
	}
}

static void draw_line(SDL_Renderer *r, const struct scene_prim *p)
{
	float x0 = p->x, y0 = p->y, x1 = p->x + p->w, y1 = p->y + p->h;
	float dx = x1 - x0, dy = y1 - y0, d = sqrtf(dx * dx + dy * dy);
	if (d < 0.01f)
		return;
	float t = p->r / 2;
	float nx = -dy / d * t, ny = dx / d * t;
	SDL_Color c = col(p->fill);
	SDL_Vertex v[4] = {{{x0 + nx, y0 + ny}, c, {0, 0}},
	                   {{x1 + nx, y1 + ny}, c, {0, 0}},
	                   {{x1 - nx, y1 - ny}, c, {0, 0}},
	                   {{x0 - nx, y0 - ny}, c, {0, 0}}};
	int idx[6] = {0, 1, 2, 0, 2, 3};
	geom(r, v, 4, idx, 6);
}

static void draw_circle(SDL_Renderer *r, const struct scene_prim *p)
{
	SDL_FPoint a[40], b[40];
	int n = 32;
	float rad = p->w;
	for (int i = 0; i < n; i++) {
		float ang = 2 * PI_F * (float)i / (float)n;
		a[i] = (SDL_FPoint){p->x + rad * cosf(ang), p->y + rad * sinf(ang)};
	}
	if (p->fill.a)
		fill_poly_fan(r, a, n, p->x, p->y, p->fill);
	if (p->stroke.a && p->r > 0) {
		float ri = rad - p->r;
		for (int i = 0; i < n; i++) {
			float ang = 2 * PI_F * (float)i / (float)n;
			b[i] = (SDL_FPoint){p->x + ri * cosf(ang), p->y + ri * sinf(ang)};
		}
		ring_between(r, a, b, n, p->stroke);
	}
}

static void draw_tri(SDL_Renderer *r, const struct scene_prim *p)
{
	SDL_Color c = col(p->fill);
	SDL_Vertex v[3] = {
	    {{p->x, p->y}, c, {0, 0}}, {{p->x + p->w, p->y + p->h}, c, {0, 0}}, {{p->x3, p->y3}, c, {0, 0}}};
	blend(r, c.a);
	SDL_RenderGeometry(r, NULL, v, 3, NULL, 0);
}

static void draw_text(struct sdl_gfx *g, const struct scene *s, const struct scene_prim *p)
{
	const char *str = scene_str(s, p->text);
	if (!*str)
		return;
	uint32_t rgb = (uint32_t)p->fill.r << 16 | (uint32_t)p->fill.g << 8 | p->fill.b;
	struct gfx_text *e = entry(g, p->face, p->px, str, p->len, 1, rgb);
	if (!e || !e->tex)
		return;
	float x = p->x;
	if (p->align == SA_CENTER)
		x = p->x + (p->w - (float)e->w) / 2;
	else if (p->align == SA_RIGHT)
		x = p->x + p->w - (float)e->w;
	/* centre the rendered line in the scene's line box (1.3 px) */
	float y = p->y + (p->h - (float)e->h) / 2;
	SDL_SetTextureAlphaMod(e->tex, p->fill.a);
	SDL_FRect dst = {floorf(x + 0.5f), floorf(y + 0.5f), (float)e->w, (float)e->h};
	SDL_RenderCopyF(g->r, e->tex, NULL, &dst);
}

void gfx_draw(struct sdl_gfx *g, const struct scene *s)
{
	g->frame++;
	for (int i = 0; i < s->np; i++) {
		const struct scene_prim *p = &s->p[i];
		switch (p->kind) {
		case SP_RECT:
			draw_rect(g->r, p);
			break;
		case SP_LINE:
			draw_line(g->r, p);
			break;
		case SP_CIRCLE:
			draw_circle(g->r, p);
			break;
		case SP_TRI:
			draw_tri(g->r, p);
			break;
		case SP_TEXT:
			draw_text(g, s, p);
			break;
		default:
			break;
		}
	}
}
