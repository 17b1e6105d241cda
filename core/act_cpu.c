/*
 * act_cpu.c — the core vocabulary of scenarios: CPU accesses, TLB flushes,
 * narration, `set` (edit a PTE/EPTE to stage a fault), time; and the core
 * expect keys (walk_refs, gpa, hpa, tlb, fault, memory, value, entry,
 * counters, events, log). Reference: scenarios/README.md.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "ept.h"
#include "mmu.h"
#include "paging.h"
#include "scenario.h"

/* ------------------------------------------------------------------ */
/* cpu.read / cpu.write / cpu.fetch                                     */

struct cpu_args {
	int vm;
	struct addr_arg vaa;
	uint64_t va;
	uint64_t size;
	int user;
	int acc;
	const uint8_t *bytes;
	size_t nbytes;
	uint64_t value;
	int has_value;
	int bind;
};

static const char *const cpu_keys[] = {"vm", "gva", "va", "size", "mode", "value", "bytes", "as", NULL};

static int parse_cpu_common(struct parse_ctx *pc, struct cpu_args *a, int acc)
{
	int rc = 0;
	a->acc = acc;
	rc |= pc_vm(pc, "vm", 0, &a->vm);
	const cJSON *g = jr_member(pc->step, "gva"), *v = jr_member(pc->step, "va");
	char path[256];
	if (g && v) {
		jr_error(pc->jr, v, pc->path, "give either \"gva\" or \"va\", not both");
		return -1;
	}
	if (!g && !v) {
		jr_error(pc->jr, pc->step, pc->path, "missing key \"%s\" (the virtual address to access)",
		         a->vm >= 0 ? "gva" : "va");
		return -1;
	}
	const cJSON *n = g ? g : v;
	jr_path_key(path, sizeof path, pc->path, g ? "gva" : "va");
	if (pc_addr(pc, g ? "gva" : "va", 1, &a->vaa))
		return -1;
	a->va = a->vaa.v;
	int levels = a->vm >= 0 ? pc->md->vms[a->vm].levels : pc->md->host_levels;
	if (rc == 0 && a->vaa.var < 0 && !va_canonical(a->va, levels)) {
		jr_error(pc->jr, n, path, "expected a canonical %d-bit address, got \"0x%" PRIx64 "\"",
		         levels == 5 ? 57 : 48, a->va);
		return -1;
	}
	rc |= pc_size(pc, "size", 0, 4096, 8, &a->size);
	if (a->size == 0) {
		jr_error(pc->jr, jr_member(pc->step, "size"), pc->path, "size must be at least 1");
		rc = -1;
	}
	static const char *const modes[] = {"user", "supervisor", NULL};
	int mode;
	int dflt = (a->va >> 63) ? 1 : 0; /* upper half = kernel */
	rc |= pc_enum(pc, "mode", 0, modes, dflt, &mode);
	a->user = mode == 0;
	if (acc == ACC_WRITE) {
		const cJSON *val = jr_member(pc->step, "value");
		rc |= pc_bytes(pc, "bytes", 0, &a->bytes, &a->nbytes);
		if (val) {
			rc |= pc_u64(pc, "value", 0, UINT64_MAX, 0, &a->value);
			a->has_value = 1;
			if (a->bytes) {
				jr_error(pc->jr, val, pc->path,
				         "give either \"value\" or \"bytes\", not both");
				rc = -1;
			}
			if (a->size > 8 && !jr_member(pc->step, "size"))
				a->size = 8;
		} else if (a->bytes) {
			if (!jr_member(pc->step, "size"))
				a->size = a->nbytes;
			else if (a->size != a->nbytes) {
				jr_error(pc->jr, jr_member(pc->step, "bytes"), pc->path,
				         "\"bytes\" has %zu bytes but \"size\" is %" PRIu64, a->nbytes,
				         a->size);
				rc = -1;
			}
		} else {
			jr_error(pc->jr, pc->step, pc->path, "cpu.write needs \"value\" or \"bytes\"");
			rc = -1;
		}
		if (a->has_value && a->size > 8) {
			jr_error(pc->jr, val, pc->path,
			         "\"value\" writes at most 8 bytes; use \"bytes\" for more");
			rc = -1;
		}
		a->bind = -1;
	} else {
		if (jr_member(pc->step, "value") || jr_member(pc->step, "bytes")) {
			jr_error(pc->jr,
			         jr_member(pc->step, "value") ? jr_member(pc->step, "value")
			                                      : jr_member(pc->step, "bytes"),
			         pc->path, "a read takes no \"value\"/\"bytes\" (did you mean cpu.write?)");
			rc = -1;
		}
		rc |= pc_bind(pc, "as", 0, &a->bind);
	}
	return rc ? -1 : 0;
}

static int parse_read(struct parse_ctx *pc, void *args)
{
	return parse_cpu_common(pc, args, ACC_READ);
}
static int parse_write(struct parse_ctx *pc, void *args)
{
	return parse_cpu_common(pc, args, ACC_WRITE);
}
static int parse_fetch(struct parse_ctx *pc, void *args)
{
	return parse_cpu_common(pc, args, ACC_FETCH);
}

static int exec_cpu(struct machine *m, const void *args, struct step_result *r)
{
	const struct cpu_args *a = args;
	uint8_t stackbuf[64];
	uint8_t *buf = a->size <= sizeof stackbuf ? stackbuf : malloc(a->size);
	if (!buf) {
		snprintf(r->error, sizeof r->error, "out of memory");
		return -1;
	}
	memset(buf, 0, a->size);
	if (a->acc == ACC_WRITE) {
		if (a->bytes)
			memcpy(buf, a->bytes, a->size);
		else
			for (uint64_t i = 0; i < a->size; i++)
				buf[i] = (uint8_t)(a->value >> (8 * i));
	}
	uint64_t va;
	int rc = addr_resolve(m, &a->vaa, r, &va);
	if (!rc && !va_canonical(va, a->vm >= 0 ? m->vms[a->vm].d->levels : m->d->host_levels)) {
		snprintf(r->error, sizeof r->error, "address 0x%" PRIx64 " is not canonical", va);
		rc = -1;
	}
	if (!rc)
		rc = cpu_access(m, a->vm, va, (enum access)a->acc, a->user, buf, a->size, r);
	if (!rc && a->acc != ACC_WRITE) {
		uint64_t v = 0;
		for (uint64_t i = 0; i < a->size && i < 8; i++)
			v |= (uint64_t)buf[i] << (8 * i);
		r->value = v;
		r->has_value = 1;
		if (a->bind >= 0) {
			m->vars[a->bind].v = v;
			m->vars[a->bind].set = 1;
		}
	}
	if (buf != stackbuf)
		free(buf);
	return rc;
}

static void describe_cpu(const struct machine *m, const void *args, int lang, char *buf, size_t cap)
{
	const struct cpu_args *a = args;
	static const char *const en[] = {"reads", "writes", "fetches"};
	static const char *const zh[] = {"读取", "写入", "取指"};
	const char *who = a->vm >= 0 ? m->vms[a->vm].d->name : "host";
	snprintf(buf, cap,
	         lang ? "%s 的 CPU %s %s 0x%" PRIx64 "（%" PRIu64 " 字节）"
	              : "%s CPU %s %s 0x%" PRIx64 " (%" PRIu64 " bytes)",
	         who, lang ? zh[a->acc] : en[a->acc], a->vm >= 0 ? "GVA" : "VA", a->va, a->size);
}

/* ------------------------------------------------------------------ */
/* tlb.flush                                                            */

struct flush_args {
	int kind, vm;
	uint64_t va;
};

static const char *const flush_keys[] = {"kind", "vm", "gva", "va", NULL};

static int parse_flush(struct parse_ctx *pc, void *args)
{
	struct flush_args *a = args;
	static const char *const kinds[] = {"invlpg", "all", "invept", "cr3", NULL};
	int rc = pc_enum(pc, "kind", 1, kinds, 0, &a->kind);
	rc |= pc_vm(pc, "vm", 0, &a->vm);
	if (rc)
		return -1;
	if (a->kind == FLUSH_INVLPG) {
		struct addr_arg x;
		const char *k = jr_member(pc->step, "gva") ? "gva" : "va";
		if (pc_addr(pc, k, 1, &x))
			return -1;
		a->va = x.v;
	}
	if (a->kind == FLUSH_INVEPT && a->vm < 0) {
		jr_error(pc->jr, pc->step, pc->path, "invept needs \"vm\": EPT belongs to a VM");
		return -1;
	}
	return 0;
}

static int exec_flush(struct machine *m, const void *args, struct step_result *r)
{
	const struct flush_args *a = args;
	(void)r;
	int n = tlb_flush(&m->tlb, (enum flush_kind)a->kind, (uint16_t)(a->vm + 1), a->va);
	struct ev ev = {0};
	ev.kind = EV_TLB_FLUSH;
	ev.unit = UNIT_MMU;
	ev.actor = (int16_t)(a->vm < 0 ? 0 : m->vms[a->vm].entity);
	ev.code = (uint16_t)a->kind;
	ev.addr_in = a->va;
	ev.len = (uint32_t)n;
	machine_emit(m, &ev);
	return 0;
}

/* ------------------------------------------------------------------ */
/* note                                                                 */

static const char *const note_keys[] = {NULL};
static int parse_note(struct parse_ctx *pc, void *args)
{
	return 0;
}
static int exec_note(struct machine *m, const void *args, struct step_result *r)
{
	return 0;
}

/* ------------------------------------------------------------------ */
/* set: edit one field of a page-table entry (stage a fault)             */

struct set_args {
	int table; /* 0 guest, 1 ept, 2 host */
	int vm, level, field;
	uint64_t addr, value;
	int gtl; /* ept only: addr is a GVA; use the GPA of its guest table at this level */
};

/* GPA of the guest page table that a walk of gva uses at `level`
 * (level = guest levels: the root, CR3). No trace, no A/D. */
static int guest_table_gpa(const struct machine *m, int vm, uint64_t gva, int level, uint64_t *gpa)
{
	int levels = m->vms[vm].d->levels;
	uint64_t table = m->vms[vm].cr3;
	for (int lvl = levels; lvl > level; lvl--) {
		uint64_t ea = vm_gpa_to_hpa(m, vm, table + 8 * PX(lvl, gva), NULL);
		if (ea == MEM_NO_ADDR)
			return -1;
		uint64_t e = mem_read64(&m->mem, ea);
		if (!(e & PTE_P) || (lvl <= 3 && (e & PTE_PS)))
			return -1;
		table = e & PTE_ADDR;
	}
	*gpa = table;
	return 0;
}

/* the address a set/entry refers to, after resolving guest_table_level */
static int where_addr(const struct machine *m, const struct set_args *a, uint64_t *addr, char *err,
                      size_t cap)
{
	*addr = a->addr;
	if (!a->gtl)
		return 0;
	if (guest_table_gpa(m, a->vm, a->addr, a->gtl, addr)) {
		snprintf(err, cap, "no guest page table at level %d for GVA 0x%" PRIx64, a->gtl, a->addr);
		return -1;
	}
	return 0;
}

static int parse_where(struct parse_ctx *pc, struct set_args *a)
{
	static const char *const tables[] = {"guest", "ept", "host", NULL};
	int rc = pc_enum(pc, "table", 1, tables, 0, &a->table);
	rc |= pc_vm(pc, "vm", a->table != 2, &a->vm);
	if (rc)
		return -1;
	if (a->table != 2 && a->vm < 0) {
		jr_error(pc->jr, jr_member(pc->step, "vm"), pc->path,
		         "table \"%s\" belongs to a VM; name one", tables[a->table]);
		return -1;
	}
	uint64_t gtl = 0;
	if (jr_member(pc->step, "guest_table_level")) {
		if (a->table != 1) {
			jr_error(pc->jr, jr_member(pc->step, "guest_table_level"), pc->path,
			         "guest_table_level picks the EPT entry of a guest page-table page: it needs "
			         "\"table\": \"ept\"");
			return -1;
		}
		if (pc_u64(pc, "guest_table_level", 1, (uint64_t)pc->md->vms[a->vm].levels, 0, &gtl) ||
		    gtl < 1) {
			if (!gtl)
				jr_error(pc->jr, jr_member(pc->step, "guest_table_level"), pc->path,
				         "guest_table_level counts from 1 (the PT page)");
			return -1;
		}
		a->gtl = (int)gtl;
	}
	const char *key = a->table == 1 && !a->gtl ? "gpa" : (jr_member(pc->step, "gva") ? "gva" : "va");
	struct addr_arg x;
	if (pc_addr(pc, key, 1, &x))
		return -1;
	a->addr = x.v;
	uint64_t lvl;
	int maxl = a->table == 1   ? pc->md->vms[a->vm].ept_levels
	           : a->table == 0 ? pc->md->vms[a->vm].levels
	                           : pc->md->host_levels;
	rc |= pc_u64(pc, "level", 0, (uint64_t)maxl, 1, &lvl);
	if (!rc && lvl < 1) {
		jr_error(pc->jr, jr_member(pc->step, "level"), pc->path, "level counts from 1 (PTE) to %d",
		         maxl);
		rc = -1;
	}
	a->level = (int)lvl;
	return rc;
}

static const char *const set_keys[] = {"table", "vm",    "gva",   "va", "gpa", "guest_table_level",
                                       "level", "field", "value", NULL};
/* field names: x86 then EPT; "entry" replaces all 64 bits, "addr" the frame */
static const char *const x86_fields[] = {"P",  "RW", "US", "PWT",  "PCD",   "A", "D",
                                         "PS", "G",  "NX", "addr", "entry", NULL};
static const int x86_bits[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 63};
static const char *const ept_fields[] = {"R", "W", "X", "MT", "IPAT", "PS", "A", "D", "addr", "entry", NULL};
static const int ept_bits[] = {0, 1, 2, -1, 6, 7, 8, 9};

static int parse_set(struct parse_ctx *pc, void *args)
{
	struct set_args *a = args;
	int rc = parse_where(pc, a);
	if (rc)
		return -1;
	rc |= pc_enum(pc, "field", 1, a->table == 1 ? ept_fields : x86_fields, 0, &a->field);
	rc |= pc_u64(pc, "value", 1, UINT64_MAX, 0, &a->value);
	return rc ? -1 : 0;
}

static int exec_set(struct machine *m, const void *args, struct step_result *r)
{
	const struct set_args *a = args;
	struct pt_ctx p = {0};
	p.mem = &m->mem;
	uint64_t root, ea = 0;
	if (a->table == 0) {
		p.fmt = PT_X86;
		p.levels = m->vms[a->vm].d->levels;
		root = m->vms[a->vm].cr3;
	} else if (a->table == 1) {
		p.fmt = PT_EPT;
		p.levels = m->vms[a->vm].d->ept_levels;
		root = m->vms[a->vm].ept_root;
	} else {
		p.fmt = PT_X86;
		p.levels = m->d->host_levels;
		root = m->host_cr3;
	}
	/* resolve entry address: walk without trace */
	uint64_t table = root, addr;
	if (where_addr(m, a, &addr, r->error, sizeof r->error))
		return -1;
	for (int lvl = p.levels; lvl >= a->level; lvl--) {
		uint64_t ta = table + 8 * PX(lvl, addr);
		ea = a->table == 0 ? vm_gpa_to_hpa(m, a->vm, ta, NULL) : ta;
		if (ea == MEM_NO_ADDR) {
			snprintf(r->error, sizeof r->error,
			         "set: the table at GPA 0x%" PRIx64 " is outside guest RAM", ta);
			return -1;
		}
		if (lvl == a->level)
			break;
		uint64_t e = mem_read64(&m->mem, ea);
		int pres = p.fmt == PT_EPT ? (e & EPT_XWR) != 0 : (e & PTE_P) != 0;
		if (!pres || (lvl <= 3 && (e & PTE_PS))) {
			snprintf(r->error, sizeof r->error,
			         "set: no level-%d entry for 0x%" PRIx64 ": the level-%d entry is %s",
			         a->level, addr, lvl, pres ? "a large-page leaf" : "not present");
			return -1;
		}
		table = e & PTE_ADDR;
	}
	uint64_t old = mem_read64(&m->mem, ea), e = old;
	const char *fname = p.fmt == PT_EPT ? ept_fields[a->field] : x86_fields[a->field];
	if (!strcmp(fname, "entry"))
		e = a->value;
	else if (!strcmp(fname, "addr"))
		e = (e & ~PTE_ADDR) | (a->value & PTE_ADDR);
	else if (!strcmp(fname, "MT"))
		e = (e & ~MASK(5, 3)) | ((a->value & 7) << 3);
	else {
		int bit = p.fmt == PT_EPT ? ept_bits[a->field] : x86_bits[a->field];
		e = a->value ? (e | BIT(bit)) : (e & ~BIT(bit));
	}
	mem_write64(&m->mem, ea, e);
	struct ev ev = {0};
	ev.kind = EV_SET;
	ev.unit = a->table == 1 ? UNIT_EPT : UNIT_MMU;
	ev.walker = (uint8_t)(a->table == 0 ? WALKER_GUEST : a->table == 1 ? WALKER_EPT : WALKER_HOST);
	ev.level = (int8_t)a->level;
	ev.addr_in = ea;
	ev.addr_out = a->addr;
	ev.entry = e;
	ev.extra = old;
	machine_emit(m, &ev);
	return 0;
}

/* ------------------------------------------------------------------ */
/* time.advance                                                         */

struct time_args {
	uint64_t ns;
};
static const char *const time_keys[] = {"ns", "us", "ms", NULL};

static int parse_time(struct parse_ctx *pc, void *args)
{
	struct time_args *a = args;
	static const char *const units[] = {"ns", "us", "ms"};
	static const uint64_t mul[] = {1, 1000, 1000000};
	int found = 0, rc = 0;
	for (int i = 0; i < 3; i++)
		if (jr_member(pc->step, units[i])) {
			uint64_t v;
			rc |= pc_u64(pc, units[i], 1, 1000ull * 1000 * 1000 * 3600 / mul[i], 0, &v);
			a->ns += v * mul[i];
			found++;
		}
	if (!found) {
		jr_error(pc->jr, pc->step, pc->path, "time.advance needs one of \"ns\", \"us\", \"ms\"");
		return -1;
	}
	return rc;
}

static int exec_time(struct machine *m, const void *args, struct step_result *r)
{
	const struct time_args *a = args;
	machine_run_until(m, m->now_ns + a->ns);
	return 0;
}

static void describe_flush(const struct machine *m, const void *args, int lang, char *buf, size_t cap)
{
	const struct flush_args *a = args;
	static const char *const en[] = {"INVLPG 0x%" PRIx64, "flush the whole TLB", "INVEPT for %s",
	                                 "write CR3 of %s"};
	static const char *const zh[] = {"INVLPG 0x%" PRIx64, "刷新整个 TLB", "对 %s 执行 INVEPT",
	                                 "写 %s 的 CR3"};
	const char *who = a->vm >= 0 ? m->vms[a->vm].d->name : "host";
	if (a->kind == FLUSH_INVLPG)
		snprintf(buf, cap, lang ? zh[0] : en[0], a->va);
	else if (a->kind == FLUSH_ALL)
		snprintf(buf, cap, "%s", lang ? zh[1] : en[1]);
	else
		snprintf(buf, cap, lang ? zh[a->kind] : en[a->kind], who);
}

static void describe_set(const struct machine *m, const void *args, int lang, char *buf, size_t cap)
{
	const struct set_args *a = args;
	static const char *const tn[] = {"guest page table", "EPT", "host page table"};
	static const char *const tz[] = {"客户机页表", "EPT", "主机页表"};
	const char *f = a->table == 1 ? ept_fields[a->field] : x86_fields[a->field];
	if (a->gtl && lang)
		snprintf(buf, cap,
		         "EPT：映射 GVA 0x%" PRIx64 " 的第 %d 级客户机页表页的第 %d 级表项，%s = 0x%" PRIx64,
		         a->addr, a->gtl, a->level, f, a->value);
	else if (a->gtl)
		snprintf(buf, cap,
		         "EPT: level-%d entry mapping the level-%d guest page-table page of GVA 0x%" PRIx64
		         ", %s = 0x%" PRIx64,
		         a->level, a->gtl, a->addr, f, a->value);
	else if (lang)
		snprintf(buf, cap, "%s：0x%" PRIx64 " 的第 %d 级表项，%s = 0x%" PRIx64, tz[a->table], a->addr,
		         a->level, f, a->value);
	else
		snprintf(buf, cap, "%s: level-%d entry of 0x%" PRIx64 ", %s = 0x%" PRIx64, tn[a->table],
		         a->level, a->addr, f, a->value);
}

static void describe_time(const struct machine *m, const void *args, int lang, char *buf, size_t cap)
{
	const struct time_args *a = args;
	snprintf(buf, cap,
	         lang ? "模拟时钟前进 %" PRIu64 " ns" : "the simulated clock advances %" PRIu64 " ns", a->ns);
}

const struct action_def cpu_actions[] = {
    {"cpu.read", sizeof(struct cpu_args), cpu_keys, parse_read, exec_cpu, describe_cpu},
    {"cpu.write", sizeof(struct cpu_args), cpu_keys, parse_write, exec_cpu, describe_cpu},
    {"cpu.fetch", sizeof(struct cpu_args), cpu_keys, parse_fetch, exec_cpu, describe_cpu},
    {"tlb.flush", sizeof(struct flush_args), flush_keys, parse_flush, exec_flush, describe_flush},
    {"note", 0, note_keys, parse_note, exec_note, NULL},
    {"set", sizeof(struct set_args), set_keys, parse_set, exec_set, describe_set},
    {"time.advance", sizeof(struct time_args), time_keys, parse_time, exec_time, describe_time},
    {NULL, 0, NULL, NULL, NULL, NULL},
};

/* ------------------------------------------------------------------ */
/* expect keys                                                          */

struct x_u64 {
	uint64_t v;
	struct addr_arg a;
};

/* gpa, hpa, value: an address that may name a bound value ("$buf+0x10") */
static int xp_addr(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	struct x_u64 *x = args;
	return pc_addr_node(pc, val, path, &x->a);
}

static int want_of(const struct machine *m, const struct x_u64 *x, uint64_t *want, char *msg, size_t cap)
{
	struct step_result tmp;
	memset(&tmp, 0, sizeof tmp);
	if (addr_resolve(m, &x->a, &tmp, want)) {
		snprintf(msg, cap, "%s", tmp.error);
		return -1;
	}
	return 0;
}

static int xp_u64(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	return jr_u64(pc->jr, val, path, UINT64_MAX, &((struct x_u64 *)args)->v);
}

static int xc_walk_refs(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                        size_t cap)
{
	uint64_t want = ((const struct x_u64 *)args)->v;
	if ((uint64_t)r->walk_refs == want)
		return 0;
	snprintf(msg, cap, "expected %" PRIu64 " paging-structure entries read, got %d", want, r->walk_refs);
	return 1;
}

/* gpa / hpa: the step's (first) translated address of that space */
static int check_addr(const struct machine *m, const void *args, const char *space, int has, uint64_t got,
                      const char *why_none, char *msg, size_t cap)
{
	uint64_t want;
	if (want_of(m, args, &want, msg, cap))
		return 1;
	if (has && got == want)
		return 0;
	if (has)
		snprintf(msg, cap, "expected %s 0x%" PRIx64 ", got 0x%" PRIx64, space, want, got);
	else
		snprintf(msg, cap, "expected %s 0x%" PRIx64 ", got no %s (%s)", space, want, space, why_none);
	return 1;
}

static int xc_gpa(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                  size_t cap)
{
	return check_addr(m, args, "GPA", r->has_gpa, r->gpa,
	                  r->fault.valid ? "the step faulted" : "no guest translation", msg, cap);
}

static int xc_hpa(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                  size_t cap)
{
	return check_addr(m, args, "HPA", r->has_hpa, r->hpa,
	                  r->fault.valid ? "the step faulted" : "nothing was accessed", msg, cap);
}

static int xc_value(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                    size_t cap)
{
	uint64_t want;
	if (want_of(m, args, &want, msg, cap))
		return 1;
	if (r->has_value && r->value == want)
		return 0;
	if (r->has_value)
		snprintf(msg, cap, "expected value 0x%" PRIx64 ", got 0x%" PRIx64, want, r->value);
	else
		snprintf(msg, cap, "expected value 0x%" PRIx64 ", got no value", want);
	return 1;
}

struct x_tlb {
	int hit;
};

static int xp_tlb(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	static const char *const v[] = {"miss", "hit", NULL};
	return jr_enum(pc->jr, val, path, v, &((struct x_tlb *)args)->hit);
}

static int xc_tlb(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                  size_t cap)
{
	int want = ((const struct x_tlb *)args)->hit ? 1 : 2;
	if (r->tlb == want)
		return 0;
	snprintf(msg, cap, "expected a TLB %s, got %s", want == 1 ? "hit" : "miss",
	         r->tlb == 1   ? "a hit"
	         : r->tlb == 2 ? "a miss"
	                       : "no TLB lookup");
	return 1;
}

struct x_fault {
	int none;
	int unit; /* enum fault_unit */
	int has_ec, has_exit, has_qual, has_reason, has_addr, has_recorded;
	uint64_t ec, exit, qual, reason, addr;
	int recorded;
};

static int xp_fault(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	struct x_fault *a = args;
	if (cJSON_IsNull(val)) {
		a->none = 1;
		return 0;
	}
	if (jr_expect_object(pc->jr, val, path))
		return -1;
	static const char *const keys[] = {"unit",   "error_code", "exit",     "qualification",
	                                   "reason", "addr",       "recorded", NULL};
	int rc = jr_check_keys(pc->jr, val, path, keys);
	static const char *const units[] = {"none", "mmu", "ept", "iommu", "device", NULL};
	char p[256];
	const cJSON *u = jr_require(pc->jr, val, path, "unit");
	if (!u)
		return -1;
	jr_path_key(p, sizeof p, path, "unit");
	rc |= jr_enum(pc->jr, u, p, units, &a->unit);
#define OPT(name, flag, dst)                                                                                 \
	do {                                                                                                 \
		const cJSON *x = jr_member(val, name);                                                       \
		if (x) {                                                                                     \
			jr_path_key(p, sizeof p, path, name);                                                \
			rc |= jr_u64(pc->jr, x, p, UINT64_MAX, &a->dst);                                     \
			a->flag = 1;                                                                         \
		}                                                                                            \
	} while (0)
	OPT("error_code", has_ec, ec);
	OPT("exit", has_exit, exit);
	OPT("qualification", has_qual, qual);
	OPT("reason", has_reason, reason);
	OPT("addr", has_addr, addr);
#undef OPT
	const cJSON *rec = jr_member(val, "recorded");
	if (rec) {
		jr_path_key(p, sizeof p, path, "recorded");
		rc |= jr_bool(pc->jr, rec, p, &a->recorded);
		a->has_recorded = 1;
	}
	return rc ? -1 : 0;
}

static int xc_fault(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                    size_t cap)
{
	const struct x_fault *a = args;
	static const char *const units[] = {"none", "mmu", "ept", "iommu", "device"};
	const struct fault_info *f = &r->fault;
	if (a->none) {
		if (!f->valid)
			return 0;
		snprintf(msg, cap, "expected no fault, got a fault in the %s at 0x%" PRIx64, units[f->unit],
		         f->addr);
		return 1;
	}
	if (!f->valid) {
		snprintf(msg, cap, "expected a fault in the %s, got none", units[a->unit]);
		return 1;
	}
	if ((int)f->unit != a->unit) {
		snprintf(msg, cap, "expected a fault in the %s, got one in the %s", units[a->unit],
		         units[f->unit]);
		return 1;
	}
	if (a->has_ec && f->error_code != a->ec) {
		snprintf(msg, cap, "expected error code 0x%" PRIx64 ", got 0x%x", a->ec, f->error_code);
		return 1;
	}
	if (a->has_exit && (uint64_t)f->exit_reason != a->exit) {
		snprintf(msg, cap, "expected exit reason %" PRIu64 ", got %d", a->exit, f->exit_reason);
		return 1;
	}
	if (a->has_qual && f->qualification != a->qual) {
		snprintf(msg, cap, "expected exit qualification 0x%" PRIx64 ", got 0x%" PRIx64, a->qual,
		         f->qualification);
		return 1;
	}
	if (a->has_reason && (uint64_t)f->reason != a->reason) {
		snprintf(msg, cap, "expected fault reason 0x%" PRIx64 ", got 0x%x", a->reason, f->reason);
		return 1;
	}
	if (a->has_addr && f->addr != a->addr) {
		snprintf(msg, cap, "expected fault address 0x%" PRIx64 ", got 0x%" PRIx64, a->addr, f->addr);
		return 1;
	}
	if (a->has_recorded && f->recorded != a->recorded) {
		snprintf(msg, cap, "expected the fault %s, but it was %s",
		         a->recorded ? "recorded" : "not recorded",
		         f->recorded ? "recorded" : "not recorded");
		return 1;
	}
	return 0;
}

struct x_memory {
	struct addr_arg where;
	uint64_t hpa;
	const uint8_t *bytes;
	size_t n;
	int vm; /* >= 0: hpa is a GPA of this VM */
};

static int xp_memory(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	struct x_memory *a = args;
	if (jr_expect_object(pc->jr, val, path))
		return -1;
	static const char *const keys[] = {"hpa", "gpa", "vm", "bytes", NULL};
	int rc = jr_check_keys(pc->jr, val, path, keys);
	char p[256];
	const cJSON *h = jr_member(val, "hpa"), *g = jr_member(val, "gpa");
	a->vm = -1;
	if (!h == !g) {
		jr_error(pc->jr, val, path, "give exactly one of \"hpa\" or \"gpa\" (with \"vm\")");
		return -1;
	}
	jr_path_key(p, sizeof p, path, h ? "hpa" : "gpa");
	rc |= pc_addr_node(pc, h ? h : g, p, &a->where);
	if (g) {
		const cJSON *v = jr_require(pc->jr, val, path, "vm");
		const char *name;
		jr_path_key(p, sizeof p, path, "vm");
		if (!v || jr_str(pc->jr, v, p, &name))
			return -1;
		for (int i = 0; i < pc->md->nvms; i++)
			if (!strcmp(pc->md->vms[i].name, name))
				a->vm = i;
		if (a->vm < 0) {
			jr_error(pc->jr, v, p, "no VM named \"%.40s\"", name);
			return -1;
		}
	}
	/* reuse pc_bytes on the sub-object */
	struct parse_ctx sub = *pc;
	sub.step = val;
	sub.path = path;
	rc |= pc_bytes(&sub, "bytes", 1, &a->bytes, &a->n);
	return rc ? -1 : 0;
}

static int xc_memory(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                     size_t cap)
{
	const struct x_memory *a = args;
	uint64_t hpa, addr;
	struct step_result tmp;
	memset(&tmp, 0, sizeof tmp);
	if (addr_resolve(m, &a->where, &tmp, &addr)) {
		snprintf(msg, cap, "%s", tmp.error);
		return 1;
	}
	hpa = addr;
	if (a->vm >= 0) {
		int ok;
		hpa = vm_gpa_to_hpa(m, a->vm, addr, &ok);
		if (!ok) {
			snprintf(msg, cap, "GPA 0x%" PRIx64 " is not guest RAM", addr);
			return 1;
		}
	}
	uint8_t got[64];
	size_t n = a->n < sizeof got ? a->n : sizeof got;
	mem_read(&m->mem, hpa, got, n);
	if (!memcmp(got, a->bytes, n))
		return 0;
	char w[100] = "", g[100] = "";
	for (size_t i = 0; i < n && i < 16; i++) {
		sprintf(w + strlen(w), "%02x%s", a->bytes[i], i + 1 < n && i < 15 ? " " : "");
		sprintf(g + strlen(g), "%02x%s", got[i], i + 1 < n && i < 15 ? " " : "");
	}
	snprintf(msg, cap, "expected bytes [%s] at HPA 0x%" PRIx64 ", got [%s]", w, hpa, g);
	return 1;
}

/* entry: {"table":"guest","vm":"vm1","gva":…,"level":1,"set":["A","D"],"clear":["D"]} */
struct x_entry {
	struct set_args where;
	uint64_t set_mask, clear_mask;
};

static int names_to_mask(struct parse_ctx *pc, const cJSON *arr, const char *path, int ept, uint64_t *mask)
{
	if (!cJSON_IsArray(arr)) {
		jr_error(pc->jr, arr, path, "expected an array of bit names such as [\"A\", \"D\"]");
		return -1;
	}
	int i = 0;
	for (const cJSON *x = arr->child; x; x = x->next, i++) {
		char p[256];
		jr_path_idx(p, sizeof p, path, i);
		int f;
		if (jr_enum(pc->jr, x, p, ept ? ept_fields : x86_fields, &f))
			return -1;
		int bit = ept ? (f < 8 ? ept_bits[f] : -1) : (f < 10 ? x86_bits[f] : -1);
		if (bit < 0) {
			jr_error(pc->jr, x, p, "\"%s\" is not a single bit", x->valuestring);
			return -1;
		}
		*mask |= BIT(bit);
	}
	return 0;
}

static int xp_entry(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	struct x_entry *a = args;
	if (jr_expect_object(pc->jr, val, path))
		return -1;
	static const char *const keys[] = {"table", "vm",  "gva",   "va", "gpa", "guest_table_level",
	                                   "level", "set", "clear", NULL};
	int rc = jr_check_keys(pc->jr, val, path, keys);
	struct parse_ctx sub = *pc;
	sub.step = val;
	sub.path = path;
	rc |= parse_where(&sub, &a->where);
	if (rc)
		return -1;
	char p[256];
	const cJSON *s = jr_member(val, "set"), *c = jr_member(val, "clear");
	if (s) {
		jr_path_key(p, sizeof p, path, "set");
		rc |= names_to_mask(&sub, s, p, a->where.table == 1, &a->set_mask);
	}
	if (c) {
		jr_path_key(p, sizeof p, path, "clear");
		rc |= names_to_mask(&sub, c, p, a->where.table == 1, &a->clear_mask);
	}
	return rc ? -1 : 0;
}

static int xc_entry(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                    size_t cap)
{
	const struct x_entry *a = args;
	const struct set_args *w = &a->where;
	int levels = w->table == 1   ? m->vms[w->vm].d->ept_levels
	             : w->table == 0 ? m->vms[w->vm].d->levels
	                             : m->d->host_levels;
	uint64_t table = w->table == 1   ? m->vms[w->vm].ept_root
	                 : w->table == 0 ? m->vms[w->vm].cr3
	                                 : m->host_cr3;
	uint64_t e = 0, ea = 0, addr;
	if (where_addr(m, w, &addr, msg, cap))
		return 1;
	for (int lvl = levels; lvl >= w->level; lvl--) {
		uint64_t ta = table + 8 * PX(lvl, addr);
		ea = w->table == 0 ? vm_gpa_to_hpa(m, w->vm, ta, NULL) : ta;
		e = mem_read64(&m->mem, ea);
		table = e & PTE_ADDR;
	}
	uint64_t miss_set = a->set_mask & ~e, miss_clear = a->clear_mask & e;
	if (!miss_set && !miss_clear)
		return 0;
	char bits[64];
	if (w->table == 1)
		epte_decode(e, w->level, bits, sizeof bits);
	else
		pte_decode(e, w->level, bits, sizeof bits);
	snprintf(msg, cap, "level-%d entry at HPA 0x%" PRIx64 " is 0x%" PRIx64 " [%s]: %s bits 0x%" PRIx64,
	         w->level, ea, e, bits, miss_set ? "expected set" : "expected clear",
	         miss_set ? miss_set : miss_clear);
	return 1;
}

/* counters: {"name": value, …} */
struct x_counters {
	const char *names[16];
	uint64_t vals[16];
	int n;
};

static int xp_counters(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	struct x_counters *a = args;
	if (jr_expect_object(pc->jr, val, path))
		return -1;
	int rc = 0;
	for (const cJSON *c = val->child; c; c = c->next) {
		char p[256];
		jr_path_key(p, sizeof p, path, c->string);
		if (a->n >= 16) {
			jr_error(pc->jr, c, p, "at most 16 counters per expect");
			return -1;
		}
		a->names[a->n] = c->string;
		rc |= jr_u64(pc->jr, c, p, UINT64_MAX, &a->vals[a->n]);
		a->n++;
	}
	return rc ? -1 : 0;
}

static int xc_counters(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                       size_t cap)
{
	const struct x_counters *a = args;
	for (int i = 0; i < a->n; i++) {
		int found;
		uint64_t v = counter_get(m, a->names[i], &found);
		if (v != a->vals[i]) {
			snprintf(msg, cap, "expected counter %s = %" PRIu64 ", got %" PRIu64 "%s",
			         a->names[i], a->vals[i], v, found ? "" : " (never counted)");
			return 1;
		}
	}
	return 0;
}

/* events: {"walk.ref": 24, "vmexit": 0} — counts of kinds within this step */
struct x_events {
	int kinds[16];
	uint64_t vals[16];
	int n;
};

static int xp_events(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	struct x_events *a = args;
	if (jr_expect_object(pc->jr, val, path))
		return -1;
	int rc = 0;
	for (const cJSON *c = val->child; c; c = c->next) {
		char p[256];
		jr_path_key(p, sizeof p, path, c->string);
		int k = -1;
		for (int i = 0; i < EV_KIND_MAX; i++)
			if (strcmp(ev_kind_name((enum ev_kind)i), "unknown") &&
			    !strcmp(ev_kind_name((enum ev_kind)i), c->string))
				k = i;
		if (k < 0) {
			jr_error_key(pc->jr, c, path, "unknown event kind \"%.40s\"", c->string);
			rc = -1;
			continue;
		}
		if (a->n >= 16)
			break;
		a->kinds[a->n] = k;
		rc |= jr_u64(pc->jr, c, p, UINT64_MAX, &a->vals[a->n]);
		a->n++;
	}
	return rc ? -1 : 0;
}

static int xc_events(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                     size_t cap)
{
	const struct x_events *a = args;
	if (!m->trace.enabled)
		return 0;
	for (int i = 0; i < a->n; i++) {
		uint64_t cnt = 0;
		for (uint64_t s = r->first_seq; s < r->last_seq && s < m->trace.n; s++)
			if (m->trace.ev[s].kind == a->kinds[i])
				cnt++;
		if (cnt != a->vals[i]) {
			snprintf(msg, cap, "expected %" PRIu64 " %s events in this step, got %" PRIu64,
			         a->vals[i], ev_kind_name((enum ev_kind)a->kinds[i]), cnt);
			return 1;
		}
	}
	return 0;
}

/* log: "DMAR: IOMMU enabled" — a log line containing this text exists so far */
struct x_log {
	const char *text;
	int absent;
};

static int xp_log(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	return jr_str(pc->jr, val, path, &((struct x_log *)args)->text);
}

static int xp_nolog(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	((struct x_log *)args)->absent = 1;
	return jr_str(pc->jr, val, path, &((struct x_log *)args)->text);
}

static int xc_log(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                  size_t cap)
{
	const struct x_log *a = args;
	if (!m->trace.enabled)
		return 0;
	int found = 0;
	for (uint64_t s = 0; s < m->trace.n && !found; s++)
		if (m->trace.ev[s].kind == EV_LOG &&
		    strstr(trace_get_str(&m->trace, m->trace.ev[s].str), a->text))
			found = 1;
	if (found != a->absent)
		return 0;
	snprintf(msg, cap,
	         a->absent ? "expected no log line containing \"%s\", but one was printed"
	                   : "expected a log line containing \"%s\", none was printed",
	         a->text);
	return 1;
}

const struct expect_def core_expects[] = {
    {"walk_refs", sizeof(struct x_u64), xp_u64, xc_walk_refs},
    {"gpa", sizeof(struct x_u64), xp_addr, xc_gpa},
    {"hpa", sizeof(struct x_u64), xp_addr, xc_hpa},
    {"value", sizeof(struct x_u64), xp_addr, xc_value},
    {"tlb", sizeof(struct x_tlb), xp_tlb, xc_tlb},
    {"fault", sizeof(struct x_fault), xp_fault, xc_fault},
    {"memory", sizeof(struct x_memory), xp_memory, xc_memory},
    {"entry", sizeof(struct x_entry), xp_entry, xc_entry},
    {"counters", sizeof(struct x_counters), xp_counters, xc_counters},
    {"events", sizeof(struct x_events), xp_events, xc_events},
    {"log", sizeof(struct x_log), xp_log, xc_log},
    {"no_log", sizeof(struct x_log), xp_nolog, xc_log},
    {NULL, 0, NULL, NULL},
};
