/*
 * scene.h — what the viewer shows, computed without SDL.
 *
 * The scene model turns (machine, full trace, current event N, animation
 * time t, language, presenter mode, window size) into a flat display list
 * of rectangles, lines, circles and text runs, plus a list of named
 * elements (boxes, memory frames, walk cells, descriptors, timeline) for
 * hit testing, tooltips and tests. A back-end (sdl_draw.c) only paints the
 * list; it never decides anything.
 *
 *   +---------------------------------------------------------------+
 *   | header: title · step k/n · event N/M · speed · language       |
 *   +-------------------------------+-------------------+-----------+
 *   | USER SPACE   [vm1] [vm2] [QEMU]| walk panel        | event     |
 *   | KERNEL  [KVM][VFIO][DMA API].. | (2-D grid, refs)  | list      |
 *   | HARDWARE [CPU:MMU TLB] [EPT]   | ring panel (NIC)  | (hidden   |
 *   |   [IOMMU:IOTLB faults] [NIC]…  | memory panel      |  in       |
 *   |                                | (GPA -> HPA map)  | presenter)|
 *   +-------------------------------+-------------------+-----------+
 *   | narration: step `say` + this event in words (ZH or EN)        |
 *   |   (a lesson: the "Predict" card at a question gate)           |
 *   | timeline: steps, events, fault markers, cursor                |
 *   +---------------------------------------------------------------+
 *
 * Geometry is in output pixels. Everything scales with
 * s = min(w / 1280, h / 800) (x1.3 in presenter mode), from 1024x640 to 4K.
 * Text is fitted with a width callback the caller supplies (SDL_ttf in the
 * viewer, an estimate in tests), so no text run is wider than the w its
 * prim carries.
 *
 * Ownership: a struct scene owns its arrays; scene_free releases them.
 * The source (machine, trace, scenario) must outlive the scene.
 *
 * Not modelled: per-glyph kerning between wrapped tokens (widths are summed
 * per word), right-to-left text.
 */
#ifndef IOMMULAB_SCENE_H
#define IOMMULAB_SCENE_H

#include <stddef.h>
#include <stdint.h>

#include "machine.h"
#include "scenario.h"
#include "trace.h"

struct rgba {
	uint8_t r, g, b, a;
};

/* Font faces; the size in pixels travels with each text prim. */
enum scene_face { SF_SANS, SF_BOLD, SF_MONO, SF_FACES };

/* Text width in pixels of s[0..len) in face at px. */
typedef int (*scene_text_w_fn)(void *ctx, int face, int px, const char *s, int len);

struct scene_metrics {
	scene_text_w_fn text_w;
	void *ctx;
};

enum scene_prim_kind { SP_RECT, SP_LINE, SP_CIRCLE, SP_TEXT, SP_TRI };

enum scene_align { SA_LEFT, SA_CENTER, SA_RIGHT };

struct scene_prim {
	uint8_t kind, face, align, clip;
	struct rgba fill;   /* rect/circle/tri fill, text colour, line colour */
	struct rgba stroke; /* rect/circle border (a = 0: none) */
	float x, y, w, h; /* rect; line: (x,y)->(x+w,y+h); text: box (w = max width); circle: centre, w = r */
	float r;          /* rect corner radius, line/border thickness */
	float x3, y3;     /* tri: third point; (x,y),(x+w,y+h) are the first two */
	int px;           /* text size */
	int text;         /* offset into pool (text) */
	int len;
	int elem; /* element index or -1 */
};

enum scene_elem_kind {
	SE_BOX,      /* a component: CPU, MMU, EPT, IOMMU, a device, a kernel box */
	SE_SPAN,     /* a span of the HPA map (frame range), clickable for a hex dump */
	SE_GPA,      /* a VM's GPA range */
	SE_WALKCELL, /* one reference of the walk grid */
	SE_DESC,     /* one NIC descriptor */
	SE_EVROW,    /* a row of the event list */
	SE_TIMELINE, /* the timeline bar */
	SE_PANEL,    /* a panel (walk, memory, narration…) */
	SE_FAULTREC, /* a fault record in the IOMMU fault log */
	SE_QUESTION, /* the "Predict" card of a lesson question (id = question index); a click reveals */
};

/* Component identities (SE_BOX.id). Devices and VMs add their index. */
enum scene_box_id {
	SB_NONE = 0,
	SB_HOST_USER,
	SB_KVM,
	SB_VFIO,
	SB_DMA_API,
	SB_IOMMU_DRV,
	SB_DRIVER,
	SB_CPU,
	SB_MMU,
	SB_TLB,
	SB_EPT,
	SB_RAM,
	SB_IOMMU,
	SB_IOTLB,
	SB_FAULTLOG,
	SB_VM = 32,  /* + vm index */
	SB_DEV = 48, /* + device index */
	SB_MAX = 64
};

struct scene_elem {
	uint8_t kind;
	uint8_t active; /* the current event touches it */
	uint8_t fault;  /* a fault is shown on it */
	int id;         /* SB_* for boxes; span index; ref number; event index… */
	float x, y, w, h;
	int parent;           /* enclosing element or -1 */
	uint64_t addr, addr2; /* spans: base, size; walk cells: event index; gpa: gpa, hpa */
	int text;             /* label (pool offset) or -1 */
};

struct scene_src {
	const struct scenario *sc;   /* steps' say text (may be NULL) */
	const struct machine *m;     /* machine after the full run: names, spans */
	const struct machine *m_now; /* machine at the start of the current step (hex dumps), or NULL */
	const struct trace *t;       /* the full trace */
	const uint64_t *mark;        /* mark[i] = first event of step i (nsteps + 1 entries) */
	int nsteps;
	const char *file; /* for the header */
	int lesson;       /* lesson mode: the setup narration shows the lesson's goals */
};

struct scene_view {
	int w, h; /* output pixels */
	enum lang lang;
	int presenter;
	int help;     /* help overlay */
	uint64_t cur; /* current event index (< trace n) */
	float t;      /* animation progress of the current event, 0..1 */
	float pulse;  /* 0..1, a slow cycle for flashing faults */
	int playing;
	int speed; /* index into scene_speeds */
	int hover; /* element under the mouse, -1 none */
	int mouse_x, mouse_y;
	int dump; /* element whose hex dump is open, -1 none */
	uint64_t dump_addr;
	const char *status; /* one-line status ("saved shot.png"), or NULL */
	/* lesson questions (scene_lesson.c) */
	int ask;           /* at the question gate before the step that begins at cur */
	int outro;         /* past the last event: the lesson's end card */
	uint32_t revealed; /* bit q: the answer to question q is shown */
};

/* Speeds, from very slow to instant: events per second (0 = instant: jump
 * to the end of the step). */
#define SCENE_NSPEEDS 7
extern const float scene_speeds[SCENE_NSPEEDS];
#define SCENE_SPEED_DEFAULT 2

struct scene {
	struct scene_prim *p;
	int np, capp;
	struct scene_elem *e;
	int ne, cape;
	char *pool;
	int pool_len, pool_cap;
	/* results for callers and tests */
	float s;        /* scale */
	int step;       /* step of the current event (-1 = setup) */
	int active_box; /* SB_* of the box the current event names (0 none) */
	int token_elem_from, token_elem_to;
	float token_x, token_y;    /* token position at t */
	int walk_refs, walk_total; /* walk counter shown ("refs: 17/24") */
	int breach;                /* an isolation breach is on screen */
	int fault;                 /* the current event is a fault */
	/* layout rects */
	float main_x, main_y, main_w, main_h;
	float arch_w;                 /* width of the layer diagram (left of the panels) */
	float tl_x, tl_y, tl_w, tl_h; /* timeline bar */
	int ev_first, ev_rows;        /* event list window */
	const struct scene_metrics *mx;
	/* text sizes (px) for this build */
	int px_small, px_body, px_label, px_title, px_big, px_mono;
	int chip_px; /* address chips in the walk panel */
	/* cache: indices of faults and breaches in the trace (timeline markers) */
	uint64_t *fault_idx;
	int nfault, capfault;
	const struct trace *fault_t;
	uint64_t fault_n;
	/* memory panel layout (HPA bar), for tokens that end at a frame */
#define SCENE_MEM_MAX 256
	float mem_x[SCENE_MEM_MAX], mem_w[SCENE_MEM_MAX], mem_y, mem_h;
	uint64_t mem_base[SCENE_MEM_MAX], mem_size[SCENE_MEM_MAX];
	int mem_n;
	int question;     /* question whose card is on screen, or -1 */
	int answer_shown; /* its answer is on screen */
	int end_card;     /* the "Try this" / references card is on screen */
	int card_cut;     /* lines of the question card or end card did not fit */
};

void scene_init(struct scene *s);
void scene_free(struct scene *s);
/* Rebuild the display list. */
void scene_build(struct scene *s, const struct scene_src *src, const struct scene_view *v,
                 const struct scene_metrics *mx);
const char *scene_str(const struct scene *s, int off);

/* The topmost element at (x, y), or -1. */
int scene_hit(const struct scene *s, float x, float y);
/* Tooltip text for an element (decoded bits, addresses), in lang. */
size_t scene_tooltip(const struct scene *s, const struct scene_src *src, const struct scene_view *v, int elem,
                     char *buf, size_t cap);
/* Timeline x -> event index. */
uint64_t scene_timeline_event(const struct scene *s, const struct scene_src *src, float x);
/* Index of the element with kind/id, or -1. */
int scene_find(const struct scene *s, int kind, int id);

/* Which box an event names (its unit or actor) and where its token goes. */
int scene_event_box(const struct machine *m, const struct ev *e);
/* Step of event i: k with mark[k] <= i < mark[k+1], or -1 during setup. */
int scene_step_of(const struct scene_src *src, uint64_t i);

/* Lesson questions ("predict what happens next", issue 7). A question
 * anchored before step k (question.after_step = k) is asked at a gate: a
 * position between the last event of step k-1 and the first of step k
 * (view.ask = 1, view.cur = mark[k]); the step's own text stays hidden
 * there because it usually gives the answer away. Questions with
 * after_step = -1 are asked on the end card (view.outro = 1), which also
 * shows the lesson's "Try this" and references. Only the first question of
 * an anchor is shown. */
/* The question whose gate is just before event i (i = mark[k]), or -1. */
int scene_gate_at(const struct scene_src *src, uint64_t i);
/* The question on screen at this position, or -1. */
int scene_question_at(const struct scene_src *src, const struct scene_view *v);
/* The scenario has an end card (try-this, references or an end question). */
int scene_has_outro(const struct scene_src *src);
/* Navigation through gates and the end card: one position forward / back.
 * Return 1 if the position changed. */
int scene_nav_next(const struct scene_src *src, struct scene_view *v);
int scene_nav_prev(const struct scene_src *src, struct scene_view *v);
/* Autoplay must hold here: a question is on screen and its answer hidden. */
int scene_nav_hold(const struct scene_src *src, const struct scene_view *v);
/* Show / hide the answer of the question on screen; returns the question or -1. */
int scene_toggle_answer(const struct scene_src *src, struct scene_view *v);

/* Easing used by the token: smooth start and stop. */
float scene_ease(float t);

#endif
