/*
 * dma.h — the simulated kernel's DMA layer and the device side of DMA.
 *
 * OWNER: the IOMMU/DMA module (issue 3). This header is the contract other
 * modules (NIC, DMA controller) program against; its implementation lives
 * in dma.c / iommu.c. Signatures may grow, never silently change meaning.
 *
 *   driver (in the device owner's kernel)        device
 *   dma_map_single(phys) -> handle  ----------> descriptor holds the handle
 *                                                dev_dma_read/write(handle)
 *                                                   |  IOMMU on: translate
 *                                                   |  (root -> context -> SL walk, IOTLB)
 *                                                   v  IOMMU off / identity: handle = HPA
 *                                                memory (or fault: data, not an error)
 *
 * Address spaces: `phys` arguments are physical addresses *in the owner's
 * view*: HPA for a host-owned device, GPA for a device assigned to a VM
 * (the guest kernel programs GPAs; with no vIOMMU its dma-direct handle is
 * the GPA and the host IOMMU translates IOVA = GPA -> HPA).
 */
#ifndef IOMMULAB_DMA_H
#define IOMMULAB_DMA_H

#include <stddef.h>
#include <stdint.h>

#include "action.h"
#include "machine.h"

enum dma_dir { DMA_BIDIRECTIONAL = 0, DMA_TO_DEVICE = 1, DMA_FROM_DEVICE = 2, DMA_NONE = 3 };

/* Kernel memory for a driver: `size` bytes of RAM owned by the device's
 * owner (host RAM, or the VM's guest RAM), page-aligned, labelled. Returns
 * the physical address in the owner's view (HPA or GPA), or MEM_NO_ADDR. */
uint64_t dma_kalloc(struct machine *m, int dev, uint64_t size, const char *label);

/* Copy into / out of kernel memory by physical address in the owner's view
 * (CPU accesses by the driver; traced as mem.write/mem.read by the CPU). */
int kmem_write(struct machine *m, int dev, uint64_t phys, const void *buf, size_t len);
int kmem_read(struct machine *m, int dev, uint64_t phys, void *buf, size_t len);

/* The DMA API. Each returns 0, or -1 with r->error / r->fault set. */
int dma_map_single(struct machine *m, int dev, uint64_t phys, uint64_t size, enum dma_dir dir,
                   uint64_t *handle, struct step_result *r);
int dma_unmap_single(struct machine *m, int dev, uint64_t handle, uint64_t size, enum dma_dir dir,
                     struct step_result *r);
int dma_alloc_coherent(struct machine *m, int dev, uint64_t size, uint64_t *phys, uint64_t *handle,
                       struct step_result *r);
int dma_free_coherent(struct machine *m, int dev, uint64_t size, uint64_t phys, uint64_t handle,
                      struct step_result *r);
int dma_sync_for_cpu(struct machine *m, int dev, uint64_t handle, uint64_t size, enum dma_dir dir,
                     struct step_result *r);
int dma_sync_for_device(struct machine *m, int dev, uint64_t handle, uint64_t size, enum dma_dir dir,
                        struct step_result *r);

/* A device-initiated access at bus address addr (IOVA / GPA / HPA as the
 * mode makes it). Goes through the IOMMU when the device's context is
 * translated; writes to 0xFEE00000–0xFEEFFFFF are interrupt requests.
 * Returns 0, or -1 on a DMA fault (r->fault filled; no byte changed, no
 * data returned). */
int dev_dma_read(struct machine *m, int dev, uint64_t addr, void *buf, size_t len, struct step_result *r);
int dev_dma_write(struct machine *m, int dev, uint64_t addr, const void *buf, size_t len,
                  struct step_result *r);

/* An MSI: a DMA write of `data` to 0xFEE00000 | apic_id << 12 by the device. */
int dev_msi(struct machine *m, int dev, uint32_t apic_id, uint32_t data, struct step_result *r);

/* ---- additions (issue 3): state and helpers of the DMA layer ---- */

#include "boot.h"
#include "iommu.h"

/* Which path a mapping took (EV_DMA_MAP code). */
enum dma_path { DMA_PATH_DIRECT = 0, DMA_PATH_BOUNCE = 1, DMA_PATH_IOMMU = 2 };

/* dma_set_mask (dma_set_mask_and_coherent): 0, or -1 (mask below 24 bits). */
int dma_set_mask(struct machine *m, int dev, int bits, struct step_result *r);

/* A CPU access by the owner's kernel to [phys, phys+len) (owner's view):
 * flags DMA-API misuse (reading a streaming buffer the device owns).
 * Returns the number of misuse events emitted. kmem_read/kmem_write call it;
 * other CPU paths may too. */
int dma_check_cpu_access(struct machine *m, int owner, uint64_t phys, uint64_t len, int write);

/* Drain domain dom's flush queue: one domain-selective IOTLB flush, then
 * the queued IOVAs become free again. timer = 1 when the 10 ms timer fired. */
void dma_fq_flush(struct machine *m, int dom, int timer);

/* Carve swiotlb + a ZONE_DMA32 pool from low host RAM (boot; only when RAM reaches above 4 GiB). */
int dma_swiotlb_setup(struct machine *m);

/* What a device's DMA API does: its domain type (DOM_NONE = dma-direct, no IOMMU). */
enum dom_type dma_dev_domain(const struct machine *m, int dev);
uint16_t dma_dev_sid(const struct machine *m, int dev);

struct dma_map_rec {
	uint64_t handle, phys, size;
	uint64_t slot; /* swiotlb slot (bounced), else 0 */
	uint64_t iova_pfn, iova_pages;
	uint8_t used, dir, bounced, cpu_owned, coherent;
};

struct dma_dev {
	enum dom_type type; /* what the DMA API uses (VFIO: unmanaged) */
	enum boot_reason why;
	int dom;                   /* index in iommu->doms, -1 none */
	int group;                 /* iommu group id, -1 none */
	int hidden;                /* never enumerated by the kernel */
	int noiommu;               /* VFIO unsafe no-IOMMU */
	int viommu;                /* VFIO device of a VM with a vIOMMU: guest IOVAs, shadowed by QEMU */
	struct iommu_domain *gdom; /* the guest kernel's IOVA allocator for it (vIOMMU) */
	int mask_bits;
	struct dma_map_rec *maps;
	int nmaps, capmaps;
	int c_maps, c_unmaps, c_hits, c_misses, c_walks, c_faults, c_bounces, c_bytes, c_irqs;
};

/* Events of the current step that expects may ask about. */
struct dma_step_flags {
	uint32_t step;
	int valid;
	int breaches, stale_hits, irqs, bounces, misuse, iotlb_hits, iotlb_misses, faults;
	int last_bounced;
	unsigned fault_sid; /* of the first DMAR fault in this step */
	int fault_write;
};

struct dma_layer {
	struct boot_state boot;
	struct dma_dev dev[MAX_DEVICES];
	int ndev;
	int ngroups;
	/* swiotlb: a pool in low host RAM, 2 KiB slots */
	uint64_t swiotlb_base, swiotlb_size;
	uint8_t *slot_used; /* one byte per slot: run length at the start of a run */
	uint64_t nslots, slot_index;
	/* low memory for coherent allocations of small-mask devices (ZONE_DMA32) */
	uint64_t dma32_base, dma32_size, dma32_top;
	struct dma_step_flags sf;
	int c_breaches;
};

/* Per-step flags for expects (zeros when nothing happened in this step). */
const struct dma_step_flags *dma_step(const struct machine *m);
struct dma_step_flags *dma_step_mut(struct machine *m);

#endif
