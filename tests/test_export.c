/*
 * test_export.c — the Graphviz exports: graph structure checked through
 * cgraph (nodes, clusters, edge order, labels, colours), deterministic DOT,
 * every shipped scenario rendering without a Graphviz complaint in both
 * languages, slide decks, and the CLI's error paths (exit 2, one line,
 * nothing left behind).
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "e1000.h"
#include "gv.h"
#include "nic.h"
#include "testutil.h"

#define S(x) ((char *)(x))

struct run {
	struct scenario sc;
	struct engine e;
	struct gv_view v;
};

/* Load a shipped scenario, run to step hi (0 = all), select steps lo..hi. */
static void start(struct run *r, const char *rel, int lo, int hi, enum lang lang)
{
	char *err = NULL;
	int rc = tu_load_file(&r->sc, rel, &err);
	cr_assert_eq(rc, 0, "%s: %s", rel, err ? err : "");
	free(err);
	cr_assert_eq(engine_init(&r->e, &r->sc, 1), 0, "%s: %s", rel, r->e.err);
	int upto = hi ? hi : r->sc.nsteps;
	engine_goto(&r->e, upto);
	r->v.m = &r->e.m;
	r->v.sc = &r->sc;
	r->v.ev_lo = r->e.mark[lo ? lo - 1 : 0];
	r->v.ev_hi = r->e.m.trace.n;
	r->v.step_lo = lo;
	r->v.step_hi = hi;
	r->v.lang = lang;
}

static void stop(struct run *r)
{
	engine_free(&r->e);
	scenario_free(&r->sc);
}

static const char *attr(void *obj, const char *name)
{
	char *v = agget(obj, S(name));
	return v ? v : "";
}

static Agedge_t *edge_between(Agraph_t *g, const char *a, const char *b)
{
	Agnode_t *na = agnode(g, S(a), 0), *nb = agnode(g, S(b), 0);
	if (!na || !nb)
		return NULL;
	return agedge(g, na, nb, NULL, 0);
}

static char *render(Agraph_t *g, enum gv_format f, size_t *len)
{
	char *out = NULL, err[256];
	size_t n = 0;
	cr_assert_eq(gv_render(g, f, &out, &n, err, sizeof err), 0, "render: %s", err);
	char *z = malloc(n + 1);
	memcpy(z, out, n);
	z[n] = 0;
	free(out);
	if (len)
		*len = n;
	return z;
}

Test(export, cold_nested_walk_draws_24_references_in_hardware_order)
{
	struct run r;
	start(&r, "scenarios/nested-walk-24.json", 1, 1, LANG_EN);
	char err[256];
	Agraph_t *g = gv_build(&r.v, GV_WALK, err, sizeof err);
	cr_assert_not_null(g, "%s", err);
	cr_assert_not_null(agsubg(g, S("cluster_walk1"), 0), "the walk has its cluster");

	/* the references, straight from the trace */
	const struct trace *t = &r.e.m.trace;
	const struct ev *refs[32];
	const struct ev *data = NULL;
	int n = 0;
	for (uint64_t i = r.v.ev_lo; i < t->n; i++) {
		if (t->ev[i].kind == EV_WALK_REF && n < 32)
			refs[n++] = &t->ev[i];
		if (t->ev[i].kind == EV_MEM_READ && !data)
			data = &t->ev[i];
	}
	cr_assert_eq(n, 24, "the scenario's step 1 is a cold 4+4 walk");
	cr_assert_not_null(data);

	static const char *const guest[] = {"PML4E", "PDPTE", "PDE", "PTE"};
	static const char *const ept[] = {"EPT PML4E", "EPT PDPTE", "EPT PDE", "EPT PTE"};
	for (int k = 1; k <= 24; k++) {
		char name[16], want[64];
		snprintf(name, sizeof name, "w1_r%d", k);
		Agnode_t *nd = agnode(g, name, 0);
		cr_assert_not_null(nd, "reference %d is a node", k);
		const char *lab = attr(nd, "label");
		snprintf(want, sizeof want, "<B>%d</B>", k);
		cr_expect(strstr(lab, want), "node %d shows its number: %s", k, lab);
		/* every fifth read is a guest entry, the others EPT entries, level by level */
		const char *lvl = (k % 5 == 0) ? guest[k / 5 - 1] : ept[(k % 5) - 1];
		snprintf(want, sizeof want, "<B>%s</B>", lvl);
		cr_expect(strstr(lab, want), "reference %d is %s: %s", k, lvl, lab);
		snprintf(want, sizeof want, "@ 0x%" PRIx64, refs[k - 1]->addr_out);
		cr_expect(strstr(lab, want), "reference %d shows the HPA it read (%s): %s", k, want, lab);
		snprintf(want, sizeof want, "= 0x%" PRIx64, refs[k - 1]->entry);
		cr_expect(strstr(lab, want), "reference %d shows the entry (%s): %s", k, want, lab);
		if (k < 24) {
			char next[16];
			snprintf(next, sizeof next, "w1_r%d", k + 1);
			Agedge_t *e = edge_between(g, name, next);
			cr_assert_not_null(e, "edge %d -> %d", k, k + 1);
			cr_expect_str_neq(attr(e, "style"), "invis", "edge %d -> %d is visible", k, k + 1);
			if (k % 5 == 0) {
				/* a guest entry hands EPT the GPA of the next table */
				snprintf(want, sizeof want, "GPA 0x%" PRIx64, refs[k]->addr_in);
				cr_expect(strstr(attr(e, "label"), want), "edge %d -> %d carries %s: %s", k,
				          k + 1, want, attr(e, "label"));
			}
		}
	}
	Agedge_t *last = edge_between(g, "w1_r24", "w1_data");
	cr_assert_not_null(last, "the data access comes after reference 24");
	char want[64];
	snprintf(want, sizeof want, "HPA 0x%" PRIx64, data->addr_in);
	cr_expect(strstr(attr(agnode(g, S("w1_data"), 0), "label"), want), "the data cell shows %s", want);
	cr_expect(strstr(attr(agnode(g, S("w1_data"), 0), "label"), "<B>25</B>"),
	          "the data access is the 25th");

	/* the DOT lists the edges in reference order */
	char *dot = render(g, GV_DOT, NULL);
	const char *prev = dot;
	for (int k = 1; k < 24; k++) {
		char pat[32];
		snprintf(pat, sizeof pat, "w1_r%d -> w1_r%d", k, k + 1);
		const char *at = strstr(dot, pat);
		cr_assert_not_null(at, "DOT has %s", pat);
		cr_expect_gt(at, prev, "%s comes after the previous reference", pat);
		prev = at;
	}
	free(dot);
	gv_free_graph(g);
	stop(&r);
}

Test(export, faults_are_red_edges_and_red_cells)
{
	struct run r;
	start(&r, "scenarios/guest-page-faults.json", 0, 0, LANG_EN);
	char err[256];
	Agraph_t *g = gv_build(&r.v, GV_FLOW, err, sizeof err);
	cr_assert_not_null(g, "%s", err);
	char red[8];
	theme_hex(THEME_FAULT, red);
	int found = 0;
	for (Agnode_t *n = agfstnode(g); n; n = agnxtnode(g, n))
		for (Agedge_t *e = agfstout(g, n); e; e = agnxtout(g, e))
			if (strstr(attr(e, "label"), "#PF")) {
				found++;
				cr_expect_str_eq(attr(e, "color"), red, "a #PF edge is red");
				cr_expect_str_eq(attr(e, "penwidth"), "3", "and bold");
				cr_expect(strstr(attr(e, "label"), "error code 0x"), "with its error code");
			}
	cr_expect_geq(found, 1, "the page faults are drawn");
	gv_free_graph(g);
	stop(&r);

	/* an EPT violation ends the walk in a red cell with the exit reason */
	start(&r, "scenarios/ept-violations.json", 2, 2, LANG_EN);
	g = gv_build(&r.v, GV_WALK, err, sizeof err);
	cr_assert_not_null(g, "%s", err);
	Agnode_t *d = agnode(g, S("w1_data"), 0);
	cr_assert_not_null(d);
	cr_expect_str_eq(attr(d, "color"), red);
	cr_expect(strstr(attr(d, "label"), "VM exit 48"), "%s", attr(d, "label"));
	gv_free_graph(g);
	stop(&r);
}

Test(export, ring_head_and_tail_point_at_their_descriptors)
{
	struct run r;
	start(&r, "scenarios/nic-rx-one.json", 0, 0, LANG_EN);
	int dev = machine_dev_index(&r.e.m, "nic0");
	cr_assert_geq(dev, 0);
	int ok;
	uint32_t rdh = nic_reg_peek(&r.e.m, dev, E1000_RDH, &ok);
	uint32_t rdt = nic_reg_peek(&r.e.m, dev, E1000_RDT, &ok);
	cr_assert_neq(rdh, rdt, "the scenario leaves descriptors with the hardware");
	char err[256];
	Agraph_t *g = gv_build(&r.v, GV_RING, err, sizeof err);
	cr_assert_not_null(g, "%s", err);
	struct {
		const char *node, *reg;
		uint32_t at;
	} mk[] = {{"nic0_rx_head", "RDH", rdh}, {"nic0_rx_tail", "RDT", rdt}};
	for (int i = 0; i < 2; i++) {
		Agedge_t *e = edge_between(g, mk[i].node, "nic0_rx_ring");
		cr_assert_not_null(e, "%s points at the ring", mk[i].node);
		char port[16], lab[32];
		snprintf(port, sizeof port, "d%u:w", mk[i].at);
		cr_expect_str_eq(attr(e, "headport"), port, "%s points at descriptor %u", mk[i].reg,
		                 mk[i].at);
		snprintf(lab, sizeof lab, "%s = %u", mk[i].reg, mk[i].at);
		cr_expect(strstr(attr(agnode(g, S(mk[i].node), 0), "label"), lab), "%s", lab);
	}
	/* the descriptor at HEAD is hardware-owned, the one at TAIL is not */
	const char *ring = attr(agnode(g, S("nic0_rx_ring"), 0), "label");
	char pat[64];
	snprintf(pat, sizeof pat, "PORT=\"d%u\"", rdh);
	const char *at = strstr(ring, pat);
	cr_assert_not_null(at, "HEAD's row exists");
	cr_expect(strstr(at, "<B>HW</B>") && strstr(at, "<B>HW</B>") < strstr(at + 1, "PORT=\"d"),
	          "HEAD row is HW");
	snprintf(pat, sizeof pat, "PORT=\"d%u\"", rdt);
	at = strstr(ring, pat);
	cr_assert_not_null(at, "TAIL's row exists");
	cr_expect(strstr(at, "<B>SW</B>") && strstr(at, "<B>SW</B>") < strstr(at, "</TR>"), "TAIL row is SW");
	gv_free_graph(g);
	stop(&r);
}

static char *dot_of(const char *rel, enum gv_diagram d, int lo, int hi)
{
	struct run r;
	start(&r, rel, lo, hi, LANG_ZH);
	char err[256];
	Agraph_t *g = gv_build(&r.v, d, err, sizeof err);
	char *s = NULL;
	if (g) {
		s = render(g, GV_DOT, NULL);
		gv_free_graph(g);
	}
	stop(&r);
	return s;
}

Test(export, same_input_gives_the_same_dot_bytes)
{
	const char *files[] = {"scenarios/nested-walk-24.json", "scenarios/nic-rx-one.json",
	                       "scenarios/fragmented-gpa.json"};
	for (size_t f = 0; f < sizeof files / sizeof files[0]; f++)
		for (int d = 0; d < GV_NDIAGRAMS; d++) {
			char *a = dot_of(files[f], (enum gv_diagram)d, 0, 0);
			char *b = dot_of(files[f], (enum gv_diagram)d, 0, 0);
			cr_expect((a == NULL) == (b == NULL));
			if (a && b)
				cr_expect_str_eq(a, b, "%s %s: DOT differs between runs", files[f],
				                 gv_diagram_name(d));
			free(a);
			free(b);
		}
}

static int contains(const char *buf, size_t n, const char *needle)
{
	size_t k = strlen(needle);
	for (size_t i = 0; i + k <= n; i++)
		if (!memcmp(buf + i, needle, k))
			return 1;
	return 0;
}

/* cairo stamps a PDF with the time of rendering; gv_render replaces it, so a
 * handout re-exported a second later is the same file (and SOURCE_DATE_EPOCH
 * sets the date, as reproducible builds expect). */
Test(export, same_input_gives_the_same_pdf_bytes, .timeout = 60)
{
	struct run r;
	start(&r, "scenarios/nested-walk-24.json", 0, 0, LANG_EN);
	char err[256];
	Agraph_t *g = gv_build(&r.v, GV_WALK, err, sizeof err);
	cr_assert_not_null(g, "%s", err);
	unsetenv("SOURCE_DATE_EPOCH");
	size_t na, nb, nc;
	char *a = render(g, GV_PDF, &na);
	struct timespec ts = {1, 100000000}; /* past cairo's one-second clock */
	nanosleep(&ts, NULL);
	char *b = render(g, GV_PDF, &nb);
	cr_assert_eq(na, nb);
	cr_assert(!memcmp(a, b, na), "the PDF bytes differ between two exports");
	cr_assert(contains(a, na, "/CreationDate (D:20000101000000Z)"));
	setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
	char *c = render(g, GV_PDF, &nc);
	unsetenv("SOURCE_DATE_EPOCH");
	cr_assert(contains(c, nc, "/CreationDate (D:20231114221320Z)"), "2023-11-14 22:13:20 UTC");
	free(a);
	free(b);
	free(c);
	gv_free_graph(g);
	stop(&r);
}

Test(export, labels_use_the_cjk_font_on_nodes_and_edges)
{
	struct run r;
	start(&r, "scenarios/nested-walk-24.json", 1, 1, LANG_ZH);
	char err[256];
	Agraph_t *g = gv_build(&r.v, GV_FLOW, err, sizeof err);
	cr_assert_not_null(g, "%s", err);
	int edges = 0;
	for (Agnode_t *n = agfstnode(g); n; n = agnxtnode(g, n)) {
		cr_expect_str_eq(attr(n, "fontname"), THEME_FONT_CJK);
		for (Agedge_t *e = agfstout(g, n); e; e = agnxtout(g, e), edges++)
			cr_expect_str_eq(attr(e, "fontname"), THEME_FONT_CJK,
			                 "edge labels do not inherit the font");
	}
	cr_expect_gt(edges, 3);
	cr_expect_str_eq(attr(g, "fontname"), THEME_FONT_CJK);
	/* the three layers of the source Q&A's figure, as clusters holding their boxes */
	Agraph_t *user = agsubg(g, S("cluster_layer0"), 0), *kern = agsubg(g, S("cluster_layer1"), 0),
	         *hw = agsubg(g, S("cluster_layer2"), 0);
	cr_assert(user && kern && hw, "user space, kernel and hardware clusters");
	cr_expect(strstr(attr(user, "label"), "用户空间"));
	cr_expect(strstr(attr(hw, "label"), "硬件"));
	cr_expect_not_null(agsubnode(user, agnode(g, S("vm0"), 0), 0), "the VM is in user space");
	cr_expect_not_null(agsubnode(kern, agnode(g, S("kvm"), 0), 0), "KVM is in the kernel");
	cr_expect_not_null(agsubnode(hw, agnode(g, S("mmu"), 0), 0), "the MMU is hardware");
	cr_expect_not_null(agsubnode(hw, agnode(g, S("ept"), 0), 0), "so is EPT");
	char *svg = render(g, GV_SVG, NULL);
	cr_expect(strstr(svg, "硬件"), "Chinese layer names reach the SVG");
	cr_expect(strstr(svg, "font-family=\"WenQuanYi Micro Hei"), "and name the CJK font");
	free(svg);
	gv_free_graph(g);
	stop(&r);
}

static int shipped(char files[][256], int max)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "cd %s && ls scenarios/*.json lessons/*.json 2>/dev/null",
	         IOMMULAB_SOURCE_DIR);
	FILE *p = popen(cmd, "r");
	int n = 0;
	while (n < max && fgets(files[n], 256, p)) {
		files[n][strcspn(files[n], "\n")] = 0;
		if (strstr(files[n], "schema.json") || strstr(files[n], "registry.json"))
			continue;
		n++;
	}
	pclose(p);
	return n;
}

Test(export, every_shipped_scenario_renders_every_diagram_that_applies)
{
	static char files[128][256];
	int n = shipped(files, 128);
	cr_assert_gt(n, 5);
	int drawn = 0;
	for (int i = 0; i < n; i++) {
		for (int lang = 0; lang < 2; lang++) {
			struct run r;
			start(&r, files[i], 0, 0, (enum lang)lang);
			for (int d = 0; d < GV_NDIAGRAMS; d++) {
				char err[256];
				gv_clear_warnings();
				Agraph_t *g = gv_build(&r.v, (enum gv_diagram)d, err, sizeof err);
				if (!g) {
					/* only "does not apply" is allowed: no ring without a NIC, no walk
					 * without one */
					cr_expect(d == GV_RING || d == GV_WALK || d == GV_TABLES, "%s %s: %s",
					          files[i], gv_diagram_name(d), err);
					continue;
				}
				size_t len;
				char *svg = render(g, GV_SVG, &len);
				cr_expect_gt(len, 500);
				cr_expect_str_empty(gv_warnings(), "%s %s %s: Graphviz said: %s", files[i],
				                    gv_diagram_name(d), lang ? "zh" : "en", gv_warnings());
				free(svg);
				gv_free_graph(g);
				drawn++;
			}
			stop(&r);
		}
	}
	cr_expect_gt(drawn, 4 * n);
	gv_shutdown();
}

static char prog[1024];

static void find_prog(void);
static void find_prog_early(void)
{
	find_prog();
}

struct coll {
	char names[64][32];
	char *index;
	int n;
};

static int put(void *ctx, const char *name, const char *data, size_t len)
{
	struct coll *c = ctx;
	if (c->n < 64)
		snprintf(c->names[c->n], 32, "%s", name);
	c->n++;
	if (strcmp(name, "index.html") == 0) {
		c->index = malloc(len + 1);
		memcpy(c->index, data, len);
		c->index[len] = 0;
	} else {
		cr_expect(len > 100 && strstr(data, "<svg"), "%s is an SVG", name);
	}
	return 0;
}

Test(export, slides_are_one_svg_per_step_and_an_index)
{
	struct scenario sc;
	struct engine e;
	char *err = NULL;
	cr_assert_eq(tu_load_file(&sc, "scenarios/nic-rx-one.json", &err), 0, "%s", err ? err : "");
	cr_assert_eq(engine_init(&e, &sc, 1), 0);
	struct coll c;
	memset(&c, 0, sizeof c);
	char msg[256];
	cr_assert_eq(gv_slides(&e, GV_FLOW, LANG_EN, put, &c, msg, sizeof msg), 0, "%s", msg);
	cr_assert_eq(c.n, sc.nsteps + 1);
	for (int k = 1; k <= sc.nsteps; k++) {
		char want[32];
		snprintf(want, sizeof want, "step-%02d.svg", k);
		cr_expect_str_eq(c.names[k - 1], want);
	}
	cr_assert_not_null(c.index);
	int sections = 0;
	for (const char *p = c.index; (p = strstr(p, "<section class=\"slide")); p++)
		sections++;
	cr_expect_eq(sections, sc.nsteps);
	cr_expect(strstr(c.index, "ArrowRight"), "arrow keys flip");
	cr_expect(!strstr(c.index, " src=") && !strstr(c.index, "<link") && !strstr(c.index, "url("),
	          "self-contained: nothing to fetch");
	/* the first step's narration, HTML-escaped, is in the deck */
	const char *say = sc.steps[0].say_en;
	cr_assert_not_null(say);
	char head[40];
	snprintf(head, sizeof head, "%.30s", say);
	cr_expect(strstr(c.index, head), "step 1's narration is shown: %s", head);
	free(c.index);
	engine_free(&e);
	scenario_free(&sc);
}

/* The deck in a real browser: it loads on step 1 and ArrowRight moves on.
 * Skipped when Chromium is not installed. */
Test(export, slides_flip_with_the_arrow_keys_in_headless_chromium)
{
	if (system("command -v chromium >/dev/null 2>&1") != 0)
		cr_skip_test("chromium is not installed");
	find_prog_early();
	char dir[] = "/tmp/iommulab-slides-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "cd %s && %s export scenarios/nic-rx-one.json --slides %s --lang zh",
	         IOMMULAB_SOURCE_DIR, prog, dir);
	cr_assert_eq(system(cmd), 0);
	/* a copy of the deck that presses ArrowRight once loaded */
	snprintf(cmd, sizeof cmd,
	         "sed 's#</body>#<script>document.dispatchEvent(new "
	         "KeyboardEvent(\"keydown\",{key:\"ArrowRight\"}));"
	         "</script></body>#' %s/index.html > %s/key.html",
	         dir, dir);
	cr_assert_eq(system(cmd), 0);
	const char *chrome =
	    "timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-background-networking "
	    "--dump-dom";
	char out[256];
	snprintf(cmd, sizeof cmd,
	         "%s file://%s/index.html 2>/dev/null | grep -o 'data-slide=\"[0-9]*\"' | head -1", chrome,
	         dir);
	FILE *p = popen(cmd, "r");
	out[0] = 0;
	if (!fgets(out, sizeof out, p))
		out[0] = 0;
	pclose(p);
	cr_expect(strstr(out, "data-slide=\"1\""), "opens on step 1: %s", out);
	snprintf(cmd, sizeof cmd,
	         "%s file://%s/key.html 2>/dev/null | grep -o 'data-slide=\"[0-9]*\"' | head -1", chrome,
	         dir);
	p = popen(cmd, "r");
	out[0] = 0;
	if (!fgets(out, sizeof out, p))
		out[0] = 0;
	pclose(p);
	cr_expect(strstr(out, "data-slide=\"2\""), "ArrowRight shows step 2: %s", out);
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_expect_eq(system(cmd), 0);
}

Test(export, format_follows_the_extension)
{
	enum gv_format f;
	cr_expect(gv_format_from_path("a/b.svg", &f) == 0 && f == GV_SVG);
	cr_expect(gv_format_from_path("x.PNG", &f) == 0 && f == GV_PNG);
	cr_expect(gv_format_from_path("x.gv", &f) == 0 && f == GV_DOT);
	cr_expect(gv_format_from_path("x.pdf", &f) == 0 && f == GV_PDF);
	cr_expect_eq(gv_format_from_path("x.jpeg", &f), -1);
	cr_expect_eq(gv_format_from_path("dir.svg/x", &f), -1);
	enum gv_diagram d;
	cr_expect_eq(gv_diagram_parse("walk", &d), 0);
	cr_expect_eq(d, GV_WALK);
	cr_expect_eq(gv_diagram_parse("walks", &d), -1);
}

/* ---- the command line ---------------------------------------------------- */

static void find_prog(void)
{
	char self[1024];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	cr_assert_gt(n, 0);
	self[n] = 0;
	snprintf(prog, sizeof prog, "%s/../iommulab", dirname(self));
	cr_assert_eq(access(prog, X_OK), 0, "the iommulab program is built next to the tests: %s", prog);
}

/* Run iommulab with args; returns the exit code, stderr in err. */
static int cli(const char *args, char *err, size_t cap)
{
	char cmd[4096], tmp[] = "/tmp/iommulab-test-XXXXXX";
	int fd = mkstemp(tmp);
	cr_assert_geq(fd, 0);
	close(fd);
	/* under LeakSanitizer the child would add its suppression statistics to stderr */
	snprintf(
	    cmd, sizeof cmd,
	    "cd %s && LSAN_OPTIONS=\"${LSAN_OPTIONS:-}:print_suppressions=0\" %s export %s 2>%s >/dev/null",
	    IOMMULAB_SOURCE_DIR, prog, args, tmp);
	int st = system(cmd);
	FILE *f = fopen(tmp, "r");
	size_t n = f ? fread(err, 1, cap - 1, f) : 0;
	err[n] = 0;
	if (f)
		fclose(f);
	unlink(tmp);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int lines(const char *s)
{
	int n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static int dir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	if (d)
		closedir(d);
	return n;
}

Test(export, bad_input_is_one_line_exit_2_and_nothing_written)
{
	find_prog();
	char dir[] = "/tmp/iommulab-export-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char err[4096], args[2048];
	const char *sc = "scenarios/nested-walk-24.json";
	struct {
		const char *args, *says;
	} bad[] = {
	    {"%s --diagram walks -o %s/a.svg", "unknown diagram"},
	    {"%s --diagram walk --step 99 -o %s/a.svg", "out of range"},
	    {"%s --diagram walk --step 0 -o %s/a.svg", "out of range"},
	    {"%s --diagram walk --steps 2..1 -o %s/a.svg", "out of range"},
	    {"%s --diagram walk --format jpeg -o %s/a.svg", "unknown format"},
	    {"%s --diagram walk -o %s/a.jpeg", "cannot tell the format"},
	    {"%s --diagram ring -o %s/a.svg", "no e1000 NIC"},
	    {"%s --diagram walk --step 2 -o %s/a.svg", "no page-table walk"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(args, sizeof args, bad[i].args, sc, dir);
		int rc = cli(args, err, sizeof err);
		cr_expect_eq(rc, 2, "%s: exit %d", args, rc);
		cr_expect_eq(lines(err), 1, "%s: one line, got: %s", args, err);
		cr_expect(strstr(err, bad[i].says), "%s: says \"%s\": %s", args, bad[i].says, err);
		cr_expect_eq(dir_entries(dir), 0, "%s: nothing written", args);
	}
	/* the output is a directory */
	snprintf(args, sizeof args, "%s --diagram flow -o %s", sc, dir);
	cr_expect_eq(cli(args, err, sizeof err), 2);
	cr_expect(strstr(err, "is a directory"), "%s", err);
	cr_expect_eq(lines(err), 1, "%s", err);
	/* an unwritable path: the parent is a regular file */
	char file[1100];
	snprintf(file, sizeof file, "%s/plain", dir);
	FILE *f = fopen(file, "w");
	fputs("x", f);
	fclose(f);
	snprintf(args, sizeof args, "%s --diagram flow -o %s/plain/out.svg", sc, dir);
	cr_expect_eq(cli(args, err, sizeof err), 2);
	cr_expect_eq(lines(err), 1, "%s", err);
	cr_expect_eq(dir_entries(dir), 1, "only the file we made is there");
	unlink(file);
	/* and a good export writes exactly one file, DOT by extension */
	snprintf(args, sizeof args, "%s --diagram walk --step 1 -o %s/walk.dot", sc, dir);
	cr_expect_eq(cli(args, err, sizeof err), 0, "%s", err);
	cr_expect_eq(dir_entries(dir), 1);
	snprintf(file, sizeof file, "%s/walk.dot", dir);
	f = fopen(file, "r");
	cr_assert_not_null(f);
	char head[16] = {0};
	cr_expect_eq(fread(head, 1, 7, f), 7);
	fclose(f);
	cr_expect_str_eq(head, "digraph");
	unlink(file);
	rmdir(dir);
}
