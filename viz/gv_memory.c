/*
 * gv_memory.c — the memory diagram: host physical memory as a map of
 * regions coloured by owner, and each VM's GPA space with arrows to the
 * (possibly scattered) HPA ranges behind it.
 *
 *   vm1 GPA space                 host physical memory (HPA)
 *   +----------------------+      +--------------------------------------+
 *   | 0x0       32 MiB RAM |--+   | 0x0        host RAM        host      |
 *   | 0x2000000 32 MiB RAM |-+ +->| 0x4000000  RAM of vm1      vm1       |
 *   | 0xfebf... MMIO(exits)| |    | 0x6000000  host RAM        host      |
 *   +----------------------+ +--->| 0x9000000  RAM of vm1      vm1       |
 *                                 | 0xfebf0000 BAR0 of nic0    nic0      |
 *                                 +--------------------------------------+
 *
 * Rows of the HPA map are the owner map's spans (mem.h) in address order;
 * the labelled allocations inside a span (page tables, rings, buffers:
 * mem notes) are listed under it, folded by label. Holes between spans
 * are shown so MMIO high up reads as "far away". Spans the selected steps
 * touched (mem.read / mem.write / device DMA) are marked with what
 * happened there. Sizes are printed, not drawn to scale (a 4 KiB ring
 * next to 32 MiB of RAM would vanish).
 *
 * Not modelled (drawn): the guest's own view of its MMIO beyond the
 * windows the scenario declares; host virtual addresses of QEMU.
 */
#include "gv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NOTES_PER_SPAN 6
#define MAX_TOUCH_PER_SPAN 3

static const char *owner_colour(const struct machine *m, int owner)
{
	enum entity_kind k = entity_kind(m, owner);
	int idx = k == ENT_VM ? owner - 1 : k == ENT_DEVICE ? owner - m->nvms - 1 : 0;
	return gv_hex(theme_owner((int)k, idx));
}

/* The model's region labels are English identifiers-in-words; in a Chinese
 * diagram the common ones read in Chinese ("RAM of vm1 (GPA 0x0)" ->
 * "vm1 的内存 (GPA 0x0)"). Unknown labels pass through. */
static void label_tr(const struct gv_view *v, const char *in, char *out, size_t cap)
{
	static const struct {
		const char *en, *zh; /* zh: %s = the owner after "of " */
		int of;
	} t[] = {
	    {"host RAM", "宿主机内存", 0},
	    {"host page tables", "宿主机页表", 0},
	    {"RAM of ", "%s 的内存", 1},
	    {"MMIO BAR0 of ", "%s 的 MMIO BAR0", 1},
	    {"page tables of ", "%s 的页表", 1},
	    {"EPT tables of ", "%s 的 EPT 页表", 1},
	    {"EPT tables", "EPT 页表", 0},
	    {"vt-d root table", "VT-d 根表", 0},
	    {"vt-d context table", "VT-d 上下文表", 0},
	    {"vt-d invalidation queue", "VT-d 失效队列", 0},
	    {"vt-d second-level table", "VT-d 二级页表", 0},
	    {"swiotlb bounce pool", "swiotlb 反弹缓冲池", 0},
	    {"skb data", "skb 数据缓冲区", 0},
	};
	snprintf(out, cap, "%s", in);
	if (v->lang != LANG_ZH)
		return;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		size_t l = strlen(t[i].en);
		if (strncmp(in, t[i].en, l) != 0)
			continue;
		const char *rest = in + l;
		if (t[i].of) {
			char who[MEM_LABEL_LEN];
			size_t w = strcspn(rest, " ");
			if (w >= sizeof who)
				w = sizeof who - 1;
			memcpy(who, rest, w);
			who[w] = 0;
			char head[96];
			snprintf(head, sizeof head, t[i].zh, who);
			snprintf(out, cap, "%s%s", head, rest + w);
		} else {
			snprintf(out, cap, "%s%s", t[i].zh, rest);
		}
		return;
	}
}

/* Notes fold by label up to " (": "page tables of vm1 (GPA 0x3fff000)" and
 * "page tables of vm1 (GPA 0x3ffe000)" are one row "page tables of vm1 ×2". */
static int same_note(const char *a, const char *b)
{
	const char *pa = strstr(a, " ("), *pb = strstr(b, " (");
	size_t la = pa ? (size_t)(pa - a) : strlen(a), lb = pb ? (size_t)(pb - b) : strlen(b);
	return la == lb && strncmp(a, b, la) == 0;
}

static void range_str(uint64_t base, uint64_t size, char *buf, size_t cap)
{
	snprintf(buf, cap, "0x%" PRIx64 " – 0x%" PRIx64, base, base + size - 1);
}

Agraph_t *gv_build_memory(const struct gv_view *v, char *err, size_t cap)
{
	const struct machine *m = v->m;
	const struct mem *mem = &m->mem;
	if (mem->nspans == 0) {
		snprintf(err, cap, "the machine has no memory map");
		return NULL;
	}
	Agraph_t *g = gv_open(v, "memory", "LR", NULL);
	gv_set(g, "nodesep", "0.4");
	gv_set(g, "ranksep", "1.6");
	struct gv_sb b;
	sb_init(&b);
	char sz[32], rg[64];

	/* accesses in the selection, per span */
	const struct trace *t = &m->trace;
	uint64_t hi = v->ev_hi < t->n ? v->ev_hi : t->n;
	int *touches = calloc((size_t)mem->nspans, sizeof *touches);

	/* the HPA map */
	sb_printf(&b,
	          "<TABLE BORDER=\"1\" COLOR=\"%s\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"4\">",
	          gv_hex(THEME_MEMORY));
	sb_printf(&b,
	          "<TR><TD COLSPAN=\"4\" BGCOLOR=\"%s\"><FONT COLOR=\"#FFFFFF\"><B>%s</B></FONT></TD></TR>",
	          gv_hex(THEME_MEMORY), gv_tr(v, "Host physical memory (HPA)", "宿主机物理内存（HPA）"));
	uint64_t prev_end = 0;
	for (int i = 0; i < mem->nspans; i++) {
		const struct span *s = &mem->spans[i];
		if (s->base > prev_end) {
			gv_size_str(s->base - prev_end, sz, sizeof sz);
			range_str(prev_end, s->base - prev_end, rg, sizeof rg);
			sb_printf(&b,
			          "<TR><TD ALIGN=\"LEFT\"><FONT FACE=\"%s\" POINT-SIZE=\"10\" "
			          "COLOR=\"%s\">%s</FONT></TD>"
			          "<TD ALIGN=\"RIGHT\"><FONT POINT-SIZE=\"10\" COLOR=\"%s\">%s</FONT></TD>"
			          "<TD ALIGN=\"LEFT\" COLSPAN=\"2\"><FONT POINT-SIZE=\"10\" "
			          "COLOR=\"%s\"><I>%s</I></FONT></TD></TR>",
			          GV_MONO, gv_hex(THEME_MUTED), rg, gv_hex(THEME_MUTED), sz,
			          gv_hex(THEME_MUTED), gv_tr(v, "(nothing here)", "（空洞）"));
		}
		const char *bg = owner_colour(m, s->owner);
		gv_size_str(s->size, sz, sizeof sz);
		range_str(s->base, s->size, rg, sizeof rg);
		const char *kind = s->kind == SPAN_MMIO       ? "MMIO"
		                   : s->kind == SPAN_RESERVED ? gv_tr(v, "reserved", "保留")
		                                              : "RAM";
		sb_printf(&b,
		          "<TR><TD BGCOLOR=\"%s\" ALIGN=\"LEFT\" PORT=\"s%d\"><FONT FACE=\"%s\" "
		          "POINT-SIZE=\"11\">%s</FONT></TD>"
		          "<TD BGCOLOR=\"%s\" ALIGN=\"RIGHT\">%s</TD><TD BGCOLOR=\"%s\" ALIGN=\"LEFT\"><B>",
		          bg, i, GV_MONO, rg, bg, sz, bg);
		char lab[128];
		label_tr(v, s->label, lab, sizeof lab);
		sb_esc(&b, lab);
		sb_printf(&b,
		          "</B> <FONT POINT-SIZE=\"10\">(%s)</FONT></TD><TD BGCOLOR=\"%s\" ALIGN=\"LEFT\" "
		          "PORT=\"o%d\">",
		          kind, bg, i);
		sb_esc(&b, entity_name(m, s->owner));
		sb_puts(&b, "</TD></TR>");
		/* notes inside, folded by label */
		int shown = 0, more = 0;
		for (int j = 0; j < mem->nnotes; j++) {
			const struct mem_note *n = &mem->notes[j];
			if (n->base < s->base || n->base >= s->base + s->size)
				continue;
			if (j > 0 && same_note(mem->notes[j - 1].label, n->label) &&
			    mem->notes[j - 1].base >= s->base && mem->notes[j - 1].base < s->base + s->size)
				continue; /* folded into the first of its run */
			int cnt = 1;
			uint64_t lo = n->base, hi2 = n->base + n->size;
			for (int k = j + 1; k < mem->nnotes && same_note(mem->notes[k].label, n->label);
			     k++) {
				const struct mem_note *q = &mem->notes[k];
				if (q->base < s->base || q->base >= s->base + s->size)
					break;
				cnt++;
				if (q->base < lo)
					lo = q->base;
				if (q->base + q->size > hi2)
					hi2 = q->base + q->size;
			}
			if (shown >= MAX_NOTES_PER_SPAN) {
				more++;
				continue;
			}
			shown++;
			range_str(lo, hi2 - lo, rg, sizeof rg);
			gv_size_str(hi2 - lo, sz, sizeof sz);
			sb_printf(&b,
			          "<TR><TD BGCOLOR=\"%s\" ALIGN=\"LEFT\"><FONT FACE=\"%s\" POINT-SIZE=\"9\"> "
			          "  %s</FONT></TD>"
			          "<TD BGCOLOR=\"%s\" ALIGN=\"RIGHT\"><FONT POINT-SIZE=\"9\">%s</FONT></TD>"
			          "<TD BGCOLOR=\"%s\" ALIGN=\"LEFT\" COLSPAN=\"2\"><FONT POINT-SIZE=\"9\">↳ ",
			          gv_tint(theme_owner(0, 0), 0), GV_MONO, rg, gv_tint(theme_owner(0, 0), 0),
			          sz, gv_tint(theme_owner(0, 0), 0));
			if (cnt > 1) {
				const char *p = strstr(n->label, " (");
				char head[MEM_LABEL_LEN];
				size_t l = p ? (size_t)(p - n->label) : strlen(n->label);
				memcpy(head, n->label, l);
				head[l] = 0;
				char tl[128];
				label_tr(v, head, tl, sizeof tl);
				sb_esc(&b, tl);
				sb_printf(&b, " ×%d", cnt);
			} else {
				char tl[128];
				label_tr(v, n->label, tl, sizeof tl);
				sb_esc(&b, tl);
			}
			sb_puts(&b, "</FONT></TD></TR>");
		}
		if (more)
			sb_printf(&b,
			          "<TR><TD COLSPAN=\"4\" ALIGN=\"LEFT\"><FONT POINT-SIZE=\"9\" COLOR=\"%s\"> "
			          "  %s %d</FONT></TD></TR>",
			          gv_hex(THEME_MUTED), gv_tr(v, "… more allocations:", "……更多分配："), more);
		/* what the selection did here */
		int nt = 0;
		for (uint64_t e = v->ev_lo; e < hi; e++) {
			const struct ev *x = &t->ev[e];
			int write;
			uint64_t a;
			if (x->kind == EV_MEM_READ || x->kind == EV_MEM_WRITE) {
				write = x->kind == EV_MEM_WRITE;
				a = x->addr_in;
			} else if (x->kind == EV_MMIO) {
				write = (x->flags & EVF_WRITE) != 0;
				a = x->addr_in;
			} else {
				continue;
			}
			if (a < s->base || a >= s->base + s->size)
				continue;
			touches[i]++;
			if (nt++ >= MAX_TOUCH_PER_SPAN)
				continue;
			sb_printf(&b,
			          "<TR><TD COLSPAN=\"4\" BGCOLOR=\"%s\" ALIGN=\"LEFT\"><FONT "
			          "POINT-SIZE=\"10\">   ★ ",
			          gv_tint(THEME_ACTIVE, 45));
			if (v->lang == LANG_ZH)
				sb_printf(&b, "第 %u 步：", x->step + 1);
			else
				sb_printf(&b, "step %u: ", x->step + 1);
			sb_esc(&b, entity_name(m, x->actor));
			sb_printf(&b, " %s %u %s @ <FONT FACE=\"%s\">0x%" PRIx64 "</FONT></FONT></TD></TR>",
			          write ? gv_tr(v, "writes", "写入") : gv_tr(v, "reads", "读取"), x->len,
			          gv_tr(v, "B", "字节"), GV_MONO, a);
		}
		if (nt > MAX_TOUCH_PER_SPAN)
			sb_printf(&b,
			          "<TR><TD COLSPAN=\"4\" BGCOLOR=\"%s\" ALIGN=\"LEFT\"><FONT "
			          "POINT-SIZE=\"10\">   ★ %s %d</FONT></TD></TR>",
			          gv_tint(THEME_ACTIVE, 45), gv_tr(v, "… more accesses:", "……更多访问："),
			          nt - MAX_TOUCH_PER_SPAN);
		prev_end = s->base + s->size;
	}
	sb_puts(&b, "</TABLE>");
	Agnode_t *hpa = gv_node(g, "hpa_map", sb_str(&b));
	gv_set(hpa, "shape", "plain");
	gv_set(hpa, "style", "");

	/* each VM's GPA space */
	for (int i = 0; i < m->nvms; i++) {
		const struct vm_desc *d = m->vms[i].d;
		if (!d)
			continue;
		struct rgb c = theme_owner(1, i);
		sb_clear(&b);
		sb_printf(
		    &b,
		    "<TABLE BORDER=\"1\" COLOR=\"%s\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"4\">",
		    gv_hex(THEME_MEMORY));
		sb_printf(&b, "<TR><TD COLSPAN=\"3\" BGCOLOR=\"%s\"><B>", gv_hex(c));
		sb_esc(&b, entity_name(m, m->vms[i].entity));
		sb_printf(&b, "</B> — %s</TD></TR>",
		          gv_tr(v, "guest physical (GPA)", "客户机物理地址（GPA）"));
		for (int r = 0; r < d->nram; r++) {
			gv_size_str(d->ram[r].size, sz, sizeof sz);
			range_str(d->ram[r].gpa, d->ram[r].size, rg, sizeof rg);
			sb_printf(&b,
			          "<TR><TD ALIGN=\"LEFT\"><FONT FACE=\"%s\" "
			          "POINT-SIZE=\"11\">%s</FONT></TD><TD ALIGN=\"RIGHT\">%s</TD>"
			          "<TD ALIGN=\"LEFT\" PORT=\"r%d\">RAM</TD></TR>",
			          GV_MONO, rg, sz, r);
		}
		for (int k = 0; k < d->nmmio; k++) {
			gv_size_str(d->mmio[k].size, sz, sizeof sz);
			range_str(d->mmio[k].gpa, d->mmio[k].size, rg, sizeof rg);
			sb_printf(&b,
			          "<TR><TD ALIGN=\"LEFT\"><FONT FACE=\"%s\" "
			          "POINT-SIZE=\"11\">%s</FONT></TD><TD ALIGN=\"RIGHT\">%s</TD>"
			          "<TD ALIGN=\"LEFT\"><FONT COLOR=\"%s\">MMIO ",
			          GV_MONO, rg, sz, gv_hex(THEME_EPT));
			sb_esc(&b, d->mmio[k].label ? d->mmio[k].label : "");
			sb_printf(&b, " %s</FONT></TD></TR>",
			          gv_tr(v, "(no HPA: exits to KVM)", "（无 HPA：退出到 KVM）"));
		}
		for (int k = 0; k < m->ndevs; k++) {
			const struct device_desc *dd = m->devs[k].d;
			if (!dd || dd->owner_entity != m->vms[i].entity || !dd->guest_bar0 || !dd->bar0_size)
				continue;
			gv_size_str(dd->bar0_size, sz, sizeof sz);
			range_str(dd->guest_bar0, dd->bar0_size, rg, sizeof rg);
			sb_printf(&b,
			          "<TR><TD ALIGN=\"LEFT\"><FONT FACE=\"%s\" "
			          "POINT-SIZE=\"11\">%s</FONT></TD><TD ALIGN=\"RIGHT\">%s</TD>"
			          "<TD ALIGN=\"LEFT\" PORT=\"d%d\">BAR0 ",
			          GV_MONO, rg, sz, k);
			sb_esc(&b, dd->name ? dd->name : "");
			sb_puts(&b, "</TD></TR>");
		}
		sb_puts(&b, "</TABLE>");
		char name[32];
		snprintf(name, sizeof name, "gpa_vm%d", i);
		Agnode_t *gn = gv_node(g, name, sb_str(&b));
		gv_set(gn, "shape", "plain");
		gv_set(gn, "style", "");
		for (int r = 0; r < d->nram; r++) {
			const struct span *s = mem_span_at(mem, d->ram[r].hpa);
			if (!s)
				continue;
			int si = (int)(s - mem->spans);
			Agedge_t *e = gv_edge(g, gn, hpa, NULL);
			char port[16];
			snprintf(port, sizeof port, "r%d:e", r);
			gv_set(e, "tailport", port);
			snprintf(port, sizeof port, "s%d:w", si);
			gv_set(e, "headport", port);
			gv_set(e, "color", gv_hex(c));
			gv_set(e, "penwidth", "3");
			sb_clear(&b);
			sb_printf(&b, "<FONT FACE=\"%s\">GPA 0x%" PRIx64 " → HPA 0x%" PRIx64 "</FONT>",
			          GV_MONO, d->ram[r].gpa, d->ram[r].hpa);
			gv_set(e, "label", "");
			char *h = agstrdup_html(g, (char *)sb_str(&b));
			agsafeset(e, (char *)"label", h, (char *)"");
			agstrfree(g, h);
		}
		for (int k = 0; k < m->ndevs; k++) {
			const struct device_desc *dd = m->devs[k].d;
			if (!dd || dd->owner_entity != m->vms[i].entity || !dd->guest_bar0 || !dd->bar0_size)
				continue;
			const struct span *s = mem_span_at(mem, dd->bar0);
			if (!s)
				continue;
			Agedge_t *e = gv_edge(g, gn, hpa, NULL);
			char port[16];
			snprintf(port, sizeof port, "d%d:e", k);
			gv_set(e, "tailport", port);
			snprintf(port, sizeof port, "s%d:w", (int)(s - mem->spans));
			gv_set(e, "headport", port);
			gv_set(e, "color", gv_hex(THEME_DEVICE));
			gv_set(e, "style", "dashed");
		}
	}
	free(touches);

	{
		struct gv_sb w;
		sb_init(&w);
		gv_title(v, &w, "Memory map: who owns which physical memory",
		         "内存布局：每段物理内存归谁所有");
		sb_puts(&w, "<FONT POINT-SIZE=\"12\">");
		gv_wrap(&w,
		        gv_tr(v,
		              "Colours: owner (grey = host, one colour per VM, orange = device MMIO). "
		              "Arrows: how each VM's "
		              "contiguous GPA space is backed by scattered HPA ranges (what EPT and the VFIO "
		              "IOMMU domain map). "
		              "Sizes are printed, not drawn to scale.",
		              "颜色表示所有者（灰色 = 宿主机，每个虚拟机一种颜色，橙色 = 设备 "
		              "MMIO）。箭头表示每个虚拟机连续的 GPA "
		              "空间由哪些分散的 HPA 区间支撑（即 EPT 和 VFIO 的 IOMMU "
		              "域所映射的内容）。大小只标注，不按比例绘制。"),
		        100);
		sb_puts(&w, "</FONT><BR ALIGN=\"LEFT\"/>");
		gv_set_title(g, sb_str(&w));
		sb_free(&w);
	}
	sb_free(&b);
	return g;
}
