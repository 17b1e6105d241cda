/*
 * mem.h — host physical memory: sparse frames, an owner map, MMIO dispatch
 * and a deterministic frame allocator.
 *
 *   HPA space (up to 2^52 bytes)
 *   +-----------+-----------------+-----------+---------------+---- ... ----+
 *   | host RAM  | RAM given to vm1| host RAM  | MMIO BAR0 nic0|   (hole)    |
 *   +-----------+-----------------+-----------+---------------+---- ... ----+
 *     owner=host  owner=vm1          owner=host  owner=nic0 (dispatches to device)
 *
 * A 4 KiB frame exists only once it is written: a scenario may declare 1 TiB
 * of RAM and touch a few pages; reads of untouched RAM return zeros without
 * allocating. Frames live in an open-addressing hash table keyed by PFN,
 * fronted by a direct-mapped frame cache (1024 slots of {pfn+1, frame}) so
 * that a page walk's entry read is one compare and two loads, not a hash
 * probe: the cache only remembers where a frame already is (frames never
 * move or go away before mem_free), so it changes no result.
 *
 * Spans: the owner map is a sorted list of non-overlapping spans, each with
 * an owner entity (host, a VM, a device) and a label. Labels of finer
 * allocations (page tables, rings, buffers) are kept as "notes" so viz can
 * show them; the owner map is what isolation checks use.
 *
 * Not modelled: caches and cache attributes (PWT/PCD are recorded, not
 * simulated), memory ordering, ECC, NUMA.
 */
#ifndef IOMMULAB_MEM_H
#define IOMMULAB_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "bits.h"

#define MEM_MAX_ADDR_BITS 52
#define MEM_MAX_SPANS     256
#define MEM_MAX_NOTES     512
#define MEM_LABEL_LEN     48

enum span_kind { SPAN_RAM, SPAN_MMIO, SPAN_RESERVED };

struct span {
	uint64_t base, size;
	enum span_kind kind;
	int owner;  /* entity id (see machine.h); 0 = host */
	int device; /* for MMIO: device index, else -1 */
	char label[MEM_LABEL_LEN];
	uint64_t alloc_top; /* allocator cursor: next free byte is below this */
};

/* a labelled allocation inside a span (page tables, rings, buffers…) */
struct mem_note {
	uint64_t base, size;
	int owner;
	char label[MEM_LABEL_LEN];
};

/* MMIO dispatch: the machine installs one callback for all device BARs. */
typedef uint64_t (*mmio_read_fn)(void *ctx, int device, uint64_t offset, unsigned len);
typedef void (*mmio_write_fn)(void *ctx, int device, uint64_t offset, uint64_t val, unsigned len);

struct mem_desc {
	uint64_t max_frames; /* cap on touched 4 KiB frames; 0 = 65536 (256 MiB) */
};

#define MEM_FCACHE 1024 /* frame-cache slots (a power of two) */
#define MEM_MEMOS  16   /* walker memos (two slots each) after them: see mem_frame_memo() */

struct mem_fslot {
	uint64_t pfn1; /* pfn + 1, 0 = empty */
	uint8_t *frame;
};

struct mem {
	/* frame hash table */
	uint64_t *keys; /* pfn + 1, 0 = empty */
	uint8_t **frames;
	/* frame cache: a pointer member, so readers of a const mem may fill it */
	struct mem_fslot *fc;
	uint64_t cap, used, max_frames;
	/* owner map */
	struct span spans[MEM_MAX_SPANS];
	int nspans;
	struct mem_note notes[MEM_MAX_NOTES];
	int nnotes;
	mmio_read_fn mmio_read;
	mmio_write_fn mmio_write;
	void *mmio_ctx;
	int out_of_frames; /* set when the frame cap was hit (run stops) */
	uint64_t touched_bytes;
};

/* Returns 0, or -1 when out of host memory. Ownership: mem owns its frames. */
int mem_init(struct mem *m, const struct mem_desc *d);
void mem_free(struct mem *m);
/* Deep copy (for snapshots). Returns 0 or -1. */
int mem_clone(struct mem *dst, const struct mem *src);

/* Raw RAM access (no MMIO dispatch, no trace). Out-of-RAM reads give zeros. */
void mem_read(const struct mem *m, uint64_t hpa, void *buf, size_t len);
int mem_write(struct mem *m, uint64_t hpa, const void *buf, size_t len);
uint64_t mem_read64(const struct mem *m, uint64_t hpa);
int mem_write64(struct mem *m, uint64_t hpa, uint64_t v);
/* Pointer to the 4 KiB frame holding hpa, or NULL if never written. */
const uint8_t *mem_frame_peek(const struct mem *m, uint64_t hpa);
/* The slow half of mem_frame_fast(): a hash probe that fills the cache. */
uint8_t *mem_frame_fill(const struct mem *m, uint64_t pfn);

/* The frame holding hpa (NULL if never written), through the frame cache.
 * Inline for the page walkers: a hit is one compare. The pointer may be
 * used to read or write the frame in place until mem_free. */
static inline struct mem_fslot *mem_fslot_of(const struct mem *m, uint64_t pfn)
{
	return &m->fc[(pfn ^ (pfn >> 10)) & (MEM_FCACHE - 1)];
}

static inline uint8_t *mem_frame_fast(const struct mem *m, uint64_t hpa)
{
	uint64_t pfn = hpa >> 12;
	const struct mem_fslot *s = mem_fslot_of(m, pfn);
	if (LIKELY(s->pfn1 == pfn + 1))
		return s->frame;
	return mem_frame_fill(m, pfn);
}

/* A hit in memo `slot` (< MEM_MEMOS) for the frame holding hpa, or NULL
 * (a miss: not "never written"; see mem_frame_memo). */
static inline uint8_t *mem_memo_hit(const struct mem *m, uint64_t hpa, unsigned slot)
{
	const struct mem_fslot *s = &m->fc[MEM_FCACHE + 2 * slot];
	uint64_t pfn1 = (hpa >> 12) + 1;
	if (LIKELY(s[0].pfn1 == pfn1))
		return s[0].frame;
	if (LIKELY(s[1].pfn1 == pfn1))
		return s[1].frame;
	return NULL;
}

/* Like mem_frame_fast(), through memo `slot` (< MEM_MEMOS) first. A page
 * walker gives each level its own memo: the two tables the level used
 * last (the root, the upper levels of most walks, and the two regions an
 * EPT leaf level alternates between: guest tables and guest data) cost a
 * compare or two, and the CPU can start the entry load before the
 * previous entry has arrived. */
static inline uint8_t *mem_frame_memo(const struct mem *m, uint64_t hpa, unsigned slot)
{
	uint8_t *f = mem_memo_hit(m, hpa, slot);
	if (f)
		return f;
	f = mem_frame_fast(m, hpa);
	if (f) { /* most recent first */
		struct mem_fslot *s = &m->fc[MEM_FCACHE + 2 * slot];
		s[1] = s[0];
		s[0].pfn1 = (hpa >> 12) + 1;
		s[0].frame = f;
	}
	return f;
}

/* Owner map. Adding a span carves it out of whatever it overlaps only if
 * the overlapped spans are host RAM (that is how RAM is given to a VM);
 * any other overlap returns -1. */
int mem_add_span(struct mem *m, uint64_t base, uint64_t size, enum span_kind kind, int owner, int device,
                 const char *label);
const struct span *mem_span_at(const struct mem *m, uint64_t hpa);
void mem_note(struct mem *m, uint64_t base, uint64_t size, int owner, const char *label);
const struct mem_note *mem_note_at(const struct mem *m, uint64_t hpa);

#define MEM_NO_ADDR UINT64_MAX
/* Deterministic allocator: `size` bytes (rounded up to 4 KiB), aligned to
 * `align` (a power of two >= 4 KiB), from the highest RAM span owned by
 * `owner`, top-down, never reused. Notes the allocation with `label`.
 * Returns MEM_NO_ADDR when no span has room. */
uint64_t mem_alloc(struct mem *m, int owner, uint64_t size, uint64_t align, const char *label);

#endif
