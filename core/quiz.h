/*
 * quiz.h — the exercise generator: OSTEP-style homework problems whose
 * answers come from the engine, not from a second implementation.
 *
 *   --seed N, index i ──splitmix64──> problem seed ──> spec (addresses, perms,
 *                                                      faults to stage, events)
 *        spec ──> scenario JSON ──scenario_load──> engine ──run──> trace + machine
 *                                                                   │
 *        answer (walk refs, HPA, #PF code, exit, VT-d reason,   <───┘
 *        DMAR line, RDH/RDT, domain type) + memory dump (pre-step state)
 *        answer ──> the same scenario again, now with "expect"s and a
 *                   lesson question, for `iommulab run` and the viewer
 *
 * Topics (facts sections in brackets):
 *   walk    native 4-level walk: CR3 + table dump -> PA or #PF error code [1.1]
 *   nested  2-D walk: guest CR3 (GPA), EPTP, tables -> GPA, HPA, references,
 *           or #PF / exit 48 (qualification bit 8) / exit 49 [1.2, inv. 2-7]
 *   iommu   VT-d legacy: RTADDR, root/context entries, second-level tables,
 *           BDF + IOVA -> HPA or fault reason 1h/2h/4h/5h/6h + DMAR line [1.3, inv. 8, 12, 13]
 *   ring    e1000 Rx ring: N, RDH, RDT, frames and NAPI polls -> RDH/RDT,
 *           hardware-owned count, dropped frames (RXO) [1.5, inv. 25-27]
 *   params  firmware + kconfig + command line -> default domain type [2, inv. 23]
 *
 * Pure C: no stdio, no clock, no rand(), no globals. Randomness is a
 * splitmix64 state per problem; output leaves through a trace_out_fn.
 *
 * Ownership: quiz_generate fills a caller-provided struct and mallocs its
 * scenario text; quiz_free releases it (a zeroed struct is fine).
 *
 * Not modelled: problems on Tx rings, scalable-mode VT-d, the IOTLB/TLB
 * warm paths (every question is a cold translation), VFIO domains.
 */
#ifndef IOMMULAB_QUIZ_H
#define IOMMULAB_QUIZ_H

#include <stddef.h>
#include <stdint.h>

#include "action.h"
#include "trace.h"

enum quiz_topic { QUIZ_WALK, QUIZ_NESTED, QUIZ_IOMMU, QUIZ_RING, QUIZ_PARAMS, QUIZ_NTOPICS };

const char *quiz_topic_name(enum quiz_topic t);
int quiz_topic_parse(const char *s); /* -1 if unknown */

/* splitmix64 (Steele, Lea, Flood 2014): tiny, full period, good enough */
struct quiz_rng {
	uint64_t s;
};
uint64_t quiz_rng_next(struct quiz_rng *r);
uint64_t quiz_rng_below(struct quiz_rng *r, uint64_t n); /* 0..n-1 (n >= 1) */

#define QUIZ_MAX_REFS   64
#define QUIZ_MAX_CELLS  160
#define QUIZ_MAX_MAPS   8
#define QUIZ_MAX_SETS   2
#define QUIZ_MAX_EVENTS 6
#define QUIZ_MAX_PKTS   128
#define QUIZ_MAX_BUFS   4
#define QUIZ_MAX_LINES  20
#define QUIZ_LINE_LEN   220

/* a mapping the problem declares (maps[0] is the one asked about) */
struct quiz_map {
	uint64_t va, pa, psize;
	char perm[6];
};

/* a `set` step that stages a fault before the question */
struct quiz_set {
	int table;      /* 0 guest, 1 ept, 2 host */
	int level, gtl; /* gtl: EPT entry of the guest table at this level (0 = by gpa/va) */
	uint64_t addr;
	char field[8];
	uint64_t value;
};

/* one paging-structure entry read by the question step (from the trace) */
struct quiz_ref {
	uint8_t walker; /* enum walker */
	int8_t level;
	uint8_t final, leaf;
	uint64_t for_addr;  /* the address being translated */
	uint64_t addr;      /* HPA of the entry */
	uint64_t entry, hi; /* its value (hi: upper qword of a 16-byte VT-d entry) */
};

/* one line of the memory dump (state before the question step) */
struct quiz_cell {
	uint64_t addr, lo, hi;
	uint8_t wide; /* a 16-byte VT-d root/context entry */
	uint8_t path; /* read by the walk (not printed as such) */
};

struct quiz_ring_ev {
	int poll; /* 0: frames arrive; 1: a NAPI poll */
	uint32_t count, length, budget;
	/* answer */
	uint32_t rdh, rdt, owned, ntc, done;
	uint32_t first_pkt, npkts;
};

struct quiz_pkt {
	uint32_t len;
	int dropped, why; /* why: enum nic_rx_result */
	uint32_t desc_first, ndesc;
};

struct quiz_buf {
	int dev;
	uint64_t size;
	int dir;               /* enum dma_dir */
	uint64_t phys, handle; /* learnt from a first run */
};

struct quiz_problem {
	enum quiz_topic topic;
	uint64_t seed; /* the problem's own seed */
	int index;
	int variant; /* which kind of case the generator aimed at */
	/* ---- the problem ---- */
	uint64_t ram;
	int levels, ept_levels, ept_ad;
	uint64_t ept_page;
	struct {
		uint64_t gpa, size, hpa;
	} vram[2];
	int nvram;
	uint64_t mmio_gpa; /* nested: an emulated-MMIO window (0 = none) */
	struct quiz_map maps[QUIZ_MAX_MAPS];
	int nmaps;
	struct quiz_set sets[QUIZ_MAX_SETS];
	int nsets;
	uint64_t va, value; /* walk/nested: the access */
	int acc, user;      /* enum access; CPL 3 */
	uint64_t cr3, eptp; /* read from the machine */
	/* iommu */
	int iommu_levels;
	char cmdline[160];
	uint16_t bdf[4];  /* devices; [3] the hidden one */
	int ndev, hidden; /* hidden: index of a never-enumerated device, or -1 */
	struct quiz_buf bufs[QUIZ_MAX_BUFS];
	int nbufs;
	int qdev, write;
	uint64_t iova;
	uint32_t len;
	uint64_t rtaddr;
	/* ring */
	uint32_t ring_n, buf_size, warm_rx, warm_budget;
	uint32_t rdh0, rdt0, owned0, ntc0; /* state when the question starts (engine) */
	struct quiz_ring_ev evs[QUIZ_MAX_EVENTS];
	int nevs;
	struct quiz_pkt pkts[QUIZ_MAX_PKTS];
	int npkts;
	/* params */
	int fw_vtd, k_on, k_pt, k_lazy, cap_cm, ecap_pt, trusted;
	/* ---- the scenario ---- */
	char *scenario; /* JSON text with expects + lesson (malloc'd) */
	size_t scenario_len;
	int qstep; /* index of the (first) question step */
	/* ---- the answer, read from the engine ---- */
	struct step_result res; /* of the question step */
	struct quiz_ref refs[QUIZ_MAX_REFS];
	int nrefs;
	struct quiz_cell cells[QUIZ_MAX_CELLS];
	int ncells;
	char lines[QUIZ_MAX_LINES][QUIZ_LINE_LEN]; /* DMAR fault line / boot log */
	int nlines;
	int iommu_on, on_why, dom, dom_why, map_path;
	uint64_t map_phys, map_handle;
};

/* Generate problem `index` of topic t for `seed`. Returns 0, or -1 with a
 * message (an internal problem: the engine refused what we built). */
int quiz_generate(enum quiz_topic t, uint64_t seed, int index, struct quiz_problem *p, char *err, size_t cap);

/* Run scenario text `json` (the problem's own scenario) with the engine and
 * fill p's answer fields from its trace and machine. quiz_generate uses it;
 * tests call it on the emitted text to check the answer. 0 or -1 + err. */
int quiz_solve(struct quiz_problem *p, const char *json, size_t len, char *err, size_t cap);

/* Do two problems have the same answer? 1 yes; 0 with what differs in msg. */
int quiz_same_answer(const struct quiz_problem *a, const struct quiz_problem *b, char *msg, size_t cap);

void quiz_free(struct quiz_problem *p);

/* Student-readable text (the problem; with answers, the worked solution). */
void quiz_write_text(const struct quiz_problem *p, enum lang lang, int answers, trace_out_fn out, void *ctx);
/* One JSON object (no trailing newline). */
void quiz_write_json(const struct quiz_problem *p, enum lang lang, int answers, trace_out_fn out, void *ctx);

#endif
