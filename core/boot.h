/*
 * boot.h — what firmware, kernel config and the kernel command line decide
 * about the IOMMU, and which default domain every device gets.
 *
 *   firmware (ACPI DMAR table?) ─┐
 *   kconfig (INTEL_IOMMU_DEFAULT_ON, IOMMU_DEFAULT_PASSTHROUGH, DMA_LAZY) ─┤
 *   cmdline (intel_iommu=, iommu=, iommu.passthrough=, iommu.strict=) ─┘
 *        │
 *        v
 *   IOMMU on/off ── per device: none | identity | DMA | DMA-FQ  (+ VFIO: unmanaged)
 *
 * Decision table (facts 2.2, invariant 23), for a trusted DMA-API device:
 *
 *   IOMMU off (no DMAR / intel_iommu=off / iommu=off / DEFAULT_ON=n) -> none (dma-direct)
 *   iommu=pt or iommu.passthrough=1 (or PASSTHROUGH=y)              -> identity
 *   no options (x86: DMA_LAZY)                                       -> DMA-FQ
 *   iommu.strict=1 (or intel_iommu=strict)                           -> DMA
 *   pt + strict                                                      -> identity
 *   CAP.CM = 1 (a vIOMMU)                                            -> DMA (strict forced)
 *   untrusted device                                                 -> DMA, even under pt
 *   identity wanted but no ECAP.PT                                   -> DMA (current kernels)
 *
 * linux: drivers/iommu/intel/iommu.c (intel_iommu_setup, intel_iommu_init),
 * arch/x86/kernel/pci-dma.c (iommu_setup), drivers/iommu/iommu.c
 * (iommu_subsys_init, iommu_get_def_domain_type), Documentation/admin-guide/
 * kernel-parameters.txt.
 *
 * Not modelled: TXT/tboot and firmware DMA-protection opt-in forcing the
 * IOMMU on, memory encryption forcing translation, the sysfs group type
 * override, scalable mode (sm_on is parsed and reported, the unit stays legacy).
 */
#ifndef IOMMULAB_BOOT_H
#define IOMMULAB_BOOT_H

#include "action.h"
#include "iommu.h"
#include "machine.h"

#define BOOT_MAX_LINES 24
#define BOOT_LINE_LEN  200

/* Why something was decided (EV_BOOT code; narrated in both languages). */
enum boot_reason {
	BR_NONE,
	/* IOMMU on/off */
	BR_NO_DMAR,     /* firmware: no DMAR table */
	BR_INTEL_OFF,   /* intel_iommu=off */
	BR_IOMMU_OFF,   /* iommu=off */
	BR_DEFAULT_OFF, /* CONFIG_INTEL_IOMMU_DEFAULT_ON=n and no intel_iommu=on */
	BR_INTEL_ON,    /* intel_iommu=on */
	BR_DEFAULT_ON,  /* CONFIG_INTEL_IOMMU_DEFAULT_ON=y */
	/* per device */
	BR_DEV_NO_IOMMU,       /* none: dma-direct */
	BR_DEV_PT_CMDLINE,     /* identity: iommu=pt / iommu.passthrough=1 */
	BR_DEV_PT_KCONFIG,     /* identity: CONFIG_IOMMU_DEFAULT_PASSTHROUGH=y */
	BR_DEV_LAZY,           /* DMA-FQ: translated, lazy (x86 default) */
	BR_DEV_STRICT_CMDLINE, /* DMA: iommu.strict=1 / intel_iommu=strict */
	BR_DEV_STRICT_KCONFIG, /* DMA: IOMMU_DEFAULT_DMA_STRICT */
	BR_DEV_CM,             /* DMA: caching mode forces strict */
	BR_DEV_UNTRUSTED,      /* DMA: untrusted device, even under pt */
	BR_DEV_NO_HW_PT,       /* DMA: identity wanted, no ECAP.PT */
	BR_DEV_HIDDEN,         /* not enumerated by the kernel: no context entry */
	BR_VFIO,               /* unmanaged domain: IOVA = GPA -> HPA */
	BR_VFIO_NOIOMMU,       /* unsafe no-IOMMU: GPA used as bus address */
	BR_VFIO_VIOMMU,        /* unmanaged domain filled by QEMU's shadowing of a guest vIOMMU */
	/* notes */
	BR_PT_WITHOUT_IOMMU,  /* iommu=pt given but the IOMMU is off: pt means nothing */
	BR_IOMMU_EQ_ON,       /* iommu=on does not exist */
	BR_UNKNOWN_IOMMU_OPT, /* iommu=<unknown>: ignored */
	BR_SCALABLE_NOT_MODELLED,
	BR_MAX
};

/* The command line, as the kernel's parsers leave it. */
struct boot_params {
	int intel_iommu; /* -1 unset, 0 off, 1 on */
	int no_iommu;    /* iommu=off */
	int passthrough; /* -1 unset, 0, 1 (iommu=pt|nopt, iommu.passthrough=) */
	int strict;      /* -1 unset, 0, 1 (iommu.strict=, intel_iommu=strict) */
	int forcedac;    /* iommu.forcedac=1, intel_iommu=forcedac */
	int sm;          /* -1 unset, 0 sm_off, 1 sm_on */
	int iommu_eq_on; /* somebody wrote iommu=on */
	int unknown_iommu_opt;
	int sp_off; /* intel_iommu=sp_off: no super pages */
};

struct boot_state {
	struct boot_params p;
	int dmar_present;
	int enabled;
	enum boot_reason why;   /* of enabled / disabled */
	enum dom_type def_type; /* iommu_def_domain_type after iommu_subsys_init */
	int def_cmdline, strict, strict_cmdline;
	char lines[BOOT_MAX_LINES][BOOT_LINE_LEN]; /* Linux log lines, in order */
	int nlines;
	char notes[BOOT_MAX_LINES][BOOT_LINE_LEN]; /* iommulab's own remarks (not Linux output) */
	enum boot_reason note_code[BOOT_MAX_LINES];
	int nnotes;
};

/* Parse cmdline and decide on/off and the global default (pure; no machine). */
void boot_decide(const struct boot_desc *b, struct boot_state *bs);
/* Default domain of one device (pure). */
enum dom_type boot_device_domain(const struct boot_state *bs, const struct boot_desc *b,
                                 const struct device_desc *dd, enum boot_reason *why);
const char *boot_reason_text(enum boot_reason r, int zh);

extern const struct module_def iommu_module;

#endif
