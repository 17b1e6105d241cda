/*
 * gv_boot.c — the boot diagram: how firmware, kernel configuration and the
 * command line decide each device's DMA domain. It is the source Q&A's
 * boot flowchart, made correct (facts 2.2, invariant 23, errors E3–E10):
 *
 *   firmware: ACPI DMAR table? ──no──────────────────────────┐
 *        │ yes                                                │
 *   kernel: Intel IOMMU on?  (intel_iommu=on|off, iommu=off,  │
 *           CONFIG_INTEL_IOMMU_DEFAULT_ON) ──off──────────────┤
 *        │ on                                                 v
 *   intel-iommu: root/context tables, SRTP, then TE = 1     none: dma-direct,
 *        │                                                  DMA address = PA,
 *   default domain: iommu=pt / iommu.passthrough=1 /        no groups, no VFIO
 *           CONFIG_IOMMU_DEFAULT_PASSTHROUGH?
 *        ├─ pt ──> identity (context TT = 10; the IOMMU still reads
 *        │         root and context entries: "bypass" is only of the address)
 *        └─ translated ──> strict? (iommu.strict=1, DMA_STRICT, CAP.CM = 1)
 *                              ├─ yes ──> DMA (strict)
 *                              └─ no ───> DMA-FQ (lazy, the x86 default)
 *   per device: untrusted ──> DMA even under pt;  owned by a VM ──> VFIO
 *   replaces the default with an UNMANAGED domain (IOVA = GPA -> HPA).
 *
 * The path this scenario took is drawn bold and filled; the branches it did
 * not take are grey. The decisions come from boot_decide() and
 * boot_device_domain() (core/boot.c), the same code the machine booted
 * with, so the picture cannot disagree with the run.
 *
 * Not modelled (drawn): TXT/tboot or firmware DMA-protection forcing the
 * IOMMU on, scalable mode, the sysfs group-type override.
 */
#include "gv.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "boot.h"

enum bn { B_FW, B_KERNEL, B_NONE, B_ENABLE, B_DEFAULT, B_IDENTITY, B_STRICTQ, B_DMA, B_DMAFQ, B_N };

static void style_node(Agnode_t *n, int taken, int decision)
{
	gv_set(n, "shape", decision ? "diamond" : "box");
	if (decision)
		gv_set(n, "style", "filled");
	if (taken) {
		gv_set(n, "fillcolor", gv_tint(THEME_ACTIVE, 40));
		gv_set(n, "color", gv_hex(THEME_INK));
		gv_set(n, "penwidth", "2.5");
	} else {
		gv_set(n, "fillcolor", "#FFFFFF");
		gv_set(n, "color", gv_hex(THEME_GRID));
		gv_set(n, "fontcolor", gv_hex(THEME_MUTED));
	}
}

static void style_edge(Agedge_t *e, int taken)
{
	if (taken) {
		gv_set(e, "penwidth", "3");
		gv_set(e, "color", gv_hex(THEME_INK));
	} else {
		gv_set(e, "color", gv_hex(THEME_GRID));
		gv_set(e, "fontcolor", gv_hex(THEME_MUTED));
		gv_set(e, "style", "dashed");
	}
}

Agraph_t *gv_build_boot(const struct gv_view *v, char *err, size_t cap)
{
	const struct machine *m = v->m;
	if (!m->d) {
		snprintf(err, cap, "no machine description");
		return NULL;
	}
	const struct boot_desc *bd = &m->d->boot;
	struct boot_state bs;
	boot_decide(bd, &bs);
	int zh = v->lang == LANG_ZH;

	Agraph_t *g = gv_open(v, "boot", "TB", NULL);
	gv_set(g, "nodesep", "0.45");
	gv_set(g, "ranksep", "0.55");
	struct gv_sb b;
	sb_init(&b);

	int t[B_N] = {0};
	t[B_FW] = 1;
	t[B_KERNEL] = bs.dmar_present;
	t[B_NONE] = !bs.enabled;
	t[B_ENABLE] = bs.enabled;
	t[B_DEFAULT] = bs.enabled;
	/* which global default applies to a trusted host device */
	int any_identity = 0, any_dma = 0, any_fq = 0;
	for (int i = 0; i < m->ndevs; i++) {
		const struct device_desc *dd = m->devs[i].d;
		if (!dd || dd->owner_entity > 0)
			continue;
		enum boot_reason why;
		enum dom_type dt = boot_device_domain(&bs, bd, dd, &why);
		any_identity |= dt == DOM_IDENTITY;
		any_dma |= dt == DOM_DMA;
		any_fq |= dt == DOM_DMA_FQ;
	}
	if (bs.enabled) {
		/* the global path, then the boxes devices actually reached (an
		 * untrusted device reaches DMA even when the default is identity) */
		int translated = bs.def_type != DOM_IDENTITY;
		int strict = bs.strict || bd->cap_cm;
		t[B_IDENTITY] = !translated || any_identity;
		t[B_STRICTQ] = translated;
		t[B_DMA] = (translated && strict) || any_dma;
		t[B_DMAFQ] = (translated && !strict) || any_fq;
	}

	static const char *const en[B_N] = {
	    [B_FW] = "Firmware: is there an ACPI DMAR table?\n(VT-d enabled in the BIOS/UEFI setup)",
	    [B_KERNEL] = "Kernel: is the Intel IOMMU on?\nintel_iommu=on|off · "
	                 "iommu=off\nCONFIG_INTEL_IOMMU_DEFAULT_ON",
	    [B_NONE] = "No DMA remapping\ndma-direct: DMA address = physical address\nno isolation, no IOMMU "
	               "groups → no VFIO",
	    [B_ENABLE] = "intel-iommu driver builds root + context tables,\nloads them (GCMD.SRTP), then "
	                 "sets GCMD.TE = 1",
	    [B_DEFAULT] =
	        "Default domain type?\niommu=pt · iommu.passthrough=0|1\nCONFIG_IOMMU_DEFAULT_PASSTHROUGH",
	    [B_IDENTITY] = "identity (pass-through)\ncontext entry TT = 10: IOVA = physical address\nroot "
	                   "and context entries are still read",
	    [B_STRICTQ] =
	        "Invalidation on unmap?\niommu.strict=0|1 · CONFIG_IOMMU_DEFAULT_DMA_STRICT\ncaching mode "
	        "(CAP.CM = 1, a vIOMMU) forces strict",
	    [B_DMA] = "DMA (translated, strict)\nunmap invalidates the IOTLB before it returns",
	    [B_DMAFQ] = "DMA-FQ (translated, lazy) — the x86 default\nunmap queues the IOVA; flush after ≤ "
	                "256 unmaps or 10 ms",
	};
	static const char *const zhs[B_N] = {
	    [B_FW] = "固件：是否有 ACPI DMAR 表？\n（在 BIOS/UEFI 中启用 VT-d）",
	    [B_KERNEL] =
	        "内核：Intel IOMMU 是否开启？\nintel_iommu=on|off · iommu=off\nCONFIG_INTEL_IOMMU_DEFAULT_ON",
	    [B_NONE] =
	        "不做 DMA 重映射\ndma-direct：DMA 地址 = 物理地址\n没有隔离，没有 IOMMU 组 → 无法使用 VFIO",
	    [B_ENABLE] = "intel-iommu 驱动建立根表和上下文表，\n加载（GCMD.SRTP），然后置 GCMD.TE = 1",
	    [B_DEFAULT] = "默认域类型？\niommu=pt · iommu.passthrough=0|1\nCONFIG_IOMMU_DEFAULT_PASSTHROUGH",
	    [B_IDENTITY] =
	        "identity（直通）\n上下文表项 TT = 10：IOVA = 物理地址\n仍然要读取根表项和上下文表项",
	    [B_STRICTQ] = "解除映射时如何失效？\niommu.strict=0|1 · "
	                  "CONFIG_IOMMU_DEFAULT_DMA_STRICT\n缓存模式（CAP.CM = 1，虚拟 IOMMU）强制严格模式",
	    [B_DMA] = "DMA（转换，严格模式）\nunmap 返回前就使 IOTLB 失效",
	    [B_DMAFQ] =
	        "DMA-FQ（转换，延迟模式）—— x86 默认\nunmap 把 IOVA 放入刷新队列；≤ 256 次或 10 ms 后刷新",
	};
	static const char *const names[B_N] = {"fw",       "kernel",  "none", "enable", "default",
	                                       "identity", "strictq", "dma",  "dmafq"};
	int decision[B_N] = {[B_FW] = 1, [B_KERNEL] = 1, [B_DEFAULT] = 1, [B_STRICTQ] = 1};
	Agnode_t *n[B_N];
	for (int i = 0; i < B_N; i++) {
		sb_clear(&b);
		const char *txt = zh ? zhs[i] : en[i];
		const char *nl = strchr(txt, '\n');
		sb_puts(&b, "<B>");
		if (nl) {
			char first[160];
			size_t l =
			    (size_t)(nl - txt) < sizeof first - 1 ? (size_t)(nl - txt) : sizeof first - 1;
			memcpy(first, txt, l);
			first[l] = 0;
			sb_esc(&b, first);
			sb_puts(&b, "</B><BR/><FONT POINT-SIZE=\"10\">");
			sb_esc(&b, nl + 1);
			sb_puts(&b, "</FONT>");
		} else {
			sb_esc(&b, txt);
			sb_puts(&b, "</B>");
		}
		n[i] = gv_node(g, names[i], sb_str(&b));
		style_node(n[i], t[i], decision[i]);
	}
	struct {
		int a, bnode;
		const char *en, *zh;
		int taken;
	} edges[] = {
	    {B_FW, B_KERNEL, "yes", "有", bs.dmar_present},
	    {B_FW, B_NONE, "no", "没有", !bs.dmar_present},
	    {B_KERNEL, B_ENABLE, "on", "开启", bs.enabled},
	    {B_KERNEL, B_NONE, "off", "关闭", bs.dmar_present && !bs.enabled},
	    {B_ENABLE, B_DEFAULT, "", "", bs.enabled},
	    {B_DEFAULT, B_IDENTITY, "pass-through", "直通", bs.enabled && bs.def_type == DOM_IDENTITY},
	    {B_DEFAULT, B_STRICTQ, "translated", "转换", bs.enabled && bs.def_type != DOM_IDENTITY},
	    {B_STRICTQ, B_DMA, "strict", "严格",
	     bs.enabled && bs.def_type != DOM_IDENTITY && (bs.strict || bd->cap_cm)},
	    {B_STRICTQ, B_DMAFQ, "lazy", "延迟",
	     bs.enabled && bs.def_type != DOM_IDENTITY && !(bs.strict || bd->cap_cm)},
	};
	/* the edge that decided on/off carries the reason (boot.c's words) */
	int why_edge = !bs.dmar_present ? 1 : bs.enabled ? 2 : 3;
	for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
		sb_clear(&b);
		if (*edges[i].en) {
			sb_puts(&b, "<B>");
			sb_esc(&b, zh ? edges[i].zh : edges[i].en);
			sb_puts(&b, "</B>");
		}
		if ((int)i == why_edge && bs.why) {
			sb_puts(&b, "<BR/><FONT POINT-SIZE=\"10\">");
			gv_wrap(&b, boot_reason_text(bs.why, zh), 36);
			sb_puts(&b, "</FONT>");
		}
		Agedge_t *e = gv_edge(g, n[edges[i].a], n[edges[i].bnode], sb_str(&b));
		style_edge(e, edges[i].taken);
	}

	/* devices */
	Agraph_t *devs =
	    gv_cluster(g, "cluster_devices", NULL, gv_tint(THEME_DEVICE, 6), gv_hex(THEME_DEVICE));
	sb_clear(&b);
	sb_printf(&b, "<B>%s</B>", gv_tr(v, "Devices and the domain each one got", "各设备得到的 DMA 域"));
	agsafeset(devs, (char *)"label", agstrdup_html(g, (char *)sb_str(&b)), (char *)"");
	for (int i = 0; i < m->ndevs; i++) {
		const struct device_desc *dd = m->devs[i].d;
		if (!dd)
			continue;
		enum boot_reason why;
		enum dom_type dt;
		int vfio = dd->owner_entity > 0;
		const struct vm_desc *vd =
		    vfio && dd->owner_entity - 1 < m->nvms ? m->vms[dd->owner_entity - 1].d : NULL;
		if (vfio) {
			if (bs.enabled) {
				dt = DOM_UNMANAGED;
				why = BR_VFIO;
			} else if (vd && vd->vfio_unsafe_noiommu) {
				dt = DOM_NONE;
				why = BR_VFIO_NOIOMMU;
			} else {
				dt = DOM_NONE;
				why = BR_DEV_NO_IOMMU;
			}
		} else {
			dt = boot_device_domain(&bs, bd, dd, &why);
		}
		sb_clear(&b);
		sb_puts(&b, "<B>");
		sb_esc(&b, dd->name ? dd->name : "device");
		sb_printf(&b, "</B>  <FONT FACE=\"%s\">%02x:%02x.%x</FONT>  ", GV_MONO, dd->bdf >> 8,
		          (dd->bdf >> 3) & 31, dd->bdf & 7);
		sb_esc(&b, dd->type ? dd->type : "");
		sb_puts(&b, "<BR/><FONT POINT-SIZE=\"10\">");
		if (zh)
			sb_printf(&b, "所有者：%s · %s", entity_name(m, dd->owner_entity),
			          dd->trusted ? "可信" : "不可信（外置）");
		else
			sb_printf(&b, "owner: %s · %s", entity_name(m, dd->owner_entity),
			          dd->trusted ? "trusted" : "untrusted (external)");
		sb_printf(&b, "</FONT><BR/><B>→ %s</B><BR/><FONT POINT-SIZE=\"10\">", dom_type_name(dt));
		gv_wrap(&b, boot_reason_text(why, zh), 46);
		sb_puts(&b, "</FONT>");
		char name[32];
		snprintf(name, sizeof name, "dev%d", i);
		Agnode_t *dn = gv_node(devs, name, sb_str(&b));
		gv_set(dn, "fillcolor", gv_tint(THEME_DEVICE, 18));
		gv_set(dn, "color", gv_hex(THEME_DEVICE));
		int from = dt == DOM_IDENTITY    ? B_IDENTITY
		           : dt == DOM_DMA       ? B_DMA
		           : dt == DOM_DMA_FQ    ? B_DMAFQ
		           : dt == DOM_UNMANAGED ? B_ENABLE
		                                 : B_NONE;
		Agedge_t *e = gv_edge(g, n[from], dn, NULL);
		gv_set(e, "color", gv_hex(THEME_DEVICE));
		gv_set(e, "penwidth", "2");
		if (dt == DOM_UNMANAGED || why == BR_DEV_UNTRUSTED) {
			sb_clear(&b);
			sb_printf(&b, "<I>%s</I>",
			          dt == DOM_UNMANAGED
			              ? gv_tr(v, "VFIO replaces the default domain", "VFIO 替换默认域")
			              : gv_tr(v, "untrusted: always translated", "不可信：总是转换"));
			char *h = agstrdup_html(g, (char *)sb_str(&b));
			agsafeset(e, (char *)"label", h, (char *)"");
			agstrfree(g, h);
			gv_set(e, "style", "dashed");
		}
	}
	if (m->ndevs == 0) {
		Agnode_t *dn = gv_node(devs, "nodev", NULL);
		sb_clear(&b);
		sb_printf(&b, "<I>%s</I>",
		          gv_tr(v, "(this scenario declares no device)", "（本场景没有声明设备）"));
		char *h = agstrdup_html(g, (char *)sb_str(&b));
		agsafeset(dn, (char *)"label", h, (char *)"");
		agstrfree(g, h);
		gv_set(dn, "style", "");
		gv_set(dn, "shape", "plaintext");
		Agedge_t *e = gv_edge(g, n[bs.enabled ? B_DMAFQ : B_NONE], dn, NULL);
		gv_set(e, "style", "invis");
	}

	/* title: the inputs */
	sb_clear(&b);
	gv_title(v, &b, "Boot: who decides each device's DMA domain", "启动：谁决定了每个设备的 DMA 域");
	sb_printf(&b, "<FONT POINT-SIZE=\"12\">%s ", gv_tr(v, "kernel command line:", "内核命令行："));
	if (bd->cmdline && *bd->cmdline) {
		sb_printf(&b, "<FONT FACE=\"%s\">", GV_MONO);
		sb_esc(&b, bd->cmdline);
		sb_puts(&b, "</FONT>  ·  ");
	} else {
		sb_printf(&b, "%s  ·  ", gv_tr(v, "(empty)", "（空）"));
	}
	sb_printf(&b, "CONFIG_INTEL_IOMMU_DEFAULT_ON=%s  ·  %s: %s</FONT><BR ALIGN=\"LEFT\"/>",
	          bd->kconfig_default_on ? "y" : "n", gv_tr(v, "DMAR table", "DMAR 表"),
	          bd->firmware_vtd ? gv_tr(v, "yes", "有") : gv_tr(v, "no", "无"));
	for (int i = 0; i < bs.nnotes; i++) {
		sb_printf(&b, "<FONT POINT-SIZE=\"12\" COLOR=\"%s\">⚠ ", gv_hex(THEME_FAULT));
		const char *txt = bs.note_code[i] ? boot_reason_text(bs.note_code[i], zh) : "";
		sb_esc(&b, *txt ? txt : bs.notes[i]);
		sb_puts(&b, "</FONT><BR ALIGN=\"LEFT\"/>");
	}
	sb_printf(&b, "<FONT POINT-SIZE=\"11\" COLOR=\"%s\">%s</FONT><BR ALIGN=\"LEFT\"/>",
	          gv_hex(THEME_MUTED),
	          gv_tr(v, "Bold, filled: the path this machine took. Grey, dashed: branches not taken.",
	                "粗线、填色：本机实际走过的路径；灰色虚线：未走的分支。"));
	gv_set_title(g, sb_str(&b));
	sb_free(&b);
	return g;
}
