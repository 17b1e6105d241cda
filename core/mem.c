/*
 * mem.c — sparse host physical memory; see mem.h for the picture.
 *
 * Frames: open addressing, linear probing, key = pfn + 1 (0 = empty), the
 * table doubles at 50 % load. Deterministic: no addresses of host malloc
 * ever reach the trace.
 */
#include "mem.h"
#include "bits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash_pfn(uint64_t pfn)
{
	pfn ^= pfn >> 33;
	pfn *= 0xff51afd7ed558ccdull;
	pfn ^= pfn >> 33;
	return pfn;
}

int mem_init(struct mem *m, const struct mem_desc *d)
{
	memset(m, 0, sizeof *m);
	m->max_frames = d && d->max_frames ? d->max_frames : 65536;
	m->cap = 1024;
	m->keys = calloc(m->cap, sizeof *m->keys);
	m->frames = calloc(m->cap, sizeof *m->frames);
	m->fc = calloc(MEM_FCACHE + 2 * MEM_MEMOS, sizeof *m->fc);
	if (!m->keys || !m->frames || !m->fc) {
		mem_free(m);
		return -1;
	}
	return 0;
}

void mem_free(struct mem *m)
{
	if (m->frames)
		for (uint64_t i = 0; i < m->cap; i++)
			free(m->frames[i]);
	free(m->frames);
	free(m->keys);
	free(m->fc);
	m->frames = NULL;
	m->keys = NULL;
	m->fc = NULL;
	m->cap = m->used = 0;
}

static int64_t slot_find(const struct mem *m, uint64_t pfn)
{
	uint64_t mask = m->cap - 1, i = hash_pfn(pfn) & mask;
	for (;;) {
		if (m->keys[i] == pfn + 1)
			return (int64_t)i;
		if (m->keys[i] == 0)
			return -1 - (int64_t)i;
		i = (i + 1) & mask;
	}
}

static int grow(struct mem *m)
{
	uint64_t ncap = m->cap * 2;
	uint64_t *nk = calloc(ncap, sizeof *nk);
	uint8_t **nf = calloc(ncap, sizeof *nf);
	if (!nk || !nf) {
		free(nk);
		free(nf);
		return -1;
	}
	for (uint64_t i = 0; i < m->cap; i++) {
		if (!m->keys[i])
			continue;
		uint64_t j = hash_pfn(m->keys[i] - 1) & (ncap - 1);
		while (nk[j])
			j = (j + 1) & (ncap - 1);
		nk[j] = m->keys[i];
		nf[j] = m->frames[i];
	}
	free(m->keys);
	free(m->frames);
	m->keys = nk;
	m->frames = nf;
	m->cap = ncap;
	return 0;
}

uint8_t *mem_frame_fill(const struct mem *m, uint64_t pfn)
{
	int64_t s = slot_find(m, pfn);
	if (s < 0)
		return NULL; /* absent frames are not cached: a later write adds them */
	struct mem_fslot *c = mem_fslot_of(m, pfn);
	c->pfn1 = pfn + 1;
	c->frame = m->frames[s];
	return c->frame;
}

static uint8_t *frame_get(struct mem *m, uint64_t pfn)
{
	const struct mem_fslot *c = mem_fslot_of(m, pfn);
	if (c->pfn1 == pfn + 1)
		return c->frame;
	int64_t s = slot_find(m, pfn);
	if (s >= 0)
		return m->frames[s];
	if (m->used >= m->max_frames) {
		m->out_of_frames = 1;
		return NULL;
	}
	if ((m->used + 1) * 2 > m->cap) {
		if (grow(m))
			return NULL;
		s = slot_find(m, pfn);
	}
	uint8_t *f = calloc(1, PAGE_SIZE);
	if (!f)
		return NULL;
	uint64_t i = (uint64_t)(-1 - s);
	m->keys[i] = pfn + 1;
	m->frames[i] = f;
	m->used++;
	m->touched_bytes += PAGE_SIZE;
	return f;
}

const uint8_t *mem_frame_peek(const struct mem *m, uint64_t hpa)
{
	return mem_frame_fast(m, hpa);
}

void mem_read(const struct mem *m, uint64_t hpa, void *buf, size_t len)
{
	uint8_t *out = buf;
	while (len) {
		size_t off = hpa & (PAGE_SIZE - 1), n = PAGE_SIZE - off;
		if (n > len)
			n = len;
		const uint8_t *f = mem_frame_peek(m, hpa);
		if (f)
			memcpy(out, f + off, n);
		else
			memset(out, 0, n);
		out += n;
		hpa += n;
		len -= n;
	}
}

int mem_write(struct mem *m, uint64_t hpa, const void *buf, size_t len)
{
	const uint8_t *in = buf;
	while (len) {
		size_t off = hpa & (PAGE_SIZE - 1), n = PAGE_SIZE - off;
		if (n > len)
			n = len;
		uint8_t *f = frame_get(m, hpa >> PAGE_SHIFT);
		if (!f)
			return -1;
		memcpy(f + off, in, n);
		in += n;
		hpa += n;
		len -= n;
	}
	return 0;
}

uint64_t mem_read64(const struct mem *m, uint64_t hpa)
{
	const uint8_t *f = mem_frame_peek(m, hpa);
	if (f && (hpa & 7) == 0)
		return le64_load(f + (hpa & (PAGE_SIZE - 1)));
	uint8_t b[8];
	mem_read(m, hpa, b, 8);
	return le64_load(b);
}

int mem_write64(struct mem *m, uint64_t hpa, uint64_t v)
{
	if ((hpa & 7) == 0) { /* an aligned entry: one frame lookup, no loop */
		uint8_t *f = frame_get(m, hpa >> PAGE_SHIFT);
		if (!f)
			return -1;
		le64_store(f + (hpa & (PAGE_SIZE - 1)), v);
		return 0;
	}
	uint8_t b[8];
	le64_store(b, v);
	return mem_write(m, hpa, b, 8);
}

int mem_clone(struct mem *dst, const struct mem *src)
{
	*dst = *src;
	dst->keys = calloc(src->cap, sizeof *dst->keys);
	dst->frames = calloc(src->cap, sizeof *dst->frames);
	dst->fc = calloc(MEM_FCACHE + 2 * MEM_MEMOS,
	                 sizeof *dst->fc); /* its own cache: src's points at src's frames */
	if (!dst->keys || !dst->frames || !dst->fc)
		goto fail;
	memcpy(dst->keys, src->keys, src->cap * sizeof *dst->keys);
	for (uint64_t i = 0; i < src->cap; i++) {
		if (!src->frames[i])
			continue;
		dst->frames[i] = malloc(PAGE_SIZE);
		if (!dst->frames[i])
			goto fail;
		memcpy(dst->frames[i], src->frames[i], PAGE_SIZE);
	}
	return 0;
fail:
	mem_free(dst);
	return -1;
}

/* ---- owner map ---- */

static void span_set(struct span *s, uint64_t base, uint64_t size, enum span_kind kind, int owner, int device,
                     const char *label)
{
	memset(s, 0, sizeof *s);
	s->base = base;
	s->size = size;
	s->kind = kind;
	s->owner = owner;
	s->device = device;
	s->alloc_top = base + size;
	if (label)
		snprintf(s->label, sizeof s->label, "%s", label);
}

static void span_insert_at(struct mem *m, int i, const struct span *s)
{
	memmove(&m->spans[i + 1], &m->spans[i], (size_t)(m->nspans - i) * sizeof *s);
	m->spans[i] = *s;
	m->nspans++;
}

int mem_add_span(struct mem *m, uint64_t base, uint64_t size, enum span_kind kind, int owner, int device,
                 const char *label)
{
	if (!size || base + size < base || base + size > (1ull << MEM_MAX_ADDR_BITS))
		return -1;
	uint64_t end = base + size;
	/* every overlapped span must be host RAM that we can carve */
	for (int i = 0; i < m->nspans; i++) {
		struct span *o = &m->spans[i];
		if (o->base < end && base < o->base + o->size &&
		    !(o->kind == SPAN_RAM && o->owner == 0 && kind == SPAN_RAM && owner != 0))
			return -1;
	}
	/* carve */
	for (int i = 0; i < m->nspans; i++) {
		struct span *o = &m->spans[i];
		uint64_t oend = o->base + o->size;
		if (!(o->base < end && base < oend))
			continue;
		struct span left = *o, right = *o;
		int has_left = o->base<base, has_right = oend> end;
		if (m->nspans + has_left + has_right > MEM_MAX_SPANS)
			return -1;
		memmove(&m->spans[i], &m->spans[i + 1], (size_t)(m->nspans - i - 1) * sizeof *o);
		m->nspans--;
		if (has_right) {
			right.base = end;
			right.size = oend - end;
			right.alloc_top = oend;
			span_insert_at(m, i, &right);
		}
		if (has_left) {
			left.size = base - left.base;
			left.alloc_top = base;
			span_insert_at(m, i, &left);
		}
		i--;
	}
	if (m->nspans >= MEM_MAX_SPANS)
		return -1;
	struct span s;
	span_set(&s, base, size, kind, owner, device, label);
	int i = 0;
	while (i < m->nspans && m->spans[i].base < base)
		i++;
	span_insert_at(m, i, &s);
	return 0;
}

const struct span *mem_span_at(const struct mem *m, uint64_t hpa)
{
	int lo = 0, hi = m->nspans - 1;
	while (lo <= hi) {
		int mid = (lo + hi) / 2;
		const struct span *s = &m->spans[mid];
		if (hpa < s->base)
			hi = mid - 1;
		else if (hpa >= s->base + s->size)
			lo = mid + 1;
		else
			return s;
	}
	return NULL;
}

void mem_note(struct mem *m, uint64_t base, uint64_t size, int owner, const char *label)
{
	if (m->nnotes >= MEM_MAX_NOTES)
		return;
	struct mem_note *n = &m->notes[m->nnotes++];
	n->base = base;
	n->size = size;
	n->owner = owner;
	snprintf(n->label, sizeof n->label, "%s", label ? label : "");
}

const struct mem_note *mem_note_at(const struct mem *m, uint64_t hpa)
{
	for (int i = m->nnotes - 1; i >= 0; i--)
		if (hpa >= m->notes[i].base && hpa - m->notes[i].base < m->notes[i].size)
			return &m->notes[i];
	return NULL;
}

uint64_t mem_alloc(struct mem *m, int owner, uint64_t size, uint64_t align, const char *label)
{
	if (align < PAGE_SIZE)
		align = PAGE_SIZE;
	size = (size + PAGE_SIZE - 1) & PAGE_MASK;
	if (!size)
		size = PAGE_SIZE;
	for (int i = m->nspans - 1; i >= 0; i--) {
		struct span *s = &m->spans[i];
		if (s->kind != SPAN_RAM || s->owner != owner || s->alloc_top - s->base < size)
			continue;
		uint64_t a = (s->alloc_top - size) & ~(align - 1);
		if (a < s->base)
			continue;
		s->alloc_top = a;
		mem_note(m, a, size, owner, label);
		return a;
	}
	return MEM_NO_ADDR;
}
