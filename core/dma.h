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

#endif
