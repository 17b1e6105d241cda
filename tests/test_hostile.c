/*
 * test_hostile.c — every scenario file is hostile input.
 *
 * tests/hostile/ holds files that are truncated, malformed, deeply nested,
 * not UTF-8, full of duplicate keys, huge or negative numbers, ranges that
 * wrap around 2^64 or overlap, self-referencing page tables, a ring longer
 * than memory, ten million steps… and tests/hostile/expect.txt says what
 * iommulab must do with each:
 *
 *   FILE <TAB> EXIT <TAB> LINE:COL <TAB> MESSAGE
 *   exit 2  first stderr line is "FILE:LINE:COL: error: …MESSAGE…"
 *           (LINE:COL "-": the machine could not be built; no position)
 *   exit 1  the run stopped (a cap, a runtime problem); MESSAGE is printed
 *   exit 0  valid: runs to the end, every expect holds
 *
 * Each file is checked twice: through the library (scenario_load +
 * engine, fast, with LeakSanitizer asked for leaks inside the test) and
 * through the real `iommulab run` binary (exit code, first error line,
 * wall time and peak RSS of the child). Big inputs (a 200 MB file, a
 * 20 MB comment) are generated into a temporary directory at test time.
 *
 * Output paths are checked too: export/screenshot refuse a directory, leave
 * no temporary file and replace an old file by rename.
 *
 * Bounds asserted: 10 s and 256 MiB per hostile file, 5 s and 64 MiB for
 * the 200 MB file (it is refused by size before it is read).
 */
#define _DEFAULT_SOURCE /* wait4 */
#include <criterion/criterion.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "lsan_check.h"
#include "scenario.h"

extern char **environ;

#define HOSTILE_DIR IOMMULAB_SOURCE_DIR "/tests/hostile"
#define MAX_ENTRIES 256

struct entry {
	char file[128];
	int exit;
	int line, col; /* 0 = no position */
	char msg[256]; /* "" = none */
};

static struct entry entries[MAX_ENTRIES];
static int nentries;

static void load_manifest(void)
{
	FILE *f = fopen(HOSTILE_DIR "/expect.txt", "r");
	cr_assert_not_null(f, "cannot open tests/hostile/expect.txt");
	char line[1024];
	int ln = 0;
	nentries = 0;
	while (fgets(line, sizeof line, f)) {
		ln++;
		line[strcspn(line, "\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		cr_assert_lt(nentries, MAX_ENTRIES);
		struct entry *e = &entries[nentries++];
		char *fields[4] = {0};
		char *p = line;
		for (int i = 0; i < 4; i++) {
			fields[i] = p;
			char *t = i < 3 ? strchr(p, '\t') : NULL;
			cr_assert(i == 3 || t, "expect.txt:%d: expected 4 tab-separated fields", ln);
			if (t) {
				*t = 0;
				p = t + 1;
			}
		}
		snprintf(e->file, sizeof e->file, "%s", fields[0]);
		e->exit = atoi(fields[1]);
		cr_assert(e->exit >= 0 && e->exit <= 2, "expect.txt:%d: exit code 0, 1 or 2", ln);
		e->line = e->col = 0;
		if (strcmp(fields[2], "-"))
			cr_assert_eq(sscanf(fields[2], "%d:%d", &e->line, &e->col), 2,
			             "expect.txt:%d: LINE:COL", ln);
		snprintf(e->msg, sizeof e->msg, "%s", strcmp(fields[3], "-") ? fields[3] : "");
		cr_assert(e->exit == 0 || e->msg[0], "expect.txt:%d: a failing file needs a message", ln);
	}
	fclose(f);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap);
	for (;;) {
		if (n == cap) {
			cap *= 2;
			b = realloc(b, cap);
		}
		size_t r = fread(b + n, 1, cap - n, f);
		if (!r)
			break;
		n += r;
	}
	fclose(f);
	*len = n;
	return b;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The iommulab binary: ../iommulab next to this test's directory. */
static const char *program(void)
{
	static char path[PATH_MAX];
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	cr_assert_gt(n, 0);
	self[n] = 0;
	char *slash = strrchr(self, '/');
	*slash = 0;
	snprintf(path, sizeof path, "%.4000s/../iommulab", self);
	cr_assert_eq(access(path, X_OK), 0, "iommulab not found at %s", path);
	return path;
}

struct run {
	int exit;
	double seconds;
	long maxrss_kb;
	char err[4096]; /* the first 4 KiB of stderr */
	char out[4096]; /* the first 4 KiB of stdout */
};

static void slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(buf, 1, cap - 1, f) : 0;
	buf[n] = 0;
	if (f)
		fclose(f);
}

/* Run `iommulab ARGS…` with stdout and stderr captured; measures the child. */
static void run_program(struct run *r, const char *const *args)
{
	char tmpl_o[] = "/tmp/iommulab-hostile-outXXXXXX", tmpl_e[] = "/tmp/iommulab-hostile-errXXXXXX";
	int fo = mkstemp(tmpl_o), fe = mkstemp(tmpl_e);
	cr_assert(fo >= 0 && fe >= 0);
	const char *argv[16];
	int n = 0;
	argv[n++] = program();
	for (int i = 0; args[i] && n < 15; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fo, 1);
	posix_spawn_file_actions_adddup2(&fa, fe, 2);
	double t0 = now_s();
	pid_t pid;
	int rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	cr_assert_eq(rc, 0, "posix_spawn: %s", strerror(rc));
	posix_spawn_file_actions_destroy(&fa);
	int status;
	struct rusage ru;
	cr_assert_eq(wait4(pid, &status, 0, &ru), pid);
	r->seconds = now_s() - t0;
	r->maxrss_kb = ru.ru_maxrss;
	cr_assert(WIFEXITED(status), "%s %s: killed by signal %d", argv[0], argv[1], WTERMSIG(status));
	r->exit = WEXITSTATUS(status);
	close(fo);
	close(fe);
	slurp(tmpl_o, r->out, sizeof r->out);
	slurp(tmpl_e, r->err, sizeof r->err);
	unlink(tmpl_o);
	unlink(tmpl_e);
}

/* "NAME:LINE:COL: error: " at the start of the first line, MSG in it. */
static void assert_first_error(const char *errors, const char *name, const struct entry *e)
{
	char first[1024];
	size_t L = strcspn(errors, "\n");
	if (L >= sizeof first)
		L = sizeof first - 1;
	memcpy(first, errors, L);
	first[L] = 0;
	if (e->line) {
		char prefix[512];
		snprintf(prefix, sizeof prefix, "%s:%d:%d: error: ", name, e->line, e->col);
		cr_expect(!strncmp(first, prefix, strlen(prefix)),
		          "%s: expected the first line to start with \"%s\", got \"%s\"", e->file, prefix,
		          first);
	}
	cr_expect(strstr(first, e->msg) != NULL, "%s: expected \"%s\" in \"%s\"", e->file, e->msg, first);
}

Test(hostile, manifest_lists_every_file_and_at_least_60)
{
	load_manifest();
	cr_assert_geq(nentries, 60, "the hostile corpus needs at least 60 files, has %d", nentries);
	/* every listed file exists and every .json file is listed */
	for (int i = 0; i < nentries; i++) {
		char p[512];
		snprintf(p, sizeof p, "%s/%.200s", HOSTILE_DIR, entries[i].file);
		cr_expect_eq(access(p, R_OK), 0, "expect.txt lists %s, which does not exist",
		             entries[i].file);
	}
	FILE *ls = popen("ls " HOSTILE_DIR, "r");
	cr_assert_not_null(ls);
	char name[256];
	while (fgets(name, sizeof name, ls)) {
		name[strcspn(name, "\n")] = 0;
		size_t L = strlen(name);
		if (L < 5 || strcmp(name + L - 5, ".json"))
			continue;
		int found = 0;
		for (int i = 0; i < nentries; i++)
			found |= !strcmp(entries[i].file, name);
		cr_expect(found, "tests/hostile/%s has no line in expect.txt", name);
	}
	pclose(ls);
}

/* The library: load with the CLI's default caps, build, run, step back. */
Test(hostile, library_reports_each_problem_precisely, .timeout = 300)
{
	load_manifest();
	for (int i = 0; i < nentries; i++) {
		const struct entry *e = &entries[i];
		char p[512];
		snprintf(p, sizeof p, "%s/%.200s", HOSTILE_DIR, e->file);
		size_t len;
		char *buf = read_file(p, &len);
		double t0 = now_s();
		struct scenario sc;
		char *errors = NULL;
		struct load_limits lim = {0};
		int rc = scenario_load(&sc, e->file, buf, len, &lim, &errors);
		free(buf);
		if (e->exit == 2 && e->line) {
			cr_expect_neq(rc, 0, "%s: loaded, but should have been refused", e->file);
			if (rc)
				assert_first_error(errors ? errors : "", e->file, e);
			free(errors);
			scenario_free(&sc);
			continue;
		}
		cr_expect_eq(rc, 0, "%s: refused: %s", e->file, errors ? errors : "");
		free(errors);
		if (rc) {
			scenario_free(&sc);
			continue;
		}
		struct engine en;
		int ir = engine_init(&en, &sc, 1);
		if (e->exit == 2) {
			/* a build problem the loader could not see */
			cr_expect_neq(ir, 0, "%s: the machine was built, expected \"%s\"", e->file, e->msg);
			cr_expect(strstr(en.err, e->msg) != NULL, "%s: expected \"%s\" in \"%s\"", e->file,
			          e->msg, en.err);
		} else {
			cr_expect_eq(ir, 0, "%s: engine_init: %s", e->file, en.err);
			int failed = 0;
			int rr = ir ? -1 : engine_run_all(&en, &failed);
			if (e->exit == 0) {
				cr_expect_eq(rr, 0, "%s: stopped: %s", e->file, en.m.stop_reason);
				cr_expect_eq(failed, 0, "%s: %d step(s) failed: %s", e->file, failed,
				             en.reports ? en.reports[0].diff : "");
				/* replay from the start reproduces the same trace length */
				uint64_t n = en.m.trace.n;
				if (!ir && sc.nsteps > 0) {
					cr_expect_eq(engine_back(&en), 0, "%s: step back", e->file);
					cr_expect_eq(engine_goto(&en, sc.nsteps), 0, "%s: forward again",
					             e->file);
					cr_expect_eq(en.m.trace.n, n, "%s: replay changed the trace",
					             e->file);
				}
			} else {
				/* exit 1: the run stopped or a step reported a runtime problem */
				int seen = en.m.stop_reason[0] && strstr(en.m.stop_reason, e->msg);
				for (int k = 0; !seen && en.reports && k < en.next; k++)
					seen = strstr(en.reports[k].diff, e->msg) != NULL;
				cr_expect(seen, "%s: expected \"%s\" (stop: \"%s\")", e->file, e->msg,
				          en.m.stop_reason);
			}
		}
		engine_free(&en);
		scenario_free(&sc);
		double dt = now_s() - t0;
		cr_expect_lt(dt, 10.0, "%s: took %.1f s", e->file, dt);
	}
	LSAN_CHECK();
}

/* The real program: exit code, first error line, time and memory. */
Test(hostile, program_exits_with_the_documented_code, .timeout = 600)
{
	load_manifest();
	for (int i = 0; i < nentries; i++) {
		const struct entry *e = &entries[i];
		char p[512];
		snprintf(p, sizeof p, "%s/%.200s", HOSTILE_DIR, e->file);
		struct run r;
		const char *args[] = {"run", "--quiet", p, NULL};
		run_program(&r, args);
		cr_expect_eq(r.exit, e->exit, "%s: exit %d, expected %d; stderr: %s", e->file, r.exit,
		             e->exit, r.err);
		if (e->exit == 2)
			assert_first_error(r.err, p, e);
		else if (e->exit == 1)
			cr_expect(strstr(r.err, e->msg) || strstr(r.out, e->msg),
			          "%s: expected \"%s\" in the output", e->file, e->msg);
		cr_expect_lt(r.seconds, 10.0, "%s: took %.1f s", e->file, r.seconds);
		cr_expect_lt(r.maxrss_kb, 256 * 1024, "%s: peak RSS %ld KiB", e->file, r.maxrss_kb);
	}
}

/* A 200 MB file: refused by its size, quickly, without reading it all. */
Test(hostile, file_of_200_mb_is_refused_by_size, .timeout = 120)
{
	char dir[] = "/tmp/iommulab-bigXXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof path, "%s/huge.json", dir);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	fputs("{\"format\": \"iommulab/1\", \"steps\": [], \"comment\": \"", f);
	static char chunk[1 << 20];
	memset(chunk, 'a', sizeof chunk);
	for (int i = 0; i < 200; i++)
		cr_assert_eq(fwrite(chunk, 1, sizeof chunk, f), sizeof chunk);
	fputs("\"}\n", f);
	cr_assert_eq(fclose(f), 0);
	struct run r;
	const char *args[] = {"run", "--quiet", path, NULL};
	run_program(&r, args);
	cr_expect_eq(r.exit, 2, "exit %d: %s", r.exit, r.err);
	char want[400];
	snprintf(want, sizeof want, "%s:1:1: error: file is larger than 16 MiB", path);
	cr_expect(strstr(r.err, want) != NULL, "expected \"%s\", got \"%s\"", want, r.err);
	cr_expect_lt(r.seconds, 5.0, "took %.1f s", r.seconds);
	cr_expect_lt(r.maxrss_kb, 64 * 1024, "peak RSS %ld KiB", r.maxrss_kb);
	unlink(path);
	rmdir(dir);
}

/* A 20 MB scenario (mostly a comment) is over the default input cap;
 * --max-input raises the cap and then it loads and runs. */
Test(hostile, input_cap_is_documented_and_raisable, .timeout = 120)
{
	char dir[] = "/tmp/iommulab-bigXXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char path[256];
	snprintf(path, sizeof path, "%s/commented.json", dir);
	FILE *f = fopen(path, "wb");
	cr_assert_not_null(f);
	fputs("{\"format\": \"iommulab/1\",\n", f);
	static char line[1024];
	memset(line, 'x', sizeof line);
	line[0] = '/';
	line[1] = '/';
	line[sizeof line - 1] = '\n';
	for (int i = 0; i < 20 * 1024; i++)
		cr_assert_eq(fwrite(line, 1, sizeof line, f), sizeof line);
	fputs("\"steps\": [{\"do\": \"note\", \"say\": \"after 20 MB of comments\"}]}\n", f);
	cr_assert_eq(fclose(f), 0);
	struct run r;
	const char *a1[] = {"run", "--quiet", path, NULL};
	run_program(&r, a1);
	cr_expect_eq(r.exit, 2, "exit %d: %s", r.exit, r.err);
	cr_expect(strstr(r.err, "raise with --max-input") != NULL, "%s", r.err);
	const char *a2[] = {"run", "--quiet", "--max-input", "32MiB", path, NULL};
	run_program(&r, a2);
	cr_expect_eq(r.exit, 0, "exit %d: %s", r.exit, r.err);
	cr_expect_lt(r.seconds, 10.0, "took %.1f s", r.seconds);
	/* the error line of a problem after the comment still has the right line number */
	f = fopen(path, "r+b");
	cr_assert_not_null(f);
	cr_assert_eq(fseek(f, -2, SEEK_END), 0);
	fputs(",", f); /* "…]}\n" becomes "…],\n": the document ends too early */
	fclose(f);
	run_program(&r, a2);
	cr_expect_eq(r.exit, 2, "exit %d: %s", r.exit, r.err);
	char want[400];
	snprintf(want, sizeof want, "%s:1:1: error: unclosed '{'", path);
	cr_expect(strstr(r.err, want) != NULL, "expected \"%s\", got \"%s\"", want, r.err);
	unlink(path);
	rmdir(dir);
}

/* Ten million steps: refused by the step cap; with the cap raised, the
 * trace cap stops the run in bounded time and memory. */
Test(hostile, ten_million_steps_are_bounded_by_caps, .timeout = 120)
{
	const char *file = HOSTILE_DIR "/cap-repeat-ten-million.json";
	struct run r;
	const char *a1[] = {"run", "--quiet", file, NULL};
	run_program(&r, a1);
	cr_expect_eq(r.exit, 2);
	cr_expect(strstr(r.err, "over the cap of 100000 (raise it with --max-steps)") != NULL, "%s", r.err);
	const char *a2[] = {"run",          "--quiet", "--max-steps", "10000000",
	                    "--max-events", "200000",  file,          NULL};
	run_program(&r, a2);
	cr_expect_eq(r.exit, 1, "exit %d: %s", r.exit, r.err);
	cr_expect(strstr(r.err, "the trace cap was reached (200000 events") != NULL, "%s", r.err);
	cr_expect_lt(r.seconds, 10.0, "took %.1f s", r.seconds);
	cr_expect_lt(r.maxrss_kb, 128 * 1024, "peak RSS %ld KiB", r.maxrss_kb);
	/* the library with tracing off: ten million TLB-hit reads, constant memory */
	size_t len;
	char *buf = read_file(file, &len);
	struct scenario sc;
	char *errors = NULL;
	struct load_limits lim = {10000000, 0, 0};
	cr_assert_eq(scenario_load(&sc, "ten-million", buf, len, &lim, &errors), 0, "%s",
	             errors ? errors : "");
	free(buf);
	struct engine e;
	cr_assert_eq(engine_init(&e, &sc, 0), 0, "%s", e.err);
	double t0 = now_s();
	int failed = -1;
	cr_expect_eq(engine_run_all(&e, &failed), 0, "%s", e.m.stop_reason);
	cr_expect_eq(failed, 0);
	cr_expect_eq(e.m.trace.n, 0, "tracing off stores no event");
	cr_expect_geq(e.m.trace.count, 10000000, "but counts them");
	cr_expect_lt(now_s() - t0, 20.0);
	engine_free(&e);
	scenario_free(&sc);
	LSAN_CHECK();
}

/* Errors are collected in one pass but capped, so a file with 10^5
 * problems neither floods the terminal nor takes quadratic time. */
static void many_problems(int dup, const char *want)
{
	size_t cap = 8u << 20, n = 0;
	char *b = malloc(cap);
	n += (size_t)snprintf(b + n, cap - n, "{\"format\": \"iommulab/1\", \"steps\": [], \"%s\": {",
	                      dup ? "comment" : "machine");
	for (int i = 0; i < 200000; i++)
		n += (size_t)snprintf(b + n, cap - n, dup ? "%s\"a\": %d" : "%s\"k%d\": 1", i ? "," : "", i);
	n += (size_t)snprintf(b + n, cap - n, "}}");
	cr_assert_lt(n, cap);
	double t0 = now_s();
	struct scenario sc;
	char *errors = NULL;
	cr_assert_neq(scenario_load(&sc, "many", b, n, NULL, &errors), 0);
	double dt = now_s() - t0;
	cr_expect_lt(dt, 5.0, "took %.1f s", dt);
	int lines = 0;
	for (const char *p = errors; p && *p; p++)
		lines += *p == '\n';
	cr_expect_leq(lines, 51, "%d error lines", lines);
	cr_expect(errors && strstr(errors, "many:1:") == errors, "%.200s", errors);
	cr_expect(errors && strstr(errors, want) != NULL, "%.200s", errors);
	cr_expect(errors && strstr(errors, "(too many errors; stopping)") != NULL);
	free(errors);
	scenario_free(&sc);
	free(b);
}

Test(hostile, many_duplicate_keys_are_capped_and_fast, .timeout = 120)
{
	many_problems(1, "duplicate key \"a\"");
	LSAN_CHECK();
}

Test(hostile, many_unknown_keys_are_capped_and_fast, .timeout = 120)
{
	many_problems(0, "machine: unknown key \"k0\"");
	LSAN_CHECK();
}

/* Output paths are hostile too: a directory is refused (and left as it
 * was), a missing parent is an error, a write leaves exactly the file
 * asked for (no temporary file behind) and replaces an old file by rename. */
static int count_entries(const char *dir)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "ls -A %s | wc -l", dir);
	FILE *p = popen(cmd, "r");
	int n = -1;
	if (p) {
		if (fscanf(p, "%d", &n) != 1)
			n = -1;
		pclose(p);
	}
	return n;
}

Test(hostile, export_and_screenshot_write_only_the_requested_file, .timeout = 120)
{
	char dir[] = "/tmp/iommulab-outXXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	const char *sc = IOMMULAB_SOURCE_DIR "/scenarios/nested-walk-24.json";
	struct run r;
	const char *a1[] = {"export", sc, "--diagram", "flow", "-o", dir, NULL};
	run_program(&r, a1);
	cr_expect_eq(r.exit, 2, "export to a directory: exit %d: %s", r.exit, r.err);
	cr_expect(strstr(r.err, "is a directory") != NULL, "%s", r.err);
	cr_expect_eq(count_entries(dir), 0, "nothing may be written into the directory");
	char missing[256];
	snprintf(missing, sizeof missing, "%s/no/such/dir/flow.svg", dir);
	const char *a2[] = {"export", sc, "--diagram", "flow", "-o", missing, NULL};
	run_program(&r, a2);
	cr_expect_eq(r.exit, 2, "missing parent: exit %d: %s", r.exit, r.err);
	cr_expect_eq(count_entries(dir), 0);
	char out[256];
	snprintf(out, sizeof out, "%s/flow.svg", dir);
	FILE *f = fopen(out, "w");
	cr_assert_not_null(f);
	fputs("old", f);
	fclose(f);
	struct stat before, after;
	cr_assert_eq(stat(out, &before), 0);
	const char *a3[] = {"export", sc, "--diagram", "flow", "-o", out, NULL};
	run_program(&r, a3);
	cr_expect_eq(r.exit, 0, "export: exit %d: %s", r.exit, r.err);
	cr_assert_eq(stat(out, &after), 0);
	cr_expect_gt(after.st_size, 100, "the SVG replaced the old file");
	cr_expect_neq(after.st_ino, before.st_ino, "written to a temporary file and renamed (atomic)");
	cr_expect_eq(count_entries(dir), 1, "exactly the requested file, no temporary left behind");
	const char *a4[] = {"screenshot", sc, "--step", "1", "-o", dir, NULL};
	run_program(&r, a4);
	cr_expect_eq(r.exit, 2, "screenshot to a directory: exit %d: %s", r.exit, r.err);
	cr_expect_eq(count_entries(dir), 1);
	char png[256];
	snprintf(png, sizeof png, "%s/shot.png", dir);
	const char *a5[] = {"screenshot", sc, "--step", "1", "-o", png, NULL};
	run_program(&r, a5);
	cr_expect_eq(r.exit, 0, "screenshot: exit %d: %s", r.exit, r.err);
	cr_expect_eq(count_entries(dir), 2, "the PNG and nothing else");
	unlink(png);
	unlink(out);
	rmdir(dir);
}
