/*
 * cmd_export.c — `iommulab export`: Graphviz diagrams and slide decks.
 *
 *   iommulab export FILE --diagram flow|walk|tables|memory|ring|boot
 *                   [--step N | --steps A..B] [--lang en|zh]
 *                   [--format dot|svg|png|pdf] -o OUT
 *   iommulab export FILE --slides DIR [--diagram D] [--lang en|zh]
 *   iommulab export FILE --bench          (timings as JSON, writes nothing)
 *
 * Steps are numbered from 1 as `run` prints them. Without --step/--steps
 * the diagram covers the whole scenario (boot included). The format comes
 * from --format, else from OUT's extension (.dot/.gv, .svg, .png, .pdf).
 *
 * Bad input (unknown diagram or format, a step out of range, an output
 * that is a directory or cannot be written, a diagram that does not apply
 * to the scenario) gives one line on stderr and exit 2; every file is
 * written to a temporary name and renamed (app_write_file), so nothing
 * half-written is left behind.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "app.h"
#include "engine.h"
#include "gv.h"

#define PROG "iommulab export"

static int usage(void)
{
	fprintf(stderr, "usage: iommulab export FILE --diagram flow|walk|tables|memory|ring|boot [--step N | "
	                "--steps A..B]\n"
	                "                       [--lang en|zh] [--format dot|svg|png|pdf] -o OUT\n"
	                "       iommulab export FILE --slides DIR [--diagram D] [--lang en|zh]\n"
	                "       iommulab export FILE --bench\n");
	return 2;
}

static int parse_int(const char *s, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < -1000000000L || v > 1000000000L)
		return -1;
	*out = (int)v;
	return 0;
}

/* "A..B" */
static int parse_range(const char *s, int *a, int *b)
{
	const char *dots = strstr(s, "..");
	if (!dots)
		return -1;
	char left[32];
	size_t n = (size_t)(dots - s);
	if (n == 0 || n >= sizeof left)
		return -1;
	memcpy(left, s, n);
	left[n] = 0;
	return (parse_int(left, a) || parse_int(dots + 2, b)) ? -1 : 0;
}

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Slides are rendered into memory first and written only when all of them
 * exist, so a failure leaves no partial deck. */
struct pending {
	char **names, **data;
	size_t *len;
	int n, cap;
};

static int pending_put(void *ctx, const char *name, const char *data, size_t len)
{
	struct pending *p = ctx;
	if (p->n == p->cap) {
		int cap = p->cap ? p->cap * 2 : 32;
		char **nn = realloc(p->names, sizeof *nn * (size_t)cap);
		if (nn)
			p->names = nn;
		char **dd = realloc(p->data, sizeof *dd * (size_t)cap);
		if (dd)
			p->data = dd;
		size_t *ll = realloc(p->len, sizeof *ll * (size_t)cap);
		if (ll)
			p->len = ll;
		if (!nn || !dd || !ll)
			return -1;
		p->cap = cap;
	}
	p->names[p->n] = strdup(name);
	p->data[p->n] = malloc(len ? len : 1);
	if (!p->names[p->n] || !p->data[p->n]) {
		free(p->names[p->n]);
		free(p->data[p->n]);
		return -1;
	}
	memcpy(p->data[p->n], data, len);
	p->len[p->n] = len;
	p->n++;
	return 0;
}

static void pending_free(struct pending *p)
{
	for (int i = 0; i < p->n; i++) {
		free(p->names[i]);
		free(p->data[i]);
	}
	free(p->names);
	free(p->data);
	free(p->len);
}

static int do_bench(struct engine *e, const struct scenario *sc, const char *file)
{
	/* the whole scenario, every diagram that applies, every format */
	engine_goto(e, sc->nsteps);
	struct gv_view v = {&e->m, sc, e->mark[0], e->m.trace.n, 0, 0, LANG_EN};
	printf("{\"scenario\":\"%s\",\"steps\":%d,\"events\":%llu,\"diagrams\":[", file, sc->nsteps,
	       (unsigned long long)e->m.trace.n);
	int first = 1;
	for (int d = 0; d < GV_NDIAGRAMS; d++) {
		char err[256];
		double t0 = now_s();
		Agraph_t *g = gv_build(&v, (enum gv_diagram)d, err, sizeof err);
		double t1 = now_s();
		if (!g)
			continue;
		printf("%s{\"diagram\":\"%s\",\"nodes\":%d,\"edges\":%d,\"build_ms\":%.2f", first ? "" : ",",
		       gv_diagram_name((enum gv_diagram)d), agnnodes(g), agnedges(g), (t1 - t0) * 1e3);
		first = 0;
		for (int f = 0; f < GV_NFORMATS; f++) {
			char *out;
			size_t len;
			double a = now_s();
			int rc = gv_render(g, (enum gv_format)f, &out, &len, err, sizeof err);
			double b = now_s();
			if (rc == 0) {
				printf(",\"%s_ms\":%.2f,\"%s_bytes\":%zu", gv_format_name((enum gv_format)f),
				       (b - a) * 1e3, gv_format_name((enum gv_format)f), len);
				free(out);
			}
		}
		printf("}");
		gv_free_graph(g);
	}
	printf("]}\n");
	return 0;
}

/* mkdir -p */
static int make_dir(const char *dir)
{
	struct stat st;
	if (stat(dir, &st) == 0) {
		if (!S_ISDIR(st.st_mode)) {
			fprintf(stderr, PROG ": %s: exists and is not a directory\n", dir);
			return -1;
		}
		return 0;
	}
	char path[4096];
	if (strlen(dir) >= sizeof path) {
		fprintf(stderr, PROG ": %s: path too long\n", dir);
		return -1;
	}
	strcpy(path, dir);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (stat(path, &st) != 0 && mkdir(path, 0777) != 0 && errno != EEXIST) {
			fprintf(stderr, PROG ": %s: cannot create the directory: %s\n", path,
			        strerror(errno));
			return -1;
		}
		*p = '/';
	}
	if (mkdir(path, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, PROG ": %s: cannot create the directory: %s\n", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int cmd_export(int argc, char **argv)
{
	const char *file = NULL, *out = NULL, *slides = NULL;
	const char *diagram = NULL, *format = NULL;
	int step = 0, lo = 0, hi = 0, have_step = 0, have_steps = 0, bench = 0;
	enum lang lang = LANG_EN;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = (i + 1 < argc) ? argv[i + 1] : NULL;
#define NEED()                                                                                               \
	do {                                                                                                 \
		if (!val) {                                                                                  \
			fprintf(stderr, PROG ": %s needs a value\n", a);                                     \
			return 2;                                                                            \
		}                                                                                            \
		i++;                                                                                         \
	} while (0)
		if (strcmp(a, "--diagram") == 0 || strcmp(a, "-d") == 0) {
			NEED();
			diagram = val;
		} else if (strcmp(a, "--format") == 0 || strcmp(a, "-f") == 0) {
			NEED();
			format = val;
		} else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
			NEED();
			out = val;
		} else if (strcmp(a, "--slides") == 0) {
			NEED();
			slides = val;
		} else if (strcmp(a, "--step") == 0) {
			NEED();
			if (parse_int(val, &step)) {
				fprintf(stderr, PROG ": --step: expected a step number, got \"%s\"\n", val);
				return 2;
			}
			have_step = 1;
		} else if (strcmp(a, "--steps") == 0) {
			NEED();
			if (parse_range(val, &lo, &hi)) {
				fprintf(stderr,
				        PROG ": --steps: expected A..B (for example 2..5), got \"%s\"\n",
				        val);
				return 2;
			}
			have_steps = 1;
		} else if (strcmp(a, "--lang") == 0) {
			NEED();
			if (strcmp(val, "en") == 0)
				lang = LANG_EN;
			else if (strcmp(val, "zh") == 0)
				lang = LANG_ZH;
			else {
				fprintf(stderr, PROG ": --lang: expected en or zh, got \"%s\"\n", val);
				return 2;
			}
		} else if (strcmp(a, "--bench") == 0) {
			bench = 1;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage();
			return 0;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, PROG ": unknown option %s\n", a);
			return 2;
		} else if (!file) {
			file = a;
		} else {
			fprintf(stderr, PROG ": unexpected argument \"%s\" (one scenario file at a time)\n",
			        a);
			return 2;
		}
#undef NEED
	}
	if (!file)
		return usage();

	enum gv_diagram d = slides ? GV_FLOW : GV_NDIAGRAMS;
	if (diagram && gv_diagram_parse(diagram, &d)) {
		fprintf(stderr,
		        PROG ": unknown diagram \"%s\" (expected flow, walk, tables, memory, ring or boot)\n",
		        diagram);
		return 2;
	}
	if (!slides && !bench && !diagram) {
		fprintf(stderr, PROG ": which diagram? --diagram flow|walk|tables|memory|ring|boot\n");
		return 2;
	}
	if (have_step && have_steps) {
		fprintf(stderr, PROG ": give --step or --steps, not both\n");
		return 2;
	}
	enum gv_format f = GV_SVG;
	if (!slides && !bench) {
		if (!out) {
			fprintf(stderr, PROG ": no output: add -o OUT (for example -o walk.svg)\n");
			return 2;
		}
		struct stat st;
		if (strcmp(out, "-") != 0 && stat(out, &st) == 0 && S_ISDIR(st.st_mode)) {
			fprintf(stderr, PROG ": %s: is a directory (give a file name, e.g. %s/flow.svg)\n",
			        out, out);
			return 2;
		}
		if (format) {
			if (gv_format_parse(format, &f)) {
				fprintf(stderr,
				        PROG ": unknown format \"%s\" (expected dot, svg, png or pdf)\n",
				        format);
				return 2;
			}
		} else if (strcmp(out, "-") == 0) {
			f = GV_DOT;
		} else if (gv_format_from_path(out, &f)) {
			fprintf(stderr,
			        PROG ": cannot tell the format from \"%s\": use --format dot|svg|png|pdf\n",
			        out);
			return 2;
		}
	}

	struct scenario sc;
	int rc = app_load(file, &sc, NULL, 0);
	if (rc)
		return rc;
	if (have_step) {
		lo = hi = step;
	}
	if (have_step || have_steps) {
		if (sc.nsteps == 0) {
			fprintf(stderr, PROG ": %s has no steps\n", file);
			scenario_free(&sc);
			return 2;
		}
		if (lo < 1 || hi > sc.nsteps || lo > hi) {
			if (have_step)
				fprintf(stderr, PROG ": step %d is out of range: %s has steps 1..%d\n", step,
				        file, sc.nsteps);
			else
				fprintf(stderr, PROG ": steps %d..%d are out of range: %s has steps 1..%d\n",
				        lo, hi, file, sc.nsteps);
			scenario_free(&sc);
			return 2;
		}
	}

	struct engine e;
	if (engine_init(&e, &sc, 1) != 0) {
		fprintf(stderr, PROG ": %s: %s\n", file, e.err[0] ? e.err : "the machine could not be built");
		engine_free(&e);
		scenario_free(&sc);
		return 2;
	}

	if (bench) {
		rc = do_bench(&e, &sc, file);
		goto done;
	}

	if (slides) {
		char err[256];
		struct pending p = {0};
		if (make_dir(slides)) {
			rc = 2;
			goto done;
		}
		if (gv_slides(&e, d, lang, pending_put, &p, err, sizeof err)) {
			fprintf(stderr, PROG ": %s\n", err);
			pending_free(&p);
			rc = 2;
			goto done;
		}
		rc = 0;
		for (int i = 0; i < p.n && rc == 0; i++) {
			char path[4096];
			snprintf(path, sizeof path, "%s/%s", slides, p.names[i]);
			if (app_write_file(path, p.data[i], p.len[i]))
				rc = 2;
		}
		pending_free(&p);
		goto done;
	}

	/* one diagram */
	int upto = hi ? hi : sc.nsteps;
	engine_goto(&e, upto);
	struct gv_view v = {&e.m, &sc, 0, e.m.trace.n, lo, hi, lang};
	/* after engine_goto(hi) the trace ends with step hi; the whole
	 * scenario starts at step 1 (boot is the boot diagram's business) */
	uint64_t from = e.mark[lo ? lo - 1 : 0];
	v.ev_lo = from < e.m.trace.n ? from : e.m.trace.n;
	char err[256];
	Agraph_t *g = gv_build(&v, d, err, sizeof err);
	if (!g) {
		fprintf(stderr, PROG ": %s: %s\n", gv_diagram_name(d), err);
		rc = 2;
		goto done;
	}
	char *buf;
	size_t len;
	if (gv_render(g, f, &buf, &len, err, sizeof err)) {
		fprintf(stderr, PROG ": %s\n", err);
		gv_free_graph(g);
		rc = 2;
		goto done;
	}
	gv_free_graph(g);
	if (strcmp(out, "-") == 0) {
		rc = fwrite(buf, 1, len, stdout) == len ? 0 : 2;
	} else {
		rc = app_write_file(out, buf, len) ? 2 : 0;
	}
	free(buf);
done:
	engine_free(&e);
	scenario_free(&sc);
	gv_shutdown();
	return rc;
}
