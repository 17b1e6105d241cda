/*
 * gv_ring.c — the ring diagram: an e1000 NIC's Rx and Tx descriptor rings
 * as they are in memory, with HEAD and TAIL and who owns each descriptor.
 *
 *        +-----+-------+----------------------+--------+---------+
 *        |  i  | owner | buffer (DMA address) | length | status  |
 *   RDH->|  3  |  HW   | 0xfffff000           |      0 |         |
 *        |  4  |  HW   | 0xffffe000           |      0 |         |
 *        | 5–6 |  HW   | …                    |        |         |
 *   RDT->|  7  |  SW   | 0xffffb000           |     64 | DD EOP  |  <- next_to_clean
 *        +-----+-------+----------------------+--------+---------+
 *
 * Ownership follows the hardware rule (facts 1.5): the NIC owns the
 * descriptors from head (inclusive) to tail (exclusive); head == tail means
 * it owns none. The driver (software) owns the rest. Status bits are
 * decoded from the descriptor bytes (Rx: DD EOP IXSM …, errors; Tx: CMD
 * EOP IFCS RS IDE, STA DD). Buffer addresses are DMA addresses (IOVA, or a
 * physical address without translation) — never CPU virtual addresses.
 *
 * The descriptors are read with mem_read from the ring's memory (the
 * driver's coherent allocation), not through the device. Long rings fold
 * runs of alike descriptors into one row; HEAD, TAIL, next_to_clean and
 * the descriptors the selected steps touched are always shown.
 *
 * Not modelled (drawn): multi-queue NICs (one Rx and one Tx ring), the
 * driver's buffer_info beyond the DMA handle.
 */
#include "gv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "e1000.h"
#include "nic.h"

#define FOLD_MIN 3

static int owner_phys_to_hpa(const struct machine *m, int dev, uint64_t phys, uint64_t *hpa)
{
	int owner = m->devs[dev].d ? m->devs[dev].d->owner_entity : 0;
	if (owner <= 0) {
		*hpa = phys;
		return 0;
	}
	int ok = 0;
	*hpa = vm_gpa_to_hpa(m, owner - 1, phys, &ok);
	return ok ? 0 : -1;
}

struct desc {
	uint64_t addr;
	uint16_t len;
	uint8_t status, errors, cmd, sta;
	int hw;      /* owned by hardware */
	int touched; /* fetched / written back in the selection */
	int mark;    /* head, tail or next_to_clean here */
};

static void status_str(const struct desc *d, int tx, char *buf, size_t cap)
{
	buf[0] = 0;
	size_t n = 0;
#define ADD(cond, s)                                                                                         \
	do {                                                                                                 \
		if ((cond) && n < cap)                                                                       \
			n += (size_t)snprintf(buf + n, cap - n, "%s%s", n ? " " : "", s);                    \
	} while (0)
	if (!tx) {
		ADD(d->status & E1000_RXD_STAT_DD, "DD");
		ADD(d->status & E1000_RXD_STAT_EOP, "EOP");
		ADD(d->status & E1000_RXD_STAT_IXSM, "IXSM");
		ADD(d->status & E1000_RXD_STAT_VP, "VP");
		ADD(d->status & E1000_RXD_STAT_TCPCS, "TCPCS");
		ADD(d->status & E1000_RXD_STAT_IPCS, "IPCS");
		ADD(d->errors, "ERR");
	} else {
		ADD(d->cmd & 0x01, "EOP");
		ADD(d->cmd & 0x02, "IFCS");
		ADD(d->cmd & 0x08, "RS");
		ADD(d->cmd & 0x80, "IDE");
		ADD(d->sta & 0x01, "| DD");
	}
#undef ADD
}

static void touched_from_trace(const struct gv_view *v, int dev, int tx, struct desc *d, uint32_t n)
{
	const struct trace *t = &v->m->trace;
	uint64_t hi = v->ev_hi < t->n ? v->ev_hi : t->n;
	int actor = v->m->devs[dev].entity;
	for (uint64_t i = v->ev_lo; i < hi; i++) {
		const struct ev *e = &t->ev[i];
		if ((e->kind == EV_DESC_FETCH || e->kind == EV_DESC_WB) && e->actor == actor &&
		    (int)e->code == tx && e->extra < n)
			d[e->extra].touched = 1;
	}
}

static Agnode_t *draw_ring(const struct gv_view *v, Agraph_t *g, int dev, int tx, struct gv_sb *b)
{
	const struct machine *m = v->m;
	const struct nic_state *s = nic_get_const(m, dev);
	const struct nic_hw *h = &s->hw;
	const struct drv_e1000 *drv = &s->drv;
	uint32_t len = tx ? h->tdlen : h->rdlen;
	uint32_t n = len / E1000_DESC_SIZE;
	uint32_t head = tx ? h->tdh : h->rdh, tail = tx ? h->tdt : h->rdt;
	uint32_t ntc = tx ? drv->tx_ntc : drv->rx_ntc;
	uint64_t dma = ((uint64_t)(tx ? h->tdbah : h->rdbah) << 32) | (tx ? h->tdbal : h->rdbal);
	uint64_t phys = tx ? drv->tx_ring_phys : drv->rx_ring_phys;
	const char *dname = m->devs[dev].d && m->devs[dev].d->name ? m->devs[dev].d->name : "nic";
	char base[48];
	snprintf(base, sizeof base, "%s_%s", dname, tx ? "tx" : "rx");
	for (char *p = base; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			*p = '_';

	struct desc *d = calloc(n ? n : 1, sizeof *d);
	if (!d)
		return NULL;
	uint64_t hpa = 0;
	int readable = n && phys && owner_phys_to_hpa(m, dev, phys, &hpa) == 0;
	for (uint32_t i = 0; i < n; i++) {
		uint8_t raw[16] = {0};
		if (readable)
			mem_read(&m->mem, hpa + (uint64_t)i * E1000_DESC_SIZE, raw, sizeof raw);
		d[i].addr = le64_load(raw);
		d[i].len = (uint16_t)(raw[8] | raw[9] << 8);
		d[i].status = raw[12];
		d[i].errors = raw[13];
		d[i].cmd = raw[11];
		d[i].sta = raw[12] & 0x0f;
		d[i].hw = nic_hw_owned(head, i, n) < nic_hw_owned(head, tail, n);
		d[i].mark = i == head || i == tail || i == ntc;
	}
	touched_from_trace(v, dev, tx, d, n);

	struct rgb colour = THEME_DEVICE;
	sb_clear(b);
	sb_printf(b, "<TABLE BORDER=\"1\" COLOR=\"%s\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"4\">",
	          gv_hex(colour));
	sb_printf(
	    b, "<TR><TD COLSPAN=\"5\" BGCOLOR=\"%s\" ALIGN=\"LEFT\"><B>%s %s</B>  <FONT POINT-SIZE=\"10\">",
	    gv_tint(colour, 35), dname,
	    tx ? gv_tr(v, "Tx ring", "发送环（Tx）") : gv_tr(v, "Rx ring", "接收环（Rx）"));
	if (v->lang == LANG_ZH)
		sb_printf(b, "%u 个描述符，基址（DMA 地址）<FONT FACE=\"%s\">0x%" PRIx64 "</FONT>", n,
		          GV_MONO, dma);
	else
		sb_printf(b, "%u descriptors at DMA address <FONT FACE=\"%s\">0x%" PRIx64 "</FONT>", n,
		          GV_MONO, dma);
	sb_puts(b, "</FONT></TD></TR>");
	sb_printf(b,
	          "<TR><TD><B>#</B></TD><TD><B>%s</B></TD><TD><B>%s</B></TD><TD><B>%s</B></TD><TD><B>%s</B></"
	          "TD></TR>",
	          gv_tr(v, "owner", "所有者"), gv_tr(v, "buffer (DMA address)", "缓冲区（DMA 地址）"),
	          gv_tr(v, "length", "长度"),
	          tx ? gv_tr(v, "CMD | STA", "CMD | STA") : gv_tr(v, "status", "状态"));
	char st[64];
	for (uint32_t i = 0; i < n;) {
		/* fold a run of alike descriptors with nothing to point at */
		uint32_t j = i;
		while (j + 1 < n && !d[i].mark && !d[j + 1].mark && d[j + 1].touched == d[i].touched &&
		       d[j + 1].hw == d[i].hw && d[j + 1].status == d[i].status && d[j + 1].len == d[i].len &&
		       d[j + 1].cmd == d[i].cmd)
			j++;
		if (j - i + 1 < FOLD_MIN)
			j = i;
		const char *bg = d[i].hw ? gv_tint(colour, 14) : "#FFFFFF";
		status_str(&d[i], tx, st, sizeof st);
		/* touched in the selection: a star on a yellow index cell (owner colour stays) */
		sb_printf(b, "<TR><TD BGCOLOR=\"%s\" PORT=\"d%u\" ALIGN=\"RIGHT\"><FONT FACE=\"%s\">%s",
		          d[i].touched ? gv_tint(THEME_ACTIVE, 60) : bg, i, GV_MONO,
		          d[i].touched ? "★ " : "");
		if (j > i)
			sb_printf(b, "%u–%u", i, j);
		else
			sb_printf(b, "%u", i);
		sb_printf(b,
		          "</FONT></TD><TD BGCOLOR=\"%s\"><B>%s</B></TD><TD BGCOLOR=\"%s\" "
		          "ALIGN=\"LEFT\"><FONT FACE=\"%s\">",
		          bg, d[i].hw ? gv_tr(v, "HW", "硬件") : gv_tr(v, "SW", "软件"), bg, GV_MONO);
		if (j > i)
			sb_printf(b, "0x%" PRIx64 " …", d[i].addr);
		else
			sb_printf(b, "0x%" PRIx64, d[i].addr);
		sb_printf(b,
		          "</FONT></TD><TD BGCOLOR=\"%s\" ALIGN=\"RIGHT\">%u</TD><TD BGCOLOR=\"%s\" "
		          "ALIGN=\"LEFT\" PORT=\"e%u\">",
		          bg, d[i].len, bg, i);
		sb_esc(b, st);
		sb_puts(b, "</TD></TR>");
		i = j + 1;
	}
	if (n == 0)
		sb_printf(b, "<TR><TD COLSPAN=\"5\">%s</TD></TR>",
		          gv_tr(v, "(ring not set up: run nic.probe)", "（环尚未建立：先执行 nic.probe）"));
	sb_puts(b, "</TABLE>");
	char name[64];
	snprintf(name, sizeof name, "%s_ring", base);
	/* all rings in one column, Rx above Tx (creation order) */
	Agraph_t *col = gv_rank_same(g, "rank_rings");
	Agnode_t *ring = gv_node(col, name, sb_str(b));
	gv_set(ring, "shape", "plain");
	gv_set(ring, "style", "");

	if (n) {
		/* HEAD and TAIL markers */
		struct {
			const char *suffix, *reg, *who_en, *who_zh;
			uint32_t at;
			int left;
		} mk[3] = {
		    {"head", tx ? "TDH" : "RDH", "HEAD: the NIC works here next",
		     "HEAD：网卡下一个处理的位置", head, 1},
		    {"tail", tx ? "TDT" : "RDT", "TAIL: the driver hands over up to here",
		     "TAIL：驱动交给硬件的边界", tail, 1},
		    {"ntc", "next_to_clean", "driver: next to clean", "驱动：下一个待清理", ntc, 0},
		};
		for (int k = 0; k < 3; k++) {
			snprintf(name, sizeof name, "%s_%s", base, mk[k].suffix);
			sb_clear(b);
			sb_printf(b, "<B>%s = %u</B><BR/><FONT POINT-SIZE=\"10\">%s</FONT>", mk[k].reg,
			          mk[k].at, gv_tr(v, mk[k].who_en, mk[k].who_zh));
			Agnode_t *mn = gv_node(g, name, sb_str(b));
			gv_set(mn, "shape", "box");
			gv_set(mn, "style", k < 2 ? "rounded,filled,bold" : "rounded,filled");
			gv_set(mn, "fillcolor",
			       k == 0   ? gv_tint(THEME_DEVICE, 30)
			       : k == 1 ? gv_tint(THEME_KERNEL, 25)
			                : "#FFFFFF");
			gv_set(mn, "color",
			       k == 0   ? gv_hex(THEME_DEVICE)
			       : k == 1 ? gv_hex(THEME_KERNEL)
			                : gv_hex(THEME_MUTED));
			Agedge_t *e = mk[k].left ? gv_edge(g, mn, ring, NULL) : gv_edge(g, ring, mn, NULL);
			char port[16];
			if (mk[k].left) {
				snprintf(port, sizeof port, "d%u:w", mk[k].at);
				gv_set(e, "headport", port);
				gv_set(e, "penwidth", "2.5");
			} else {
				snprintf(port, sizeof port, "e%u:e", mk[k].at);
				gv_set(e, "tailport", port);
				gv_set(e, "dir", "back");
				gv_set(e, "style", "dashed");
			}
			gv_set(e, "color",
			       k == 0   ? gv_hex(THEME_DEVICE)
			       : k == 1 ? gv_hex(THEME_KERNEL)
			                : gv_hex(THEME_MUTED));
		}
	}
	free(d);
	return ring;
}

static int nic_ready(const struct machine *m, int i)
{
	return m->devs[i].d && m->devs[i].d->type_id == DEV_E1000 && m->devs[i].state;
}

Agraph_t *gv_build_ring(const struct gv_view *v, char *err, size_t cap)
{
	const struct machine *m = v->m;
	int any = 0;
	for (int i = 0; i < m->ndevs; i++)
		if (nic_ready(m, i))
			any = 1;
	if (!any) {
		snprintf(err, cap, "this scenario has no e1000 NIC: no descriptor ring to draw");
		return NULL;
	}
	Agraph_t *g = gv_open(v, "ring", "LR", NULL);
	gv_set(g, "nodesep", "0.3");
	gv_set(g, "ranksep", "0.5");
	struct gv_sb b;
	sb_init(&b);
	Agnode_t *prev = NULL;
	for (int i = 0; i < m->ndevs; i++) {
		if (!nic_ready(m, i))
			continue;
		for (int tx = 0; tx < 2; tx++) {
			Agnode_t *r = draw_ring(v, g, i, tx, &b);
			if (prev && r) {
				/* keep Rx above Tx, device after device */
				Agedge_t *e = gv_edge(agsubg(g, (char *)"rank_rings", 1), prev, r, NULL);
				gv_set(e, "style", "invis");
			}
			if (r)
				prev = r;
		}
	}
	sb_clear(&b);
	gv_title(v, &b, "NIC descriptor rings", "网卡描述符环");
	sb_puts(&b, "<FONT POINT-SIZE=\"12\">");
	gv_wrap(&b,
	        gv_tr(v,
	              "HW: owned by the NIC, from HEAD (inclusive) to TAIL (exclusive); SW: owned by the "
	              "driver. HEAD = TAIL "
	              "means the NIC owns nothing. The NIC advances HEAD and writes DD back; the driver "
	              "advances TAIL. "
	              "Buffer addresses are DMA addresses (IOVA or physical), never CPU virtual addresses. "
	              "(★) descriptors the selected steps fetched or wrote back.",
	              "硬件：由网卡拥有，从 HEAD（含）到 TAIL（不含）；软件：由驱动拥有。HEAD = TAIL "
	              "表示网卡什么也不拥有。"
	              "网卡推进 HEAD 并回写 DD；驱动推进 TAIL。缓冲区地址是 DMA 地址（IOVA "
	              "或物理地址），绝不是 CPU 虚拟地址。"
	              "（★）所选步骤中网卡读取或回写过的描述符。"),
	        110);
	sb_puts(&b, "</FONT><BR ALIGN=\"LEFT\"/>");
	gv_set_title(g, sb_str(&b));
	sb_free(&b);
	return g;
}
