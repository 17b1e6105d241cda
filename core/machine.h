/*
 * machine.h — the whole simulated machine: memory, CPU + TLB, VMs (guest
 * page tables + EPT), the IOMMU, devices, the DMA layer, the clock.
 *
 *   entity ids (owners of memory, actors of events)
 *   +----+-------+-------+-----+---------+---------+-----+
 *   | 0  |   1   |   2   | ... | nvms+1  | nvms+2  | ... |
 *   |host| vm[0] | vm[1] |     | dev[0]  | dev[1]  |     |
 *   +----+-------+-------+-----+---------+---------+-----+
 *
 * machine_create() builds everything a scenario declares, the way firmware
 * and the (simulated) kernels would: host RAM, VM RAM carved out of it, the
 * host's and each guest's page tables, each VM's EPT, then boot (IOMMU,
 * domains) and device probe. All of it is real bytes in `mem`.
 *
 * Ownership: a machine owns its memory, trace and module state; the desc it
 * was created from must outlive it (names point into it).
 */
#ifndef IOMMULAB_MACHINE_H
#define IOMMULAB_MACHINE_H

#include <stdint.h>

#include "cost.h"
#include "mem.h"
#include "tlb.h"
#include "trace.h"

#define MAX_VMS        8
#define MAX_DEVICES    16
#define MAX_RAM_RANGES 16
#define MAX_MAPPINGS   64
#define MAX_VARS       256
#define MAX_COUNTERS   256
#define NAME_LEN       32

/* A declarative page mapping: va -> pa (guest: GVA -> GPA; host: VA -> HPA). */
struct mapping_desc {
	uint64_t va, pa, size, psize;
	unsigned perm; /* PERM_* from paging.h */
};

struct ram_range_desc {
	uint64_t gpa, size, hpa;
};

struct vm_desc {
	const char *name;
	struct ram_range_desc ram[MAX_RAM_RANGES];
	int nram;
	struct mapping_desc pages[MAX_MAPPINGS];
	int npages;
	int levels;        /* guest paging levels: 4 (default) or 5 */
	int ept_levels;    /* 4 (default) or 5 */
	uint64_t ept_page; /* 4 KiB (default), 2 MiB, 1 GiB */
	int ept_ad;        /* EPTP bit 6 */
	int vcpus;         /* informational */
	/* MMIO windows in GPA space for emulated devices: EPT entries with
	 * XWR = 110 so accesses exit with 49 (KVM's MMIO trick). */
	struct {
		uint64_t gpa, size;
		const char *label;
	} mmio[4];
	int nmmio;
	int vfio_unsafe_noiommu; /* "unsafe_noiommu": true */
	int viommu;              /* informational: a vIOMMU in the guest */
};

/* VT-d / kernel boot configuration (facts section 0 and 2). */
struct boot_desc {
	int firmware_vtd;        /* ACPI DMAR table present (default 1) */
	int kconfig_default_on;  /* CONFIG_INTEL_IOMMU_DEFAULT_ON (default 1) */
	int kconfig_passthrough; /* CONFIG_IOMMU_DEFAULT_PASSTHROUGH (default 0) */
	int kconfig_lazy;        /* IOMMU_DEFAULT_DMA_LAZY (1, x86 default) vs STRICT (0) */
	const char *cmdline;     /* kernel command line ("" default) */
	int cap_cm;              /* caching mode (a vIOMMU) */
	int ecap_pt;             /* hardware pass-through (default 1) */
	int scalable;            /* ECAP.SMTS (default 0: legacy mode) */
	int nfr;                 /* fault-recording registers (default 8) */
	int agaw_levels;         /* second-level levels (default 4: 48-bit) */
	int sllps;               /* super pages: bit0 2 MiB, bit1 1 GiB (default 3) */
	uint64_t fq_size;        /* flush-queue entries (default 256) */
	uint64_t fq_timeout_ns;  /* flush-queue timeout (default 10 ms) */
	int forcedac;            /* iommu.forcedac */
};

enum device_type_id { DEV_DMA, DEV_E1000, DEV_PL330, DEV_UART, DEV_TYPE_MAX };

struct device_desc {
	const char *name;
	const char *type; /* "dma-device", "e1000", "pl330", "uart" */
	int type_id;
	uint16_t bdf;      /* bus << 8 | dev << 3 | fn */
	const char *owner; /* "host" or a VM name */
	int owner_entity;
	int trusted;              /* default 1; 0 = external/untrusted */
	int dma_mask_bits;        /* default 64 (dma-device may say 32) */
	uint64_t bar0, bar0_size; /* HPA of BAR0 (0 = auto) */
	uint64_t guest_bar0;      /* for a VM-owned device: GPA of BAR0 in the guest (0 = auto) */
	void *opts;               /* type-specific options (device type's parse_opts) */
};

struct machine_desc {
	const char *title_en, *title_zh;
	uint64_t ram;    /* host RAM size at HPA 0 (default 256 MiB) */
	int host_levels; /* host paging levels (4) */
	struct mapping_desc host_pages[MAX_MAPPINGS];
	int nhost_pages;
	struct vm_desc vms[MAX_VMS];
	int nvms;
	struct device_desc devs[MAX_DEVICES];
	int ndevs;
	struct boot_desc boot;
	struct cost cost;
	uint64_t max_frames; /* cap on touched memory (frames) */
	uint64_t max_events; /* trace cap */
	int tlb_entries;     /* CPU TLB size (default 64) */
};

void machine_desc_default(struct machine_desc *d);

enum entity_kind { ENT_HOST, ENT_VM, ENT_DEVICE };

struct vm {
	const struct vm_desc *d;
	int entity;
	uint16_t vpid;
	uint64_t cr3; /* GPA of the guest PML4/PML5 */
	uint64_t eptp;
	uint64_t ept_root; /* HPA */
	uint64_t pt_alloc_top[MAX_RAM_RANGES];
};

struct device {
	const struct device_desc *d;
	int entity;
	void *state; /* owned by the device type */
};

struct counter {
	char name[48];
	uint64_t v;
};

struct var {
	char name[NAME_LEN];
	uint64_t v;
	int set;
};

struct iommu;     /* iommu.h */
struct dma_layer; /* dma.h */

struct machine {
	const struct machine_desc *d;
	struct mem mem;
	struct trace trace;
	struct cost cost;
	uint64_t now_ns;
	uint32_t step; /* current step number (for events) */
	/* host CPU */
	uint64_t host_cr3;
	struct tlb tlb;
	struct vm vms[MAX_VMS];
	int nvms;
	struct device devs[MAX_DEVICES];
	int ndevs;
	struct iommu *iommu; /* NULL when no DMAR / IOMMU off */
	struct dma_layer *dma;
	/* named values ($h) bound by actions, and counters */
	struct var vars[MAX_VARS];
	int nvars;
	struct counter counters[MAX_COUNTERS];
	int ncounters;
	int16_t counter_slots[2 * MAX_COUNTERS]; /* hash index: counter index + 1, 0 = empty */
	uint64_t ioremap_next[MAX_VMS + 1];      /* next free VA in each vmalloc area */
	/* set when a cap (memory, trace) stopped the run */
	char stop_reason[160];
};

/* Build. Returns 0, or -1 with a message in err (a scenario problem that the
 * loader could not see, e.g. a page-table allocation that does not fit). */
int machine_create(struct machine *m, const struct machine_desc *d, int trace_on, char *err, unsigned errcap);
void machine_free(struct machine *m);

/* entities */
int machine_nentities(const struct machine *m);
const char *entity_name(const struct machine *m, int ent);
enum entity_kind entity_kind(const struct machine *m, int ent);
int machine_vm_index(const struct machine *m, const char *name);  /* -1 if none */
int machine_dev_index(const struct machine *m, const char *name); /* -1 if none */

/* GPA -> HPA by the VM's RAM layout (what KVM's memslots know; no walk). */
uint64_t vm_gpa_to_hpa(const struct machine *m, int vm, uint64_t gpa, int *ok);

/* ioremap(): map [pa, pa+size) uncached at a fresh kernel VA (vmalloc
 * area) in the host's (vm = -1) or a guest's page tables. Returns the VA,
 * or 0 when the tables could not be extended. */
uint64_t machine_ioremap(struct machine *m, int vm, uint64_t pa, uint64_t size);
/* Advance simulated time to t, firing module and device timers in order. */
void machine_run_until(struct machine *m, uint64_t t);

/* events: fills step, t_ns, seq */
struct ev *machine_emit(struct machine *m, struct ev *e);
void machine_log(struct machine *m, enum unit u, const char *line);
void machine_advance(struct machine *m, uint64_t ns);

/* counters: find-or-create by name; returns an index (or -1 when full) */
int counter_id(struct machine *m, const char *name);
static inline void counter_add_id(struct machine *m, int id, uint64_t d)
{
	if (id >= 0)
		m->counters[id].v += d;
}
void counter_add(struct machine *m, const char *name, uint64_t d);
uint64_t counter_get(const struct machine *m, const char *name, int *found);

/* vars ($name) */
int var_id(struct machine *m, const char *name);
void var_set(struct machine *m, const char *name, uint64_t v);

#endif
