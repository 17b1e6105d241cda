/*
 * gv_common.c — the house style and plumbing shared by every Graphviz
 * diagram: names and formats, a string builder for HTML-like labels, the
 * root graph with fonts and colours from theme.h, and rendering.
 *
 *   format  how it is made                          deterministic?
 *   ------  --------------------------------------  -------------------------
 *   dot     agwrite of the built graph (no layout)  yes: creation order only
 *   svg     gvLayout "dot" + gvRenderData "svg"     yes (same Graphviz build)
 *   png     same, cairo, 144 dpi                    pixels depend on fonts
 *   pdf     same, cairo                             yes: cairo's creation date
 *                                                   is replaced (see pdf_fix_date)
 *
 * Graphviz reports problems (a bad HTML label, a missing font) through its
 * error callback; we collect them so the caller and the tests can see them
 * instead of a stray line on stderr (gv_warnings()).
 *
 * Reference: Graphviz "cgraph" and "gvc" library manuals (graphviz.org,
 * libguide); HTML-like labels: graphviz.org/doc/info/shapes.html#html.
 *
 * Not modelled: Graphviz's own caches are process-wide; gv_shutdown frees
 * the layout context but not fontconfig/pango state.
 */
#include "gv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <graphviz/gvc.h>

#define S(x) ((char *)(x))

static const char *const diagram_names[GV_NDIAGRAMS] = {"flow", "walk", "tables", "memory", "ring", "boot"};
static const char *const format_names[GV_NFORMATS] = {"dot", "svg", "png", "pdf"};

const char *gv_diagram_name(enum gv_diagram d)
{
	return (unsigned)d < GV_NDIAGRAMS ? diagram_names[d] : "?";
}

int gv_diagram_parse(const char *s, enum gv_diagram *d)
{
	for (int i = 0; i < GV_NDIAGRAMS; i++)
		if (s && strcmp(s, diagram_names[i]) == 0) {
			*d = (enum gv_diagram)i;
			return 0;
		}
	return -1;
}

const char *gv_format_name(enum gv_format f)
{
	return (unsigned)f < GV_NFORMATS ? format_names[f] : "?";
}

int gv_format_parse(const char *s, enum gv_format *f)
{
	for (int i = 0; i < GV_NFORMATS; i++)
		if (s && strcmp(s, format_names[i]) == 0) {
			*f = (enum gv_format)i;
			return 0;
		}
	return -1;
}

int gv_format_from_path(const char *path, enum gv_format *f)
{
	const char *dot = path ? strrchr(path, '.') : NULL;
	const char *slash = path ? strrchr(path, '/') : NULL;
	if (!dot || (slash && slash > dot))
		return -1;
	char ext[8];
	size_t n = strlen(dot + 1);
	if (n == 0 || n >= sizeof ext)
		return -1;
	for (size_t i = 0; i <= n; i++) {
		char c = dot[1 + i];
		ext[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	if (strcmp(ext, "gv") == 0) {
		*f = GV_DOT;
		return 0;
	}
	return gv_format_parse(ext, f);
}

/* ---- string builder ---------------------------------------------------- */

void sb_init(struct gv_sb *b)
{
	b->s = NULL;
	b->n = b->cap = 0;
}

void sb_free(struct gv_sb *b)
{
	free(b->s);
	sb_init(b);
}

void sb_clear(struct gv_sb *b)
{
	b->n = 0;
	if (b->s)
		b->s[0] = 0;
}

static void sb_grow(struct gv_sb *b, size_t add)
{
	if (b->n + add + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->n + add + 1)
		cap *= 2;
	char *s = realloc(b->s, cap);
	if (!s)
		abort(); /* out of host memory while drawing: nothing sensible to do */
	b->s = s;
	b->cap = cap;
}

void sb_puts(struct gv_sb *b, const char *s)
{
	size_t l = strlen(s);
	sb_grow(b, l);
	memcpy(b->s + b->n, s, l + 1);
	b->n += l;
}

void sb_printf(struct gv_sb *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int l = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (l <= 0)
		return;
	sb_grow(b, (size_t)l);
	va_start(ap, fmt);
	vsnprintf(b->s + b->n, (size_t)l + 1, fmt, ap);
	va_end(ap);
	b->n += (size_t)l;
}

void sb_esc(struct gv_sb *b, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			sb_puts(b, "&amp;");
			break;
		case '<':
			sb_puts(b, "&lt;");
			break;
		case '>':
			sb_puts(b, "&gt;");
			break;
		case '"':
			sb_puts(b, "&quot;");
			break;
		case '\n':
			sb_puts(b, "<BR/>");
			break;
		default: {
			char c[2] = {*s, 0};
			sb_puts(b, c);
		}
		}
	}
}

/* display width of one UTF-8 sequence starting at s: CJK counts 2 */
static int u8_width(const unsigned char *s, int *bytes)
{
	if (s[0] < 0x80) {
		*bytes = 1;
		return 1;
	}
	int n = (s[0] >= 0xF0) ? 4 : (s[0] >= 0xE0) ? 3 : 2;
	for (int i = 1; i < n; i++)
		if (!s[i]) {
			n = i;
			break;
		}
	*bytes = n;
	return n >= 3 ? 2 : 1;
}

void gv_wrap(struct gv_sb *b, const char *text, int width)
{
	const unsigned char *s = (const unsigned char *)text;
	int col = 0;
	while (*s) {
		/* the next word: latin up to a space, or one CJK character */
		int wbytes = 0, wwidth = 0, nb;
		if (*s == ' ') {
			if (col > 0 && col < width)
				sb_puts(b, " ");
			col++;
			s++;
			continue;
		}
		if (*s == '\n') {
			sb_puts(b, "<BR ALIGN=\"LEFT\"/>");
			col = 0;
			s++;
			continue;
		}
		int w = u8_width(s, &nb);
		if (w == 2) {
			wbytes = nb;
			wwidth = 2;
			/* keep closing punctuation with the character before it */
			while (s[wbytes] >= 0xE0) {
				int nb2, w2 = u8_width(s + wbytes, &nb2);
				const unsigned char *p = s + wbytes;
				int punct = (p[0] == 0xEF && p[1] == 0xBC) || (p[0] == 0xE3 && p[1] == 0x80);
				if (!punct)
					break;
				wbytes += nb2;
				wwidth += w2;
			}
		} else {
			while (s[wbytes] && s[wbytes] != ' ' && s[wbytes] != '\n') {
				int w2 = u8_width(s + wbytes, &nb);
				if (w2 == 2)
					break;
				wbytes += nb;
				wwidth += w2;
			}
		}
		if (col > 0 && col + wwidth > width) {
			sb_puts(b, "<BR ALIGN=\"LEFT\"/>");
			col = 0;
		}
		char tmp[256];
		int l = wbytes < 255 ? wbytes : 255;
		memcpy(tmp, s, (size_t)l);
		tmp[l] = 0;
		sb_esc(b, tmp);
		col += wwidth;
		s += wbytes;
	}
}

const char *sb_str(const struct gv_sb *b)
{
	return b->s ? b->s : "";
}

/* ---- graph helpers ------------------------------------------------------ */

const char *gv_hex(struct rgb c)
{
	static char ring[16][8];
	static unsigned k;
	char *b = ring[k++ % 16];
	theme_hex(c, b);
	return b;
}

const char *gv_tint(struct rgb c, int percent)
{
	struct rgb t = {
	    (uint8_t)(255 - (255 - c.r) * percent / 100),
	    (uint8_t)(255 - (255 - c.g) * percent / 100),
	    (uint8_t)(255 - (255 - c.b) * percent / 100),
	};
	return gv_hex(t);
}

void gv_set(void *obj, const char *attr, const char *val)
{
	agsafeset(obj, S(attr), S(val), S(""));
}

void gv_setf(void *obj, const char *attr, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	gv_set(obj, attr, buf);
}

static void set_html(void *obj, const char *attr, const char *html)
{
	Agraph_t *g = agraphof(obj);
	char *h = agstrdup_html(agroot(g), S(html));
	agsafeset(obj, S(attr), h, S(""));
	agstrfree(agroot(g), h);
}

/*
 * Object IDs. cgraph's default ID discipline uses the address of the
 * interned name as the ID of a named object, and keeps subgraphs ordered
 * by ID: the order of clusters in the DOT output would then follow the
 * heap. This discipline numbers names in creation order instead (even
 * IDs; anonymous objects get odd ones), so the same graph built twice
 * writes the same bytes.
 */
struct idmap {
	Agraph_t *g;
	char **names; /* interned in g's string dictionary (agnameof needs refstrs) */
	size_t n, cap;
	size_t *ht; /* open addressing: index + 1, 0 = empty */
	size_t htcap;
	IDTYPE anon;
};

static size_t name_hash(const char *s)
{
	size_t h = 1469598103934665603ull & (size_t)-1;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void *id_open(Agraph_t *g, Agdisc_t *disc)
{
	(void)disc;
	struct idmap *m = calloc(1, sizeof *m);
	if (m) {
		m->anon = 1;
		m->g = g;
	}
	return m;
}

static long id_find(struct idmap *m, const char *str, size_t *slot)
{
	if (!m->htcap)
		return -1;
	size_t i = name_hash(str) & (m->htcap - 1);
	while (m->ht[i]) {
		if (strcmp(m->names[m->ht[i] - 1], str) == 0) {
			*slot = i;
			return (long)(m->ht[i] - 1);
		}
		i = (i + 1) & (m->htcap - 1);
	}
	*slot = i;
	return -1;
}

static int id_grow(struct idmap *m)
{
	if (m->n + 1 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		char **nn = realloc(m->names, sizeof *nn * cap);
		if (!nn)
			return -1;
		m->names = nn;
		m->cap = cap;
	}
	if ((m->n + 1) * 2 > m->htcap) {
		size_t cap = m->htcap ? m->htcap * 2 : 128;
		size_t *ht = calloc(cap, sizeof *ht);
		if (!ht)
			return -1;
		for (size_t k = 0; k < m->n; k++) {
			size_t i = name_hash(m->names[k]) & (cap - 1);
			while (ht[i])
				i = (i + 1) & (cap - 1);
			ht[i] = k + 1;
		}
		free(m->ht);
		m->ht = ht;
		m->htcap = cap;
	}
	return 0;
}

static long id_map(void *state, int objtype, char *str, IDTYPE *id, int createflag)
{
	struct idmap *m = state;
	(void)objtype;
	if (!str) {
		*id = m->anon;
		m->anon += 2;
		return 1;
	}
	size_t slot = 0;
	long k = id_find(m, str, &slot);
	if (k >= 0) {
		*id = 2 * (IDTYPE)(k + 1);
		return 1;
	}
	if (!createflag || id_grow(m))
		return 0;
	id_find(m, str, &slot); /* the table may have grown */
	char *copy = agstrdup(m->g, str);
	if (!copy)
		return 0;
	m->names[m->n] = copy;
	m->ht[slot] = m->n + 1;
	m->n++;
	*id = 2 * (IDTYPE)m->n;
	return 1;
}

static long id_alloc(void *state, int objtype, IDTYPE request)
{
	(void)state;
	(void)objtype;
	(void)request;
	return 0; /* no caller-chosen IDs */
}

static void id_free(void *state, int objtype, IDTYPE id)
{
	(void)state;
	(void)objtype;
	(void)id;
}

static char *id_print(void *state, int objtype, IDTYPE id)
{
	struct idmap *m = state;
	(void)objtype;
	if (id % 2 == 0 && id / 2 >= 1 && id / 2 <= m->n)
		return m->names[id / 2 - 1];
	return NULL;
}

static void id_close(void *state)
{
	struct idmap *m = state;
	if (!m)
		return;
	/* the names go with the graph's string dictionary, closed after this */
	free(m->names);
	free(m->ht);
	free(m);
}

static void id_register(void *state, int objtype, void *obj)
{
	(void)state;
	(void)objtype;
	(void)obj;
}

static Agiddisc_t seq_ids = {id_open, id_map, id_alloc, id_free, id_print, id_close, id_register};
static Agdisc_t gv_disc = {&AgMemDisc, &seq_ids, &AgIoDisc};

Agraph_t *gv_open(const struct gv_view *v, const char *name, const char *rankdir, const char *title_html)
{
	Agraph_t *g = agopen(S(name), Agdirected, &gv_disc);
	const char *font = THEME_FONT_CJK;
	/* Declaration order fixes the order of the DOT output. Graph "label"
	 * defaults to "" so clusters never inherit the title. */
	agattr(g, AGRAPH, S("label"), S(""));
	agattr(g, AGRAPH, S("fontname"), S(font));
	agattr(g, AGRAPH, S("fontsize"), S("13"));
	agattr(g, AGRAPH, S("fontcolor"), S(gv_hex(THEME_INK)));
	agattr(g, AGRAPH, S("labelloc"), S("t"));
	agattr(g, AGRAPH, S("labeljust"), S("l"));
	agattr(g, AGRAPH, S("style"), S(""));
	agattr(g, AGRAPH, S("fillcolor"), S(""));
	agattr(g, AGRAPH, S("color"), S(""));
	agattr(g, AGRAPH, S("penwidth"), S(""));
	agattr(g, AGRAPH, S("rank"), S(""));
	agattr(g, AGRAPH, S("margin"), S(""));

	agattr(g, AGNODE, S("label"), S("\\N"));
	agattr(g, AGNODE, S("shape"), S("box"));
	agattr(g, AGNODE, S("style"), S("rounded,filled"));
	agattr(g, AGNODE, S("fillcolor"), S("#FFFFFF"));
	agattr(g, AGNODE, S("color"), S(gv_hex(THEME_INK)));
	agattr(g, AGNODE, S("fontname"), S(font));
	agattr(g, AGNODE, S("fontsize"), S("12"));
	agattr(g, AGNODE, S("fontcolor"), S(gv_hex(THEME_INK)));
	agattr(g, AGNODE, S("penwidth"), S("1.2"));
	agattr(g, AGNODE, S("margin"), S("0.12,0.06"));

	agattr(g, AGEDGE, S("label"), S(""));
	agattr(g, AGEDGE, S("fontname"), S(font));
	agattr(g, AGEDGE, S("fontsize"), S("11"));
	agattr(g, AGEDGE, S("fontcolor"), S(gv_hex(THEME_INK)));
	agattr(g, AGEDGE, S("color"), S(gv_hex(THEME_INK)));
	agattr(g, AGEDGE, S("style"), S(""));
	agattr(g, AGEDGE, S("penwidth"), S("1.3"));
	agattr(g, AGEDGE, S("arrowsize"), S("0.8"));

	/* root-only attributes: set on the root graph after the defaults */
	gv_set(g, "bgcolor", "#FFFFFF");
	gv_set(g, "rankdir", rankdir ? rankdir : "TB");
	gv_set(g, "pad", "0.3");
	gv_set(g, "nodesep", "0.35");
	gv_set(g, "ranksep", "0.5");
	gv_set(g, "newrank", "true");
	gv_set(g, "charset", "UTF-8");
	(void)v;
	if (title_html)
		gv_set_title(g, title_html);
	return g;
}

void gv_set_title(Agraph_t *g, const char *title_html)
{
	/* Setting a root-graph attribute also changes the default that
	 * subgraphs created later inherit: clusters always set their own
	 * label, and rank subgraphs get label "" explicitly. */
	set_html(g, "label", title_html);
}

Agraph_t *gv_cluster(Agraph_t *parent, const char *name, const char *label_html, const char *fill,
                     const char *pen)
{
	Agraph_t *c = agsubg(parent, S(name), 1);
	if (label_html)
		set_html(c, "label", label_html);
	else
		gv_set(c, "label", "");
	gv_set(c, "style", "rounded,filled");
	gv_set(c, "fillcolor", fill ? fill : "#FFFFFF");
	gv_set(c, "color", pen ? pen : gv_hex(THEME_GRID));
	gv_set(c, "penwidth", "1.2");
	gv_set(c, "margin", "10");
	return c;
}

Agraph_t *gv_rank_same(Agraph_t *parent, const char *name)
{
	Agraph_t *r = agsubg(parent, S(name), 1);
	gv_set(r, "label", "");
	gv_set(r, "rank", "same");
	return r;
}

Agnode_t *gv_node(Agraph_t *g, const char *name, const char *label_html)
{
	Agnode_t *n = agnode(g, S(name), 1);
	if (label_html)
		set_html(n, "label", label_html);
	return n;
}

Agedge_t *gv_edge(Agraph_t *g, Agnode_t *a, Agnode_t *b, const char *label_html)
{
	Agedge_t *e = agedge(g, a, b, NULL, 1);
	if (label_html && *label_html)
		set_html(e, "label", label_html);
	return e;
}

/* ---- text helpers -------------------------------------------------------- */

const char *gv_scenario_title(const struct gv_view *v)
{
	const struct machine_desc *d = v->sc ? &v->sc->md : (v->m ? v->m->d : NULL);
	if (!d)
		return "";
	const char *t = v->lang == LANG_ZH ? d->title_zh : d->title_en;
	if (!t || !*t)
		t = d->title_en ? d->title_en : d->title_zh;
	return t ? t : "";
}

const char *gv_step_action(const struct gv_view *v, int step1)
{
	if (!v->sc || step1 < 1 || step1 > v->sc->nsteps || !v->sc->steps[step1 - 1].act)
		return "";
	return v->sc->steps[step1 - 1].act->name;
}

const char *gv_step_say(const struct gv_view *v, int step1)
{
	if (!v->sc || step1 < 1 || step1 > v->sc->nsteps)
		return NULL;
	const struct step *s = &v->sc->steps[step1 - 1];
	const char *t = v->lang == LANG_ZH ? s->say_zh : s->say_en;
	if (!t || !*t)
		t = v->lang == LANG_ZH ? s->say_en : s->say_zh;
	return (t && *t) ? t : NULL;
}

void gv_size_str(uint64_t sz, char *buf, size_t cap)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
	int u = 0;
	uint64_t s = sz;
	while (u < 5 && s >= 1024 && (s % 1024) == 0) {
		s /= 1024;
		u++;
	}
	if (u < 5 && s >= 1024) {
		/* not a whole number of the next unit: one decimal */
		double d = (double)sz;
		int k = 0;
		while (k < 5 && d >= 1024) {
			d /= 1024;
			k++;
		}
		snprintf(buf, cap, "%.1f %s", d, units[k]);
		return;
	}
	snprintf(buf, cap, "%llu %s", (unsigned long long)s, units[u]);
}

void gv_title(const struct gv_view *v, struct gv_sb *b, const char *what_en, const char *what_zh)
{
	sb_printf(b, "<FONT POINT-SIZE=\"20\"><B>");
	sb_esc(b, gv_tr(v, what_en, what_zh));
	sb_puts(b, "</B></FONT><BR ALIGN=\"LEFT\"/>");
	sb_printf(b, "<FONT POINT-SIZE=\"13\" COLOR=\"%s\">", gv_hex(THEME_MUTED));
	const char *t = gv_scenario_title(v);
	if (*t) {
		sb_esc(b, t);
		sb_puts(b, "  ·  ");
	}
	if (v->step_lo <= 0) {
		sb_esc(b, gv_tr(v, "whole scenario", "全部步骤"));
	} else if (v->step_lo == v->step_hi) {
		if (v->lang == LANG_ZH)
			sb_printf(b, "第 %d 步", v->step_lo);
		else
			sb_printf(b, "step %d", v->step_lo);
		const char *a = gv_step_action(v, v->step_lo);
		if (*a) {
			sb_puts(b, " (");
			sb_esc(b, a);
			sb_puts(b, ")");
		}
	} else {
		if (v->lang == LANG_ZH)
			sb_printf(b, "第 %d–%d 步", v->step_lo, v->step_hi);
		else
			sb_printf(b, "steps %d–%d", v->step_lo, v->step_hi);
	}
	sb_puts(b, "</FONT><BR ALIGN=\"LEFT\"/>");
}

/* ---- build and render ---------------------------------------------------- */

static char warn_buf[2048];
static size_t warn_len;

static int collect_err(char *msg)
{
	size_t l = strlen(msg);
	if (warn_len + l + 1 < sizeof warn_buf) {
		memcpy(warn_buf + warn_len, msg, l + 1);
		warn_len += l;
	}
	return 0;
}

static void errors_to_buffer(void)
{
	static int done;
	if (!done) {
		agseterrf(collect_err);
		agseterr(AGWARN);
		done = 1;
	}
}

const char *gv_warnings(void)
{
	return warn_buf;
}

void gv_clear_warnings(void)
{
	warn_len = 0;
	warn_buf[0] = 0;
}

int gv_applies(const struct gv_view *v, enum gv_diagram d, char *why, size_t cap)
{
	Agraph_t *g = gv_build(v, d, why, cap);
	if (!g)
		return -1;
	gv_free_graph(g);
	return 0;
}

Agraph_t *gv_build(const struct gv_view *v, enum gv_diagram d, char *err, size_t cap)
{
	errors_to_buffer();
	if (err && cap)
		err[0] = 0;
	switch (d) {
	case GV_FLOW:
		return gv_build_flow(v, err, cap);
	case GV_WALK:
		return gv_build_walk(v, err, cap);
	case GV_TABLES:
		return gv_build_tables(v, err, cap);
	case GV_MEMORY:
		return gv_build_memory(v, err, cap);
	case GV_RING:
		return gv_build_ring(v, err, cap);
	case GV_BOOT:
		return gv_build_boot(v, err, cap);
	default:
		snprintf(err, cap, "unknown diagram");
		return NULL;
	}
}

void gv_free_graph(Agraph_t *g)
{
	if (g)
		agclose(g);
}

static GVC_t *the_gvc;

static GVC_t *gvc_get(void)
{
	if (!the_gvc)
		the_gvc = gvContext();
	return the_gvc;
}

void gv_shutdown(void)
{
	if (the_gvc) {
		gvFreeContext(the_gvc);
		the_gvc = NULL;
	}
}
/* cairo (1.16) stamps a PDF with the time of rendering, "/CreationDate
 * (D:YYYYMMDDHHMMSSZ)". So that the same diagram gives the same bytes, the
 * 14 digits are replaced in place (same length: the xref offsets stay
 * right) by SOURCE_DATE_EPOCH when it is set, else 2000-01-01 00:00:00. */
static void pdf_fix_date(char *pdf, size_t n)
{
	static const char key[] = "/CreationDate (D:";
	size_t k = sizeof key - 1;
	char digits[64] = "20000101000000";
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	if (sde && *sde) {
		char *end;
		long long t = strtoll(sde, &end, 10);
		time_t tt = (time_t)t;
		struct tm tm;
		if (!*end && t >= 0 && t < 253402300800LL /* year 10000 */ && gmtime_r(&tt, &tm))
			snprintf(digits, sizeof digits, "%04d%02d%02d%02d%02d%02d", tm.tm_year + 1900,
			         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	}
	for (size_t i = 0; i + k + 14 <= n; i++)
		if (pdf[i] == '/' && !memcmp(pdf + i, key, k)) {
			int ok = 1;
			for (size_t j = 0; j < 14; j++)
				ok &= pdf[i + k + j] >= '0' && pdf[i + k + j] <= '9';
			if (ok)
				memcpy(pdf + i + k, digits, 14);
		}
}

int gv_render(Agraph_t *g, enum gv_format f, char **out, size_t *len, char *err, size_t cap)
{
	errors_to_buffer();
	*out = NULL;
	*len = 0;
	if (f == GV_DOT) {
		char *buf = NULL;
		size_t n = 0;
		FILE *fp = open_memstream(&buf, &n);
		if (!fp) {
			snprintf(err, cap, "out of memory");
			return -1;
		}
		int rc = agwrite(g, fp);
		fclose(fp);
		if (rc != 0) {
			free(buf);
			snprintf(err, cap, "could not write DOT");
			return -1;
		}
		*out = buf;
		*len = n;
		return 0;
	}
	GVC_t *gvc = gvc_get();
	if (!gvc) {
		snprintf(err, cap, "could not start Graphviz");
		return -1;
	}
	if (f == GV_PNG)
		gv_set(g, "dpi", "144");
	if (gvLayout(gvc, g, "dot") != 0) {
		snprintf(err, cap, "Graphviz layout failed: %s", warn_buf[0] ? warn_buf : "(no message)");
		if (f == GV_PNG)
			gv_set(g, "dpi", "");
		return -1;
	}
	char *data = NULL;
	unsigned int n = 0;
	int rc = gvRenderData(gvc, g, format_names[f], &data, &n);
	gvFreeLayout(gvc, g);
	if (f == GV_PNG)
		gv_set(g, "dpi", "");
	if (rc != 0 || !data) {
		if (data)
			gvFreeRenderData(data);
		snprintf(err, cap,
		         "Graphviz could not render %s (is the plugin installed? try `dot -c` as root)",
		         format_names[f]);
		return -1;
	}
	char *copy = malloc(n ? n : 1);
	if (!copy) {
		gvFreeRenderData(data);
		snprintf(err, cap, "out of memory");
		return -1;
	}
	memcpy(copy, data, n);
	gvFreeRenderData(data);
	if (f == GV_PDF)
		pdf_fix_date(copy, n);
	*out = copy;
	*len = n;
	return 0;
}
