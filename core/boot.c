/*
 * boot.c — the IOMMU's part of booting: parse the kernel command line the
 * way Linux's parsers do, decide whether DMA remapping is on, give every
 * device its default domain, build the VT-d tables, and (late, at VM start)
 * hand VFIO-owned devices to an unmanaged domain mapping IOVA = GPA -> HPA.
 *
 *   boot (before device init)                late_boot (after device init)
 *   ─────────────────────────                ─────────────────────────────
 *   intel_iommu_setup / iommu_setup          for each VM-owned device:
 *   iommu_subsys_init log lines                IOMMU on  -> VFIO unmanaged domain,
 *   swiotlb pool (RAM above 4 GiB)               map all guest RAM GPA -> HPA,
 *   intel_iommu_init: root table, QI,            re-point the context entry
 *     SRTP, TE                                 IOMMU off -> refuse (no group), or
 *   per device: default domain + attach          "unsafe_noiommu": GPA used as HPA
 *
 * Parsers (prefix matching and comma lists exactly as Linux):
 *   intel_iommu= on, off, igfx_off, forcedac, strict, sp_off, sm_on, sm_off,
 *                tboot_noforce; anything else: "DMAR: Unknown option - '…'"
 *   iommu=       (x86, arch/x86/kernel/pci-dma.c iommu_setup) off, force,
 *                noforce, biomerge, panic, nopanic, merge, nomerge, soft, pt,
 *                nopt, usedac, allowdac, nodac, forcesac + the GART options;
 *                anything else is ignored silently (we say so).
 *   iommu.passthrough=, iommu.strict=, iommu.forcedac= (kstrtobool: 1/0,
 *                y/n, on/off); a bad value: "Malformed early option".
 *
 * Not modelled: see boot.h.
 */
#include "boot.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dma.h"
#include "mem.h"
#include "paging.h"

static void bs_line(struct boot_state *bs, const char *fmt, const char *a)
{
	if (bs->nlines < BOOT_MAX_LINES)
		snprintf(bs->lines[bs->nlines++], BOOT_LINE_LEN, fmt, a);
}

static void bs_note(struct boot_state *bs, enum boot_reason code, const char *fmt, const char *a)
{
	if (bs->nnotes < BOOT_MAX_LINES) {
		bs->note_code[bs->nnotes] = code;
		snprintf(bs->notes[bs->nnotes++], BOOT_LINE_LEN, fmt, a);
	}
}

/* kstrtobool: 1/y/Y/on -> 1, 0/n/N/off -> 0, else -1 */
static int kstrtobool(const char *s, size_t n)
{
	if (n >= 1 && (s[0] == '1' || s[0] == 'y' || s[0] == 'Y') && n == 1)
		return 1;
	if (n >= 1 && (s[0] == '0' || s[0] == 'n' || s[0] == 'N') && n == 1)
		return 0;
	if (n == 2 && (s[0] == 'o' || s[0] == 'O') && (s[1] == 'n' || s[1] == 'N'))
		return 1;
	if (n == 3 && (s[0] == 'o' || s[0] == 'O') && (s[1] == 'f' || s[1] == 'F') &&
	    (s[2] == 'f' || s[2] == 'F'))
		return 0;
	return -1;
}

static int pre(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

static void parse_intel_iommu(struct boot_state *bs, const char *v, size_t n)
{
	char buf[BOOT_LINE_LEN];
	snprintf(buf, sizeof buf, "%.*s", (int)n, v);
	char *s = buf;
	while (*s) {
		char *end = s + strcspn(s, ",");
		char save = *end;
		*end = 0;
		if (pre(s, "on")) {
			bs->p.intel_iommu = 1;
			bs_line(bs, "DMAR: IOMMU enabled%s", "");
		} else if (pre(s, "off")) {
			bs->p.intel_iommu = 0;
			bs_line(bs, "DMAR: IOMMU disabled%s", "");
		} else if (pre(s, "igfx_off")) {
			bs_line(bs, "DMAR: Disable GFX device mapping%s", "");
		} else if (pre(s, "forcedac")) {
			bs_line(bs, "DMAR: intel_iommu=forcedac deprecated; use iommu.forcedac instead%s",
			        "");
			bs->p.forcedac = 1;
		} else if (pre(s, "strict")) {
			bs_line(bs, "DMAR: intel_iommu=strict deprecated; use iommu.strict=1 instead%s", "");
			bs->p.strict = 1;
		} else if (pre(s, "sp_off")) {
			bs_line(bs, "DMAR: Disable supported super page%s", "");
			bs->p.sp_off = 1;
		} else if (pre(s, "sm_on")) {
			bs_line(bs, "DMAR: Enable scalable mode if hardware supports%s", "");
			bs->p.sm = 1;
		} else if (pre(s, "sm_off")) {
			bs_line(bs, "DMAR: Scalable mode is disallowed%s", "");
			bs->p.sm = 0;
		} else if (pre(s, "tboot_noforce")) {
			bs_line(bs,
			        "DMAR: Intel-IOMMU: not forcing on after tboot. This could expose security "
			        "risk for "
			        "tboot%s",
			        "");
		} else {
			bs_line(bs, "DMAR: Unknown option - '%.60s'", s);
		}
		*end = save;
		s = end;
		while (*s == ',')
			s++;
	}
}

static void parse_x86_iommu(struct boot_state *bs, const char *v, size_t n)
{
	static const char *const known[] = {
	    "off",         "force", "noforce",    "biomerge", "panic",    "nopanic", "merge",    "nomerge",
	    "soft",        "pt",    "nopt",       "usedac",   "allowdac", "nodac",   "forcesac", "fullflush",
	    "nofullflush", "noagp", "noaperture", "memaper",  "calgary",  "allowed", NULL};
	char buf[BOOT_LINE_LEN];
	snprintf(buf, sizeof buf, "%.*s", (int)n, v);
	char *s = buf;
	while (*s) {
		char *end = s + strcspn(s, ",");
		char save = *end;
		*end = 0;
		int hit = 0;
		for (int i = 0; known[i]; i++)
			if (pre(s, known[i]))
				hit = 1;
		/* iommu_setup tests each prefix in turn (no else): "off", "pt", "nopt" are what matter here
		 */
		if (pre(s, "off"))
			bs->p.no_iommu = 1;
		if (pre(s, "pt"))
			bs->p.passthrough = 1, bs->def_cmdline = 1;
		if (pre(s, "nopt"))
			bs->p.passthrough = 0, bs->def_cmdline = 1;
		if (!hit) {
			if (!strcmp(s, "on")) {
				bs->p.iommu_eq_on = 1;
				bs_note(bs, BR_IOMMU_EQ_ON,
				        "iommu=on is not a Linux option: x86's iommu= parser ignores it "
				        "without a word. "
				        "Intel's IOMMU is switched on by intel_iommu=on (or "
				        "CONFIG_INTEL_IOMMU_DEFAULT_ON=y)%s",
				        "");
			} else {
				bs->p.unknown_iommu_opt = 1;
				bs_note(bs, BR_UNKNOWN_IOMMU_OPT,
				        "iommu=%.60s is not a value Linux knows; x86's iommu= parser ignores "
				        "it silently",
				        s);
			}
		}
		*end = save;
		s = end;
		while (*s == ',')
			s++;
	}
}

static void parse_cmdline(struct boot_state *bs, const char *cmd)
{
	const char *s = cmd ? cmd : "";
	while (*s) {
		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			break;
		const char *tok = s;
		while (*s && *s != ' ' && *s != '\t' && *s != '\n')
			s++;
		size_t n = (size_t)(s - tok);
		const char *eq = memchr(tok, '=', n);
		size_t kn = eq ? (size_t)(eq - tok) : n;
		const char *v = eq ? eq + 1 : "";
		size_t vn = eq ? n - kn - 1 : 0;
		char key[64];
		snprintf(key, sizeof key, "%.*s", (int)(kn < 63 ? kn : 63), tok);
		if (!strcmp(key, "intel_iommu") && eq) {
			parse_intel_iommu(bs, v, vn);
		} else if (!strcmp(key, "iommu") && eq) {
			parse_x86_iommu(bs, v, vn);
		} else if (!strcmp(key, "iommu.passthrough") || !strcmp(key, "iommu.strict") ||
		           !strcmp(key, "iommu.forcedac")) {
			int b = eq ? kstrtobool(v, vn) : -1;
			if (b < 0) {
				bs_line(bs, "Malformed early option '%s'", key);
			} else if (!strcmp(key, "iommu.passthrough")) {
				bs->p.passthrough = b;
				bs->def_cmdline = 1;
			} else if (!strcmp(key, "iommu.strict")) {
				bs->p.strict = b;
				bs->strict_cmdline = 1;
			} else {
				bs->p.forcedac = b;
				if (b)
					bs_line(bs, "Forcing DAC for PCI devices%s", "");
			}
		}
		/* anything else belongs to other subsystems */
	}
}

void boot_decide(const struct boot_desc *b, struct boot_state *bs)
{
	memset(bs, 0, sizeof *bs);
	bs->p.intel_iommu = -1;
	bs->p.passthrough = -1;
	bs->p.strict = -1;
	bs->p.sm = -1;
	parse_cmdline(bs, b->cmdline);
	if (bs->p.strict == 1 && !bs->strict_cmdline)
		bs->strict_cmdline = 1; /* intel_iommu=strict calls iommu_set_dma_strict() */
	/* iommu_subsys_init: the global default type (printed even with no IOMMU) */
	int pt = bs->p.passthrough >= 0 ? bs->p.passthrough : b->kconfig_passthrough;
	bs->strict = bs->p.strict >= 0 ? bs->p.strict : !b->kconfig_lazy;
	bs->def_type = pt ? DOM_IDENTITY : bs->strict ? DOM_DMA : DOM_DMA_FQ;
	char l[BOOT_LINE_LEN];
	snprintf(l, sizeof l, "iommu: Default domain type: %s%s", pt ? "Passthrough" : "Translated",
	         bs->def_cmdline ? " (set via kernel command line)" : "");
	bs_line(bs, "%s", l);
	if (!pt) {
		snprintf(l, sizeof l, "iommu: DMA domain TLB invalidation policy: %s mode%s",
		         bs->strict ? "strict" : "lazy",
		         bs->strict_cmdline ? " (set via kernel command line)" : "");
		bs_line(bs, "%s", l);
	}
	/* intel_iommu_init */
	bs->dmar_present = b->firmware_vtd;
	int dmar_disabled = bs->p.intel_iommu >= 0 ? !bs->p.intel_iommu : !b->kconfig_default_on;
	if (!bs->dmar_present) {
		bs->why = BR_NO_DMAR;
	} else if (bs->p.no_iommu) {
		bs->why = BR_IOMMU_OFF;
	} else if (dmar_disabled) {
		bs->why = bs->p.intel_iommu == 0 ? BR_INTEL_OFF : BR_DEFAULT_OFF;
	} else {
		bs->enabled = 1;
		bs->why = bs->p.intel_iommu == 1 ? BR_INTEL_ON : BR_DEFAULT_ON;
	}
	if (!bs->enabled && bs->def_cmdline && bs->p.passthrough == 1)
		bs_note(bs, BR_PT_WITHOUT_IOMMU,
		        "iommu=pt was given but DMA remapping is off: pt selects the identity default "
		        "domain, it does not "
		        "switch the IOMMU on (write intel_iommu=on iommu=pt)%s",
		        "");
	if (bs->enabled && b->scalable && bs->p.sm != 0)
		bs_note(bs, BR_SCALABLE_NOT_MODELLED,
		        "the unit reports scalable mode, which iommulab does not model: it runs in legacy "
		        "mode as with "
		        "intel_iommu=sm_off%s",
		        "");
	if (bs->enabled && b->cap_cm)
		bs_line(bs, "DMAR: IOMMU batching disallowed due to virtualization%s", "");
	if (bs->enabled)
		bs_line(bs, "DMAR: Intel(R) Virtualization Technology for Directed I/O%s", "");
}

enum dom_type boot_device_domain(const struct boot_state *bs, const struct boot_desc *b,
                                 const struct device_desc *dd, enum boot_reason *why)
{
	if (!bs->enabled) {
		*why = BR_DEV_NO_IOMMU;
		return DOM_NONE;
	}
	if (!dd->trusted) {
		*why = BR_DEV_UNTRUSTED;
		return DOM_DMA;
	}
	if (bs->def_type == DOM_IDENTITY) {
		if (!b->ecap_pt) {
			*why = BR_DEV_NO_HW_PT;
			return (b->cap_cm || bs->strict) ? DOM_DMA : DOM_DMA_FQ;
		}
		*why = bs->def_cmdline ? BR_DEV_PT_CMDLINE : BR_DEV_PT_KCONFIG;
		return DOM_IDENTITY;
	}
	if (b->cap_cm) {
		*why = BR_DEV_CM;
		return DOM_DMA;
	}
	if (bs->strict) {
		*why = bs->strict_cmdline ? BR_DEV_STRICT_CMDLINE : BR_DEV_STRICT_KCONFIG;
		return DOM_DMA;
	}
	*why = BR_DEV_LAZY;
	return DOM_DMA_FQ;
}

static const char *const reason_en[BR_MAX] = {
    [BR_NONE] = "",
    [BR_NO_DMAR] =
        "DMA remapping off: the firmware has no ACPI DMAR table (VT-d disabled in the BIOS); devices "
        "use physical addresses",
    [BR_INTEL_OFF] = "DMA remapping off: intel_iommu=off",
    [BR_IOMMU_OFF] = "DMA remapping off: iommu=off (no_iommu = 1)",
    [BR_DEFAULT_OFF] = "DMA remapping off: CONFIG_INTEL_IOMMU_DEFAULT_ON=n and no intel_iommu=on",
    [BR_INTEL_ON] = "DMA remapping on: intel_iommu=on",
    [BR_DEFAULT_ON] = "DMA remapping on: CONFIG_INTEL_IOMMU_DEFAULT_ON=y",
    [BR_DEV_NO_IOMMU] = "no IOMMU: dma-direct, DMA handle = physical address, no isolation",
    [BR_DEV_PT_CMDLINE] =
        "identity domain (context TT = 10): iommu=pt / iommu.passthrough=1 on the command line",
    [BR_DEV_PT_KCONFIG] = "identity domain (context TT = 10): CONFIG_IOMMU_DEFAULT_PASSTHROUGH=y",
    [BR_DEV_LAZY] = "DMA-FQ domain: translated, lazy invalidation through a flush queue (x86 default)",
    [BR_DEV_STRICT_CMDLINE] = "DMA domain: translated, strict invalidation (iommu.strict=1)",
    [BR_DEV_STRICT_KCONFIG] = "DMA domain: translated, strict invalidation (CONFIG_IOMMU_DEFAULT_DMA_STRICT)",
    [BR_DEV_CM] = "DMA domain, strict: caching mode (a vIOMMU) forces strict invalidation",
    [BR_DEV_UNTRUSTED] =
        "DMA domain, strict: an untrusted (external) device is always translated, even under pt",
    [BR_DEV_NO_HW_PT] = "translated: identity was asked for but the unit has no ECAP.PT",
    [BR_DEV_HIDDEN] = "not enumerated by the kernel: no context entry",
    [BR_VFIO] = "VFIO: unmanaged domain, IOVA = GPA -> HPA for all guest RAM (whatever iommu=pt says)",
    [BR_VFIO_VIOMMU] =
        "VFIO with a vIOMMU in the guest: the device uses guest IOVAs; QEMU shadows guest IOVA -> GPA "
        "-> HPA into the host IOMMU as the guest maps (caching mode)",
    [BR_VFIO_NOIOMMU] =
        "VFIO unsafe no-IOMMU mode: no translation, no isolation; the guest's GPAs reach host "
        "memory as HPAs (real QEMU refuses this for a VM)",
    [BR_PT_WITHOUT_IOMMU] = "iommu=pt without an IOMMU: it means nothing",
    [BR_IOMMU_EQ_ON] = "iommu=on does not exist: use intel_iommu=on",
    [BR_UNKNOWN_IOMMU_OPT] = "unknown iommu= value ignored",
    [BR_SCALABLE_NOT_MODELLED] = "scalable mode is not modelled: legacy mode used",
};

static const char *const reason_zh[BR_MAX] = {
    [BR_NONE] = "",
    [BR_NO_DMAR] = "DMA 重映射关闭：固件没有 ACPI DMAR 表（BIOS 里关了 VT-d），设备直接使用物理地址",
    [BR_INTEL_OFF] = "DMA 重映射关闭：intel_iommu=off",
    [BR_IOMMU_OFF] = "DMA 重映射关闭：iommu=off（no_iommu = 1）",
    [BR_DEFAULT_OFF] = "DMA 重映射关闭：CONFIG_INTEL_IOMMU_DEFAULT_ON=n，且命令行没有 intel_iommu=on",
    [BR_INTEL_ON] = "DMA 重映射开启：intel_iommu=on",
    [BR_DEFAULT_ON] = "DMA 重映射开启：CONFIG_INTEL_IOMMU_DEFAULT_ON=y",
    [BR_DEV_NO_IOMMU] = "没有 IOMMU：走 dma-direct，DMA 句柄就是物理地址，没有隔离",
    [BR_DEV_PT_CMDLINE] = "identity 域（上下文条目 TT = 10）：命令行给了 iommu=pt / iommu.passthrough=1",
    [BR_DEV_PT_KCONFIG] = "identity 域（上下文条目 TT = 10）：CONFIG_IOMMU_DEFAULT_PASSTHROUGH=y",
    [BR_DEV_LAZY] = "DMA-FQ 域：地址经过翻译，解除映射后通过刷新队列延迟失效（x86 默认）",
    [BR_DEV_STRICT_CMDLINE] = "DMA 域：地址经过翻译，严格失效（iommu.strict=1）",
    [BR_DEV_STRICT_KCONFIG] = "DMA 域：地址经过翻译，严格失效（CONFIG_IOMMU_DEFAULT_DMA_STRICT）",
    [BR_DEV_CM] = "DMA 域，严格模式：缓存模式（虚拟 IOMMU）强制严格失效",
    [BR_DEV_UNTRUSTED] = "DMA 域，严格模式：不受信任的（外接）设备总是经过翻译，即使设置了 pt",
    [BR_DEV_NO_HW_PT] = "经过翻译：想要 identity，但硬件没有 ECAP.PT",
    [BR_DEV_HIDDEN] = "内核没有枚举这个设备：没有上下文条目",
    [BR_VFIO] = "VFIO：unmanaged 域，整个客户机内存按 IOVA = GPA -> HPA 映射（与 iommu=pt 无关）",
    [BR_VFIO_VIOMMU] = "VFIO 且客户机里有虚拟 IOMMU：设备使用客户机 IOVA；QEMU 在客户机建立映射时把 客户机 "
                       "IOVA -> GPA -> HPA "
                       "影子映射到主机 IOMMU（缓存模式）",
    [BR_VFIO_NOIOMMU] =
        "VFIO 不安全的无 IOMMU 模式：没有翻译也没有隔离，客户机的 GPA 被当作 HPA 直接访问主机内存"
        "（真实的 QEMU 会拒绝这样分配给虚拟机）",
    [BR_PT_WITHOUT_IOMMU] = "没有 IOMMU 时 iommu=pt 没有任何作用",
    [BR_IOMMU_EQ_ON] = "不存在 iommu=on 这个参数：应使用 intel_iommu=on",
    [BR_UNKNOWN_IOMMU_OPT] = "未知的 iommu= 取值被忽略",
    [BR_SCALABLE_NOT_MODELLED] = "未建模可扩展模式：按传统模式运行",
};

const char *boot_reason_text(enum boot_reason r, int zh)
{
	if ((unsigned)r >= BR_MAX)
		return "";
	const char *s = zh ? reason_zh[r] : reason_en[r];
	return s ? s : "";
}

/* ---- the module ---- */

static void boot_ev(struct machine *m, enum boot_reason why, int actor, uint64_t entry, uint64_t extra,
                    const char *text)
{
	struct ev e;
	memset(&e, 0, sizeof e);
	e.kind = EV_BOOT;
	e.unit = UNIT_KERNEL;
	e.actor = (int16_t)actor;
	e.code = (uint16_t)why;
	e.entry = entry;
	e.extra = extra;
	e.str = trace_str(&m->trace, text ? text : boot_reason_text(why, 0));
	machine_emit(m, &e);
}

static int dev_hidden(const struct machine *m, int i);

static int iommu_boot(struct machine *m, char *err, unsigned errcap)
{
	const struct boot_desc *b = &m->d->boot;
	struct dma_layer *dl = calloc(1, sizeof *dl);
	if (!dl) {
		snprintf(err, errcap, "out of memory");
		return -1;
	}
	m->dma = dl;
	dl->c_breaches = counter_id(m, "isolation.breaches");
	boot_decide(b, &dl->boot);
	struct boot_state *bs = &dl->boot;
	char line[BOOT_LINE_LEN + 40];
	snprintf(line, sizeof line, "Kernel command line: %s", b->cmdline ? b->cmdline : "");
	machine_log(m, UNIT_KERNEL, line);
	for (int i = 0; i < bs->nnotes; i++)
		boot_ev(m, bs->note_code[i], 0, 0, 0, bs->notes[i]);
	for (int i = 0; i < bs->nlines; i++)
		machine_log(m, UNIT_KERNEL, bs->lines[i]);
	boot_ev(m, bs->why, 0, (uint64_t)bs->enabled, (uint64_t)bs->def_type, NULL);
	if (dma_swiotlb_setup(m)) {
		snprintf(err, errcap, "out of memory (swiotlb)");
		return -1;
	}
	if (bs->enabled) {
		struct boot_desc hw = *b;
		if (bs->p.sp_off)
			hw.sllps = 0;
		m->iommu = iommu_create(m, &hw);
		if (!m->iommu || iommu_kernel_enable(m)) {
			snprintf(err, errcap, "machine: no room in host RAM for the VT-d tables");
			return -1;
		}
	}
	dl->ndev = m->d->ndevs;
	for (int i = 0; i < m->d->ndevs && i < MAX_DEVICES; i++) {
		const struct device_desc *dd = &m->d->devs[i];
		struct dma_dev *dv = &dl->dev[i];
		char n[40];
		dv->dom = -1;
		dv->group = -1;
		dv->mask_bits = dd->dma_mask_bits ? dd->dma_mask_bits : 64;
		snprintf(n, sizeof n, "%s.maps", dd->name);
		dv->c_maps = counter_id(m, n);
		snprintf(n, sizeof n, "%s.unmaps", dd->name);
		dv->c_unmaps = counter_id(m, n);
		snprintf(n, sizeof n, "%s.iotlb_hits", dd->name);
		dv->c_hits = counter_id(m, n);
		snprintf(n, sizeof n, "%s.iotlb_misses", dd->name);
		dv->c_misses = counter_id(m, n);
		snprintf(n, sizeof n, "%s.walks", dd->name);
		dv->c_walks = counter_id(m, n);
		snprintf(n, sizeof n, "%s.dmar_faults", dd->name);
		dv->c_faults = counter_id(m, n);
		snprintf(n, sizeof n, "%s.bounces", dd->name);
		dv->c_bounces = counter_id(m, n);
		snprintf(n, sizeof n, "%s.dma_bytes", dd->name);
		dv->c_bytes = counter_id(m, n);
		snprintf(n, sizeof n, "%s.irqs", dd->name);
		dv->c_irqs = counter_id(m, n);
		int ent = 1 + m->d->nvms + i;
		if (dev_hidden(m, i)) {
			dv->hidden = 1;
			dv->why = BR_DEV_HIDDEN;
			dv->type = bs->enabled ? DOM_BLOCKED : DOM_NONE;
			boot_ev(m, BR_DEV_HIDDEN, ent, (uint64_t)dv->type, dd->bdf, NULL);
			continue;
		}
		dv->type = boot_device_domain(bs, b, dd, &dv->why);
		if (bs->enabled) {
			int di = iommu_domain_alloc(m, dv->type, -1);
			if (di < 0 || iommu_attach(m, di, dd->bdf)) {
				snprintf(err, errcap, "devices[%d]: no room for its IOMMU domain", i);
				return -1;
			}
			dv->dom = di;
			dv->group = dl->ngroups++;
			snprintf(line, sizeof line, "pci 0000:%02x:%02x.%d: Adding to iommu group %d",
			         dd->bdf >> 8, (dd->bdf >> 3) & 31, dd->bdf & 7, dv->group);
			machine_log(m, UNIT_KERNEL, line);
		}
		snprintf(line, sizeof line, "%s (%02x:%02x.%d): %s", dd->name, dd->bdf >> 8,
		         (dd->bdf >> 3) & 31, dd->bdf & 7, boot_reason_text(dv->why, 0));
		boot_ev(m, dv->why, ent, (uint64_t)dv->type, dd->bdf, line);
	}
	return 0;
}

/* VFIO at VM start (facts 2.3): QEMU maps every guest-RAM section with
 * VFIO_IOMMU_MAP_DMA (iova = GPA, vaddr = its HVA); type1 pins the pages and
 * calls iommu_map(domain, GPA, HPA). One container domain per VM. */
static int iommu_late_boot(struct machine *m, char *err, unsigned errcap)
{
	struct dma_layer *dl = m->dma;
	int vm_dom[MAX_VMS];
	for (int v = 0; v < MAX_VMS; v++)
		vm_dom[v] = -1;
	for (int i = 0; i < m->d->ndevs && i < MAX_DEVICES; i++) {
		const struct device_desc *dd = &m->d->devs[i];
		struct dma_dev *dv = &dl->dev[i];
		int owner = dd->owner_entity;
		if (owner <= 0 || owner > m->nvms)
			continue;
		const struct vm_desc *vd = m->vms[owner - 1].d;
		int ent = 1 + m->d->nvms + i;
		char line[BOOT_LINE_LEN + 80];
		if (!m->iommu || dv->hidden) {
			if (!vd->vfio_unsafe_noiommu) {
				static const char *const why_short[] = {
				    [BR_NO_DMAR] = "IOMMU off: no ACPI DMAR table (VT-d off in firmware)",
				    [BR_INTEL_OFF] = "IOMMU off: intel_iommu=off",
				    [BR_IOMMU_OFF] = "IOMMU off: iommu=off",
				    [BR_DEFAULT_OFF] =
				        "IOMMU off: INTEL_IOMMU_DEFAULT_ON=n, no intel_iommu=on",
				    [BR_DEFAULT_ON] = "the kernel never enumerated the device",
				    [BR_INTEL_ON] = "the kernel never enumerated the device"};
				enum boot_reason w = dl->boot.why;
				snprintf(
				    err, errcap,
				    "%s -> %s refused: vfio 0000:%02x:%02x.%d: no iommu_group found (%s). "
				    "Fix: intel_iommu=on + VT-d in firmware, or \"unsafe_noiommu\": true on "
				    "the VM",
				    dd->name, vd->name, dd->bdf >> 8, (dd->bdf >> 3) & 31, dd->bdf & 7,
				    w <= BR_DEFAULT_ON && why_short[w] ? why_short[w] : "?");
				return -1;
			}
			dv->noiommu = 1;
			dv->type = DOM_NONE;
			dv->why = BR_VFIO_NOIOMMU;
			snprintf(line, sizeof line,
			         "vfio-pci 0000:%02x:%02x.%d: Adding kernel taint for vfio-noiommu group on "
			         "device",
			         dd->bdf >> 8, (dd->bdf >> 3) & 31, dd->bdf & 7);
			machine_log(m, UNIT_KERNEL, line);
			snprintf(line, sizeof line, "%s -> %s: %s", dd->name, vd->name,
			         boot_reason_text(BR_VFIO_NOIOMMU, 0));
			boot_ev(m, BR_VFIO_NOIOMMU, ent, DOM_NONE, dd->bdf, line);
			continue;
		}
		int di = vm_dom[owner - 1];
		if (di < 0) {
			di = iommu_domain_alloc(m, DOM_UNMANAGED, owner - 1);
			if (di < 0) {
				snprintf(err, errcap, "devices[%d]: no room for a VFIO domain", i);
				return -1;
			}
			/* with a vIOMMU QEMU maps nothing up front: it shadows the guest's mappings as they
			 * come */
			for (int r = 0; r < vd->nram && !vd->viommu; r++) {
				int ok = 0;
				uint64_t hpa = vm_gpa_to_hpa(m, owner - 1, vd->ram[r].gpa, &ok);
				if (!ok ||
				    iommu_map(m, di, vd->ram[r].gpa, hpa, vd->ram[r].size, PERM_R | PERM_W)) {
					snprintf(err, errcap,
					         "vms[%d].ram[%d]: VFIO could not map it in the IOMMU",
					         owner - 1, r);
					return -1;
				}
				snprintf(line, sizeof line,
				         "VFIO_IOMMU_MAP_DMA %s: iova 0x%llx (GPA) size 0x%llx -> HPA 0x%llx "
				         "(pinned)",
				         vd->name, (unsigned long long)vd->ram[r].gpa,
				         (unsigned long long)vd->ram[r].size, (unsigned long long)hpa);
				boot_ev(m, BR_VFIO, ent, vd->ram[r].gpa, hpa, line);
			}
			vm_dom[owner - 1] = di;
		}
		if (iommu_attach(m, di, dd->bdf)) {
			snprintf(err, errcap, "devices[%d]: VFIO could not attach its domain", i);
			return -1;
		}
		dv->dom = di;
		dv->type = DOM_UNMANAGED;
		dv->why = BR_VFIO;
		if (vd->viommu) {
			dv->viommu = 1;
			dv->why = BR_VFIO_VIOMMU;
			dv->gdom = calloc(1, sizeof *dv->gdom);
			if (!dv->gdom || iova_reserve(dv->gdom, MSI_WINDOW_LO >> PAGE_SHIFT,
			                              MSI_WINDOW_HI >> PAGE_SHIFT)) {
				snprintf(err, errcap, "out of memory");
				return -1;
			}
		}
		snprintf(line, sizeof line, "vfio-pci 0000:%02x:%02x.%d -> %s: %s (DID %u)", dd->bdf >> 8,
		         (dd->bdf >> 3) & 31, dd->bdf & 7, vd->name, boot_reason_text(BR_VFIO, 0),
		         m->iommu->doms[di].did);
		boot_ev(m, dv->why, ent, DOM_UNMANAGED, dd->bdf, line);
	}
	return 0;
}

static void iommu_mod_free(struct machine *m)
{
	if (m->dma) {
		for (int i = 0; i < MAX_DEVICES; i++) {
			free(m->dma->dev[i].maps);
			if (m->dma->dev[i].gdom) {
				free(m->dma->dev[i].gdom->iovas);
				free(m->dma->dev[i].gdom);
			}
		}
		free(m->dma->slot_used);
		free(m->dma);
		m->dma = NULL;
	}
	iommu_destroy(m->iommu);
	m->iommu = NULL;
}

size_t iommu_narrate(const struct machine *m, const struct trace *t, const struct ev *e, enum lang lang,
                     char *buf, size_t cap);
int dma_device_hidden(const struct machine *m, int dev);

static int dev_hidden(const struct machine *m, int i)
{
	return dma_device_hidden(m, i);
}

/* module hook: every CPU data access, for the DMA-API misuse checker */
static void dma_cpu_hook(struct machine *m, int owner, uint64_t phys, uint64_t len, int write)
{
	dma_check_cpu_access(m, owner, phys, len, write);
}

const struct module_def iommu_module = {
    .name = "iommu",
    .cpu_access = dma_cpu_hook,
    .boot = iommu_boot,
    .late_boot = iommu_late_boot,
    .free = iommu_mod_free,
    .next_deadline = iommu_next_deadline,
    .fire = iommu_fire,
    .kind_lo = EV_BOOT,
    .kind_hi = EV_IOMMU_LAST - 1,
    .narrate = iommu_narrate,
};
