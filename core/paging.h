/*
 * paging.h — x86-64 page tables (4-level, optional 5-level / LA57).
 *
 * A linear address is split into 9-bit indexes, one per level
 * (Intel SDM vol. 3A ch. 4.5; facts 1.1):
 *
 *   63    57 56   48 47   39 38   30 29   21 20   12 11        0
 *  +--------+-------+-------+-------+-------+-------+-----------+
 *  |sign ext| PML5  | PML4  | PDPT  |  PD   |  PT   |  offset   |
 *  +--------+-------+-------+-------+-------+-------+-----------+
 *   level:     5       4       3       2       1
 *
 * An entry is 8 bytes (linux: arch/x86/include/asm/pgtable_types.h):
 *
 *   bit 0 P   1 R/W   2 U/S   3 PWT   4 PCD   5 A   6 D (leaf)
 *   bit 7 PS (1 GiB leaf at level 3, 2 MiB leaf at level 2; PAT in a 4 KiB PTE)
 *   bit 8 G   12..51 frame   63 XD/NX
 *
 * #PF error code (linux: arch/x86/include/asm/trap_pf.h): bit 0 P (0 = not
 * present), 1 W/R, 2 U/S, 3 RSVD, 4 I/D (fetch).
 *
 * This file builds tables from declarative mappings, as real entries in
 * simulated memory; the walk that reads them is in mmu.c.
 *
 * Not modelled: protection keys, shadow stacks, SMEP/SMAP, CR0.WP = 0,
 * PAT/MTRR memory types, global pages (G is stored but TLB flushes treat all
 * entries alike), the paging-structure caches.
 */
#ifndef IOMMULAB_PAGING_H
#define IOMMULAB_PAGING_H

#include <stdint.h>

#include "bits.h"

#define PTE_P    BIT(0)
#define PTE_RW   BIT(1)
#define PTE_US   BIT(2)
#define PTE_PWT  BIT(3)
#define PTE_PCD  BIT(4)
#define PTE_A    BIT(5)
#define PTE_D    BIT(6)
#define PTE_PS   BIT(7)
#define PTE_G    BIT(8)
#define PTE_NX   BIT(63)
#define PTE_ADDR MASK(51, 12)

/* index of va at level (1 = PT … 5 = PML5), as xv6's PX() */
#define PX(level, va) (((va) >> (12 + 9 * ((level)-1))) & 0x1ff)
/* bytes mapped by one entry at level: 4 KiB, 2 MiB, 1 GiB, 512 GiB, 256 TiB */
#define LEVEL_SIZE(lvl) (1ull << (12 + 9 * ((lvl)-1)))

/* #PF error code bits */
#define PFEC_P    BIT(0)
#define PFEC_W    BIT(1)
#define PFEC_U    BIT(2)
#define PFEC_RSVD BIT(3)
#define PFEC_I    BIT(4)

/* permissions of a declarative mapping */
#define PERM_R  1u
#define PERM_W  2u
#define PERM_X  4u
#define PERM_U  8u  /* user-accessible */
#define PERM_UC 16u /* uncached (PCD|PWT), as ioremap maps MMIO */

/* Canonical for a `levels`-level linear address space? */
int va_canonical(uint64_t va, int levels);

/*
 * Where a table builder reads and writes its entries: tables live at
 * "table addresses" (a GPA for guest tables, an HPA for host and EPT
 * tables); `tbl_to_hpa` turns one into the HPA of the bytes, and
 * `alloc_table` hands out a zeroed 4 KiB table address (or UINT64_MAX).
 */
struct mem;
/* Entry formats a builder can write: the radix shape is the same. */
enum pt_format { PT_X86, PT_EPT, PT_VTD };

struct pt_ctx {
	enum pt_format fmt;
	struct mem *mem;
	uint64_t (*tbl_to_hpa)(void *ctx, uint64_t table_addr);
	uint64_t (*alloc_table)(void *ctx);
	void *ctx;
	int levels; /* 4 or 5 */
};

/* Map [va, va+size) -> pa with page size psize (4 KiB, 2 MiB or 1 GiB) and perms.
 * PT_X86: upper entries P|RW|US (as Linux's _PAGE_TABLE) with A = 0; the
 * leaf gets P, RW if PERM_W, US if PERM_U, NX unless PERM_X, PCD|PWT if
 * PERM_UC. PT_EPT: upper entries R|W|X; leaf R/W/X from perm, memory type
 * WB (UC if PERM_UC). PT_VTD: upper entries R|W (as Linux writes them);
 * leaf R/W from perm. Large leaves set PS. Returns 0, -1 if a table could not be allocated, -2 if an
 * existing mapping conflicts. */
int pt_map(struct pt_ctx *p, uint64_t root, uint64_t va, uint64_t pa, uint64_t size, uint64_t psize,
           unsigned perm);

/* Find the entry for va at level (no trace, no A/D); returns its table
 * address + 8*index in *entry_addr, or -1 if a level above is not present. */
int pt_lookup(struct pt_ctx *p, uint64_t root, uint64_t va, int level, uint64_t *entry_addr);

/* "P RW US A D NX" style decode into buf. */
void pte_decode(uint64_t e, int level, char *buf, unsigned cap);

#endif
