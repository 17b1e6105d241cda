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

static int live(const struct tlb *t, const struct tlb_entry *e)
{
	return e->valid && e->gen == t->gen[e->vpid % TLB_MAX_VPIDS];
}

struct tlb_entry *tlb_claim(struct tlb *t, uint16_t vpid, uint64_t vpn, uint64_t psize, int fresh)
{
	int k = psize == (1ull << 21) ? 1 : psize == (1ull << 30) ? 2 : 0;
	unsigned s = tlb_set_of(t, vpn >> (9 * k));
	unsigned v = vpid % TLB_MAX_VPIDS;
	uint64_t key = tlb_tag(t, vpn, k, vpid);
	struct tlb_entry *set = t->e[s];
	int w;
	/* the same page already cached (and live): refresh it in place */
	for (w = fresh ? TLB_WAYS : 0; w < TLB_WAYS; w++)
		if (t->tag[s][w] == key && set[w].vpid == vpid && set[w].vpn == vpn &&
		    set[w].psize == psize && live(t, &set[w]))
			break;
	if (w == TLB_WAYS) { /* else the set's round-robin victim */
		w = t->next[s];
		t->next[s] = (uint8_t)((w + 1) % TLB_WAYS);
		if (live(t, &set[w]))
			t->live[set[w].vpid % TLB_MAX_VPIDS]--;
		t->live[v]++;
	}
	if (t->tag[s][w])
		t->nclass[TLB_TAG_CLASS(t->tag[s][w])]--;
	t->nclass[k]++;
	t->tag[s][w] = key;
	struct tlb_entry *e = &set[w];
	e->vpn = vpn;
	e->psize = psize;
	e->vpid = vpid;
	e->valid = 1;
	e->gen = t->gen[v];
	return e;
}

int tlb_flush(struct tlb *t, enum flush_kind k, uint16_t vpid, uint64_t va)
{
	unsigned v = vpid % TLB_MAX_VPIDS;
	int n = 0;
	switch (k) {
	case FLUSH_CR3:
	case FLUSH_INVEPT:
		n = t->live[v];
		t->live[v] = 0;
		t->gen[v]++;
		return n;
	case FLUSH_ALL:
		for (unsigned i = 0; i < TLB_MAX_VPIDS; i++) {
			n += t->live[i];
			t->live[i] = 0;
			t->gen[i]++;
		}
		return n;
	case FLUSH_INVLPG:
		for (int s = 0; s < t->sets; s++)
			for (int w = 0; w < TLB_WAYS; w++) {
				struct tlb_entry *e = &t->e[s][w];
				if (live(t, e) && e->vpid == vpid &&
				    (va >> 12 & ~((e->psize >> 12) - 1)) == e->vpn) {
					e->valid = 0;
					t->nclass[TLB_TAG_CLASS(t->tag[s][w])]--;
					t->tag[s][w] = 0;
					t->live[v]--;
					n++;
				}
			}
		return n;
	}
	return n;
}
