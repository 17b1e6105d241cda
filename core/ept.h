/*
 * ept.h — Intel Extended Page Tables: GPA -> HPA for one VM.
 *
 * EPTP (VMCS field; linux: arch/x86/include/asm/vmx.h, VMX_EPTP_*):
 *   2:0 memory type of the tables (6 = WB)   5:3 page-walk length - 1
 *   6   enable accessed/dirty flags          51:12 HPA of the EPT PML4 (PML5)
 *
 * EPT entry (facts 1.2):
 *   +----+---+---+---+-----+------+----+---+---+----+-----------+----+
 *   | 63 |...| 10| 9 |  8  |  7   |  6 |5:3| 2 | 1  |     0     |    |
 *   | SVE|   | UX| D |  A  |  PS  |IPAT| MT| X | W  |     R     |    |
 *   +----+---+---+---+-----+------+----+---+---+----+-----------+----+
 *   address = bits 51:12.  Not present <=> bits 2:0 == 000.
 *
 * Violation (exit 48): not present, or a needed R/W/X missing. The exit
 * qualification says what the access was (bits 0-2), what the entries
 * allowed (3-5), whether the GLA is valid (7) and — bit 8 — whether the
 * access was to the final GPA (1) or to a guest paging-structure entry (0).
 * Misconfiguration (exit 49): a present entry with XWR = 010 or 110 (or 100
 * without execute-only support), a leaf memory type of 2, 3 or 7, or
 * reserved bits set (linux: arch/x86/kvm/mmu/mmu.c,
 * __reset_rsvds_bits_mask_ept).
 *
 * Not modelled: MBEC (bit 10 is kept but never checked), #VE, sub-page
 * write permissions, execute-only support (XWR = 100 is a misconfiguration),
 * accessed/dirty logging (PML).
 */
#ifndef IOMMULAB_EPT_H
#define IOMMULAB_EPT_H

#include <stdint.h>

#include "bits.h"

#define EPT_R     BIT(0)
#define EPT_W     BIT(1)
#define EPT_X     BIT(2)
#define EPT_XWR   MASK(2, 0)
#define EPT_MT(e) FIELD(e, 5, 3)
#define EPT_IPAT  BIT(6)
#define EPT_PS    BIT(7)
#define EPT_A     BIT(8)
#define EPT_D     BIT(9)
#define EPT_UX    BIT(10)
#define EPT_ADDR  MASK(51, 12)
#define EPT_MT_WB 6ull

#define EPTP_WB     6ull
#define EPTP_PWL(l) ((uint64_t)((l)-1) << 3)
#define EPTP_AD     BIT(6)

/* exit reasons */
#define EXIT_EPT_VIOLATION 48
#define EXIT_EPT_MISCONFIG 49

/* exit qualification bits for EPT violations */
#define EPTQ_READ  BIT(0)
#define EPTQ_WRITE BIT(1)
#define EPTQ_FETCH BIT(2)
#define EPTQ_R     BIT(3)
#define EPTQ_W     BIT(4)
#define EPTQ_X     BIT(5)
#define EPTQ_GLA   BIT(7)
#define EPTQ_FINAL BIT(8)

/* Misconfigured? Returns 0 for a legal present entry (SDM 29.3.3.1).
 * Inline: every entry of every EPT walk goes through it. */
static inline int ept_misconfigured(uint64_t e, int level, int maxphyaddr)
{
	/* R clear: XWR 000 is not present (a violation, not a misconfiguration);
	 * 010 write-only, 110 write+execute, 100 execute-only (not supported)
	 * are misconfigured */
	if (!(e & EPT_R))
		return (e & EPT_XWR) != 0;
	if (maxphyaddr < 52 && (e & MASK(51, maxphyaddr)))
		return 1;
	int leaf = level == 1 || ((level == 2 || level == 3) && (e & EPT_PS));
	if (leaf) {
		uint64_t mt = EPT_MT(e);
		if (mt == 2 || mt == 3 || mt == 7)
			return 1;
		if (level == 3 && (e & MASK(29, 12)))
			return 1;
		if (level == 2 && (e & MASK(20, 12)))
			return 1;
	} else {
		if (level >= 4 && (e & MASK(7, 3)))
			return 1;
		if (level < 4 && (e & MASK(6, 3)))
			return 1;
	}
	return 0;
}

void epte_decode(uint64_t e, int level, char *buf, unsigned cap);

#endif
