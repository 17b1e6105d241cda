/*
 * tlb.h — the CPU's TLB: final translations, tagged by VPID.
 *
 *   tag (vpid, virtual page, page size) -> frame, permissions, dirty
 *   4-way set associative, 16 sets (64 entries by default), round-robin
 *   replacement per set so runs are deterministic.
 *
 * A CR3 write or INVEPT drops a whole VPID in O(1): each VPID has a
 * generation number, an entry is live only while it carries its VPID's
 * current generation, and a flush bumps the generation (as tagged TLBs
 * make such flushes cheap in hardware too). INVLPG drops one page.
 *
 * A hit reads no paging-structure entry. With EPT, an entry caches the
 * combined GVA -> HPA translation (Intel's "combined mappings"), so INVEPT
 * for a VM drops that VM's entries; INVLPG drops one page of one VPID; a
 * CR3 write drops all of a VPID (no global pages in this model).
 *
 * Not modelled: separate ITLB/DTLB, the paging-structure caches,
 * PCID, global pages.
 */
#ifndef IOMMULAB_TLB_H
#define IOMMULAB_TLB_H

#include <stddef.h>
#include <stdint.h>

#define TLB_WAYS      4
#define TLB_MAX_SETS  64
#define TLB_MAX_VPIDS 16

struct tlb_entry {
	uint64_t vpn;       /* va >> 12, aligned to the page size */
	uint64_t frame;     /* hpa of the page (aligned) */
	uint64_t gpa_frame; /* gpa of the page (guests) */
	uint64_t psize;
	uint32_t gen; /* live while == tlb.gen[vpid] */
	uint16_t vpid;
	uint8_t valid, writable, user, nx, dirty;
};

struct tlb {
	struct tlb_entry e[TLB_MAX_SETS][TLB_WAYS];
	/* a compact copy of each entry's key (0 = invalid; see tlb_tag): a miss
	 * compares one cache line per page size, not four entries */
	uint64_t tag[TLB_MAX_SETS][TLB_WAYS];
	/* slots holding a tag of each size class (4K, 2M, 1G), live or not: a
	 * lookup skips the classes nothing was ever cached at */
	int nclass[3];
	uint8_t next[TLB_MAX_SETS];
	int sets;
	uint32_t gen[TLB_MAX_VPIDS]; /* current generation of each VPID */
	int live[TLB_MAX_VPIDS];     /* live entries of each VPID */
	/* ids of the machine's "tlb_hits"/"tlb_misses" counters plus one
	 * (0 = not looked up yet): counter_id is a linear search, and a TLB
	 * hit is otherwise a few instructions. Reset by tlb_init. */
	int cid_hits, cid_misses;
};

enum flush_kind { FLUSH_INVLPG, FLUSH_ALL, FLUSH_INVEPT, FLUSH_CR3 };

void tlb_init(struct tlb *t, int entries);

/* The compact key of a slot, a filter in front of the entry itself:
 *
 *   63     62..18            17..16   15..12     11..0
 *   valid  vpn (truncated)   class k  vpid & 15  generation & 0xfff
 *
 * k: 0 4 KiB, 1 2 MiB, 2 1 GiB. With the VPID's generation in it, entries
 * dropped by a CR3 write or INVEPT stop matching at once. A tag match is
 * confirmed on the entry (full vpn, vpid, size, live). */
#define TLB_TAG_CLASS(t) ((int)(((t) >> 16) & 3))
static inline uint64_t tlb_tag(const struct tlb *t, uint64_t vpn, int k, uint16_t vpid)
{
	return (1ull << 63) | (vpn << 18) | ((uint64_t)k << 16) | ((uint64_t)(vpid & 15) << 12) |
	       (t->gen[vpid % TLB_MAX_VPIDS] & 0xfff);
}

static inline unsigned tlb_set_of(const struct tlb *t, uint64_t vpn)
{
	return (unsigned)(vpn & (uint64_t)(t->sets - 1));
}

/* The live entry translating va for vpid, or NULL. Inline: every CPU
 * access starts here. */
static inline struct tlb_entry *tlb_lookup(struct tlb *t, uint16_t vpid, uint64_t va)
{
	/* try 4 KiB, 2 MiB and 1 GiB pages: each is indexed by its own vpn */
	for (int k = 0; k < 3; k++) {
		if (!t->nclass[k])
			continue;
		uint64_t psize = 1ull << (12 + 9 * k);
		uint64_t vpn = (va & ~(psize - 1)) >> 12, key = tlb_tag(t, vpn, k, vpid);
		unsigned s = tlb_set_of(t, vpn >> (9 * k));
		for (int w = 0; w < TLB_WAYS; w++)
			if (t->tag[s][w] == key) {
				struct tlb_entry *e = &t->e[s][w];
				if (e->valid && e->vpid == vpid && e->psize == psize && e->vpn == vpn &&
				    e->gen == t->gen[vpid % TLB_MAX_VPIDS])
					return e;
			}
	}
	return NULL;
}

/* The slot for a new translation of (vpid, vpn, psize): the same page's
 * live entry (refreshed in place), else the set's round-robin victim. Its
 * key, generation and valid bit are set; the caller fills frame,
 * gpa_frame and the permission bits. fresh: the caller's tlb_lookup for
 * this address found nothing, so no live entry for the page can exist and
 * the set is not searched for one. */
struct tlb_entry *tlb_claim(struct tlb *t, uint16_t vpid, uint64_t vpn, uint64_t psize, int fresh);
/* Returns the number of entries dropped. */
int tlb_flush(struct tlb *t, enum flush_kind k, uint16_t vpid, uint64_t va);

#endif
