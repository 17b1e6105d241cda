/*
 * scene_int.h — helpers shared by scene.c and scene_panels.c (not an API).
 */
#ifndef IOMMULAB_SCENE_INT_H
#define IOMMULAB_SCENE_INT_H

#include "scene.h"
#include "theme.h"

struct rgba sc_rgb(struct rgb c, uint8_t a);
#define sc_rgba(c, a) sc_rgb((c), (a))
struct rgba sc_mix(struct rgb a, struct rgb b, float f);
int sc_pool(struct scene *s, const char *str, int len);
struct scene_prim *sc_prim(struct scene *s, int kind);
int sc_elem(struct scene *s, int kind, int id, float x, float y, float w, float h, int parent);
void sc_rect(struct scene *s, float x, float y, float w, float h, struct rgba fill, struct rgba stroke,
             float radius, float thick);
void sc_line(struct scene *s, float x0, float y0, float x1, float y1, struct rgba c, float thick);
void sc_circle(struct scene *s, float cx, float cy, float r, struct rgba fill, struct rgba stroke,
               float thick);
void sc_tri(struct scene *s, float x0, float y0, float x1, float y1, float x2, float y2, struct rgba c);
void sc_arrow(struct scene *s, float x0, float y0, float x1, float y1, struct rgba c, float thick,
              float head);
int sc_utf8_next(const char *p, int *cp);
int sc_tw(const struct scene *s, int face, int px, const char *str, int len);
void sc_text(struct scene *s, float x, float y, float w, int face, int px, int align, struct rgba c,
             const char *str);
void sc_textf(struct scene *s, float x, float y, float w, int face, int px, int align, struct rgba c,
              const char *fmt, ...) __attribute__((format(printf, 9, 10)));
int sc_wrap(struct scene *s, float x, float y, float w, int face, int px, struct rgba c, const char *str,
            int maxlines, int draw);
const char *sc_L(const struct scene_view *v, const char *en, const char *zh);
struct rgb sc_box_colour(int id);
int sc_box(struct scene *s, const struct scene_src *src, const struct scene_view *v, int id, float x, float y,
           float w, float h, int parent, const char *sub);
int sc_ev_hpa(const struct ev *e, uint64_t *hpa);
/* ev_narrate, with a step's note in the chosen language */
size_t sc_narrate(const struct scene_src *src, const struct scene_view *v, uint64_t i, char *buf, size_t cap);

/* scene_panels.c */
int sc_has_ring(const struct scene_src *src);
void sc_cache_faults(struct scene *s, const struct scene_src *src);
void sc_walk_panel(struct scene *s, const struct scene_src *src, const struct scene_view *v, float x, float y,
                   float w, float h);
void sc_ring_panel(struct scene *s, const struct scene_src *src, const struct scene_view *v, float x, float y,
                   float w, float h);
void sc_mem_panel(struct scene *s, const struct scene_src *src, const struct scene_view *v, float x, float y,
                  float w, float h);
int sc_mem_point(const struct scene *s, uint64_t hpa, float *x, float *y);
void sc_event_list(struct scene *s, const struct scene_src *src, const struct scene_view *v, float x, float y,
                   float w, float h);
void sc_narration(struct scene *s, const struct scene_src *src, const struct scene_view *v, float x, float y,
                  float w, float h);
float sc_narration_height(struct scene *s, const struct scene_src *src, const struct scene_view *v, float w);
void sc_timeline(struct scene *s, const struct scene_src *src, const struct scene_view *v, float x, float y,
                 float w, float h);
void sc_fault_banner(struct scene *s, const struct scene_src *src, const struct scene_view *v);
void sc_tooltip_box(struct scene *s, const struct scene_src *src, const struct scene_view *v);
void sc_hexdump(struct scene *s, const struct scene_src *src, const struct scene_view *v);
void sc_help(struct scene *s, const struct scene_view *v);

/* scene_lesson.c: the question card (in place of the narration) and the end card */
int sc_card_active(const struct scene_src *src, const struct scene_view *v);
float sc_card_height(struct scene *s, const struct scene_src *src, const struct scene_view *v, float w);
void sc_card(struct scene *s, const struct scene_src *src, const struct scene_view *v, float x, float y,
             float w, float h);
void sc_end_card(struct scene *s, const struct scene_src *src, const struct scene_view *v);

#endif
