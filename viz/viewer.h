/*
 * viewer.h — the SDL2 viewer of iommulab: open a scenario (or a lesson) in
 * a window, or render one frame headless to a PNG.
 *
 *   viewer_open(file, lesson_mode, opts)     interactive window (needs a display)
 *   viewer_screenshot(file, opts, out.png)   headless: software renderer on a
 *                                            surface, no video driver at all
 *
 * Both load the scenario, run it once with the trace on (the full trace is
 * what the viewer animates), and keep a second engine that is moved with
 * engine_goto() to the start of the step on screen (deterministic replay)
 * for the parts drawn from machine state: NIC rings and hex dumps.
 *
 * Positions: `step` is 1-based (0 = machine setup, the boot events);
 * `event` is 1-based within that step (0 = the step's most telling event:
 * its first fault or breach if it has one, else its last event).
 *
 * Return values: 0 ok; 2 bad input, no display or no font (one line on
 * stderr says which and what to use instead).
 */
#ifndef IOMMULAB_VIEWER_H
#define IOMMULAB_VIEWER_H

#include <stddef.h>
#include <stdint.h>

#include "trace.h"

struct viewer_opts {
	int w, h;             /* window / image size (0 = 1280x800) */
	enum lang lang;       /* LANG_EN (default) or LANG_ZH */
	int presenter;        /* large text, high contrast, no event list */
	int step;             /* see above; -1 = start (setup) */
	int event;            /* see above */
	float t;              /* animation progress for a screenshot (default 1 = token arrived) */
	int max_frames;       /* viewer_open: quit after this many frames (tests, benches); 0 = run */
	int mouse_x, mouse_y; /* screenshot: pointer position for a tooltip (-1 = none) */
	int click;            /* screenshot: click at the pointer (hex dump of a memory range) */
	int help;             /* screenshot: show the help overlay */
	int question;         /* stop at the question gate before `step` (a lesson's "predict" card) */
	int reveal;           /* lesson questions: answers shown (screenshot --reveal) */
	int end;              /* the lesson's end card (try this, references) after the last event */
	const char *keys;     /* viewer_open: keys played one per frame before the user's, comma-separated
	                       * SDL key names, "Shift+" allowed: "Right,Shift+Right,L,P,S" (tests, demos) */
};

void viewer_opts_default(struct viewer_opts *o);

/* Interactive viewer. lesson_mode = 1 starts in presenter mode with the
 * lesson's goals shown at setup (used by `iommulab lesson N`). */
int viewer_open(const char *file, int lesson_mode, const struct viewer_opts *o);

/* Render one frame to a PNG, written atomically (temp file + rename). */
int viewer_screenshot(const char *file, const struct viewer_opts *o, const char *out_png);

/* Frame-time benchmark: build + draw `frames` frames of the scenario while
 * its events animate, on the software renderer at w x h. Fills the median
 * and 99th percentile in milliseconds. Returns 0 or 2. */
int viewer_bench(const char *file, int w, int h, int frames, double *median_ms, double *p99_ms);

#endif
