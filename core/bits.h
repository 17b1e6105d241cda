/*
 * bits.h — tiny helpers for bit fields and little-endian bytes.
 *
 * Every hardware structure in iommulab (page-table entries, VT-d root and
 * context entries, e1000 descriptors) is stored as real little-endian bytes
 * in simulated memory. These helpers are the only way the model packs and
 * unpacks them, so the byte order lives in one place.
 */
#ifndef IOMMULAB_BITS_H
#define IOMMULAB_BITS_H

#include <stdint.h>
#include <string.h>

#define BIT(n) (1ull << (n))
/* bits hi..lo (inclusive) set */
#define MASK(hi, lo)     (((~0ull) >> (63 - (hi))) & ~((1ull << (lo)) - 1))
#define FIELD(v, hi, lo) (((v)&MASK(hi, lo)) >> (lo))

/* Branch hints for the hot paths of the walkers (the hit side is laid out
 * as the straight line). */
#if defined(__GNUC__)
#define LIKELY(x)   __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define LIKELY(x)   (x)
#define UNLIKELY(x) (x)
#endif

#define KiB (1ull << 10)
#define MiB (1ull << 20)
#define GiB (1ull << 30)
#define TiB (1ull << 40)

#define PAGE_SHIFT 12
#define PAGE_SIZE  4096ull
#define PAGE_MASK  (~(PAGE_SIZE - 1))

/* On a little-endian host one 8-byte copy is the same as the byte loop,
 * which gcc does not fold (22 instructions per page-table entry read). */
static inline uint64_t le64_load(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
#else
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
#endif
}

static inline void le64_store(uint8_t *p, uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(p, &v, 8);
#else
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
#endif
}

static inline uint32_t le32_load(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void le32_store(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t le16_load(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}
static inline void le16_store(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline int is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

#endif
