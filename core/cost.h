/*
 * cost.h — the simulated clock's price list.
 *
 * Every modelled operation advances machine.now_ns by one of these costs.
 * They are round figures of the right order for a ~3 GHz x86 server, not
 * measurements; a scenario may override any of them under "machine.cost"
 * (key = field name below). Rankings that lessons show (strict > lazy >
 * pt >= off) must come out of *how many* operations the model performs,
 * never from a number typed in for a mode.
 *
 *   field          default  what it prices
 *   mem_ref_ns        80    one DRAM access (a walk reading an entry, a data access)
 *   tlb_hit_ns         1    a CPU TLB hit
 *   iotlb_hit_ns       5    an IOTLB or context-cache hit in the IOMMU
 *   walk_step_ns      10    IOMMU/MMU walker overhead per level, on top of the memory reference
 *   inv_ns          1000    one IOTLB invalidation, submitted and waited for (queued invalidation + wait
 * descriptor) mmio_ns          500    one uncached CPU access to a device register (PCIe round trip) irq_ns
 * 2000    delivering an interrupt and entering the handler dma_api_ns       100    software cost of a
 * dma_map/unmap call (IOVA allocation, bookkeeping) pte_write_ns      20    the kernel writing one IOMMU
 * page-table entry byte_copy_ps     100    copying one byte (picoseconds) — swiotlb bounce, CPU memcpy
 *   dma_byte_ps       80    a device moving one byte over PCIe (picoseconds)
 */
#ifndef IOMMULAB_COST_H
#define IOMMULAB_COST_H

#include <stdint.h>

struct cost {
	uint64_t mem_ref_ns, tlb_hit_ns, iotlb_hit_ns, walk_step_ns, inv_ns, mmio_ns, irq_ns, dma_api_ns,
	    pte_write_ns, byte_copy_ps, dma_byte_ps;
};

/* Fill with the defaults above. */
void cost_default(struct cost *c);
/* Field names in declaration order, NULL-terminated (for the loader and docs). */
extern const char *const cost_fields[];
uint64_t *cost_field(struct cost *c, const char *name);

#endif
