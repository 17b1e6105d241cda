/* tlb.c — see tlb.h: 4-way set-associative, round-robin per set. */
#include "tlb.h"

#include <string.h>

void tlb_init(struct tlb *t, int entries)
{
	memset(t, 0, sizeof *t);
	int sets = entries / TLB_WAYS;
	if (sets < 1)
		sets = 1;
	if (sets > TLB_MAX_SETS)
		sets = TLB_MAX_SETS;
	/* power of two */
	while (sets & (sets - 1))
		sets &= sets - 1;
	t->sets = sets;
}

static unsigned set_of(const struct tlb *t, uint64_t vpn)
{
	return (unsigned)(vpn & (uint64_t)(t->sets - 1));
}

struct tlb_entry *tlb_lookup(struct tlb *t, uint16_t vpid, uint64_t va)
{
	/* try 4 KiB, 2 MiB and 1 GiB pages: each is indexed by its own vpn */
	static const uint64_t sizes[] = {1ull << 12, 1ull << 21, 1ull << 30};
	for (int k = 0; k < 3; k++) {
		uint64_t vpn = (va & ~(sizes[k] - 1)) >> 12;
		struct tlb_entry *set = t->e[set_of(t, vpn >> (9 * k))];
		for (int w = 0; w < TLB_WAYS; w++)
			if (set[w].valid && set[w].vpid == vpid && set[w].psize == sizes[k] && set[w].vpn == vpn)
				return &set[w];
	}
	return NULL;
}

void tlb_insert(struct tlb *t, const struct tlb_entry *e)
{
	int k = e->psize == (1ull << 30) ? 2 : e->psize == (1ull << 21) ? 1 : 0;
	unsigned s = set_of(t, e->vpn >> (9 * k));
	struct tlb_entry *set = t->e[s];
	for (int w = 0; w < TLB_WAYS; w++)
		if (set[w].valid && set[w].vpid == e->vpid && set[w].vpn == e->vpn && set[w].psize == e->psize) {
			set[w] = *e;
			set[w].valid = 1;
			return;
		}
	int w = t->next[s];
	t->next[s] = (uint8_t)((w + 1) % TLB_WAYS);
	set[w] = *e;
	set[w].valid = 1;
}

int tlb_flush(struct tlb *t, enum flush_kind k, uint16_t vpid, uint64_t va)
{
	int n = 0;
	for (int s = 0; s < t->sets; s++)
		for (int w = 0; w < TLB_WAYS; w++) {
			struct tlb_entry *e = &t->e[s][w];
			if (!e->valid)
				continue;
			int drop = 0;
			switch (k) {
			case FLUSH_INVLPG:
				drop = e->vpid == vpid && (va >> 12 & ~((e->psize >> 12) - 1)) == e->vpn;
				break;
			case FLUSH_CR3:
			case FLUSH_INVEPT:
				drop = e->vpid == vpid;
				break;
			case FLUSH_ALL:
				drop = 1;
				break;
			}
			if (drop) {
				e->valid = 0;
				n++;
			}
		}
	return n;
}
