/*
 * cmd_view.c — `iommulab view FILE` (the SDL2 viewer) and
 * `iommulab screenshot FILE --step N [--event K] [--size WxH] [--lang zh|en]
 *  [--presenter] [--t 0..1] -o OUT.png` (one frame, headless, software renderer).
 *
 *   --step N    1-based scenario step (0 = machine setup)
 *   --event K   1-based event within the step; default: the step's first
 *               fault or breach, else its last event
 *   --size WxH  image size, 1024x640 … 3840x2160 (default 1280x800)
 *   --t X       animation progress of the current event's token (default 1)
 *   --mouse X,Y pointer position: the tooltip of what is under it is drawn
 *   --click     with --mouse: click there (a memory range opens its hex dump)
 *   --help-overlay  draw the help overlay
 *   --question  a lesson's "predict" card, asked just before step N runs
 *   --reveal    with --question (or --end): the answer shown under it
 *   --end       the lesson's end card ("Try this", references) after the last event
 *   --bench N   instead of a PNG, time N animated frames (software renderer) and
 *               print the median and 99th percentile frame time
 *
 * Exit: 0 ok, 2 usage / bad input / no display.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "viewer.h"

static int parse_common(int argc, char **argv, int i, struct viewer_opts *o, const char **out,
                        const char *cmd)
{
	const char *a = argv[i];
	if (!strcmp(a, "--lang") && i + 1 < argc) {
		const char *l = argv[i + 1];
		if (!strcmp(l, "zh"))
			o->lang = LANG_ZH;
		else if (!strcmp(l, "en"))
			o->lang = LANG_EN;
		else {
			fprintf(stderr, "iommulab %s: --lang: expected en or zh, got \"%s\"\n", cmd, l);
			return -1;
		}
		return 2;
	}
	if (!strcmp(a, "--presenter")) {
		o->presenter = 1;
		return 1;
	}
	if (!strcmp(a, "--size") && i + 1 < argc) {
		int w = 0, h = 0;
		if (sscanf(argv[i + 1], "%dx%d", &w, &h) != 2 || w < 320 || h < 200 || w > 7680 || h > 4320) {
			fprintf(stderr,
			        "iommulab %s: --size: expected WxH (320x200 … 7680x4320), got \"%s\"\n", cmd,
			        argv[i + 1]);
			return -1;
		}
		o->w = w;
		o->h = h;
		return 2;
	}
	if (!strcmp(a, "--step") && i + 1 < argc) {
		char *end;
		long v = strtol(argv[i + 1], &end, 10);
		if (*end || v < 0 || v > 10000000) {
			fprintf(stderr,
			        "iommulab %s: --step: expected a step number (0 = setup), got \"%s\"\n", cmd,
			        argv[i + 1]);
			return -1;
		}
		o->step = (int)v;
		return 2;
	}
	if (!strcmp(a, "--event") && i + 1 < argc) {
		char *end;
		long v = strtol(argv[i + 1], &end, 10);
		if (*end || v < 1 || v > 100000000) {
			fprintf(stderr, "iommulab %s: --event: expected a 1-based event number, got \"%s\"\n",
			        cmd, argv[i + 1]);
			return -1;
		}
		o->event = (int)v;
		return 2;
	}
	if (!strcmp(a, "--t") && i + 1 < argc) {
		char *end;
		double v = strtod(argv[i + 1], &end);
		if (*end || v < 0 || v > 1) {
			fprintf(stderr, "iommulab %s: --t: expected 0..1, got \"%s\"\n", cmd, argv[i + 1]);
			return -1;
		}
		o->t = (float)v;
		return 2;
	}
	if (!strcmp(a, "--mouse") && i + 1 < argc) {
		if (sscanf(argv[i + 1], "%d,%d", &o->mouse_x, &o->mouse_y) != 2 || o->mouse_x < 0 ||
		    o->mouse_y < 0) {
			fprintf(stderr, "iommulab %s: --mouse: expected X,Y in pixels, got \"%s\"\n", cmd,
			        argv[i + 1]);
			return -1;
		}
		return 2;
	}
	if (!strcmp(a, "--click")) {
		o->click = 1;
		return 1;
	}
	if (!strcmp(a, "--help-overlay")) {
		o->help = 1;
		return 1;
	}
	if (!strcmp(a, "--question")) {
		o->question = 1;
		return 1;
	}
	if (!strcmp(a, "--reveal")) {
		o->reveal = 1;
		return 1;
	}
	if (!strcmp(a, "--end")) {
		o->end = 1;
		return 1;
	}
	if (!strcmp(a, "--keys") && i + 1 < argc) {
		o->keys = argv[i + 1];
		return 2;
	}
	if (out && !strcmp(a, "-o") && i + 1 < argc) {
		*out = argv[i + 1];
		return 2;
	}
	return 0;
}

int cmd_view(int argc, char **argv)
{
	struct viewer_opts o;
	viewer_opts_default(&o);
	const char *file = NULL;
	for (int i = 1; i < argc;) {
		int k = parse_common(argc, argv, i, &o, NULL, "view");
		if (k < 0)
			return 2;
		if (k > 0) {
			i += k;
			continue;
		}
		if (!strcmp(argv[i], "--frames") && i + 1 < argc) {
			o.max_frames = atoi(argv[i + 1]);
			i += 2;
			continue;
		}
		if (argv[i][0] == '-' || file) {
			fprintf(
			    stderr,
			    "usage: iommulab view FILE [--lang zh|en] [--presenter] [--size WxH] [--step N] "
			    "[--keys K1,K2,...] [--frames N]\n");
			return 2;
		}
		file = argv[i++];
	}
	if (!file) {
		fprintf(stderr,
		        "usage: iommulab view FILE [--lang zh|en] [--presenter] [--size WxH] [--step N]\n");
		return 2;
	}
	return viewer_open(file, 0, &o);
}

int cmd_screenshot(int argc, char **argv)
{
	struct viewer_opts o;
	viewer_opts_default(&o);
	const char *file = NULL, *out = NULL;
	int have_step = 0, bench = 0;
	for (int i = 1; i < argc;) {
		if (!strcmp(argv[i], "--step"))
			have_step = 1;
		if (!strcmp(argv[i], "--bench") && i + 1 < argc) {
			bench = atoi(argv[i + 1]);
			if (bench < 10 || bench > 100000) {
				fprintf(stderr, "iommulab screenshot: --bench: expected 10..100000 frames\n");
				return 2;
			}
			i += 2;
			continue;
		}
		int k = parse_common(argc, argv, i, &o, &out, "screenshot");
		if (k < 0)
			return 2;
		if (k > 0) {
			i += k;
			continue;
		}
		if (argv[i][0] == '-' || file) {
			fprintf(stderr, "iommulab screenshot: unexpected \"%s\"\n", argv[i]);
			goto usage;
		}
		file = argv[i++];
	}
	if (file && bench) {
		double med = 0, p99 = 0;
		int rc = viewer_bench(file, o.w, o.h, bench, &med, &p99);
		if (rc == 0)
			printf("frame time at %dx%d over %d animated frames: median %.2f ms, p99 %.2f ms\n",
			       o.w, o.h, bench, med, p99);
		return rc;
	}
	if (!file || !out || (!have_step && !o.end))
		goto usage;
	if (o.reveal && !o.end)
		o.question = 1;
	return viewer_screenshot(file, &o, out);
usage:
	fprintf(stderr, "usage: iommulab screenshot FILE --step N [--event K] [--size WxH] [--lang zh|en] "
	                "[--presenter] [--t 0..1] [--mouse X,Y [--click]] [--help-overlay] [--question "
	                "[--reveal]] -o OUT.png\n"
	                "       iommulab screenshot FILE --end [--reveal] [--size WxH] [--lang zh|en] "
	                "[--presenter] -o OUT.png\n"
	                "       iommulab screenshot FILE --bench FRAMES [--size WxH]\n");
	return 2;
}
