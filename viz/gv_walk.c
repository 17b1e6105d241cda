/*
 * gv_walk.c — the walk diagram: every paging-structure entry a translation
 * read, numbered in hardware order, as the classic 2-D grid.
 *
 * A cold 4-level guest on 4-level EPT (Bhargava et al., ASPLOS 2008; facts
 * section 0 and invariant 2):
 *
 *                 EPT PML4E  EPT PDPTE  EPT PDE  EPT PTE   guest entry
 *   guest CR3  ->     1          2         3        4   ->   5  PML4E
 *   PML4E.addr ->     6          7         8        9   ->  10  PDPTE
 *   PDPTE.addr ->    11         12        13       14   ->  15  PDE
 *   PDE.addr   ->    16         17        18       19   ->  20  PTE
 *   data GPA   ->    21         22        23       24   ->  data access
 *
 * Each guest entry holds a GPA, so EPT has to translate it before the
 * next guest level can be read: (n+1)(m+1) - 1 reads. The grid is built
 * from the trace (walk.ref events), not from a formula, so large pages
 * (fewer columns or rows), 5-level tables and faults come out as they
 * happened. A native walk is one row; an IOMMU walk is one row too:
 *
 *   IOVA -> root entry (bus) -> context entry (devfn) -> SL PML4E … SL PTE -> data
 *
 * Graph shape: one rank per row (rank=same), visible edges in reference
 * order (so the arrows read like the hardware), invisible heavy edges down
 * each column to keep the grid straight.
 *
 * Not modelled (drawn): more than GV_MAX_WALKS walks per diagram (the
 * rest are counted in the title).
 */
#include "gv.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "paging.h"

#define NONE UINT64_MAX

static int is_iommu_walker(int w)
{
	return w == WALKER_IOMMU_ROOT || w == WALKER_IOMMU_CONTEXT || w == WALKER_IOMMU;
}

int gv_find_walks(const struct gv_view *v, struct gv_walk *w, int max)
{
	const struct trace *t = &v->m->trace;
	uint64_t hi = v->ev_hi < t->n ? v->ev_hi : t->n;
	int n = 0, open = 0;
	uint64_t pending = NONE;
	struct gv_walk cur;
	memset(&cur, 0, sizeof cur);

#define CLOSE()                                                                                              \
	do {                                                                                                 \
		if (open) {                                                                                  \
			if (n < max)                                                                         \
				w[n] = cur;                                                                  \
			n++;                                                                                 \
			open = 0;                                                                            \
		}                                                                                            \
	} while (0)

	for (uint64_t i = v->ev_lo; i < hi; i++) {
		const struct ev *e = &t->ev[i];
		switch (e->kind) {
		case EV_WALK_REF: {
			int fam = is_iommu_walker(e->walker);
			if (open && (fam != cur.iommu || cur.fault != NONE ||
			             (fam && e->walker == WALKER_IOMMU_ROOT && cur.nrefs > 0)))
				CLOSE();
			if (!open) {
				memset(&cur, 0, sizeof cur);
				cur.start = pending != NONE ? pending : i;
				cur.first = i;
				cur.data = cur.fault = cur.exit = cur.translate = cur.translate2 = NONE;
				cur.iommu = fam;
				open = 1;
			}
			cur.last = i;
			cur.nrefs++;
			pending = NONE;
			break;
		}
		case EV_IOTLB_MISS:
			/* VT-d reads root and context entries before the IOTLB
			 * lookup: a miss continues the same walk */
			if (open && cur.iommu)
				break;
			CLOSE();
			pending = i;
			break;
		case EV_TLB_MISS:
		case EV_DEV_DMA:
			CLOSE();
			pending = i;
			break;
		case EV_TRANSLATE:
			if (open && cur.fault == NONE) {
				if (cur.translate == NONE)
					cur.translate = i;
				cur.translate2 = i;
			}
			break;
		case EV_MEM_READ:
		case EV_MEM_WRITE:
		case EV_MMIO:
			if (open && cur.fault == NONE && cur.data == NONE) {
				cur.data = i;
				CLOSE();
			}
			pending = NONE;
			break;
		case EV_FAULT:
			if (open && cur.fault == NONE)
				cur.fault = i;
			else
				CLOSE();
			break;
		case EV_VMEXIT:
			/* an EPT violation/misconfiguration ends the walk with an exit */
			if (open) {
				cur.exit = i;
				if (cur.fault == NONE)
					cur.fault = i;
			}
			CLOSE();
			break;
		case EV_NOTE:
		case EV_LOG:
		case EV_IOTLB_HIT:
		case EV_CTX_CACHE_HIT:
			break;
		default:
			CLOSE();
			pending = NONE;
			break;
		}
	}
	CLOSE();
#undef CLOSE
	return n;
}

const char *gv_level_name(const struct ev *e, enum lang lang)
{
	static const char *const x86[] = {"?", "PTE", "PDE", "PDPTE", "PML4E", "PML5E"};
	static const char *const ept[] = {"?", "EPT PTE", "EPT PDE", "EPT PDPTE", "EPT PML4E", "EPT PML5E"};
	static const char *const sl[] = {"?", "SL PTE", "SL PDE", "SL PDPE", "SL PML4E", "SL PML5E"};
	int l = e->level >= 1 && e->level <= 5 ? e->level : 0;
	switch (e->walker) {
	case WALKER_EPT:
		return ept[l];
	case WALKER_IOMMU_ROOT:
		return lang == LANG_ZH ? "根表项" : "root entry";
	case WALKER_IOMMU_CONTEXT:
		return lang == LANG_ZH ? "上下文表项" : "context entry";
	case WALKER_IOMMU:
		return sl[l];
	default:
		return x86[l];
	}
}

static const char *table_name(int level)
{
	static const char *const n[] = {"page", "PT", "PD", "PDPT", "PML4", "PML5"};
	return level >= 0 && level <= 5 ? n[level] : "?";
}

struct cell {
	uint64_t ev; /* event index, NONE = empty */
	int k;       /* 1-based order */
};

#define MAXR 8
#define MAXC 8

/* fill and border of a cell by walker */
static void cell_style(Agnode_t *n, const struct ev *e, int faulted)
{
	struct rgb c = e->walker == WALKER_EPT      ? THEME_EPT
	               : is_iommu_walker(e->walker) ? THEME_IOMMU
	                                            : THEME_CPU;
	gv_set(n, "fillcolor", faulted ? gv_tint(THEME_FAULT, 18) : gv_tint(c, 16));
	gv_set(n, "color", faulted ? gv_hex(THEME_FAULT) : gv_hex(c));
	if (faulted)
		gv_set(n, "penwidth", "3");
}

/* bus << 8 | devfn of the device behind an entity id, or -1 */
static int dev_bdf(const struct gv_view *v, int actor)
{
	int d = actor - v->m->nvms - 1;
	if (actor < 0 || d < 0 || d >= v->m->ndevs || !v->m->devs[d].d)
		return -1;
	return v->m->devs[d].d->bdf;
}

static void cell_label(const struct gv_view *v, struct gv_sb *b, const struct ev *e, int k)
{
	sb_clear(b);
	sb_printf(b, "<FONT POINT-SIZE=\"17\"><B>%d</B></FONT>  <B>", k);
	sb_esc(b, gv_level_name(e, v->lang));
	sb_puts(b, "</B>");
	int bdf = dev_bdf(v, e->actor);
	if (e->walker == WALKER_IOMMU_ROOT && bdf >= 0)
		sb_printf(b, " [bus %02x]", (unsigned)(bdf >> 8));
	else if (e->walker == WALKER_IOMMU_CONTEXT && bdf >= 0)
		sb_printf(b, " [devfn %02x.%x]", (unsigned)((bdf >> 3) & 31), (unsigned)(bdf & 7));
	sb_printf(b, "<BR/><FONT FACE=\"%s\" POINT-SIZE=\"10\">@ 0x%" PRIx64 "<BR/>= 0x%" PRIx64 "</FONT>",
	          GV_MONO, e->addr_out, e->entry);
}

static const char *who_name(const struct gv_view *v, int actor)
{
	if (actor < 0 || actor >= machine_nentities(v->m))
		return "";
	return entity_name(v->m, actor);
}

static void add_walk(const struct gv_view *v, Agraph_t *g, const struct gv_walk *w, int wi,
                     Agnode_t **prev_anchor)
{
	const struct trace *t = &v->m->trace;
	const struct ev *first = &t->ev[w->first];
	struct cell cells[MAXR][MAXC];
	uint64_t rowgpa[MAXR];
	int rowguestlvl[MAXR], rowfinal[MAXR];
	for (int r = 0; r < MAXR; r++) {
		rowgpa[r] = NONE;
		rowfinal[r] = 0;
		rowguestlvl[r] = 0;
		for (int c = 0; c < MAXC; c++)
			cells[r][c].ev = NONE;
	}
	int two_d = 0, ept_max = 0, ept_min = 9, top = 0;
	for (uint64_t i = w->first; i <= w->last; i++) {
		const struct ev *e = &t->ev[i];
		if (e->kind != EV_WALK_REF)
			continue;
		if (e->walker == WALKER_EPT) {
			two_d = 1;
			if (e->level > ept_max)
				ept_max = e->level;
			if (e->level < ept_min)
				ept_min = e->level;
		}
		if (e->level > top && !is_iommu_walker(e->walker) && e->walker != WALKER_EPT)
			top = e->level;
	}
	/* EPT columns: only the levels this walk used (large EPT pages end higher) */
	int gcol = two_d ? ept_max - ept_min + 1 : 0;
	int nrows = 1, ncols = 0, k = 0, closed = 0;
	for (uint64_t i = w->first; i <= w->last; i++) {
		const struct ev *e = &t->ev[i];
		if (e->kind != EV_WALK_REF)
			continue;
		k++;
		if (two_d) {
			int col;
			if (e->walker == WALKER_EPT) {
				if (closed) {
					if (nrows == MAXR)
						break;
					nrows++;
					closed = 0;
				}
				col = ept_max - e->level;
				if (rowgpa[nrows - 1] == NONE)
					rowgpa[nrows - 1] = e->addr_in;
				if (e->flags & EVF_FINAL)
					rowfinal[nrows - 1] = 1;
			} else {
				col = gcol;
				rowguestlvl[nrows - 1] = e->level;
				closed = 1;
			}
			if (col < 0 || col >= MAXC)
				continue;
			cells[nrows - 1][col].ev = i;
			cells[nrows - 1][col].k = k;
			ncols = gcol + 1;
		} else {
			if (ncols == MAXC)
				break;
			cells[0][ncols].ev = i;
			cells[0][ncols].k = k;
			ncols++;
		}
	}
	/* the data access (or the fault) goes after the last cell */
	int data_row = nrows - 1, data_col;
	if (two_d) {
		if (closed) {
			/* ended on a guest entry: only a fault can end there */
			data_row = nrows - 1;
			data_col = ncols;
		} else {
			data_col = gcol;
		}
	} else {
		data_col = ncols;
	}
	int total_cols = (data_col + 1 > ncols) ? data_col + 1 : ncols;

	struct gv_sb b, lab;
	sb_init(&b);
	sb_init(&lab);
	char name[64], cname[48];

	/* cluster with its caption */
	const struct ev *tr = w->translate != NONE ? &t->ev[w->translate] : NULL;
	sb_printf(&b, "<B>");
	if (v->lang == LANG_ZH)
		sb_printf(&b, "遍历 %d", wi + 1);
	else
		sb_printf(&b, "Walk %d", wi + 1);
	sb_puts(&b, "</B>  ·  ");
	if (v->lang == LANG_ZH)
		sb_printf(&b, "第 %u 步", first->step + 1);
	else
		sb_printf(&b, "step %u", first->step + 1);
	sb_puts(&b, "  ·  ");
	sb_esc(&b, who_name(v, first->actor));
	sb_puts(&b, "  ·  ");
	if (tr) {
		sb_printf(&b, "%s 0x%" PRIx64 " → %s 0x%" PRIx64, space_name(tr->space_in), tr->addr_in,
		          space_name(tr->space_out), tr->addr_out);
		const struct ev *t2 = &t->ev[w->translate2];
		if (w->translate2 != w->translate && t2->space_in == tr->space_out)
			sb_printf(&b, " → %s 0x%" PRIx64, space_name(t2->space_out), t2->addr_out);
	} else if (w->start != w->first &&
	           (t->ev[w->start].kind == EV_TLB_MISS || t->ev[w->start].kind == EV_DEV_DMA)) {
		const struct ev *st = &t->ev[w->start];
		const char *sp = st->kind == EV_DEV_DMA                        ? "IOVA"
		                 : (st->actor >= 1 && st->actor <= v->m->nvms) ? "GVA"
		                                                               : "VA";
		sb_printf(&b, "%s 0x%" PRIx64, sp, st->addr_in);
	} else {
		sb_printf(&b, "0x%" PRIx64, first->addr_in);
	}
	if (v->lang == LANG_ZH)
		sb_printf(&b, "  ·  读取 %d 个表项", w->nrefs);
	else
		sb_printf(&b, "  ·  %d entry reads", w->nrefs);
	snprintf(cname, sizeof cname, "cluster_walk%d", wi + 1);
	Agraph_t *cl = gv_cluster(g, cname, sb_str(&b), "#FFFFFF", gv_hex(THEME_GRID));
	gv_set(cl, "fontsize", "14");

	/* header row */
	snprintf(name, sizeof name, "w%d_hdr", wi + 1);
	Agraph_t *rk = gv_rank_same(cl, name);
	Agnode_t *hdr[MAXC + 1];
	snprintf(name, sizeof name, "w%d_h_corner", wi + 1);
	hdr[0] = gv_node(rk, name, " ");
	gv_set(hdr[0], "shape", "plaintext");
	gv_set(hdr[0], "style", "");
	gv_set(hdr[0], "width", "2.1");
	for (int c = 0; c < total_cols; c++) {
		sb_clear(&b);
		sb_printf(&b, "<FONT COLOR=\"%s\"><B>", gv_hex(THEME_MUTED));
		if (two_d && c < gcol) {
			static const char *const en[] = {"",          "EPT PTE",   "EPT PDE",
			                                 "EPT PDPTE", "EPT PML4E", "EPT PML5E"};
			sb_puts(&b, en[ept_max - c]);
		} else if (two_d && c == gcol) {
			sb_esc(&b, gv_tr(v, "guest entry", "客户机表项"));
		} else if (c < ncols && cells[0][c].ev != NONE) {
			sb_esc(&b, gv_level_name(&t->ev[cells[0][c].ev], v->lang));
		} else {
			sb_esc(&b, gv_tr(v, "access", "访问"));
		}
		sb_puts(&b, "</B></FONT>");
		snprintf(name, sizeof name, "w%d_h%d", wi + 1, c);
		hdr[c + 1] = gv_node(rk, name, sb_str(&b));
		gv_set(hdr[c + 1], "shape", "plaintext");
		gv_set(hdr[c + 1], "style", "");
		gv_set(hdr[c + 1], "width", "1.9");
	}
	for (int c = 0; c < total_cols; c++) {
		Agedge_t *e = gv_edge(rk, hdr[c], hdr[c + 1], NULL);
		gv_set(e, "style", "invis");
	}
	if (*prev_anchor) {
		Agedge_t *e = gv_edge(g, *prev_anchor, hdr[0], NULL);
		gv_set(e, "style", "invis");
	}

	/* rows */
	Agnode_t *grid[MAXR][MAXC + 1];
	memset(grid, 0, sizeof grid);
	Agnode_t *above[MAXC + 1];
	for (int c = 0; c <= total_cols; c++)
		above[c] = hdr[c];
	Agnode_t *prev = NULL;
	int prev_k = 0;
	const struct ev *fault = w->fault != NONE ? &t->ev[w->fault] : NULL;
	uint64_t fault_ref = fault ? w->last : NONE;
	for (int r = 0; r < nrows; r++) {
		snprintf(name, sizeof name, "w%d_row%d", wi + 1, r);
		rk = gv_rank_same(cl, name);
		/* row header */
		sb_clear(&b);
		if (two_d) {
			int is_final = rowfinal[r];
			if (r == 0) {
				sb_printf(&b, "<B>%s</B><BR/>", gv_tr(v, "guest CR3", "客户机 CR3"));
				if (v->lang == LANG_ZH)
					sb_printf(&b, "%sE 所在的 GPA", table_name(top));
				else
					sb_printf(&b, "GPA of the %sE", table_name(top));
			} else if (is_final) {
				sb_printf(&b, "<B>%s</B><BR/>%s", gv_tr(v, "data", "数据"),
				          gv_tr(v, "GPA of the data", "数据的 GPA"));
			} else {
				int gl = rowguestlvl[r - 1];
				const struct ev *ge =
				    cells[r - 1][gcol].ev != NONE ? &t->ev[cells[r - 1][gcol].ev] : NULL;
				sb_printf(&b, "<B>%s → %s</B><BR/>", ge ? gv_level_name(ge, v->lang) : "?",
				          table_name(gl - 1));
				static const char *const ent[] = {"",      "PTE",   "PDE",
				                                  "PDPTE", "PML4E", "PML5E"};
				const char *en = gl - 1 >= 1 && gl - 1 <= 5 ? ent[gl - 1] : "?";
				if (v->lang == LANG_ZH)
					sb_printf(&b, "%s 所在的 GPA", en);
				else
					sb_printf(&b, "GPA of the %s", en);
			}
			if (rowgpa[r] != NONE)
				sb_printf(&b, "<BR/><FONT FACE=\"%s\" POINT-SIZE=\"10\">0x%" PRIx64 "</FONT>",
				          GV_MONO, rowgpa[r]);
		} else {
			const struct ev *e0 = &t->ev[w->first];
			if (w->iommu) {
				sb_printf(&b, "<B>%s</B><BR/>", gv_tr(v, "device request", "设备请求"));
				sb_esc(&b, who_name(v, e0->actor));
				sb_printf(
				    &b, "<BR/><FONT FACE=\"%s\" POINT-SIZE=\"10\">IOVA 0x%" PRIx64 "</FONT>",
				    GV_MONO, e0->addr_in);
			} else {
				sb_printf(&b, "<B>CR3</B><BR/>%s", gv_tr(v, "native walk", "原生遍历"));
				sb_printf(&b,
				          "<BR/><FONT FACE=\"%s\" POINT-SIZE=\"10\">VA 0x%" PRIx64 "</FONT>",
				          GV_MONO, e0->addr_in);
			}
		}
		snprintf(name, sizeof name, "w%d_r%d_hdr", wi + 1, r);
		Agnode_t *rh = gv_node(rk, name, sb_str(&b));
		gv_set(rh, "shape", "plaintext");
		gv_set(rh, "style", "");
		gv_set(rh, "width", "2.1");
		grid[r][0] = rh;
		for (int c = 0; c < total_cols; c++) {
			Agnode_t *n;
			int is_data = (r == data_row && c == data_col);
			if (c < ncols && cells[r][c].ev != NONE && !is_data) {
				const struct ev *e = &t->ev[cells[r][c].ev];
				cell_label(v, &b, e, cells[r][c].k);
				snprintf(name, sizeof name, "w%d_r%d", wi + 1, cells[r][c].k);
				n = gv_node(rk, name, sb_str(&b));
				cell_style(n, e, cells[r][c].ev == fault_ref);
				gv_set(n, "width", "1.9");
				if (prev) {
					Agedge_t *ed;
					if (c == 0 && r > 0) {
						/* carriage return: the guest entry's GPA is EPT's next input
						 */
						sb_clear(&lab);
						sb_printf(&lab, "<FONT FACE=\"%s\">GPA 0x%" PRIx64 "</FONT>",
						          GV_MONO, e->addr_in);
						ed = gv_edge(cl, prev, n, sb_str(&lab));
						gv_set(ed, "color", gv_hex(THEME_CPU));
						gv_set(ed, "fontcolor", gv_hex(THEME_CPU));
						gv_set(ed, "constraint", "false");
					} else {
						ed = gv_edge(cl, prev, n, NULL);
						gv_set(
						    ed, "color",
						    gv_hex(e->walker == WALKER_EPT ? THEME_EPT : THEME_INK));
					}
					gv_setf(ed, "tooltip", "%d → %d", prev_k, cells[r][c].k);
				}
				prev = n;
				prev_k = cells[r][c].k;
			} else if (is_data) {
				sb_clear(&b);
				const struct ev *d = w->data != NONE ? &t->ev[w->data] : NULL;
				int kd = w->nrefs + 1;
				if (fault) {
					sb_printf(&b, "<FONT POINT-SIZE=\"15\"><B>✗ %s</B></FONT><BR/>",
					          gv_tr(v, "fault", "故障"));
					if (fault->unit == UNIT_MMU)
						sb_printf(&b, "#PF  err 0x%" PRIx64, fault->extra);
					else if (w->exit != NONE)
						sb_printf(
						    &b, "%s %u%s<BR/>%s 0x%" PRIx64,
						    gv_tr(v, "VM exit", "VM 退出"), t->ev[w->exit].code,
						    t->ev[w->exit].code == 48
						        ? gv_tr(v, " (EPT violation)", "（EPT 违规）")
						        : gv_tr(v, " (EPT misconfig)", "（EPT 配置错误）"),
						    gv_tr(v, "qual.", "限定"), t->ev[w->exit].extra);
					else
						sb_printf(&b, "%s 0x%x", gv_tr(v, "reason", "原因"),
						          fault->code);
					sb_printf(&b,
					          "<BR/><FONT FACE=\"%s\" POINT-SIZE=\"10\">0x%" PRIx64
					          "</FONT>",
					          GV_MONO, fault->addr_in);
				} else if (d) {
					sb_printf(
					    &b,
					    "<FONT POINT-SIZE=\"17\"><B>%d</B></FONT>  <B>%s</B> %u B<BR/>",
					    kd,
					    d->kind == EV_MEM_WRITE ? gv_tr(v, "data write", "写数据")
					    : d->kind == EV_MMIO    ? "MMIO"
					                            : gv_tr(v, "data read", "读数据"),
					    d->len);
					sb_printf(&b,
					          "<FONT FACE=\"%s\" POINT-SIZE=\"10\">HPA 0x%" PRIx64
					          "</FONT>",
					          GV_MONO, d->addr_in);
				} else {
					sb_printf(&b, "<B>%s</B>", gv_tr(v, "(no access)", "（无访问）"));
				}
				snprintf(name, sizeof name, "w%d_data", wi + 1);
				n = gv_node(rk, name, sb_str(&b));
				gv_set(n, "width", "1.9");
				if (fault) {
					gv_set(n, "fillcolor", gv_tint(THEME_FAULT, 22));
					gv_set(n, "color", gv_hex(THEME_FAULT));
					gv_set(n, "penwidth", "3");
					gv_set(n, "fontcolor", gv_hex(THEME_FAULT));
				} else {
					gv_set(n, "fillcolor", gv_tint(THEME_HIT, 20));
					gv_set(n, "color", gv_hex(THEME_HIT));
					gv_set(n, "penwidth", "2");
				}
				if (prev) {
					Agedge_t *ed = gv_edge(cl, prev, n, NULL);
					gv_set(ed, "color", gv_hex(fault ? THEME_FAULT : THEME_HIT));
					gv_set(ed, "penwidth", "2");
					if (fault)
						gv_set(ed, "style", "bold");
				}
				prev = n;
			} else {
				snprintf(name, sizeof name, "w%d_e%d_%d", wi + 1, r, c);
				n = gv_node(rk, name, " ");
				gv_set(n, "style", "invis");
				gv_set(n, "width", "1.9");
			}
			grid[r][c + 1] = n;
		}
		/* keep the row in order and the columns straight */
		for (int c = 0; c < total_cols; c++) {
			Agedge_t *ed = agedge(cl, grid[r][c], grid[r][c + 1], NULL, 0);
			if (!ed) {
				ed = gv_edge(cl, grid[r][c], grid[r][c + 1], NULL);
				gv_set(ed, "style", "invis");
			}
		}
		for (int c = 0; c <= total_cols; c++) {
			Agedge_t *ed = gv_edge(cl, above[c], grid[r][c], NULL);
			gv_set(ed, "style", "invis");
			gv_set(ed, "weight", "20");
			above[c] = grid[r][c];
		}
	}
	*prev_anchor = grid[nrows - 1][0];
	sb_free(&b);
	sb_free(&lab);
}

Agraph_t *gv_build_walk(const struct gv_view *v, char *err, size_t cap)
{
	struct gv_walk w[GV_MAX_WALKS];
	int n = gv_find_walks(v, w, GV_MAX_WALKS);
	if (n == 0) {
		snprintf(err, cap,
		         "no page-table walk in the selected steps (TLB and IOTLB hits and untranslated DMA "
		         "read no entry): nothing to draw");
		return NULL;
	}
	Agraph_t *g = gv_open(v, "walk", "TB", NULL);
	gv_set(g, "nodesep", "0.25");
	gv_set(g, "ranksep", "0.45");
	gv_set(g, "splines", "true");
	Agnode_t *anchor = NULL;
	int shown = n < GV_MAX_WALKS ? n : GV_MAX_WALKS;
	int has2d = 0, refs0 = w[0].nrefs;
	for (int i = 0; i < shown; i++) {
		add_walk(v, g, &w[i], i, &anchor);
		for (uint64_t j = w[i].first; j <= w[i].last; j++)
			if (v->m->trace.ev[j].kind == EV_WALK_REF && v->m->trace.ev[j].walker == WALKER_EPT)
				has2d = 1;
	}
	struct gv_sb b;
	sb_init(&b);
	gv_title(v, &b,
	         has2d ? "Two-dimensional page walk, in hardware order" : "Page walk, in hardware order",
	         has2d ? "二维页表遍历（按硬件顺序）" : "页表遍历（按硬件顺序）");
	sb_printf(&b, "<FONT POINT-SIZE=\"12\">");
	if (has2d)
		sb_esc(&b, gv_tr(v,
		                 "Every guest entry holds a GPA, so EPT must translate it (violet) before "
		                 "the next guest "
		                 "level (blue) can be read.",
		                 "每个客户机表项里存的是 GPA，必须先由 "
		                 "EPT（紫色）转换，才能读取下一级客户机表项（蓝色）。"));
	else
		sb_esc(&b,
		       gv_tr(v, "Numbers give the order of the memory reads.", "数字表示内存读取的顺序。"));
	sb_puts(&b, "<BR ALIGN=\"LEFT\"/>");
	sb_esc(&b, gv_tr(v, "In each box: @ the HPA the entry was read from, = the 8-byte entry it held.",
	                 "每个方框中：@ 表示读取表项的 HPA，= 表示该 8 字节表项的值。"));
	sb_puts(&b, "<BR ALIGN=\"LEFT\"/>");
	if (has2d && refs0 == 24)
		sb_esc(
		    &b,
		    gv_tr(
		        v,
		        "Cold 4-level guest on 4-level EPT: (4+1)×(4+1) − 1 = 24 entry reads, then the data.",
		        "冷启动、4 级客户机页表 + 4 级 EPT：(4+1)×(4+1) − 1 = 24 "
		        "次表项读取，然后才访问数据。"));
	if (n > shown) {
		if (v->lang == LANG_ZH)
			sb_printf(&b, "（另有 %d 次遍历未画出）", n - shown);
		else
			sb_printf(&b, " (%d more walks not drawn)", n - shown);
	}
	sb_puts(&b, "</FONT><BR ALIGN=\"LEFT\"/>");
	gv_set_title(g, sb_str(&b));
	sb_free(&b);
	return g;
}
