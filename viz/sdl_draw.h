/*
 * sdl_draw.h — paint a scene (scene.h) with SDL2 + SDL2_ttf. Decides
 * nothing: every position, colour and string comes from the scene.
 *
 * Text: WenQuanYi Micro Hei (fonts-wqy-microhei) for Latin and Chinese,
 * DejaVu Sans Mono for hex; a mono run with non-ASCII text falls back to
 * the sans face. Rendered lines are cached as textures keyed by (face,
 * size, colour, string); widths are cached too.
 *
 * Ownership: a struct sdl_gfx owns its fonts and cached textures; it does
 * not own the renderer.
 */
#ifndef IOMMULAB_SDL_DRAW_H
#define IOMMULAB_SDL_DRAW_H

#include <SDL.h>
#include <SDL_ttf.h>

#include "scene.h"

#define GFX_MAX_PX 192

struct gfx_text {
	uint64_t hash;
	char *s;
	int face, px, w, h;
	uint32_t rgb;     /* 0 = width only; else 0x1RRGGBB */
	SDL_Texture *tex; /* NULL for a width-only entry */
	uint32_t used;
};

struct sdl_gfx {
	SDL_Renderer *r;
	char font_path[3][512];
	TTF_Font *font[SF_FACES][GFX_MAX_PX + 1];
	void *font_data[SF_FACES]; /* font files, read once */
	size_t font_size[SF_FACES];
	struct gfx_text *tab; /* open addressing */
	int cap, n;
	uint32_t frame;
	struct scene_metrics mx;
	/* stats */
	uint64_t renders, hits;
};

/* Returns 0, or -1 with a message when no usable font was found. */
int gfx_init(struct sdl_gfx *g, SDL_Renderer *r, char *err, size_t errcap);
void gfx_free(struct sdl_gfx *g);
/* Drop cached textures (renderer change, window resize to a new scale). */
void gfx_flush(struct sdl_gfx *g);
void gfx_draw(struct sdl_gfx *g, const struct scene *s);
int gfx_text_w(void *ctx, int face, int px, const char *s, int len);

#endif
