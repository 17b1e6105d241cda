/*
 * action.h — how a module plugs into scenarios.
 *
 * A module (cpu/mmu, iommu+dma, nic, dmac…) contributes:
 *   - actions:     the "do" verbs of steps ("cpu.read", "dma.map", "nic.xmit")
 *   - expect keys: what a step's "expect" may check ("walk_refs", "reg", …)
 *   - device types: "type" values of machine.devices[] ("e1000", "pl330")
 *
 *   scenario.json --jr_parse--> cJSON --action.parse--> args (validated, typed)
 *                                                          |
 *   machine <--action.exec(args)-- engine_step          result --expect.check--> ok / diff
 *
 * Parsing happens once, at load, and reports every problem with its
 * line:column; exec never sees malformed input. A modelled hardware fault
 * is not an error: exec records it in the result and the trace.
 *
 * The tables are NULL-name-terminated arrays registered in registry.c.
 */
#ifndef IOMMULAB_ACTION_H
#define IOMMULAB_ACTION_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "json.h"
#include "machine.h"

struct scenario;

/* An address that may name a bound value: "0x1000", 4096, "$buf", "$buf+0x40". */
struct addr_arg {
	uint64_t v; /* literal, or offset added to the var */
	int var;    /* -1 literal, else index into scenario vars / machine vars */
};

/* Context handed to parse functions. */
struct parse_ctx {
	struct jr *jr;
	struct scenario *sc;
	struct machine_desc *md;
	const cJSON *step; /* the step object */
	const char *path;  /* "steps[3]" */
	int step_index;
};

enum fault_unit { FU_NONE, FU_MMU, FU_EPT, FU_IOMMU, FU_DEVICE };

struct fault_info {
	int valid;
	enum fault_unit unit;
	uint64_t addr;       /* CR2 / GPA / IOVA */
	uint32_t error_code; /* #PF error code */
	int exit_reason;     /* 48 / 49 */
	uint64_t qualification;
	int reason;   /* VT-d fault reason */
	int recorded; /* VT-d: a fault record was written (0 with FPD or overflow) */
};

/* What a step produced, for expect checks and for the CLI. */
struct step_result {
	int walk_refs; /* paging-structure entries read by the step's translations */
	int tlb;       /* 0 none, 1 hit, 2 miss (first translation of the step) */
	int has_gpa, has_hpa, has_iova;
	uint64_t gpa, hpa, iova, value;
	int has_value;
	struct fault_info fault;
	uint64_t handle; /* a bound value (dma handle) */
	int has_handle;
	char error[200]; /* runtime problem in the scenario (e.g. an unbound $var) */
	uint64_t first_seq, last_seq;
};

struct action_def {
	const char *name;
	size_t args_size;
	/* Allowed keys of the step besides "do", "say", "expect", "comment". */
	const char *const *keys;
	int (*parse)(struct parse_ctx *pc, void *args);
	int (*exec)(struct machine *m, const void *args, struct step_result *r);
	/* Short summary of the step for narration (optional). */
	void (*describe)(const struct machine *m, const void *args, int lang, char *buf, size_t cap);
};

struct expect_def {
	const char *key;
	size_t args_size;
	int (*parse)(struct parse_ctx *pc, const cJSON *val, const char *path, void *args);
	/* 0 when it holds; else 1 with "expected …, got …" in msg. */
	int (*check)(const struct machine *m, const struct step_result *r, const void *args, char *msg,
	             size_t cap);
};

struct device_type {
	const char *name;
	int type_id;
	size_t opts_size;
	const char *const *keys; /* allowed type-specific keys of machine.devices[i] */
	int (*parse_opts)(struct jr *jr, const cJSON *dev, const char *path, void *opts);
	uint64_t default_bar_size; /* 0: no BAR */
	int (*init)(struct machine *m, int dev);
	void (*free_state)(struct machine *m, int dev);
	uint64_t (*mmio_read)(struct machine *m, int dev, uint64_t off, unsigned len);
	void (*mmio_write)(struct machine *m, int dev, uint64_t off, uint64_t val, unsigned len);
	/* device timers (interrupt delay/throttle): as in module_def */
	uint64_t (*next_deadline)(const struct machine *m, int dev);
	void (*fire)(struct machine *m, int dev, uint64_t now);
};

/* A module's life-cycle hooks (boot, timers), called by machine.c in
 * registry order. Any may be NULL. */
struct module_def {
	const char *name;
	/* after memory, page tables and EPT are built, before devices init:
	 * firmware/kernel boot decisions (IOMMU, domains). 0 or -1 + err. */
	int (*boot)(struct machine *m, char *err, unsigned errcap);
	/* after devices init (driver-independent setup such as VFIO domains) */
	int (*late_boot)(struct machine *m, char *err, unsigned errcap);
	void (*free)(struct machine *m);
	/* timers: earliest pending deadline (UINT64_MAX = none), and fire it */
	uint64_t (*next_deadline)(const struct machine *m);
	void (*fire)(struct machine *m, uint64_t now);
	/* every CPU data access to RAM after translation (e.g. the DMA-API
	 * misuse checker): owner = entity of the accessing CPU's kernel (0 host,
	 * a VM's entity), phys = the physical address in that owner's view
	 * (HPA for the host, GPA for a guest) */
	void (*cpu_access)(struct machine *m, int owner, uint64_t phys, uint64_t len, int write);
	/* narration of this module's event kinds (kind range), or NULL */
	int kind_lo, kind_hi;
	size_t (*narrate)(const struct machine *m, const struct trace *t, const struct ev *e, enum lang lang,
	                  char *buf, size_t cap);
};

/* registry.c */
const struct module_def *const *module_list(void);
const struct action_def *action_find(const char *name);
const struct expect_def *expect_find(const char *key);
const struct device_type *device_type_find(const char *name);
const struct device_type *device_type_by_id(int id);
/* All names into out (NULL-terminated, at most cap-1); returns the count. */
int action_names(const char **out, int cap);
int expect_keys(const char **out, int cap);

/* Helpers for parse functions. */
int pc_vm(struct parse_ctx *pc, const char *key, int required, int *vm);      /* vm index or -1 (host) */
int pc_device(struct parse_ctx *pc, const char *key, int required, int *dev); /* device index */
/* Address argument; `$name` must have been bound by an earlier step. */
int pc_addr(struct parse_ctx *pc, const char *key, int required, struct addr_arg *a);
/* The same for a value node (e.g. inside an expect object). */
int pc_addr_node(struct parse_ctx *pc, const cJSON *v, const char *path, struct addr_arg *a);
int pc_u64(struct parse_ctx *pc, const char *key, int required, uint64_t max, uint64_t dflt, uint64_t *out);
int pc_size(struct parse_ctx *pc, const char *key, int required, uint64_t max, uint64_t dflt, uint64_t *out);
int pc_enum(struct parse_ctx *pc, const char *key, int required, const char *const *names, int dflt,
            int *out);
int pc_bool(struct parse_ctx *pc, const char *key, int dflt, int *out);
int pc_str(struct parse_ctx *pc, const char *key, int required, const char **out);
/* Declare a name this step binds ("as": "buf"). Returns its var index. */
int pc_bind(struct parse_ctx *pc, const char *key, int required, int *var);
/* Hex bytes "de ad be ef" or "deadbeef" into a malloc'd buffer kept by the scenario. */
int pc_bytes(struct parse_ctx *pc, const char *key, int required, const uint8_t **bytes, size_t *len);

/* Resolve at run time. Returns 0, or -1 with r->error set (unbound var). */
int addr_resolve(const struct machine *m, const struct addr_arg *a, struct step_result *r, uint64_t *out);

#endif
