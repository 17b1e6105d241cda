/*
 * gv_tables.c — the tables diagram: page-table trees as they are in
 * simulated memory, one cluster per tree, only populated entries.
 *
 *   tree     root                      entry format (decoded)         target
 *   guest    vm.cr3 (a GPA)            P RW US A D NX (paging.h)      GPA
 *   EPT      vm.ept_root (HPA)         R W X MT IPAT A D (ept.h)      HPA
 *   host     host_cr3 (HPA)            P RW US A D NX                 HPA
 *   VT-d     root table (HPA)          root: P, context-table pointer
 *                                      context: P FPD TT AW DID, SLPTPTR
 *                                      second level: R W PS SNP      HPA
 *
 * A table is one node (an HTML table): a header with its level and
 * address, then one row per populated entry — index, raw value, decoded
 * bits and what it points to. Runs of leaf entries that map contiguous
 * pages with the same bits are folded into one row ("512 entries"), so a
 * VM's EPT with thousands of 4 KiB leaves still fits on a slide. Child
 * tables on the path of the selected steps' walks are always drawn; the
 * others while a small budget lasts (the rest are counted). Entries a
 * selected walk read are highlighted and carry their walk number (#5),
 * the same number as in the walk diagram.
 *
 * Everything is read with mem_read64 from the simulated bytes: no walker
 * runs, no A/D bit changes, no TLB fills.
 *
 * Not modelled (drawn): scalable-mode PASID tables (the model is legacy
 * mode), guest tables of a vIOMMU.
 */
#include "gv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ept.h"
#include "iommu.h"
#include "paging.h"

enum tkind { TK_GUEST, TK_EPT, TK_HOST, TK_SL };

#define MAX_ROWS_SHOWN 14
#define TABLE_BUDGET   7 /* tables drawn per tree besides those on a walked path */
#define MAX_READS      4096

struct read_mark {
	uint64_t hpa;
	int k;       /* walk reference number (1-based), 0 = not in a drawn walk */
	uint64_t ev; /* event index: ties sort by it, so the output is deterministic */
};

struct tctx {
	const struct gv_view *v;
	Agraph_t *g;
	struct read_mark *reads;
	int nreads;
	int planned; /* tables drawn or about to be, in the current tree */
	struct gv_sb b;
	char prefix[32]; /* "g0", "e1", "host", "vtd": a cluster name after "cluster_" */
	/* tables already drawn (shared SL tables), by HPA */
	uint64_t seen[256];
	int nseen;
};

static int cmp_read(const void *a, const void *b)
{
	const struct read_mark *x = a, *y = b;
	if (x->hpa != y->hpa)
		return x->hpa < y->hpa ? -1 : 1;
	return x->ev < y->ev ? -1 : x->ev > y->ev;
}

/* walk number of the first read of hpa in the selection, or 0; -1 if never read */
static int read_k(const struct tctx *c, uint64_t hpa)
{
	int lo = 0, hi = c->nreads - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		if (c->reads[mid].hpa == hpa) {
			while (mid > 0 && c->reads[mid - 1].hpa == hpa)
				mid--;
			return c->reads[mid].k;
		}
		if (c->reads[mid].hpa < hpa)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return -1;
}

/* "#1 #6 #11" for every read of hpa in the selection (up to 6) */
static void reads_str(const struct tctx *c, uint64_t hpa, char *buf, size_t cap)
{
	buf[0] = 0;
	int lo = 0, hi = c->nreads - 1, at = -1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		if (c->reads[mid].hpa == hpa) {
			at = mid;
			break;
		}
		if (c->reads[mid].hpa < hpa)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	if (at < 0)
		return;
	while (at > 0 && c->reads[at - 1].hpa == hpa)
		at--;
	size_t n = 0;
	int cnt = 0;
	for (int i = at; i < c->nreads && c->reads[i].hpa == hpa; i++, cnt++) {
		if (cnt == 6) {
			snprintf(buf + n, cap - n, " …");
			return;
		}
		int w = snprintf(buf + n, cap - n, "%s#%d", cnt ? " " : "", c->reads[i].k);
		if (w < 0 || (size_t)w >= cap - n)
			return;
		n += (size_t)w;
	}
}

static int table_read(const struct tctx *c, uint64_t table_hpa)
{
	int lo = 0, hi = c->nreads - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		uint64_t t = c->reads[mid].hpa & ~0xfffull;
		if (t == table_hpa)
			return 1;
		if (t < table_hpa)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return 0;
}

/* Every entry read in the selection, numbered within its walk exactly as
 * the walk diagram numbers it (gv_find_walks). */
static void collect_reads(struct tctx *c)
{
	const struct trace *t = &c->v->m->trace;
	int nw = gv_find_walks(c->v, NULL, 0);
	struct gv_walk *w = nw ? calloc((size_t)nw, sizeof *w) : NULL;
	if (nw && !w)
		return;
	gv_find_walks(c->v, w, nw);
	int cap = 0;
	for (int i = 0; i < nw; i++)
		cap += w[i].nrefs;
	if (cap > MAX_READS)
		cap = MAX_READS;
	c->reads = calloc((size_t)cap + 1, sizeof *c->reads);
	for (int i = 0; i < nw && c->reads; i++) {
		int k = 0;
		for (uint64_t j = w[i].first; j <= w[i].last && c->nreads < cap; j++) {
			if (t->ev[j].kind != EV_WALK_REF)
				continue;
			c->reads[c->nreads].hpa = t->ev[j].addr_out;
			c->reads[c->nreads].k = ++k;
			c->reads[c->nreads].ev = j;
			c->nreads++;
		}
	}
	free(w);
	if (c->reads)
		qsort(c->reads, (size_t)c->nreads, sizeof *c->reads, cmp_read);
}

static uint64_t tbl_hpa(const struct tctx *c, enum tkind k, int vm, uint64_t addr, int *ok)
{
	*ok = 1;
	if (k == TK_GUEST)
		return vm_gpa_to_hpa(c->v->m, vm, addr, ok);
	return addr;
}

static int present(enum tkind k, uint64_t e)
{
	switch (k) {
	case TK_EPT:
		return (e & EPT_XWR) != 0;
	case TK_SL:
		return (e & (VTD_SL_R | VTD_SL_W)) != 0;
	default:
		return (e & PTE_P) != 0;
	}
}

static int is_leaf(uint64_t e, int level)
{
	return level == 1 || ((level == 2 || level == 3) && (e & PTE_PS));
}

static void sl_decode(uint64_t e, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s%s%s%s", (e & VTD_SL_R) ? "R " : "", (e & VTD_SL_W) ? "W " : "",
	         (e & VTD_SL_PS) ? "PS " : "", (e & BIT(11)) ? "SNP" : "");
	size_t l = strlen(buf);
	if (l && buf[l - 1] == ' ')
		buf[l - 1] = 0;
}

static void decode(enum tkind k, uint64_t e, int level, char *buf, size_t cap)
{
	if (k == TK_EPT)
		epte_decode(e, level, buf, (unsigned)cap);
	else if (k == TK_SL)
		sl_decode(e, buf, cap);
	else
		pte_decode(e, level, buf, (unsigned)cap);
}

static const char *level_table(enum tkind k, int level)
{
	static const char *const x86[] = {"page", "PT", "PD", "PDPT", "PML4", "PML5"};
	static const char *const ept[] = {"page", "EPT PT", "EPT PD", "EPT PDPT", "EPT PML4", "EPT PML5"};
	static const char *const sl[] = {"page", "SL PT", "SL PD", "SL PDPT", "SL PML4", "SL PML5"};
	int l = level >= 0 && level <= 5 ? level : 0;
	return k == TK_EPT ? ept[l] : k == TK_SL ? sl[l] : x86[l];
}

static uint64_t canon(uint64_t va, int levels, enum tkind k)
{
	if (k != TK_GUEST && k != TK_HOST)
		return va;
	int top = levels == 5 ? 56 : 47;
	if (va & (1ull << top))
		va |= ~0ull << top;
	return va;
}

static const char *in_space(enum tkind k)
{
	return k == TK_EPT ? "GPA" : k == TK_SL ? "IOVA" : "VA";
}

static const char *out_space(enum tkind k)
{
	return k == TK_GUEST ? "GPA" : "HPA";
}

struct row {
	int first, last; /* index range */
	uint64_t e;      /* first entry */
	int leaf;
	int expand; /* child drawn (single-entry rows only) */
	int k;      /* walk number if read, 0 if read outside a drawn walk, -1 none */
	int must;
};

static char *node_name(struct tctx *c, uint64_t hpa, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s_%" PRIx64, c->prefix, hpa);
	return buf;
}

static int seen(struct tctx *c, uint64_t hpa)
{
	for (int i = 0; i < c->nseen; i++)
		if (c->seen[i] == hpa)
			return 1;
	if (c->nseen < 256)
		c->seen[c->nseen++] = hpa;
	return 0;
}

/* Draw one radix table and (recursively) the children worth drawing.
 * Returns the node, or NULL when the table cannot be read. */
static Agnode_t *draw_table(struct tctx *c, Agraph_t *cl, enum tkind k, int vm, uint64_t taddr, int level,
                            int levels, uint64_t va_prefix, struct rgb colour)
{
	int ok;
	uint64_t hpa = tbl_hpa(c, k, vm, taddr, &ok);
	char name[64];
	if (!ok)
		return NULL;
	node_name(c, hpa, name, sizeof name);
	if (seen(c, hpa))
		return agnode(c->g, name, 0);
	uint64_t ent[512];
	for (int i = 0; i < 512; i++)
		ent[i] = mem_read64(&c->v->m->mem, hpa + 8 * (uint64_t)i);

	/* rows: single entries when read or drawn as a table, runs otherwise */
	struct row rows[512];
	int nrows = 0, read_rows = 0;
	for (int i = 0; i < 512; i++) {
		uint64_t e = ent[i];
		if (!present(k, e))
			continue;
		int leaf = is_leaf(e, level);
		int rk = read_k(c, hpa + 8 * (uint64_t)i);
		uint64_t child = e & PTE_ADDR;
		int ch_ok = 1;
		uint64_t child_hpa = leaf ? 0 : tbl_hpa(c, k, vm, child, &ch_ok);
		int on_path = !leaf && ch_ok && table_read(c, child_hpa);
		int expand = !leaf && ch_ok && (on_path || c->planned < TABLE_BUDGET);
		if (expand)
			c->planned++;
		struct row *pr = nrows ? &rows[nrows - 1] : NULL;
		uint64_t psz = LEVEL_SIZE(level);
		if (pr && leaf && pr->leaf && rk < 0 && pr->k < 0 && pr->last == i - 1 &&
		    (e & ~PTE_ADDR) == (pr->e & ~PTE_ADDR) &&
		    (e & PTE_ADDR) == (pr->e & PTE_ADDR) + psz * (uint64_t)(i - pr->first)) {
			pr->last = i;
			continue;
		}
		if (pr && !leaf && !pr->leaf && !expand && !pr->expand && rk < 0 && pr->k < 0 &&
		    pr->last == i - 1) {
			pr->last = i;
			continue;
		}
		struct row *r = &rows[nrows++];
		r->first = r->last = i;
		r->e = e;
		r->leaf = leaf;
		r->expand = expand;
		r->k = rk;
		/* drawn children always get their row; read entries while a few fit */
		r->must = expand || (rk >= 0 && read_rows < MAX_ROWS_SHOWN);
		if (rk >= 0)
			read_rows++;
	}
	struct gv_sb *b = &c->b;
	sb_clear(b);
	sb_printf(b, "<TABLE BORDER=\"1\" COLOR=\"%s\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"3\">",
	          gv_hex(colour));
	sb_printf(b,
	          "<TR><TD COLSPAN=\"4\" BGCOLOR=\"%s\" ALIGN=\"LEFT\"><B>%s</B>  <FONT FACE=\"%s\" "
	          "POINT-SIZE=\"10\">",
	          gv_tint(colour, 25), level_table(k, level), GV_MONO);
	if (k == TK_GUEST)
		sb_printf(b, "GPA 0x%" PRIx64 " (HPA 0x%" PRIx64 ")", taddr, hpa);
	else
		sb_printf(b, "HPA 0x%" PRIx64, hpa);
	sb_puts(b, "</FONT></TD></TR>");
	int shown = 0, hidden = 0;
	int want = nrows;
	for (int i = 0; i < nrows; i++) {
		struct row *r = &rows[i];
		if (!r->must && shown >= MAX_ROWS_SHOWN && want > MAX_ROWS_SHOWN) {
			hidden += r->last - r->first + 1;
			continue;
		}
		shown++;
		const char *bg = r->k >= 0 ? gv_tint(THEME_ACTIVE, 45) : "#FFFFFF";
		char bits[96];
		decode(k, r->e, level, bits, sizeof bits);
		sb_printf(b, "<TR><TD BGCOLOR=\"%s\" ALIGN=\"LEFT\"><FONT FACE=\"%s\" POINT-SIZE=\"10\">", bg,
		          GV_MONO);
		if (r->first == r->last)
			sb_printf(b, "[%03x]", r->first);
		else
			sb_printf(b, "[%03x–%03x]", r->first, r->last);
		sb_printf(b,
		          "</FONT></TD><TD BGCOLOR=\"%s\" ALIGN=\"LEFT\"><FONT FACE=\"%s\" "
		          "POINT-SIZE=\"10\">0x%" PRIx64
		          "</FONT></TD><TD BGCOLOR=\"%s\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"10\">",
		          bg, GV_MONO, r->e, bg);
		sb_esc(b, bits);
		sb_printf(
		    b, "</FONT></TD><TD BGCOLOR=\"%s\" ALIGN=\"LEFT\" PORT=\"p%d\"><FONT POINT-SIZE=\"10\">",
		    bg, r->first);
		uint64_t va = canon(va_prefix | ((uint64_t)r->first << (12 + 9 * (level - 1))), levels, k);
		if (r->leaf) {
			char sz[24];
			gv_size_str(LEVEL_SIZE(level), sz, sizeof sz);
			int n = r->last - r->first + 1;
			if (n == 1)
				sb_printf(b, "%s 0x%" PRIx64 " → %s 0x%" PRIx64 " (%s)", in_space(k), va,
				          out_space(k),
				          (uint64_t)(r->e & PTE_ADDR & ~(LEVEL_SIZE(level) - 1)), sz);
			else {
				if (c->v->lang == LANG_ZH)
					sb_printf(b, "%d 项：%s 0x%" PRIx64 "… → %s 0x%" PRIx64 "…（各 %s）",
					          n, in_space(k), va, out_space(k),
					          (uint64_t)(r->e & PTE_ADDR & ~(LEVEL_SIZE(level) - 1)), sz);
				else
					sb_printf(
					    b, "%d entries: %s 0x%" PRIx64 "… → %s 0x%" PRIx64 "… (%s each)",
					    n, in_space(k), va, out_space(k),
					    (uint64_t)(r->e & PTE_ADDR & ~(LEVEL_SIZE(level) - 1)), sz);
			}
		} else if (r->first == r->last) {
			sb_printf(b, "→ %s @ %s 0x%" PRIx64, level_table(k, level - 1), out_space(k),
			          (uint64_t)(r->e & PTE_ADDR));
			if (!r->expand)
				sb_puts(b, gv_tr(c->v, " (not drawn)", "（未画出）"));
		} else {
			if (c->v->lang == LANG_ZH)
				sb_printf(b, "%d 个 %s 表（未画出）", r->last - r->first + 1,
				          level_table(k, level - 1));
			else
				sb_printf(b, "%d %s tables (not drawn)", r->last - r->first + 1,
				          level_table(k, level - 1));
		}
		if (r->k > 0) {
			char ks[64];
			reads_str(c, hpa + 8 * (uint64_t)r->first, ks, sizeof ks);
			sb_printf(b, "  <B>%s</B>", ks);
		}
		sb_puts(b, "</FONT></TD></TR>");
	}
	if (hidden) {
		sb_printf(b, "<TR><TD COLSPAN=\"4\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"10\" COLOR=\"%s\">",
		          gv_hex(THEME_MUTED));
		if (c->v->lang == LANG_ZH)
			sb_printf(b, "……另有 %d 个表项未列出", hidden);
		else
			sb_printf(b, "… %d more entries not listed", hidden);
		sb_puts(b, "</FONT></TD></TR>");
	}
	if (nrows == 0) {
		sb_printf(b, "<TR><TD COLSPAN=\"4\"><FONT POINT-SIZE=\"10\" COLOR=\"%s\">%s</FONT></TD></TR>",
		          gv_hex(THEME_MUTED), gv_tr(c->v, "(empty)", "（空）"));
	}
	sb_puts(b, "</TABLE>");
	Agnode_t *n = gv_node(cl, name, sb_str(b));
	gv_set(n, "shape", "plain");
	gv_set(n, "style", "");

	/* children */
	for (int i = 0; i < nrows; i++) {
		struct row *r = &rows[i];
		if (!r->expand || r->leaf)
			continue;
		uint64_t child_va = va_prefix | ((uint64_t)r->first << (12 + 9 * (level - 1)));
		Agnode_t *ch = draw_table(c, cl, k, vm, r->e & PTE_ADDR, level - 1, levels, child_va, colour);
		if (!ch)
			continue;
		Agedge_t *e = gv_edge(cl, n, ch, NULL);
		char port[16];
		snprintf(port, sizeof port, "p%d:e", r->first);
		gv_set(e, "tailport", port);
		gv_set(e, "headport", "w");
		gv_set(e, "color", r->k >= 0 ? gv_hex(THEME_INK) : gv_hex(colour));
		if (r->k >= 0)
			gv_set(e, "penwidth", "2.2");
	}
	return n;
}

static int walked(const struct gv_view *v, int walker, int actor)
{
	const struct trace *t = &v->m->trace;
	uint64_t hi = v->ev_hi < t->n ? v->ev_hi : t->n;
	for (uint64_t i = v->ev_lo; i < hi; i++) {
		const struct ev *e = &t->ev[i];
		if (e->kind != EV_WALK_REF)
			continue;
		if (walker == WALKER_IOMMU ? (e->walker >= WALKER_IOMMU_ROOT) : e->walker == walker)
			if (actor < 0 || e->actor == actor)
				return 1;
	}
	return 0;
}

static void tree_cluster(struct tctx *c, const char *cname, const char *title, enum tkind k, int vm,
                         uint64_t root, int levels, struct rgb colour)
{
	struct gv_sb lab;
	sb_init(&lab);
	sb_printf(&lab, "<B>%s</B>", title);
	Agraph_t *cl = gv_cluster(c->g, cname, sb_str(&lab), gv_tint(colour, 6), gv_hex(colour));
	gv_set(cl, "fontsize", "14");
	snprintf(c->prefix, sizeof c->prefix, "%s", cname + 8);
	c->planned = 1;
	draw_table(c, cl, k, vm, root, levels, levels, 0, colour);
	sb_free(&lab);
}

/* VT-d: root table -> context tables -> second-level trees */
static void iommu_tree(struct tctx *c)
{
	const struct machine *m = c->v->m;
	const struct iommu *io = m->iommu;
	if (!io || !io->root_table)
		return;
	struct gv_sb lab, *b = &c->b;
	sb_init(&lab);
	sb_printf(&lab, "<B>%s</B>",
	          gv_tr(c->v, "IOMMU (VT-d): root → context → second level (IOVA → HPA)",
	                "IOMMU（VT-d）：根表 → 上下文表 → 二级页表（IOVA → HPA）"));
	Agraph_t *cl =
	    gv_cluster(c->g, "cluster_vtd", sb_str(&lab), gv_tint(THEME_IOMMU, 6), gv_hex(THEME_IOMMU));
	gv_set(cl, "fontsize", "14");
	snprintf(c->prefix, sizeof c->prefix, "vtd");
	uint64_t rt = io->root_table;
	sb_clear(b);
	sb_printf(b, "<TABLE BORDER=\"1\" COLOR=\"%s\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"3\">",
	          gv_hex(THEME_IOMMU));
	sb_printf(b,
	          "<TR><TD COLSPAN=\"3\" BGCOLOR=\"%s\" ALIGN=\"LEFT\"><B>%s</B>  <FONT FACE=\"%s\" "
	          "POINT-SIZE=\"10\">HPA 0x%" PRIx64 "</FONT></TD></TR>",
	          gv_tint(THEME_IOMMU, 25), gv_tr(c->v, "root table (by bus)", "根表（按总线号）"), GV_MONO,
	          rt);
	int nroot = 0;
	uint64_t ctps[256];
	int buses[256];
	for (int bus = 0; bus < 256; bus++) {
		uint64_t lo = mem_read64(&m->mem, rt + 16 * (uint64_t)bus);
		if (!(lo & VTD_ROOT_P))
			continue;
		int rk = read_k(c, rt + 16 * (uint64_t)bus);
		const char *bg = rk >= 0 ? gv_tint(THEME_ACTIVE, 45) : "#FFFFFF";
		sb_printf(
		    b,
		    "<TR><TD BGCOLOR=\"%s\" ALIGN=\"LEFT\"><FONT FACE=\"%s\" POINT-SIZE=\"10\">bus "
		    "%02x</FONT></TD>"
		    "<TD BGCOLOR=\"%s\" ALIGN=\"LEFT\"><FONT FACE=\"%s\" POINT-SIZE=\"10\">0x%" PRIx64
		    "</FONT></TD>"
		    "<TD BGCOLOR=\"%s\" ALIGN=\"LEFT\" PORT=\"b%d\"><FONT POINT-SIZE=\"10\">P → %s 0x%" PRIx64
		    "%s</FONT></TD></TR>",
		    bg, GV_MONO, bus, bg, GV_MONO, lo, bg, bus, gv_tr(c->v, "context table", "上下文表"),
		    (uint64_t)(lo & VTD_ROOT_CTP), "");
		ctps[nroot] = lo & VTD_ROOT_CTP;
		buses[nroot] = bus;
		nroot++;
	}
	if (!nroot)
		sb_printf(b, "<TR><TD COLSPAN=\"3\"><FONT POINT-SIZE=\"10\" COLOR=\"%s\">%s</FONT></TD></TR>",
		          gv_hex(THEME_MUTED),
		          gv_tr(c->v, "(no present root entry)", "（没有存在的根表项）"));
	sb_puts(b, "</TABLE>");
	Agnode_t *root = gv_node(cl, "vtd_root", sb_str(b));
	gv_set(root, "shape", "plain");
	gv_set(root, "style", "");
	for (int r = 0; r < nroot && r < 8; r++) {
		uint64_t ct = ctps[r];
		char name[48];
		snprintf(name, sizeof name, "vtd_ctx_%" PRIx64, ct);
		sb_clear(b);
		sb_printf(
		    b,
		    "<TABLE BORDER=\"1\" COLOR=\"%s\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"3\">",
		    gv_hex(THEME_IOMMU));
		sb_printf(b,
		          "<TR><TD COLSPAN=\"3\" BGCOLOR=\"%s\" ALIGN=\"LEFT\"><B>%s</B> bus %02x  <FONT "
		          "FACE=\"%s\" POINT-SIZE=\"10\">HPA 0x%" PRIx64 "</FONT></TD></TR>",
		          gv_tint(THEME_IOMMU, 25), gv_tr(c->v, "context table", "上下文表"), buses[r],
		          GV_MONO, ct);
		uint64_t slp[256];
		int sldf[256], nsl = 0;
		for (int df = 0; df < 256; df++) {
			uint64_t lo = mem_read64(&m->mem, ct + 16 * (uint64_t)df);
			uint64_t hi = mem_read64(&m->mem, ct + 16 * (uint64_t)df + 8);
			if (!(lo & VTD_CTX_P))
				continue;
			int rk = read_k(c, ct + 16 * (uint64_t)df);
			const char *bg = rk >= 0 ? gv_tint(THEME_ACTIVE, 45) : "#FFFFFF";
			unsigned tt = (unsigned)VTD_CTX_TT(lo);
			static const char *const tts[] = {"translate", "translate+ATS", "pass-through",
			                                  "reserved"};
			static const char *const tts_zh[] = {"转换", "转换+ATS", "直通", "保留"};
			sb_printf(
			    b,
			    "<TR><TD BGCOLOR=\"%s\" ALIGN=\"LEFT\"><FONT FACE=\"%s\" "
			    "POINT-SIZE=\"10\">%02x.%x</FONT></TD>"
			    "<TD BGCOLOR=\"%s\" ALIGN=\"LEFT\"><FONT FACE=\"%s\" POINT-SIZE=\"10\">0x%" PRIx64
			    " 0x%" PRIx64 "</FONT></TD>"
			    "<TD BGCOLOR=\"%s\" ALIGN=\"LEFT\" PORT=\"d%d\"><FONT POINT-SIZE=\"10\">P%s "
			    "TT=%u%u (%s) AW=%u DID=%u",
			    bg, GV_MONO, df >> 3, df & 7, bg, GV_MONO, hi, lo, bg, df,
			    (lo & VTD_CTX_FPD) ? " FPD" : "", (tt >> 1) & 1, tt & 1,
			    c->v->lang == LANG_ZH ? tts_zh[tt] : tts[tt], (unsigned)VTD_CTX_AW(hi),
			    (unsigned)VTD_CTX_DID(hi));
			if (tt != VTD_TT_PASS_THROUGH && (lo & VTD_CTX_SLPTPTR)) {
				sb_printf(b, " → SL 0x%" PRIx64, (uint64_t)(lo & VTD_CTX_SLPTPTR));
				if (nsl < 256) {
					slp[nsl] = lo;
					sldf[nsl] = df | (int)(VTD_CTX_AW(hi) << 8);
					nsl++;
				}
			}
			sb_puts(b, "</FONT></TD></TR>");
		}
		sb_puts(b, "</TABLE>");
		Agnode_t *cn = gv_node(cl, name, sb_str(b));
		gv_set(cn, "shape", "plain");
		gv_set(cn, "style", "");
		Agedge_t *e = gv_edge(cl, root, cn, NULL);
		char port[16];
		snprintf(port, sizeof port, "b%d:e", buses[r]);
		gv_set(e, "tailport", port);
		gv_set(e, "headport", "w");
		gv_set(e, "color", gv_hex(THEME_IOMMU));
		for (int s = 0; s < nsl; s++) {
			uint64_t pgd = slp[s] & VTD_CTX_SLPTPTR;
			int aw = sldf[s] >> 8;
			int levels = aw + 2;
			if (levels < 3 || levels > 5)
				levels = 4;
			c->planned = 1;
			Agnode_t *sl = draw_table(c, cl, TK_SL, -1, pgd, levels, levels, 0, THEME_IOMMU);
			if (!sl)
				continue;
			Agedge_t *se = gv_edge(cl, cn, sl, NULL);
			snprintf(port, sizeof port, "d%d:e", sldf[s] & 0xff);
			gv_set(se, "tailport", port);
			gv_set(se, "headport", "w");
			gv_set(se, "color", gv_hex(THEME_IOMMU));
		}
	}
	sb_free(&lab);
}

Agraph_t *gv_build_tables(const struct gv_view *v, char *err, size_t cap)
{
	const struct machine *m = v->m;
	struct tctx c;
	memset(&c, 0, sizeof c);
	c.v = v;
	sb_init(&c.b);
	collect_reads(&c);
	/* which trees: those walked in the selection, else all that exist */
	int any_walk = c.nreads > 0;
	int want_host = m->host_cr3 && (!any_walk || walked(v, WALKER_HOST, -1));
	int want_iommu = m->iommu && m->iommu->root_table && (!any_walk || walked(v, WALKER_IOMMU, -1));
	int want_guest[MAX_VMS], want_ept[MAX_VMS], n = want_host + want_iommu;
	for (int i = 0; i < m->nvms; i++) {
		want_guest[i] = m->vms[i].cr3 && (!any_walk || walked(v, WALKER_GUEST, m->vms[i].entity));
		want_ept[i] = m->vms[i].ept_root && (!any_walk || walked(v, WALKER_EPT, m->vms[i].entity));
		n += want_guest[i] + want_ept[i];
	}
	if (n == 0) {
		snprintf(err, cap, "this machine has no page tables to draw");
		free(c.reads);
		sb_free(&c.b);
		return NULL;
	}
	Agraph_t *g = gv_open(v, "tables", "LR", NULL);
	gv_set(g, "nodesep", "0.25");
	gv_set(g, "ranksep", "0.6");
	c.g = g;
	char title[160], cname[32];
	for (int i = 0; i < m->nvms; i++) {
		const char *vn = entity_name(m, m->vms[i].entity);
		int levels = m->vms[i].d && m->vms[i].d->levels ? m->vms[i].d->levels : 4;
		int elevels = m->vms[i].d && m->vms[i].d->ept_levels ? m->vms[i].d->ept_levels : 4;
		if (want_guest[i]) {
			snprintf(title, sizeof title,
			         v->lang == LANG_ZH
			             ? "%s 的客户机页表（GVA → GPA，CR3 = GPA 0x%" PRIx64 "）"
			             : "Guest page tables of %s (GVA → GPA, CR3 = GPA 0x%" PRIx64 ")",
			         vn, m->vms[i].cr3);
			snprintf(cname, sizeof cname, "cluster_g%d", i);
			tree_cluster(&c, cname, title, TK_GUEST, i, m->vms[i].cr3, levels, THEME_CPU);
		}
		if (want_ept[i]) {
			snprintf(title, sizeof title,
			         v->lang == LANG_ZH ? "%s 的 EPT（GPA → HPA，EPTP = 0x%" PRIx64 "）"
			                            : "EPT of %s (GPA → HPA, EPTP = 0x%" PRIx64 ")",
			         vn, m->vms[i].eptp);
			snprintf(cname, sizeof cname, "cluster_e%d", i);
			tree_cluster(&c, cname, title, TK_EPT, i, m->vms[i].ept_root, elevels, THEME_EPT);
		}
	}
	if (want_host) {
		int levels = m->d && m->d->host_levels ? m->d->host_levels : 4;
		snprintf(title, sizeof title,
		         v->lang == LANG_ZH ? "宿主机页表（VA → HPA，CR3 = 0x%" PRIx64 "）"
		                            : "Host page tables (VA → HPA, CR3 = 0x%" PRIx64 ")",
		         m->host_cr3);
		tree_cluster(&c, "cluster_host", title, TK_HOST, -1, m->host_cr3, levels, THEME_MEMORY);
	}
	if (want_iommu)
		iommu_tree(&c);

	struct gv_sb b;
	sb_init(&b);
	gv_title(v, &b, "Page tables in memory", "内存中的页表");
	sb_puts(&b, "<FONT POINT-SIZE=\"12\">");
	sb_esc(&b, gv_tr(v,
	                 "Only populated entries; runs of identical leaves are folded. Highlighted rows were "
	                 "read by the "
	                 "selected steps (#n = order in the walk).",
	                 "只列出有效表项，连续且属性相同的叶子表项合并为一行。高亮的行是所选步骤读取过的表项"
	                 "（#n 为遍历顺序）。"));
	sb_puts(&b, "</FONT><BR ALIGN=\"LEFT\"/>");
	gv_set_title(g, sb_str(&b));
	sb_free(&b);
	sb_free(&c.b);
	free(c.reads);
	return g;
}
