/*
 * gv.h — Graphviz diagrams of the machine and its trace, for slides and
 * handouts (issue 5). Built with libcgraph, laid out and rendered with libgvc.
 *
 *   machine (const) + trace events [lo, hi)
 *        |
 *        |  gv_build(view, diagram)          one builder per diagram:
 *        v                                   gv_flow.c   path through the layers
 *   Agraph_t (cgraph, not laid out)          gv_walk.c   2-D walk grid, IOMMU walk
 *        |                                   gv_tables.c page-table trees
 *        |  gv_render(g, format)             gv_memory.c HPA map, GPA -> HPA
 *        v                                   gv_ring.c   NIC descriptor rings
 *   DOT (agwrite, no layout: deterministic)  gv_boot.c   boot decisions
 *   SVG / PNG / PDF (dot layout + render)    gv_slides.c one SVG per step + index.html
 *
 * The builders only read the machine (const pointers): reading page tables
 * uses mem_read64 on the simulated bytes, never a walker, so drawing a
 * diagram leaves no trace event, touches no A/D bit and fills no TLB.
 *
 * Look: colours and fonts from theme.h (shared with the SDL viewer). Every
 * node, edge and graph label uses THEME_FONT_CJK ("WenQuanYi Micro Hei"):
 * edge labels do not inherit the node font, so all three are set.
 * Everything that matters is also said in words or line style (solid,
 * dashed, bold), so the pictures survive black-and-white printing.
 *
 * Determinism: node and edge names come from the trace and the table
 * addresses only; attributes are declared in a fixed order. The same
 * scenario and options give the same DOT bytes.
 *
 * Ownership: gv_build returns a graph the caller frees with gv_free_graph;
 * gv_render returns a malloc'd buffer the caller frees with free().
 *
 * Not modelled (drawn): more than GV_MAX_WALKS walks per walk diagram, and
 * more than a budget of tables per tree (the rest is summarised in words).
 */
#ifndef IOMMULAB_GV_H
#define IOMMULAB_GV_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <graphviz/cgraph.h>

#include "machine.h"
#include "scenario.h"
#include "theme.h"
#include "trace.h"

enum gv_diagram { GV_FLOW, GV_WALK, GV_TABLES, GV_MEMORY, GV_RING, GV_BOOT, GV_NDIAGRAMS };
enum gv_format { GV_DOT, GV_SVG, GV_PNG, GV_PDF, GV_NFORMATS };

/* What to draw: the machine after the last selected step, and the events
 * of the selected steps. */
struct gv_view {
	const struct machine *m;
	const struct scenario *sc; /* step names and narration (may be NULL) */
	uint64_t ev_lo, ev_hi;     /* selected events [ev_lo, ev_hi) of m->trace */
	int step_lo, step_hi;      /* 1-based, inclusive; 0 = the whole scenario */
	enum lang lang;
};

const char *gv_diagram_name(enum gv_diagram d);
int gv_diagram_parse(const char *s, enum gv_diagram *d); /* 0 or -1 */
const char *gv_format_name(enum gv_format f);
int gv_format_parse(const char *s, enum gv_format *f);        /* 0 or -1 */
int gv_format_from_path(const char *path, enum gv_format *f); /* by extension; 0 or -1 */

/* Does diagram d apply to this view? 0 yes; else -1 with the reason. */
int gv_applies(const struct gv_view *v, enum gv_diagram d, char *why, size_t cap);

/* Build the graph (not laid out). NULL with err when it does not apply. */
Agraph_t *gv_build(const struct gv_view *v, enum gv_diagram d, char *err, size_t cap);
void gv_free_graph(Agraph_t *g);

/* Render: DOT is the graph as built (no layout, deterministic); SVG, PNG
 * and PDF are laid out with dot. Returns 0 with a malloc'd buffer, or -1
 * with err. */
int gv_render(Agraph_t *g, enum gv_format f, char **out, size_t *len, char *err, size_t cap);
/* Free the shared Graphviz context (optional, at exit). */
void gv_shutdown(void);

/* Slides: one SVG per step (diagram d) plus index.html, all as memory
 * buffers handed to `put` (the CLI writes them atomically). Returns 0 or
 * -1 with err. */
struct engine;
typedef int (*gv_put_fn)(void *ctx, const char *name, const char *data, size_t len);
int gv_slides(struct engine *e, enum gv_diagram d, enum lang lang, gv_put_fn put, void *ctx, char *err,
              size_t cap);

/* ---- internal to viz/gv_*.c ------------------------------------------ */

/* A growing string (HTML labels, DOT fragments). */
struct gv_sb {
	char *s;
	size_t n, cap;
};
void sb_init(struct gv_sb *b);
void sb_free(struct gv_sb *b);
void sb_puts(struct gv_sb *b, const char *s);
void sb_printf(struct gv_sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* HTML-escaped copy of s (&, <, >, "). */
void sb_esc(struct gv_sb *b, const char *s);
const char *sb_str(const struct gv_sb *b); /* never NULL */
void sb_clear(struct gv_sb *b);

#define GV_MAX_WALKS 4

/* Append text HTML-escaped, broken into lines of about `width` columns
 * (a CJK character counts 2) with <BR ALIGN="LEFT"/>. */
void gv_wrap(struct gv_sb *b, const char *text, int width);

/* Pick the language. */
static inline const char *gv_tr(const struct gv_view *v, const char *en, const char *zh)
{
	return v->lang == LANG_ZH ? zh : en;
}

/* A new root graph with the house style: fonts on graph/node/edge, white
 * background, a title (HTML) at the top. rankdir "TB" or "LR". */
Agraph_t *gv_open(const struct gv_view *v, const char *name, const char *rankdir, const char *title_html);
/* Set the root graph's title. Call it last: a root-graph attribute becomes
 * the default of subgraphs created after it. */
void gv_set_title(Agraph_t *g, const char *title_html);
/* A rank=same subgraph (no label). */
Agraph_t *gv_rank_same(Agraph_t *parent, const char *name);
/* Messages Graphviz reported since the last gv_clear_warnings(). */
const char *gv_warnings(void);
void gv_clear_warnings(void);
Agraph_t *gv_cluster(Agraph_t *parent, const char *name, const char *label_html, const char *fill,
                     const char *pen);
Agnode_t *gv_node(Agraph_t *g, const char *name, const char *label_html);
Agedge_t *gv_edge(Agraph_t *g, Agnode_t *a, Agnode_t *b, const char *label_html);
/* Set a string attribute (declared on first use with "" as default). */
void gv_set(void *obj, const char *attr, const char *val);
void gv_setf(void *obj, const char *attr, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* "#RRGGBB" (static per-call buffer ring: valid for a few calls). */
const char *gv_hex(struct rgb c);
/* c mixed with white: percent = 100 is c, 0 is white. Same buffer ring. */
const char *gv_tint(struct rgb c, int percent);
/* Monospace font for addresses and entry values in HTML labels. */
#define GV_MONO "DejaVu Sans Mono"

/* A translation found in the selected events: a run of walk.ref events
 * of one walker family, with what started and ended it. Indexes are
 * event indexes in m->trace; UINT64_MAX = none. */
struct gv_walk {
	uint64_t start;       /* TLB miss / device DMA / IOTLB miss before it, or first ref */
	uint64_t first, last; /* first and last walk.ref */
	uint64_t data;        /* the data access (mem.read/write/mmio) that follows, if any */
	uint64_t fault;       /* EV_FAULT ending it, if any */
	uint64_t exit;        /* EV_VMEXIT following the fault, if any */
	uint64_t translate;   /* the first EV_TRANSLATE (GVA -> GPA, VA -> HPA, IOVA -> HPA) */
	uint64_t translate2;  /* the last one (GPA -> HPA in a 2-D walk), may equal translate */
	int iommu;            /* 0: CPU walk (guest/EPT/host), 1: IOMMU walk */
	int nrefs;
};
/* Find up to max walks in [v->ev_lo, v->ev_hi). Returns the number found
 * (may be more than max: only max are stored). */
int gv_find_walks(const struct gv_view *v, struct gv_walk *w, int max);
/* "PML4E", "EPT PDPTE", "root entry", "SL PDE"… for a walk.ref */
const char *gv_level_name(const struct ev *e, enum lang lang);
/* Title block: "<B>title</B><BR/>subtitle" with the step range. */
void gv_title(const struct gv_view *v, struct gv_sb *b, const char *what_en, const char *what_zh);

/* The scenario's title in v->lang (or "" ). */
const char *gv_scenario_title(const struct gv_view *v);
/* Step name ("cpu.read") for a 1-based step, or "". */
const char *gv_step_action(const struct gv_view *v, int step1);
/* Step narration (say) in v->lang for a 1-based step, or NULL. */
const char *gv_step_say(const struct gv_view *v, int step1);

/* Human sizes: "4 KiB", "2 MiB", "32 MiB", "1.5 GiB" */
void gv_size_str(uint64_t sz, char *buf, size_t cap);

/* builders */
Agraph_t *gv_build_flow(const struct gv_view *v, char *err, size_t cap);
Agraph_t *gv_build_walk(const struct gv_view *v, char *err, size_t cap);
Agraph_t *gv_build_tables(const struct gv_view *v, char *err, size_t cap);
Agraph_t *gv_build_memory(const struct gv_view *v, char *err, size_t cap);
Agraph_t *gv_build_ring(const struct gv_view *v, char *err, size_t cap);
Agraph_t *gv_build_boot(const struct gv_view *v, char *err, size_t cap);

#endif
