/*
 * mmu.h — the CPU's way to memory: TLB, then the page walk (native, or the
 * two-dimensional walk through guest tables and EPT), then the access.
 *
 * The 2-D walk in hardware order (facts section 0; Bhargava et al.,
 * ASPLOS 2008): for a 4-level guest on 4-level EPT
 *
 *              EPT L4  EPT L3  EPT L2  EPT L1   guest entry
 *   guest CR3    1       2       3       4   ->  5  PML4E
 *   PML4E.addr   6       7       8       9   -> 10  PDPTE
 *   PDPTE.addr  11      12      13      14   -> 15  PDE
 *   PDE.addr    16      17      18      19   -> 20  PTE
 *   data GPA    21      22      23      24   -> data access
 *
 * (n+1)(m+1) - 1 = 24 entry reads; 35 for 5+5; 19 for a 2 MiB guest page.
 *
 * Faults are data: a guest #PF (no VM exit), an EPT violation (exit 48,
 * qualification bit 8 says final GPA vs paging entry) or misconfiguration
 * (exit 49) fill r->fault and the trace, and the access does not happen.
 *
 * Not modelled: the paging-structure caches and the nested TLB (every miss
 * walks from the root), SMEP/SMAP, protection keys, CR0.WP = 0, #GP for
 * non-canonical addresses (the loader refuses them), accesses that cross a
 * page boundary are split into one translation per page. A/D bits are set
 * only by walks that succeed. A TLB hit that would fault re-walks.
 */
#ifndef IOMMULAB_MMU_H
#define IOMMULAB_MMU_H

#include <stddef.h>
#include <stdint.h>

#include "action.h"
#include "machine.h"

enum access { ACC_READ, ACC_WRITE, ACC_FETCH };

/* Translate va for the CPU of vm (-1 = host). user: a CPL 3 access.
 * Returns 0 with *hpa, or -1 after a fault (in r->fault and the trace). */
int mmu_translate(struct machine *m, int vm, uint64_t va, enum access acc, int user, struct step_result *r,
                  uint64_t *hpa);

/* EPT alone: GPA -> HPA for vm (used by the 2-D walk and by KVM-side code). */
int ept_translate(struct machine *m, int vm, uint64_t gpa, enum access acc, int final, uint64_t gla,
                  struct step_result *r, uint64_t *hpa);

/* A CPU load/store/fetch of len bytes (may cross pages): translate, then
 * RAM or MMIO. For reads, buf receives the data. */
int cpu_access(struct machine *m, int vm, uint64_t va, enum access acc, int user, void *buf, size_t len,
               struct step_result *r);

/* A CPU access to a device register at hpa (already translated; ioremap'd
 * or EPT-mapped BAR). Emits EV_MMIO, charges mmio_ns; never the IOMMU. */
uint64_t cpu_mmio(struct machine *m, int vm, uint64_t hpa, int write, uint64_t val, unsigned len);

/* The kernel's ioremap(): map [hpa, hpa+size) uncached (PCD|PWT) at a
 * fresh kernel virtual address in the vmalloc area of the host (vm = -1)
 * or of a guest. Returns the VA, or 0 on failure. */
uint64_t mmu_ioremap(struct machine *m, int vm, uint64_t pa, uint64_t size);

#endif
