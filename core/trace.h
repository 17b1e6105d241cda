/*
 * trace.h — what happened, event by event.
 *
 * Every modelled action appends events to a trace: each entry read by a
 * walker, each TLB hit or miss, each memory access, fault, VM exit, DMA-API
 * call, IOMMU decision, descriptor fetch, interrupt. The trace is what the
 * viewer animates, what the Graphviz exporter draws, what `run` narrates
 * and what `--trace FILE` writes as JSON Lines. Same scenario => same trace,
 * byte for byte (no host pointers, no wall clock, no randomness).
 *
 * One event is a fixed 72-byte record; fields mean different things per
 * kind (the table in trace.c says which are printed):
 *
 *   kind            unit/walker   addr_in        addr_out     entry     extra
 *   walk.ref        walker,level  GPA/VA/IOVA in hpa of entry entry val bits set (A/D)
 *   translate       spaces        input address  output addr  -         refs (len)
 *   tlb.hit/miss    unit          input address  output addr  -         -
 *   mem.read/write  by=actor      hpa            -            -         owner entity (code)
 *   fault           unit          address        -            -         error code / qual
 *   vmexit          -             GPA            GLA          -         qualification, code=reason
 *
 * Strings (Linux log lines, notes) live in a string pool; `str` is an
 * offset into it (0 = none).
 *
 * Ownership: a struct trace owns its arrays; trace_free releases them.
 * Tracing can be switched off (trace.enabled = 0): events are then counted
 * but not stored, so a million-packet run uses constant memory.
 */
#ifndef IOMMULAB_TRACE_H
#define IOMMULAB_TRACE_H

#include <stddef.h>
#include <stdint.h>

enum lang { LANG_EN, LANG_ZH };

enum ev_kind {
	/* core: steps, CPU, MMU, EPT, memory */
	EV_STEP = 0,  /* a scenario step begins; str = action name */
	EV_NOTE,      /* narration only */
	EV_WALK_REF,  /* one paging-structure entry read */
	EV_TRANSLATE, /* an address translated from one space to another */
	EV_TLB_HIT,
	EV_TLB_MISS,
	EV_TLB_FLUSH, /* code = enum flush_kind */
	EV_MEM_READ,
	EV_MEM_WRITE,
	EV_FAULT,  /* unit says whose: mmu (#PF), iommu (DMAR) */
	EV_VMEXIT, /* code = exit reason (48, 49) */
	EV_SET,    /* a `set` action changed an entry: entry = new value, extra = old */
	EV_LOG,    /* a Linux-style log line (str) */
	EV_CORE_LAST,
	/* iommu, dma api, boot, devices (see iommu.h, dma.h, boot.h) */
	EV_BOOT = 32, /* a boot decision: str = reason */
	EV_IOTLB_HIT,
	EV_IOTLB_MISS,
	EV_IOTLB_INV, /* code = granularity, extra = AM, addr_in = addr */
	EV_CTX_CACHE_HIT,
	EV_DMA_MAP, /* addr_in = phys, addr_out = handle, len, code = enum dma_path */
	EV_DMA_UNMAP,
	EV_DMA_SYNC,
	EV_DMA_ALLOC,
	EV_DMA_FREE,
	EV_BOUNCE,     /* swiotlb copy: addr_in = orig phys, addr_out = slot, len */
	EV_FQ_FLUSH,   /* flush-queue drained */
	EV_DMA_MISUSE, /* DMA-API misuse (CPU read of a device-owned buffer…) */
	EV_DEV_DMA,    /* a device issues a DMA request: addr_in = bus address */
	EV_ISOLATION_BREACH,
	EV_MMIO,    /* CPU access to a device register: addr_in = hpa, entry = value */
	EV_IRQ,     /* an interrupt (MSI) delivered; addr_in = MSI address */
	EV_VTD_SET, /* software wrote a VT-d register (code 0, addr_in = offset) or a context entry (code 1)
	             */
	EV_IOMMU_LAST,
	/* nic, dmac */
	EV_WIRE_RX = 64,
	EV_WIRE_TX,
	EV_DESC_FETCH,
	EV_DESC_WB, /* descriptor write-back */
	EV_RX_DROP,
	EV_NAPI,
	EV_DMAC, /* DMA controller channel activity */
	EV_CPU_COPY,
	EV_KIND_MAX
};

enum unit {
	UNIT_NONE,
	UNIT_CPU,
	UNIT_MMU,
	UNIT_EPT,
	UNIT_IOMMU,
	UNIT_KERNEL,
	UNIT_DMA_API,
	UNIT_DEVICE,
	UNIT_NIC,
	UNIT_DMAC,
	UNIT_WIRE,
	UNIT_MAX
};

enum walker {
	WALKER_NONE,
	WALKER_GUEST,
	WALKER_EPT,
	WALKER_HOST,
	WALKER_IOMMU_ROOT,
	WALKER_IOMMU_CONTEXT,
	WALKER_IOMMU,
	WALKER_MAX
};

enum space { SPACE_NONE, SPACE_GVA, SPACE_GPA, SPACE_HPA, SPACE_VA, SPACE_IOVA, SPACE_BUS, SPACE_MAX };

/* event flags */
#define EVF_WRITE   0x01
#define EVF_FETCH   0x02
#define EVF_FINAL   0x04 /* walk.ref / EPT: for the final data GPA (not a paging entry) */
#define EVF_LEAF    0x08
#define EVF_USER    0x10
#define EVF_STALE   0x20 /* an IOTLB hit on a translation already unmapped */
#define EVF_BLOCKED 0x40

struct ev {
	uint32_t seq, step;
	uint16_t kind;
	uint8_t unit, walker;
	int8_t level;
	uint8_t space_in, space_out, flags;
	int16_t actor; /* entity id (machine.h): 0 host CPU, VMs, devices */
	uint16_t code;
	uint32_t len;
	uint32_t str; /* string pool offset, 0 = none */
	uint64_t addr_in, addr_out, entry, extra;
	uint64_t t_ns; /* simulated time at the event */
};

struct trace {
	struct ev *ev;
	uint64_t n, cap;
	char *pool;
	uint64_t pool_len, pool_cap;
	int enabled;
	uint64_t count;      /* events emitted, stored or not */
	uint64_t max_events; /* cap (0 = 5,000,000); over it => trace.overflow */
	int overflow;
};

void trace_init(struct trace *t, int enabled);
void trace_free(struct trace *t);
void trace_truncate(struct trace *t, uint64_t n);
/* Append; fills seq. Returns the stored event (or NULL when disabled/full). */
struct ev *trace_push(struct trace *t, const struct ev *e);
/* The next event's slot, for hot loops that build an event in place: the
 * caller assigns the whole struct, with seq = t->count - 1. NULL when
 * tracing is off or the trace is full; the event is counted either way. */
struct ev *trace_next_slow(struct trace *t);
static inline struct ev *trace_next(struct trace *t)
{
	if (!t->enabled) {
		t->count++;
		return NULL;
	}
	if (t->n < t->cap && t->n < t->max_events) {
		t->count++;
		return &t->ev[t->n++];
	}
	return trace_next_slow(t);
}
/* Store a string, returns its pool offset (0 when disabled or empty). */
uint32_t trace_str(struct trace *t, const char *s);
const char *trace_get_str(const struct trace *t, uint32_t off);

/* Names as used in JSON and narration. */
const char *ev_kind_name(enum ev_kind k);
const char *unit_name(enum unit u);
const char *walker_name(enum walker w);
const char *space_name(enum space s);

/* Output goes through a callback: core never opens files. */
typedef void (*trace_out_fn)(void *ctx, const char *s, size_t len);

struct machine;
/* One JSON object (no newline) for event e into buf. Returns length. */
size_t ev_to_json(const struct machine *m, const struct trace *t, const struct ev *e, char *buf, size_t cap);
/* One-line narration in lang. Returns length. */
size_t ev_narrate(const struct machine *m, const struct trace *t, const struct ev *e, enum lang lang,
                  char *buf, size_t cap);
void trace_write_jsonl(const struct machine *m, const struct trace *t, trace_out_fn out, void *ctx);

#endif
