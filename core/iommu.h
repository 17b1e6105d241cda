/*
 * iommu.h — Intel VT-d (legacy, non-scalable mode): the remapping hardware
 * and the part of Linux's intel-iommu driver that builds its tables.
 *
 * A device request (source-id = bus:dev.fn, IOVA, read/write) is translated
 * like this (VT-d spec ch. 3; facts 1.3):
 *
 *   RTADDR ──> root table (4 KiB, 256 × 16 B, index = bus)
 *                 root entry lo: bit 0 P, 63:12 context-table pointer (hi = reserved)
 *              ──> context table (4 KiB, 256 × 16 B, index = devfn)
 *                 ctx lo: 0 P, 1 FPD, 3:2 TT, 63:12 SLPTPTR
 *                 ctx hi: 2:0 AW, 23:8 DID
 *              ──> second-level tables (AW levels, 512 × 8 B each)
 *                 SL entry: 0 R, 1 W, 7 PS, 51:12 address  — no P bit: present = R|W
 *
 *   TT = 00 translate, 01 translate + ATS, 10 pass-through (output = input,
 *   SLPTPTR ignored, needs ECAP.PT), 11 reserved (fault 3h).
 *
 * Register file (offsets; linux: drivers/iommu/intel/iommu.h):
 *
 *   0x00 VER   0x08 CAP   0x10 ECAP  0x18 GCMD  0x1C GSTS  0x20 RTADDR
 *   0x28 CCMD  0x34 FSTS  0x38 FECTL 0x3C FEDATA 0x40 FEADDR 0x44 FEUADDR
 *   0x80 IQH   0x88 IQT   0x90 IQA   0x9C ICS
 *   CAP.FRO*16 = 0x400: fault-recording registers, 16 B each, NFR+1 of them
 *   ECAP.IRO*16 = 0x500: IVA, IOTLB invalidate register at +8
 *
 * Fault record (128 bits): 63:12 page address, 79:64 SID, 103:96 reason,
 * 126 T (1 = read), 127 F (valid; write 1 to clear).
 * FSTS: 0 PFO, 1 PPF, 15:8 FRI.  FECTL: 31 IM, 30 IP.
 *
 * Linux references: drivers/iommu/intel/iommu.c (context_set_*, domain
 * attach, iommu_flush_iotlb_psi), drivers/iommu/intel/dmar.c (dmar_fault,
 * dma_remap_fault_reasons[]); QEMU hw/i386/intel_iommu.c (vtd_iova_to_slpte
 * checks the permission at every level).
 *
 * Not modelled: scalable mode (PASID tables, first-level tables), interrupt
 * remapping (MSI writes are passed on as compatibility-format interrupts),
 * ATS/device-TLB, page-walk caches (only the IOTLB and the context cache),
 * snoop control, RMRRs, multiple units (one DRHD covers every device),
 * register-based invalidation (queued invalidation is used, as Linux does).
 */
#ifndef IOMMULAB_IOMMU_H
#define IOMMULAB_IOMMU_H

#include <stdint.h>

#include "action.h"
#include "bits.h"
#include "machine.h"

/* registers */
#define VTD_VER      0x00
#define VTD_CAP      0x08
#define VTD_ECAP     0x10
#define VTD_GCMD     0x18
#define VTD_GSTS     0x1C
#define VTD_RTADDR   0x20
#define VTD_CCMD     0x28
#define VTD_FSTS     0x34
#define VTD_FECTL    0x38
#define VTD_FEDATA   0x3C
#define VTD_FEADDR   0x40
#define VTD_FEUADDR  0x44
#define VTD_IQH      0x80
#define VTD_IQT      0x88
#define VTD_IQA      0x90
#define VTD_ICS      0x9C
#define VTD_FRO_OFF  0x400
#define VTD_IRO_OFF  0x500
#define VTD_REG_SIZE 0x1000

/* GCMD / GSTS */
#define VTD_GCMD_TE   BIT(31)
#define VTD_GCMD_SRTP BIT(30)
#define VTD_GCMD_QIE  BIT(26)
#define VTD_GSTS_TES  BIT(31)
#define VTD_GSTS_RTPS BIT(30)
#define VTD_GSTS_QIES BIT(26)

/* CAP fields */
#define VTD_CAP_CM       BIT(7)
#define VTD_CAP_SAGAW(c) FIELD(c, 12, 8)
#define VTD_CAP_MGAW(c)  (FIELD(c, 21, 16) + 1)
#define VTD_CAP_FRO(c)   FIELD(c, 33, 24)
#define VTD_CAP_SLLPS(c) FIELD(c, 37, 34)
#define VTD_CAP_PSI      BIT(39)
#define VTD_CAP_NFR(c)   FIELD(c, 47, 40)
#define VTD_CAP_MAMV(c)  FIELD(c, 53, 48)
/* ECAP fields */
#define VTD_ECAP_C      BIT(0)
#define VTD_ECAP_QI     BIT(1)
#define VTD_ECAP_PT     BIT(6)
#define VTD_ECAP_IRO(e) FIELD(e, 17, 8)
#define VTD_ECAP_SMTS   BIT(43)

/* root / context entries */
#define VTD_ROOT_P          BIT(0)
#define VTD_ROOT_CTP        MASK(63, 12)
#define VTD_CTX_P           BIT(0)
#define VTD_CTX_FPD         BIT(1)
#define VTD_CTX_TT(lo)      FIELD(lo, 3, 2)
#define VTD_CTX_SLPTPTR     MASK(63, 12)
#define VTD_CTX_AW(hi)      FIELD(hi, 2, 0)
#define VTD_CTX_DID(hi)     FIELD(hi, 23, 8)
#define VTD_TT_MULTI_LEVEL  0
#define VTD_TT_DEV_IOTLB    1
#define VTD_TT_PASS_THROUGH 2
#define VTD_TT_RESERVED     3

/* second-level entries */
#define VTD_SL_R    BIT(0)
#define VTD_SL_W    BIT(1)
#define VTD_SL_PS   BIT(7)
#define VTD_SL_ADDR MASK(51, 12)

/* FSTS / FECTL / fault record */
#define VTD_FSTS_PFO    BIT(0)
#define VTD_FSTS_PPF    BIT(1)
#define VTD_FSTS_FRI(v) FIELD(v, 15, 8)
#define VTD_FECTL_IM    BIT(31)
#define VTD_FECTL_IP    BIT(30)
#define VTD_FRCD_F      BIT(63) /* in the high qword */
#define VTD_FRCD_T      BIT(62) /* in the high qword: 1 = read */

/* the interrupt address range (VT-d treats writes here as interrupts) */
#define MSI_WINDOW_LO 0xFEE00000ull
#define MSI_WINDOW_HI 0xFEEFFFFFull

/* legacy fault reasons (linux: dmar.c dma_remap_fault_reasons[]) */
enum vtd_fault_reason {
	VTD_FR_NONE = 0,
	VTD_FR_ROOT_P = 1,
	VTD_FR_CTX_P = 2,
	VTD_FR_CTX_INV = 3,
	VTD_FR_ADDR_BEYOND_MGAW = 4,
	VTD_FR_WRITE = 5,
	VTD_FR_READ = 6,
	VTD_FR_PAGING_ENTRY_INV = 7,
	VTD_FR_ROOT_TABLE_INV = 8,
	VTD_FR_CTX_TABLE_INV = 9,
	VTD_FR_ROOT_RSVD = 0xA,
	VTD_FR_CTX_RSVD = 0xB,
	VTD_FR_PAGING_RSVD = 0xC,
	VTD_FR_TT_BLOCKED = 0xD,
	VTD_FR_MAX
};
const char *vtd_fault_reason_str(int reason);

/* invalidation granularities (EV_IOTLB_INV code) */
enum vtd_inv { VTD_INV_GLOBAL = 1, VTD_INV_DOMAIN = 2, VTD_INV_PAGE = 3, VTD_INV_CONTEXT = 4 };

/* Linux's domain types (include/linux/iommu.h) + "none" (no IOMMU) */
enum dom_type { DOM_NONE, DOM_BLOCKED, DOM_IDENTITY, DOM_DMA, DOM_DMA_FQ, DOM_UNMANAGED, DOM_TYPE_MAX };
const char *dom_type_name(enum dom_type t); /* "none", "identity", "DMA", "DMA-FQ", … */
int dom_type_parse(const char *s);          /* -1 if unknown */

#define IOTLB_ENTRIES     64
#define CTX_CACHE_ENTRIES 16
#define IOMMU_MAX_DOMAINS 32
#define DID_IDENTITY      1 /* FLPT_DEFAULT_DID; DID 0 is reserved (caching mode) */

struct iotlb_entry {
	uint64_t iova; /* aligned to psize */
	uint64_t hpa;  /* aligned to psize */
	uint64_t psize;
	uint64_t pgd; /* observer only: the tables it came from (to flag stale hits) */
	uint16_t did;
	uint8_t valid, r, w;
	uint8_t np; /* a cached not-present translation (only with CAP.CM = 1) */
};

struct ctx_cache_entry {
	uint16_t sid;
	uint8_t valid;
	uint64_t lo, hi;
};

struct iova_range {
	uint64_t lo, hi; /* pfns, inclusive */
};

struct fq_entry {
	uint64_t pfn, npages;
};

/* A Linux iommu_domain (dmar_domain) with dma-iommu's IOVA allocator and
 * flush queue (the cookie). */
struct iommu_domain {
	int used;
	enum dom_type type;
	uint16_t did;
	uint64_t pgd; /* HPA of the top second-level table (0: identity) */
	int levels;
	int vm; /* UNMANAGED (VFIO): the VM whose RAM it maps, else -1 */
	int ndev;
	struct iova_range *iovas;
	int niovas, capiovas;
	struct fq_entry *fq;
	uint64_t nfq, capfq;
	uint64_t fq_deadline; /* UINT64_MAX: no timer armed */
	int flushing;
};

struct iommu {
	uint8_t regs[VTD_REG_SIZE];
	uint64_t cap, ecap;
	int levels;       /* SAGAW levels (AW = levels - 2) */
	int nrec;         /* NFR + 1 */
	int next_frcd;    /* hardware's next recording register */
	uint64_t rta;     /* latched by SRTP */
	uint64_t iq_base; /* invalidation queue (4 KiB, 256 descriptors) */
	struct iotlb_entry iotlb[IOTLB_ENTRIES];
	int iotlb_next;
	struct ctx_cache_entry cc[CTX_CACHE_ENTRIES];
	int cc_next;
	/* kernel side */
	uint64_t root_table; /* HPA */
	struct iommu_domain doms[IOMMU_MAX_DOMAINS];
	uint16_t next_did;
	uint64_t fault_deadline; /* Linux's dmar_fault handler runs then (UINT64_MAX: none) */
	uint64_t faults_lost;
	int c_inv; /* counter ids */
	int c_faults;
};

/* ---- hardware ---- */

/* Reset state from the boot description (CAP/ECAP per facts section 0). */
struct iommu *iommu_create(struct machine *m, const struct boot_desc *b);
void iommu_destroy(struct iommu *io);
uint64_t iommu_reg_read(const struct iommu *io, unsigned off, unsigned len);
/* Software register write: GCMD (SRTP/TE/QIE), FSTS (PFO RW1C), FECTL,
 * fault-record F (RW1C). */
void iommu_reg_write(struct machine *m, unsigned off, uint64_t v, unsigned len);

struct iommu_xlate {
	uint64_t hpa;
	int refs;  /* structure entries read (root, context, SL) */
	int iotlb; /* 0 not looked up, 1 hit, 2 miss */
	int ctx_hit;
	int stale; /* hit on a translation the tables no longer hold */
	int passthrough;
	struct fault_info fault;
};
/* Translate one request (must not cross a 4 KiB page). A fault is recorded
 * (unless FPD or overflow) and returned in x->fault; returns 0 or -1. */
int iommu_translate(struct machine *m, int actor, uint16_t sid, uint64_t iova, int write,
                    struct iommu_xlate *x);

/* Invalidations (submitted through the queue, waited for). */
void iommu_inv_iotlb(struct machine *m, enum vtd_inv gran, uint16_t did, uint64_t addr, int am);
void iommu_inv_context(struct machine *m, int global, uint16_t sid);

/* Linux's dmar_fault(): read pending records, print, clear F, clear PPF/PFO. */
void iommu_service_faults(struct machine *m);

/* ---- kernel (intel-iommu driver) ---- */

/* Build the root table, load it (SRTP), invalidate, enable translation (TE). */
int iommu_kernel_enable(struct machine *m);
/* Allocate a domain of type t (identity shares DID 1). Returns its index or -1. */
int iommu_domain_alloc(struct machine *m, enum dom_type t, int vm);
/* Point sid's context entry at domain d (builds the context table on first use). */
int iommu_attach(struct machine *m, int d, uint16_t sid);
/* Map [iova, iova+size) -> hpa with the largest pages alignment and SLLPS allow. perm = PERM_R|PERM_W. */
int iommu_map(struct machine *m, int d, uint64_t iova, uint64_t hpa, uint64_t size, unsigned perm);
/* Clear the leaf entries of [iova, iova+size). Returns bytes unmapped. No flush. */
uint64_t iommu_unmap(struct machine *m, int d, uint64_t iova, uint64_t size);
/* Flush an IOVA range of a domain: page-selective with AM, or domain-selective when too big. */
void iommu_flush_range(struct machine *m, int d, uint64_t iova, uint64_t size);
/* Kernel-side lookup (no trace, no cost): 0 ok, -1 not mapped. */
int iommu_iova_to_phys(const struct machine *m, int d, uint64_t iova, uint64_t *hpa, unsigned *perm);
/* What the hardware would do for sid/iova now, from the tables in memory
 * (no trace, no caches, no fault recording). Returns the fault reason or 0. */
int iommu_peek(const struct machine *m, uint16_t sid, uint64_t iova, int write, uint64_t *hpa);
/* Address of sid's context entry (0 if its root entry is not present). */
uint64_t iommu_context_addr(const struct machine *m, uint16_t sid);

/* IOVA allocator (dma-iommu / drivers/iommu/iova.c): top-down, size-aligned. */
uint64_t iova_alloc(struct iommu_domain *dom, uint64_t npages, uint64_t limit_pfn);
void iova_free(struct iommu_domain *dom, uint64_t pfn);
int iova_reserve(struct iommu_domain *dom, uint64_t lo_pfn, uint64_t hi_pfn);

/* Timers (flush queues, fault handler). */
uint64_t iommu_next_deadline(const struct machine *m);
void iommu_fire(struct machine *m, uint64_t now);

#endif
