/*
 * quiz.c — the exercise generator (`iommulab quiz`): random but
 * reproducible homework on page walks, 2-D walks, VT-d, e1000 rings and
 * the IOMMU kernel parameters, in the spirit of OSTEP's homework scripts
 * (paging-multilevel-translate.py: "here is a memory dump, translate").
 *
 * Every answer is read from the engine. A problem is a scenario:
 *
 *   spec (from the PRNG) ──> JSON text ──scenario_load──> engine_run
 *      question step k:  trace[mark[k] .. mark[k+1])  -> walk refs, fault, log
 *      engine_goto(k):   memory before the step       -> the dump
 *      machine state:    RDH/RDT, next_to_clean, domain type, boot reason
 *
 * and the emitted scenario carries the answer back as `expect`s, so
 * `iommulab run FILE` re-checks it with the engine's own expect code and
 * `iommulab view FILE` steps through it.
 *
 * The memory dump shows, for every 4 KiB page the question step read an
 * entry from, that entry and up to two other non-zero entries of the same
 * page (distractors), as the memory holds them before the step:
 *
 *   0x000000000ffff7f8: 0x000000000fffe007          8-byte entry
 *   0x000000000fffe030: 0x000000000fffb001 0x0      16-byte VT-d entry (lo hi)
 *
 * References: OSTEP ch. 20 homework; facts sections 1.1-1.5, 2, invariants
 * 1-8, 12, 13, 23, 25-27 (/work/shared/facts.md).
 *
 * Not modelled: see quiz.h.
 */
#include "quiz.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "boot.h"
#include "dma.h"
#include "e1000.h"
#include "engine.h"
#include "ept.h"
#include "iommu.h"
#include "mmu.h"
#include "nic.h"
#include "paging.h"
#include "scenario.h"

static const char *const topic_names[QUIZ_NTOPICS] = {"walk", "nested", "iommu", "ring", "params"};

const char *quiz_topic_name(enum quiz_topic t)
{
	return (unsigned)t < QUIZ_NTOPICS ? topic_names[t] : "?";
}

int quiz_topic_parse(const char *s)
{
	for (int i = 0; i < QUIZ_NTOPICS; i++)
		if (s && !strcmp(s, topic_names[i]))
			return i;
	return -1;
}

uint64_t quiz_rng_next(struct quiz_rng *r)
{
	uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

uint64_t quiz_rng_below(struct quiz_rng *r, uint64_t n)
{
	return n <= 1 ? 0 : quiz_rng_next(r) % n;
}

/* percent chance */
static int chance(struct quiz_rng *r, unsigned pct)
{
	return quiz_rng_below(r, 100) < pct;
}

/* ------------------------------------------------------------------ */
/* a growable string                                                    */

struct sb {
	char *b;
	size_t n, cap;
	int oom;
};

static void sb_put(struct sb *s, const char *t, size_t n)
{
	if (s->oom)
		return;
	if (s->n + n + 1 > s->cap) {
		size_t nc = (s->cap ? s->cap * 2 : 4096) + n;
		char *p = realloc(s->b, nc);
		if (!p) {
			s->oom = 1;
			return;
		}
		s->b = p;
		s->cap = nc;
	}
	memcpy(s->b + s->n, t, n);
	s->n += n;
	s->b[s->n] = 0;
}

static void sb_printf(struct sb *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *s, const char *fmt, ...)
{
	char tmp[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof tmp) {
		sb_put(s, tmp, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		s->oom = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb_put(s, big, (size_t)n);
	free(big);
}

/* a JSON string literal */
static void sb_jstr(struct sb *s, const char *t)
{
	sb_put(s, "\"", 1);
	for (; *t; t++) {
		unsigned char c = (unsigned char)*t;
		if (c == '"' || c == '\\') {
			char e[2] = {'\\', (char)c};
			sb_put(s, e, 2);
		} else if (c == '\n') {
			sb_put(s, "\\n", 2);
		} else if (c < 0x20) {
			sb_printf(s, "\\u%04x", c);
		} else {
			sb_put(s, (const char *)&c, 1);
		}
	}
	sb_put(s, "\"", 1);
}

/* {"en": …, "zh": …} */
static void sb_text(struct sb *s, const char *en, const char *zh)
{
	sb_put(s, "{\"en\": ", 7);
	sb_jstr(s, en);
	sb_put(s, ", \"zh\": ", 8);
	sb_jstr(s, zh);
	sb_put(s, "}", 1);
}

static const char *size_name(uint64_t sz)
{
	return sz == GiB ? "1GiB" : sz == 2 * MiB ? "2MiB" : "4KiB";
}

static const char *const acc_names[] = {"cpu.read", "cpu.write", "cpu.fetch"};
static const char *const dir_names[] = {"bidirectional", "to_device", "from_device", "none"};

/* ------------------------------------------------------------------ */
/* addresses                                                            */

static uint64_t sext(uint64_t va, int levels)
{
	int top = levels == 5 ? 56 : 47;
	if ((va >> top) & 1)
		return va | (~0ull << top);
	return va & ((1ull << (top + 1)) - 1);
}

/* index of va at level */
static unsigned vidx(uint64_t va, int level)
{
	return (unsigned)PX(level, va);
}

static uint64_t with_idx(uint64_t va, int level, unsigned idx, int levels)
{
	int sh = 12 + 9 * (level - 1);
	va = (va & ~(0x1ffull << sh)) | ((uint64_t)idx << sh);
	return sext(va, levels);
}

static int leaf_level(uint64_t psize)
{
	return psize == GiB ? 3 : psize == 2 * MiB ? 2 : 1;
}

/* a random canonical VA aligned to psize; kernel = upper half */
static uint64_t rand_va(struct quiz_rng *r, int levels, int kernel, uint64_t psize)
{
	uint64_t va = 0;
	for (int l = 1; l <= levels; l++) {
		unsigned idx = (unsigned)quiz_rng_below(r, 512);
		if (l == levels)
			idx = kernel ? 256 + (unsigned)quiz_rng_below(r, 255)
			             : 1 + (unsigned)quiz_rng_below(r, 255);
		va |= (uint64_t)idx << (12 + 9 * (l - 1));
	}
	va &= ~(psize - 1);
	return sext(va, levels);
}

static void perm_str(char *out, int w, int x, int u)
{
	out[0] = 'r';
	out[1] = w ? 'w' : '-';
	out[2] = x ? 'x' : '-';
	out[3] = u ? 'u' : 's';
	out[4] = 0;
}

/* add distractor mappings around maps[0]: differ from it at a level >= its leaf */
static void add_distractors(struct quiz_problem *p, struct quiz_rng *r, int levels, uint64_t pa_lo,
                            uint64_t pa_span, int n,
                            uint64_t (*pick_pa)(struct quiz_problem *, struct quiz_rng *, uint64_t, uint64_t))
{
	const struct quiz_map *t = &p->maps[0];
	int ll = leaf_level(t->psize);
	for (int k = 0; k < n && p->nmaps < QUIZ_MAX_MAPS; k++) {
		int lvl = ll + (int)quiz_rng_below(r, (uint64_t)(levels - ll + 1));
		if (lvl == levels)
			lvl = ll; /* keep most distractors close */
		unsigned idx = vidx(t->va, lvl);
		unsigned nidx = (idx + 1 + (unsigned)quiz_rng_below(r, 40)) % 512;
		if (lvl == levels && (t->va >> 63) != 0 && nidx < 256)
			nidx = 256 + nidx % 255;
		if (lvl == levels && (t->va >> 63) == 0 && (nidx >= 256 || nidx == 0))
			nidx = 1 + nidx % 255;
		uint64_t va = with_idx(t->va, lvl, nidx, levels);
		for (int l = 1; l < lvl; l++)
			va = with_idx(va, l, (unsigned)quiz_rng_below(r, 512), levels);
		va &= ~(PAGE_SIZE - 1);
		va = sext(va, levels);
		int dup = 0;
		for (int i = 0; i < p->nmaps; i++) {
			uint64_t lo = p->maps[i].va, hi = lo + p->maps[i].psize;
			if (va >= lo && va < hi)
				dup = 1;
			/* a 4 KiB page under a large distractor's table slot would conflict */
			if (p->maps[i].psize > PAGE_SIZE && (va & ~(p->maps[i].psize - 1)) == lo)
				dup = 1;
		}
		if (dup)
			continue;
		struct quiz_map *m = &p->maps[p->nmaps++];
		m->va = va;
		m->psize = PAGE_SIZE;
		m->pa = pick_pa(p, r, pa_lo, pa_span);
		perm_str(m->perm, (int)chance(r, 60), (int)chance(r, 30), (va >> 63) == 0);
	}
}

/* ------------------------------------------------------------------ */
/* topic: walk (native, host page tables)                               */

static uint64_t pick_host_pa(struct quiz_problem *p, struct quiz_rng *r, uint64_t lo, uint64_t span)
{
	(void)p;
	return lo + quiz_rng_below(r, span / PAGE_SIZE) * PAGE_SIZE;
}

/* access + perm so that the access is allowed (ok = 1) or refused by the leaf (ok = 0) */
static void pick_access(struct quiz_problem *p, struct quiz_rng *r, int ok, int kernel)
{
	struct quiz_map *t = &p->maps[0];
	unsigned a = (unsigned)quiz_rng_below(r, 10);
	p->acc = a < 5 ? ACC_READ : a < 8 ? ACC_WRITE : ACC_FETCH;
	p->user = kernel ? 0 : chance(r, 85);
	int w = p->acc == ACC_WRITE || chance(r, 40), x = p->acc == ACC_FETCH || chance(r, 20), u = !kernel;
	if (!ok) {
		/* break exactly one permission the access needs */
		int k = (int)quiz_rng_below(r, 3);
		if (k == 0) {
			p->acc = ACC_WRITE;
			w = 0;
		} else if (k == 1) {
			p->acc = ACC_FETCH;
			x = 0;
		} else {
			p->user = 1;
			u = 0;
		}
	}
	perm_str(t->perm, w, x, u);
	p->value = quiz_rng_next(r);
}

static void gen_walk(struct quiz_problem *p, struct quiz_rng *r)
{
	p->levels = 4;
	p->ram = 256 * MiB;
	unsigned v = (unsigned)quiz_rng_below(r, 100);
	p->variant = v < 42 ? 0 : v < 55 ? 1 : v < 70 ? 2 : v < 82 ? 3 : v < 95 ? 4 : 5;
	unsigned ps = (unsigned)quiz_rng_below(r, 100);
	uint64_t psize = ps < 65 ? PAGE_SIZE : ps < 90 ? 2 * MiB : GiB;
	int kernel = chance(r, 30);
	struct quiz_map *t = &p->maps[0];
	p->nmaps = 1;
	t->psize = psize;
	t->va = rand_va(r, 4, kernel, psize);
	if (psize == GiB) {
		p->ram = 3 * GiB;
		t->pa = GiB;
	} else if (psize == 2 * MiB) {
		t->pa = 32 * MiB + quiz_rng_below(r, 48) * 2 * MiB;
	} else {
		t->pa = 16 * MiB + quiz_rng_below(r, 112 * MiB / PAGE_SIZE) * PAGE_SIZE;
	}
	pick_access(p, r, p->variant != 1, kernel);
	add_distractors(p, r, 4, 16 * MiB, 112 * MiB, 2 + (int)quiz_rng_below(r, 3), pick_host_pa);
	int ll = leaf_level(psize);
	uint64_t off = quiz_rng_below(r, psize / 8 - 1) * 8;
	p->va = t->va + off;
	struct quiz_set *s = &p->sets[0];
	s->table = 2;
	s->addr = t->va;
	switch (p->variant) {
	case 2: /* not present at some level */
		s->level = ll + (int)quiz_rng_below(r, (uint64_t)(4 - ll + 1));
		strcpy(s->field, "P");
		s->value = 0;
		p->nsets = 1;
		break;
	case 3: { /* a VA next to the mapping that nothing maps */
		for (int tries = 0; tries < 50; tries++) {
			unsigned ni = (unsigned)quiz_rng_below(r, 512);
			uint64_t va = with_idx(t->va, ll, ni, 4) + (off & (PAGE_SIZE - 1));
			int used = 0;
			for (int i = 0; i < p->nmaps; i++)
				if ((va & ~(p->maps[i].psize - 1)) == p->maps[i].va ||
				    vidx(va, ll) == vidx(p->maps[i].va, ll))
					used = 1;
			if (!used) {
				p->va = va;
				break;
			}
		}
		break;
	}
	case 4: /* a permission taken away above the leaf */
		if (ll == 4)
			break;
		s->level = ll + 1 + (int)quiz_rng_below(r, (uint64_t)(4 - ll));
		p->nsets = 1;
		if (p->acc == ACC_WRITE) {
			strcpy(s->field, "RW");
			s->value = 0;
		} else if (p->acc == ACC_FETCH) {
			strcpy(s->field, "NX");
			s->value = 1;
		} else {
			p->user = 1;
			t->perm[3] = 'u';
			strcpy(s->field, "US");
			s->value = 0;
		}
		break;
	case 5: /* PS in a PML4E is reserved */
		s->level = 4;
		strcpy(s->field, "PS");
		s->value = 1;
		p->nsets = 1;
		break;
	}
}

static void write_host_pages(struct sb *s, const struct quiz_problem *p)
{
	sb_printf(s, "  \"host\": {\"pages\": [\n");
	for (int i = 0; i < p->nmaps; i++) {
		const struct quiz_map *m = &p->maps[i];
		sb_printf(s,
		          "    {\"va\": \"0x%" PRIx64 "\", \"pa\": \"0x%" PRIx64
		          "\", \"page\": \"%s\", \"perm\": \"%s\"}%s\n",
		          m->va, m->pa, size_name(m->psize), m->perm, i + 1 < p->nmaps ? "," : "");
	}
	sb_printf(s, "  ]},\n");
}

static const char *const table_names[] = {"guest", "ept", "host"};

static void write_set_step(struct sb *s, const struct quiz_problem *p, const struct quiz_set *x)
{
	sb_printf(s, "    {\"do\": \"set\", \"table\": \"%s\", ", table_names[x->table]);
	if (x->table != 2)
		sb_printf(s, "\"vm\": \"vm1\", ");
	if (x->table == 1 && x->gtl)
		sb_printf(s, "\"gva\": \"0x%" PRIx64 "\", \"guest_table_level\": %d, ", x->addr, x->gtl);
	else if (x->table == 1)
		sb_printf(s, "\"gpa\": \"0x%" PRIx64 "\", ", x->addr);
	else
		sb_printf(s, "\"%s\": \"0x%" PRIx64 "\", ", x->table == 2 ? "va" : "gva", x->addr);
	sb_printf(s, "\"level\": %d, \"field\": \"%s\", \"value\": %" PRIu64 ",\n     \"say\": ", x->level,
	          x->field, x->value);
	char en[200], zh[200];
	snprintf(en, sizeof en,
	         "Setup: the %s entry at level %d gets %s = %" PRIu64
	         " (the problem's memory dump is taken after this).",
	         x->table == 1   ? "EPT"
	         : x->table == 0 ? "guest page-table"
	                         : "page-table",
	         x->level, x->field, x->value);
	snprintf(zh, sizeof zh,
	         "准备：把第 %d 级%s表项的 %s 设为 %" PRIu64 "（题目中的内存转储是在这一修改之后取的）。",
	         x->level,
	         x->table == 1   ? " EPT "
	         : x->table == 0 ? "客户机页"
	                         : "页",
	         x->field, x->value);
	(void)p;
	sb_text(s, en, zh);
	sb_printf(s, "},\n");
}

/* the question step of walk/nested; expects from the answer when final */
static void write_cpu_step(struct sb *s, const struct quiz_problem *p, int guest, int final)
{
	sb_printf(s, "    {\"do\": \"%s\", %s\"%s\": \"0x%" PRIx64 "\", \"size\": 8, \"mode\": \"%s\"",
	          acc_names[p->acc], guest ? "\"vm\": \"vm1\", " : "", guest ? "gva" : "va", p->va,
	          p->user ? "user" : "supervisor");
	if (p->acc == ACC_WRITE)
		sb_printf(s, ", \"value\": \"0x%" PRIx64 "\"", p->value);
	sb_printf(s, ",\n     \"say\": ");
	sb_text(s, "The question: follow the walk entry by entry.", "题目：逐个表项跟着走一遍。");
	if (final) {
		const struct fault_info *f = &p->res.fault;
		sb_printf(s, ",\n     \"expect\": {\"walk_refs\": %d", p->res.walk_refs);
		if (!f->valid) {
			sb_printf(s, ", \"fault\": null, \"hpa\": \"0x%" PRIx64 "\"", p->res.hpa);
			if (guest)
				sb_printf(s, ", \"gpa\": \"0x%" PRIx64 "\", \"events\": {\"vmexit\": 0}",
				          p->res.gpa);
		} else if (f->unit == FU_MMU) {
			sb_printf(
			    s,
			    ", \"fault\": {\"unit\": \"mmu\", \"error_code\": %u, \"addr\": \"0x%" PRIx64
			    "\"}",
			    f->error_code, f->addr);
			if (guest)
				sb_printf(s, ", \"events\": {\"vmexit\": 0}");
		} else {
			sb_printf(s, ", \"fault\": {\"unit\": \"ept\", \"exit\": %d", f->exit_reason);
			if (f->exit_reason == EXIT_EPT_VIOLATION)
				sb_printf(s, ", \"qualification\": \"0x%" PRIx64 "\"", f->qualification);
			sb_printf(s, ", \"addr\": \"0x%" PRIx64 "\"}, \"events\": {\"vmexit\": 1}", f->addr);
		}
		sb_printf(s, "}");
	}
	sb_printf(s, "}");
}

/* ------------------------------------------------------------------ */
/* topic: nested                                                         */

static uint64_t pick_guest_pa(struct quiz_problem *p, struct quiz_rng *r, uint64_t lo, uint64_t span)
{
	(void)lo;
	(void)span;
	int k = (int)quiz_rng_below(r, (uint64_t)p->nvram);
	uint64_t pages = p->vram[k].size / PAGE_SIZE / 2;
	return p->vram[k].gpa + quiz_rng_below(r, pages) * PAGE_SIZE;
}

static void gen_nested(struct quiz_problem *p, struct quiz_rng *r)
{
	p->levels = chance(r, 20) ? 5 : 4;
	p->ept_levels = chance(r, 20) ? 5 : 4;
	unsigned e = (unsigned)quiz_rng_below(r, 100);
	p->ept_page = e < 55 ? PAGE_SIZE : e < 88 ? 2 * MiB : GiB;
	p->ept_ad = chance(r, 20);
	unsigned v = (unsigned)quiz_rng_below(r, 100);
	p->variant = v < 30 ? 0 : v < 50 ? 1 : v < 68 ? 2 : v < 86 ? 3 : 4;
	p->nvram = 2;
	if (p->ept_page == GiB) {
		p->ram = 4 * GiB;
		uint64_t slots[3] = {GiB, 2 * GiB, 3 * GiB};
		int a = (int)quiz_rng_below(r, 3), b = (a + 1 + (int)quiz_rng_below(r, 2)) % 3;
		p->vram[0].gpa = 0;
		p->vram[0].size = GiB;
		p->vram[0].hpa = slots[a];
		p->vram[1].gpa = GiB;
		p->vram[1].size = GiB;
		p->vram[1].hpa = slots[b];
	} else {
		p->ram = 512 * MiB;
		static const uint64_t sizes[] = {4 * MiB, 8 * MiB, 16 * MiB};
		int s0 = (int)quiz_rng_below(r, 24), s1 = (s0 + 1 + (int)quiz_rng_below(r, 23)) % 24;
		p->vram[0].gpa = 0;
		p->vram[0].size = sizes[quiz_rng_below(r, 3)];
		p->vram[0].hpa = (uint64_t)(4 + s0) * 16 * MiB;
		p->vram[1].gpa = p->vram[0].size + quiz_rng_below(r, 3) * 2 * MiB;
		p->vram[1].size = sizes[quiz_rng_below(r, 3)];
		p->vram[1].hpa = (uint64_t)(4 + s1) * 16 * MiB;
	}
	uint64_t psize;
	if (p->ept_page == GiB) {
		unsigned g = (unsigned)quiz_rng_below(r, 3);
		psize = g == 0 ? PAGE_SIZE : g == 1 ? 2 * MiB : GiB;
	} else {
		psize = chance(r, 65) ? PAGE_SIZE : 2 * MiB;
	}
	int kernel = chance(r, 25);
	struct quiz_map *t = &p->maps[0];
	p->nmaps = 1;
	t->psize = psize;
	t->va = rand_va(r, p->levels, kernel, psize);
	int k = (int)quiz_rng_below(r, 2);
	if (psize == GiB)
		t->pa = p->vram[k].gpa;
	else
		t->pa = p->vram[k].gpa + quiz_rng_below(r, p->vram[k].size / 2 / psize) * psize;
	/* an emulated MMIO window (KVM's exit-49 trick) */
	if (p->variant == 4 && p->ept_page == PAGE_SIZE && chance(r, 50)) {
		p->mmio_gpa = 0xfeb00000ull + quiz_rng_below(r, 16) * PAGE_SIZE;
		t->psize = psize = PAGE_SIZE;
		t->va &= ~(PAGE_SIZE - 1);
		t->pa = p->mmio_gpa;
	}
	pick_access(p, r, p->variant != 1, kernel);
	if (p->mmio_gpa && p->acc == ACC_FETCH)
		p->acc = ACC_READ;
	add_distractors(p, r, p->levels, 0, 0, 2 + (int)quiz_rng_below(r, 2), pick_guest_pa);
	uint64_t off = quiz_rng_below(r, psize / 8 - 1) * 8;
	p->va = t->va + off;
	int gll = leaf_level(psize), ell = leaf_level(p->ept_page);
	struct quiz_set *s = &p->sets[0];
	switch (p->variant) {
	case 1: /* guest side: a permission (pick_access) or a not-present guest entry */
		if (chance(r, 50)) {
			pick_access(p, r, 1, kernel);
			s->table = 0;
			s->addr = t->va;
			s->level = gll + (int)quiz_rng_below(r, (uint64_t)(p->levels - gll + 1));
			strcpy(s->field, "P");
			s->value = 0;
			p->nsets = 1;
		}
		break;
	case 2: /* the EPT entry behind a guest page-table page */
		s->table = 1;
		s->addr = t->va;
		s->gtl = gll + (int)quiz_rng_below(r, (uint64_t)(p->levels - gll + 1));
		s->level = ell;
		if (p->ept_ad && chance(r, 50)) {
			strcpy(s->field, "W"); /* with A/D on, the walker writes guest entries */
			s->value = 0;
		} else {
			strcpy(s->field, "entry");
			s->value = 0;
		}
		p->nsets = 1;
		break;
	case 3: /* the EPT leaf of the data GPA */
		s->table = 1;
		s->addr = (t->pa + off) & PAGE_MASK;
		s->level = ell;
		if (p->acc == ACC_WRITE)
			strcpy(s->field, "W");
		else if (p->acc == ACC_FETCH)
			strcpy(s->field, "X");
		else
			strcpy(s->field, "entry");
		s->value = 0;
		p->nsets = 1;
		break;
	case 4: /* misconfiguration: W without R, or a reserved memory type */
		if (p->mmio_gpa)
			break;
		s->table = 1;
		s->addr = (t->pa + off) & PAGE_MASK;
		s->level = ell;
		if (chance(r, 60)) {
			strcpy(s->field, "R");
			s->value = 0;
		} else {
			strcpy(s->field, "MT");
			s->value = 2 + quiz_rng_below(r, 2);
		}
		p->nsets = 1;
		break;
	}
}

static void write_vm(struct sb *s, const struct quiz_problem *p)
{
	sb_printf(s,
	          "  \"vms\": [{\"name\": \"vm1\", \"paging\": %d, \"ept_levels\": %d, \"ept_page\": \"%s\", "
	          "\"ept_ad\": %s,\n",
	          p->levels, p->ept_levels, size_name(p->ept_page), p->ept_ad ? "true" : "false");
	sb_printf(s, "    \"ram\": [");
	for (int i = 0; i < p->nvram; i++)
		sb_printf(s,
		          "%s{\"gpa\": \"0x%" PRIx64 "\", \"size\": \"0x%" PRIx64 "\", \"hpa\": \"0x%" PRIx64
		          "\"}",
		          i ? ", " : "", p->vram[i].gpa, p->vram[i].size, p->vram[i].hpa);
	sb_printf(s, "],\n");
	if (p->mmio_gpa)
		sb_printf(s,
		          "    \"mmio\": [{\"gpa\": \"0x%" PRIx64
		          "\", \"size\": \"4KiB\", \"label\": \"emulated NIC\"}],\n",
		          p->mmio_gpa);
	sb_printf(s, "    \"pages\": [\n");
	for (int i = 0; i < p->nmaps; i++) {
		const struct quiz_map *m = &p->maps[i];
		sb_printf(s,
		          "      {\"gva\": \"0x%" PRIx64 "\", \"gpa\": \"0x%" PRIx64
		          "\", \"page\": \"%s\", \"perm\": \"%s\"}%s\n",
		          m->va, m->pa, size_name(m->psize), m->perm, i + 1 < p->nmaps ? "," : "");
	}
	sb_printf(s, "    ]}],\n");
}

/* ------------------------------------------------------------------ */
/* topic: iommu                                                          */

static uint16_t mk_bdf(unsigned bus, unsigned devfn)
{
	return (uint16_t)((bus & 0xff) << 8 | (devfn & 0xff));
}

static void gen_iommu(struct quiz_problem *p, struct quiz_rng *r)
{
	p->ram = 256 * MiB;
	unsigned v = (unsigned)quiz_rng_below(r, 100);
	p->variant = v < 25 ? 0 : v < 42 ? 1 : v < 60 ? 2 : v < 70 ? 3 : v < 80 ? 4 : v < 90 ? 5 : 6;
	p->iommu_levels = chance(r, 25) ? 3 : 4;
	unsigned c = (unsigned)quiz_rng_below(r, 10);
	if (p->variant == 6)
		strcpy(p->cmdline, "iommu=pt");
	else
		strcpy(p->cmdline, c < 6 ? "" : c < 8 ? "iommu.strict=1" : "intel_iommu=on");
	unsigned bus = (unsigned)quiz_rng_below(r, 0x40), devfn = 8 + (unsigned)quiz_rng_below(r, 240);
	p->ndev = 3;
	p->bdf[0] = mk_bdf(bus, devfn);
	p->bdf[1] = mk_bdf(bus, 8 + (devfn - 8 + 1 + (unsigned)quiz_rng_below(r, 239)) % 248);
	p->bdf[2] = mk_bdf(bus + 1 + (unsigned)quiz_rng_below(r, 0x30), (unsigned)quiz_rng_below(r, 256));
	p->hidden = -1;
	if (p->variant == 4 || p->variant == 5) {
		p->hidden = 3;
		p->ndev = 4;
		unsigned hb = p->variant == 4 ? 0x80 + (unsigned)quiz_rng_below(r, 0x70) : bus;
		unsigned hd = (unsigned)quiz_rng_below(r, 256);
		for (int i = 0; i < 3; i++)
			if (p->bdf[i] == mk_bdf(hb, hd))
				hd ^= 0x10;
		p->bdf[3] = mk_bdf(hb, hd);
	}
	/* buffers: 2-3 for dev0, one for dev1 */
	p->nbufs = 2 + (int)quiz_rng_below(r, 2);
	for (int i = 0; i < p->nbufs; i++) {
		p->bufs[i].dev = 0;
		p->bufs[i].size = PAGE_SIZE << quiz_rng_below(r, 3);
		p->bufs[i].dir = (int)quiz_rng_below(r, 3);
	}
	p->bufs[p->nbufs].dev = 1;
	p->bufs[p->nbufs].size = PAGE_SIZE;
	p->bufs[p->nbufs].dir = 0;
	p->nbufs++;
	p->write = chance(r, 50);
	p->len = 8;
	p->qdev = 0;
	if (p->variant == 1) /* a mapping that refuses this direction */
		p->bufs[0].dir = p->write ? DMA_TO_DEVICE : DMA_FROM_DEVICE;
	if (p->variant == 0) {
		int b = (int)quiz_rng_below(r, (uint64_t)(p->nbufs - 1));
		p->bufs[b].dir = chance(r, 50) ? DMA_BIDIRECTIONAL
		                 : p->write    ? DMA_FROM_DEVICE
		                               : DMA_TO_DEVICE;
	}
	if (p->variant == 4 || p->variant == 5)
		p->qdev = 3;
	p->value = quiz_rng_next(r);
}

/* after a first run (handles known): the IOVA asked about */
static void pick_iova(struct quiz_problem *p, struct quiz_rng *r)
{
	uint64_t lowest = UINT64_MAX;
	for (int i = 0; i < p->nbufs; i++)
		if (p->bufs[i].dev == 0 && p->bufs[i].handle < lowest)
			lowest = p->bufs[i].handle;
	switch (p->variant) {
	case 0:
	case 1:
	case 6: {
		int b = 0;
		if (p->variant != 1) {
			for (int i = 0; i < p->nbufs; i++) {
				int d = p->bufs[i].dir;
				if (p->bufs[i].dev == 0 &&
				    (d == DMA_BIDIRECTIONAL ||
				     d == (p->write ? DMA_FROM_DEVICE : DMA_TO_DEVICE))) {
					b = i;
					break;
				}
			}
		}
		uint64_t off = quiz_rng_below(r, p->bufs[b].size / 8) * 8;
		p->iova = p->bufs[b].handle + off;
		break;
	}
	case 2:
		if (chance(r, 60))
			p->iova = (lowest & PAGE_MASK) - (1 + quiz_rng_below(r, 6)) * PAGE_SIZE +
			          quiz_rng_below(r, 512) * 8;
		else
			p->iova = (0x10000000ull + quiz_rng_below(r, 0x40000) * PAGE_SIZE) +
			          quiz_rng_below(r, 512) * 8;
		break;
	case 3:
		p->iova = (1ull << (12 + 9 * p->iommu_levels)) + quiz_rng_below(r, 1u << 20) * PAGE_SIZE +
		          quiz_rng_below(r, 512) * 8;
		break;
	default:
		p->iova = 0x100000ull + quiz_rng_below(r, 0x3000) * PAGE_SIZE;
		break;
	}
}

static void write_iommu_head(struct sb *s, const struct quiz_problem *p)
{
	sb_printf(s, "  \"machine\": {\"ram\": \"256MiB\", \"cmdline\": ");
	sb_jstr(s, p->cmdline);
	sb_printf(s, ", \"iommu\": {\"levels\": %d}},\n  \"devices\": [\n", p->iommu_levels);
	for (int i = 0; i < p->ndev; i++)
		sb_printf(
		    s, "    {\"name\": \"%s%d\", \"type\": \"dma-device\", \"bdf\": \"%02x:%02x.%d\"%s}%s\n",
		    i == p->hidden ? "rogue" : "dev", i, p->bdf[i] >> 8, (p->bdf[i] >> 3) & 31, p->bdf[i] & 7,
		    i == p->hidden ? ", \"enumerated\": false" : "", i + 1 < p->ndev ? "," : "");
	sb_printf(s, "  ],\n");
}

static void devname(const struct quiz_problem *p, int i, char *out, size_t cap)
{
	snprintf(out, cap, "%s%d", i == p->hidden ? "rogue" : "dev", i);
}

static int write_iommu_steps(struct sb *s, const struct quiz_problem *p, int with_question, int final)
{
	int n = 0;
	for (int i = 0; i < p->nbufs; i++) {
		const struct quiz_buf *b = &p->bufs[i];
		sb_printf(s,
		          "    {\"do\": \"kmem.alloc\", \"device\": \"dev%d\", \"size\": %" PRIu64
		          ", \"as\": \"b%d\"},\n",
		          b->dev, b->size, i);
		sb_printf(
		    s,
		    "    {\"do\": \"dma.map\", \"device\": \"dev%d\", \"addr\": \"$b%d\", \"size\": %" PRIu64
		    ", \"dir\": \"%s\", \"as\": \"h%d\"",
		    b->dev, i, b->size, dir_names[b->dir], i);
		if (final)
			sb_printf(s, ", \"expect\": {\"handle\": \"0x%" PRIx64 "\"}", b->handle);
		sb_printf(s, "},\n");
		n += 2;
	}
	if (!with_question) {
		sb_printf(s, "    {\"do\": \"note\"}\n");
		return n + 1;
	}
	char dn[16];
	devname(p, p->qdev, dn, sizeof dn);
	if (p->write) {
		sb_printf(s,
		          "    {\"do\": \"device.write\", \"device\": \"%s\", \"addr\": \"0x%" PRIx64
		          "\", \"bytes\": \"",
		          dn, p->iova);
		for (unsigned i = 0; i < p->len; i++)
			sb_printf(s, "%s%02x", i ? " " : "", (unsigned)(p->value >> (8 * (i % 8))) & 0xff);
		sb_printf(s, "\"");
	} else {
		sb_printf(s,
		          "    {\"do\": \"device.read\", \"device\": \"%s\", \"addr\": \"0x%" PRIx64
		          "\", \"len\": %u",
		          dn, p->iova, p->len);
	}
	sb_printf(s, ",\n     \"say\": ");
	sb_text(s,
	        "The question: the device's DMA request goes through root entry, context entry and "
	        "second-level tables.",
	        "题目：设备的 DMA 请求依次经过根表项、上下文表项和二级页表。");
	if (final) {
		const struct fault_info *f = &p->res.fault;
		sb_printf(s, ",\n     \"expect\": {\"walk_refs\": %d, ", p->res.walk_refs);
		if (f->valid)
			sb_printf(s, "\"fault\": {\"unit\": \"iommu\", \"reason\": %d, \"recorded\": %s}",
			          f->reason, f->recorded ? "true" : "false");
		else
			sb_printf(s, "\"fault\": null, \"hpa\": \"0x%" PRIx64 "\"", p->res.hpa);
		sb_printf(s, "}");
	}
	sb_printf(s, "},\n    {\"do\": \"iommu.service_faults\", \"say\": ");
	sb_text(s,
	        "Linux's dmar_fault() handler reads the fault-recording registers and prints the DMAR line.",
	        "Linux 的 dmar_fault() 中断处理函数读取故障记录寄存器并打印 DMAR 日志行。");
	if (final) {
		if (p->res.fault.valid && p->res.fault.recorded)
			sb_printf(s, ", \"expect\": {\"log\": \"[fault reason 0x%02x]\"}",
			          p->res.fault.reason);
		else
			sb_printf(s, ", \"expect\": {\"no_log\": \"DMAR: [DMA \"}");
	}
	sb_printf(s, "}\n");
	return n + 2;
}

/* ------------------------------------------------------------------ */
/* topic: ring                                                           */

static const uint32_t frame_lens[] = {60, 64, 128, 256, 590, 1000, 1514};

static void gen_ring(struct quiz_problem *p, struct quiz_rng *r)
{
	p->ring_n = chance(r, 60) ? 8 : 16;
	p->buf_size = chance(r, 70) ? 2048 : 1024;
	p->bdf[0] = mk_bdf((unsigned)quiz_rng_below(r, 8), 8 * (1 + (unsigned)quiz_rng_below(r, 30)));
	p->warm_rx = chance(r, 60) ? 1 + (uint32_t)quiz_rng_below(r, p->ring_n - 2) : 0;
	p->warm_budget = p->warm_rx && chance(r, 50) ? 1 + (uint32_t)quiz_rng_below(r, p->warm_rx) : 0;
	p->nevs = 3 + (int)quiz_rng_below(r, 3);
	int last_poll = 1;
	for (int i = 0; i < p->nevs; i++) {
		struct quiz_ring_ev *e = &p->evs[i];
		e->poll = i > 0 && !last_poll && chance(r, 55);
		if (e->poll) {
			e->budget = 1 + (uint32_t)quiz_rng_below(r, p->ring_n / 2 + 2);
		} else {
			e->count = 1 + (uint32_t)quiz_rng_below(r, p->ring_n);
			e->length = frame_lens[quiz_rng_below(r, sizeof frame_lens / sizeof frame_lens[0])];
		}
		last_poll = e->poll;
	}
	p->variant = p->buf_size == 1024 ? 1 : 0;
}

static void write_ring_steps(struct sb *s, const struct quiz_problem *p, int final)
{
	sb_printf(s, "    {\"do\": \"nic.probe\", \"device\": \"nic0\", \"say\": ");
	sb_text(s,
	        "The driver sets up the Rx ring and fills it, keeping one descriptor back (RDT = last filled "
	        "index).",
	        "驱动建立接收环并填充缓冲区，始终留出一个描述符（RDT = 最后一个已填充的下标）。");
	sb_printf(s, "},\n");
	if (p->warm_rx)
		sb_printf(s,
		          "    {\"do\": \"wire.rx\", \"device\": \"nic0\", \"length\": 60, \"count\": %u},\n",
		          p->warm_rx);
	if (p->warm_budget)
		sb_printf(s, "    {\"do\": \"nic.poll\", \"device\": \"nic0\", \"budget\": %u},\n",
		          p->warm_budget);
	for (int i = 0; i < p->nevs; i++) {
		const struct quiz_ring_ev *e = &p->evs[i];
		char en[200], zh[200];
		if (e->poll) {
			sb_printf(s, "    {\"do\": \"nic.poll\", \"device\": \"nic0\", \"budget\": %u",
			          e->budget);
			snprintf(en, sizeof en, "Event %d: a NAPI poll with budget %u.", i + 1, e->budget);
			snprintf(zh, sizeof zh, "事件 %d：一次预算为 %u 的 NAPI poll。", i + 1, e->budget);
		} else {
			sb_printf(
			    s,
			    "    {\"do\": \"wire.rx\", \"device\": \"nic0\", \"length\": %u, \"count\": %u",
			    e->length, e->count);
			snprintf(en, sizeof en, "Event %d: %u frame%s of %u bytes arrive.", i + 1, e->count,
			         e->count > 1 ? "s" : "", e->length);
			snprintf(zh, sizeof zh, "事件 %d：到达 %u 个 %u 字节的帧。", i + 1, e->count,
			         e->length);
		}
		sb_printf(s, ", \"say\": ");
		sb_text(s, en, zh);
		if (final)
			sb_printf(
			    s,
			    ",\n     \"expect\": {\"reg\": {\"device\": \"nic0\", \"RDH\": %u, \"RDT\": %u}, "
			    "\"ring\": {\"device\": \"nic0\", \"ring\": \"rx\", \"hw_owned\": %u, "
			    "\"next_to_clean\": %u}, "
			    "\"value\": %u}",
			    e->rdh, e->rdt, e->owned, e->ntc, e->done);
		sb_printf(s, "}%s\n", i + 1 < p->nevs ? "," : "");
	}
}

/* ------------------------------------------------------------------ */
/* topic: params                                                         */

static const char *const cmd_pool[] = {
    "intel_iommu=on",
    "intel_iommu=off",
    "intel_iommu=strict",
    "intel_iommu=on,sm_on",
    "iommu=pt",
    "iommu=nopt",
    "iommu=off",
    "iommu=on",
    "iommu=soft",
    "iommu.passthrough=1",
    "iommu.passthrough=0",
    "iommu.strict=1",
    "iommu.strict=0",
    "quiet",
    "console=ttyS0,115200",
    "iommu=pt",
    "intel_iommu=on",
    "iommu.strict=1",
};

static void gen_params(struct quiz_problem *p, struct quiz_rng *r)
{
	p->ram = 256 * MiB;
	p->fw_vtd = chance(r, 88);
	p->k_on = chance(r, 60);
	p->k_pt = chance(r, 12);
	p->k_lazy = chance(r, 85);
	p->cap_cm = chance(r, 10);
	p->ecap_pt = chance(r, 90);
	p->trusted = chance(r, 85);
	p->bdf[0] = mk_bdf((unsigned)quiz_rng_below(r, 16), (unsigned)quiz_rng_below(r, 256));
	p->cmdline[0] = 0;
	int n = (int)quiz_rng_below(r, 4);
	const size_t np = sizeof cmd_pool / sizeof cmd_pool[0];
	for (int i = 0; i < n; i++) {
		const char *tok = cmd_pool[quiz_rng_below(r, np)];
		if (strstr(p->cmdline, tok))
			continue;
		size_t L = strlen(p->cmdline);
		snprintf(p->cmdline + L, sizeof p->cmdline - L, "%s%s", L ? " " : "", tok);
	}
	p->variant = 0;
}

static void write_params(struct sb *s, const struct quiz_problem *p, int final)
{
	sb_printf(s, "  \"machine\": {\"ram\": \"256MiB\", \"firmware\": {\"vtd\": %s},\n",
	          p->fw_vtd ? "true" : "false");
	sb_printf(s,
	          "    \"kconfig\": {\"INTEL_IOMMU_DEFAULT_ON\": %s, \"IOMMU_DEFAULT_PASSTHROUGH\": %s, "
	          "\"IOMMU_DEFAULT_DMA\": \"%s\"},\n",
	          p->k_on ? "true" : "false", p->k_pt ? "true" : "false", p->k_lazy ? "lazy" : "strict");
	sb_printf(s, "    \"cmdline\": ");
	sb_jstr(s, p->cmdline);
	sb_printf(s, ", \"iommu\": {\"caching_mode\": %s, \"pass_through\": %s}},\n",
	          p->cap_cm ? "true" : "false", p->ecap_pt ? "true" : "false");
	sb_printf(s,
	          "  \"devices\": [{\"name\": \"dev0\", \"type\": \"dma-device\", \"bdf\": \"%02x:%02x.%d\", "
	          "\"trusted\": %s}],\n",
	          p->bdf[0] >> 8, (p->bdf[0] >> 3) & 31, p->bdf[0] & 7, p->trusted ? "true" : "false");
}

static void write_params_steps(struct sb *s, const struct quiz_problem *p, int final)
{
	sb_printf(
	    s,
	    "    {\"do\": \"kmem.alloc\", \"device\": \"dev0\", \"size\": 4096, \"as\": \"buf\", \"say\": ");
	sb_text(s, "The driver allocates a buffer (kmalloc).", "驱动分配一个缓冲区（kmalloc）。");
	sb_printf(s,
	          "},\n    {\"do\": \"dma.map\", \"device\": \"dev0\", \"addr\": \"$buf\", \"size\": 4096, "
	          "\"dir\": \"bidirectional\", \"as\": \"h\", \"say\": ");
	sb_text(s, "The question: which default domain does dev0 have, and what does dma_map_single return?",
	        "题目：dev0 的默认域是什么类型？dma_map_single 返回什么？");
	if (final)
		sb_printf(s,
		          ",\n     \"expect\": {\"iommu_on\": %s, \"domain\": {\"device\": \"dev0\", "
		          "\"type\": \"%s\"}, "
		          "\"handle\": \"0x%" PRIx64 "\"}",
		          p->iommu_on ? "true" : "false", dom_type_name((enum dom_type)p->dom),
		          p->map_handle);
	sb_printf(s, "}\n");
}

/* ------------------------------------------------------------------ */
/* the whole scenario                                                    */

static void answer_short(const struct quiz_problem *p, int zh, struct sb *o);
static void question_short(const struct quiz_problem *p, int zh, struct sb *o);

/* Write p's scenario. stage 0: iommu setup only (to learn the handles);
 * 1: the problem; 2: the problem with expects and the lesson question. */
static char *build_scenario(struct quiz_problem *p, int stage, size_t *len)
{
	struct sb s = {0};
	int final = stage == 2;
	sb_printf(&s,
	          "// iommulab quiz --topic %s: problem %d of seed %" PRIu64 " (problem seed 0x%016" PRIx64
	          ").\n"
	          "// Generated; the expects are the engine's own answer. Run: iommulab run --answers FILE\n",
	          quiz_topic_name(p->topic), p->index + 1, p->seed, p->seed);
	sb_printf(&s, "{\n  \"format\": \"iommulab/1\",\n  \"title\": ");
	char en[120], zh[120];
	static const char *const zt[] = {"页表遍历", "二维页表遍历", "IOMMU 地址翻译", "e1000 接收环",
	                                 "内核参数"};
	snprintf(en, sizeof en, "Homework: %s, problem %d", quiz_topic_name(p->topic), p->index + 1);
	snprintf(zh, sizeof zh, "练习：%s，第 %d 题", zt[p->topic], p->index + 1);
	sb_text(&s, en, zh);
	sb_printf(&s, ",\n");
	switch (p->topic) {
	case QUIZ_WALK:
		sb_printf(&s, "  \"machine\": {\"ram\": \"0x%" PRIx64 "\"},\n", p->ram);
		write_host_pages(&s, p);
		break;
	case QUIZ_NESTED:
		sb_printf(&s, "  \"machine\": {\"ram\": \"0x%" PRIx64 "\"},\n", p->ram);
		write_vm(&s, p);
		break;
	case QUIZ_IOMMU:
		write_iommu_head(&s, p);
		break;
	case QUIZ_RING:
		sb_printf(&s,
		          "  \"devices\": [{\"name\": \"nic0\", \"type\": \"e1000\", \"bdf\": "
		          "\"%02x:%02x.%d\", \"rx_ring\": %u, "
		          "\"tx_ring\": 8, \"buf_size\": %u}],\n",
		          p->bdf[0] >> 8, (p->bdf[0] >> 3) & 31, p->bdf[0] & 7, p->ring_n, p->buf_size);
		break;
	case QUIZ_PARAMS:
		write_params(&s, p, final);
		break;
	default:
		break;
	}
	if (final) {
		struct sb q[2] = {{0}, {0}}, a[2] = {{0}, {0}};
		for (int z = 0; z < 2; z++) {
			question_short(p, z, &q[z]);
			answer_short(p, z, &a[z]);
		}
		sb_printf(&s, "  \"lesson\": {\"goals\": ");
		sb_text(&s, "Predict the result of the question step, then check it against the model.",
		        "先预测题目这一步的结果，再用模型验证。");
		sb_printf(&s, ",\n    \"questions\": [{\"before_step\": %d, \"q\": ", p->qstep + 1);
		sb_text(&s, q[0].b ? q[0].b : "", q[1].b ? q[1].b : "");
		sb_printf(&s, ",\n      \"a\": ");
		sb_text(&s, a[0].b ? a[0].b : "", a[1].b ? a[1].b : "");
		sb_printf(&s,
		          "}],\n    \"references\": \"facts sections 1.1-1.5 and 2; iommulab quiz --topic %s "
		          "--seed N --answers\"},\n",
		          quiz_topic_name(p->topic));
		for (int z = 0; z < 2; z++) {
			free(q[z].b);
			free(a[z].b);
		}
	}
	sb_printf(&s, "  \"steps\": [\n");
	switch (p->topic) {
	case QUIZ_WALK:
	case QUIZ_NESTED:
		for (int i = 0; i < p->nsets; i++)
			write_set_step(&s, p, &p->sets[i]);
		p->qstep = p->nsets;
		write_cpu_step(&s, p, p->topic == QUIZ_NESTED, final);
		sb_printf(&s, "\n");
		break;
	case QUIZ_IOMMU:
		write_iommu_steps(&s, p, stage > 0, final);
		p->qstep = 2 * p->nbufs;
		break;
	case QUIZ_RING:
		write_ring_steps(&s, p, final);
		p->qstep = 1 + (p->warm_rx ? 1 : 0) + (p->warm_budget ? 1 : 0);
		break;
	case QUIZ_PARAMS:
		write_params_steps(&s, p, final);
		p->qstep = 1;
		break;
	default:
		break;
	}
	sb_printf(&s, "  ]\n}\n");
	if (s.oom) {
		free(s.b);
		return NULL;
	}
	*len = s.n;
	return s.b;
}

/* ------------------------------------------------------------------ */
/* solving: run the scenario with the engine, read the answer            */

static int cell_cmp(const void *a, const void *b)
{
	const struct quiz_cell *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void add_cell(struct quiz_problem *p, const struct mem *mem, uint64_t addr, int wide, int path)
{
	for (int i = 0; i < p->ncells; i++)
		if (p->cells[i].addr == addr) {
			p->cells[i].path |= (uint8_t)path;
			return;
		}
	if (p->ncells >= QUIZ_MAX_CELLS)
		return;
	struct quiz_cell *c = &p->cells[p->ncells++];
	c->addr = addr;
	c->wide = (uint8_t)wide;
	c->path = (uint8_t)path;
	c->lo = mem_read64(mem, addr);
	c->hi = wide ? mem_read64(mem, addr + 8) : 0;
}

/* the dump: path entries + up to 2 non-zero neighbours per page, pre-step state */
static void make_dump(struct quiz_problem *p, const struct mem *mem)
{
	struct quiz_rng r = {p->seed ^ 0xD0D0D0D0ull};
	p->ncells = 0;
	for (int i = 0; i < p->nrefs; i++) {
		const struct quiz_ref *f = &p->refs[i];
		int wide = f->walker == WALKER_IOMMU_ROOT || f->walker == WALKER_IOMMU_CONTEXT;
		add_cell(p, mem, f->addr, wide, 1);
	}
	int npath = p->ncells;
	for (int i = 0; i < npath; i++) {
		uint64_t page = p->cells[i].addr & PAGE_MASK;
		int wide = p->cells[i].wide, stride = wide ? 16 : 8;
		int seen = 0;
		for (int j = 0; j < i; j++)
			if ((p->cells[j].addr & PAGE_MASK) == page)
				seen = 1;
		if (seen)
			continue;
		uint64_t cand[512];
		int nc = 0;
		for (int o = 0; o < 4096; o += stride) {
			uint64_t a = page + (uint64_t)o;
			if (mem_read64(mem, a) || (wide && mem_read64(mem, a + 8))) {
				int on_path = 0;
				for (int j = 0; j < npath; j++)
					if (p->cells[j].addr == a)
						on_path = 1;
				if (!on_path)
					cand[nc++] = a;
			}
		}
		for (int k = 0; k < 2 && nc > 0; k++) {
			int pick = (int)quiz_rng_below(&r, (uint64_t)nc);
			add_cell(p, mem, cand[pick], wide, 0);
			cand[pick] = cand[--nc];
		}
	}
	qsort(p->cells, (size_t)p->ncells, sizeof p->cells[0], cell_cmp);
}

static void add_line(struct quiz_problem *p, const char *s)
{
	if (p->nlines < QUIZ_MAX_LINES && s && *s)
		snprintf(p->lines[p->nlines++], QUIZ_LINE_LEN, "%s", s);
}

static void collect_refs(struct quiz_problem *p, const struct engine *e, uint64_t from, uint64_t to)
{
	p->nrefs = 0;
	for (uint64_t i = from; i < to && i < e->m.trace.n; i++) {
		const struct ev *v = &e->m.trace.ev[i];
		if (v->kind != EV_WALK_REF || p->nrefs >= QUIZ_MAX_REFS)
			continue;
		struct quiz_ref *f = &p->refs[p->nrefs++];
		f->walker = v->walker;
		f->level = v->level;
		f->final = (v->flags & EVF_FINAL) != 0;
		f->leaf = (v->flags & EVF_LEAF) != 0;
		f->for_addr = v->addr_in;
		f->addr = v->addr_out;
		f->entry = v->entry;
		f->hi = v->walker == WALKER_IOMMU_ROOT || v->walker == WALKER_IOMMU_CONTEXT ? v->extra : 0;
	}
}

static void ring_state(const struct engine *e, uint32_t *rdh, uint32_t *rdt, uint32_t *owned, uint32_t *ntc)
{
	int ok;
	*rdh = nic_reg_peek(&e->m, 0, E1000_RDH, &ok);
	*rdt = nic_reg_peek(&e->m, 0, E1000_RDT, &ok);
	const struct nic_state *ns = nic_get_const(&e->m, 0);
	uint32_t n = ns->hw.rdlen / E1000_DESC_SIZE;
	*owned = n ? (*rdt + n - *rdh) % n : 0;
	*ntc = ns->drv.rx_ntc;
}

static int var_value(const struct engine *e, const char *name, uint64_t *v)
{
	for (int i = 0; i < e->m.nvars; i++)
		if (!strcmp(e->m.vars[i].name, name) && e->m.vars[i].set) {
			*v = e->m.vars[i].v;
			return 0;
		}
	return -1;
}

int quiz_solve(struct quiz_problem *p, const char *json, size_t len, char *err, size_t cap)
{
	struct scenario sc;
	char *errors = NULL;
	char file[48];
	snprintf(file, sizeof file, "quiz-%s.json", quiz_topic_name(p->topic));
	if (scenario_load(&sc, file, json, len, NULL, &errors)) {
		snprintf(err, cap, "internal: generated scenario does not load: %.200s",
		         errors ? errors : "?");
		free(errors);
		return -1;
	}
	struct engine e;
	int rc = -1;
	if (engine_init(&e, &sc, 1)) {
		snprintf(err, cap, "internal: generated machine does not build: %.200s", e.err);
		goto out;
	}
	int q = p->qstep, n = sc.nsteps;
	if (q < 0 || q >= n) {
		snprintf(err, cap, "internal: question step %d of %d", q, n);
		goto out;
	}
	/* the state before the question */
	if (engine_goto(&e, q)) {
		snprintf(err, cap, "internal: the setup steps did not run");
		goto out;
	}
	for (int i = 0; i < q; i++)
		if (e.reports[i].r.error[0]) {
			snprintf(err, cap, "internal: step %d: %s", i + 1, e.reports[i].r.error);
			goto out;
		}
	p->nlines = 0;
	switch (p->topic) {
	case QUIZ_WALK:
		p->cr3 = e.m.host_cr3;
		break;
	case QUIZ_NESTED:
		p->cr3 = e.m.vms[0].cr3;
		p->eptp = e.m.vms[0].eptp;
		break;
	case QUIZ_IOMMU:
		p->rtaddr = e.m.iommu ? iommu_reg_read(e.m.iommu, VTD_RTADDR, 8) : 0;
		for (int i = 0; i < p->nbufs; i++) {
			char nm[16];
			snprintf(nm, sizeof nm, "h%d", i);
			var_value(&e, nm, &p->bufs[i].handle);
			snprintf(nm, sizeof nm, "b%d", i);
			var_value(&e, nm, &p->bufs[i].phys);
		}
		break;
	case QUIZ_RING:
		ring_state(&e, &p->rdh0, &p->rdt0, &p->owned0, &p->ntc0);
		break;
	default:
		break;
	}
	/* the question and what follows */
	uint64_t from = e.mark[q];
	if (engine_goto(&e, n) && !e.m.stop_reason[0] && e.next < n) {
		snprintf(err, cap, "internal: the question steps did not run");
		goto out;
	}
	for (int i = q; i < n; i++)
		if (e.reports[i].r.error[0]) {
			snprintf(err, cap, "internal: step %d: %s", i + 1, e.reports[i].r.error);
			goto out;
		}
	p->res = e.reports[q].r;
	p->res.first_seq = p->res.last_seq = 0;
	collect_refs(p, &e, from, e.mark[q + 1]);
	switch (p->topic) {
	case QUIZ_IOMMU:
		for (uint64_t i = e.mark[q + 1]; i < e.m.trace.n; i++)
			if (e.m.trace.ev[i].kind == EV_LOG)
				add_line(p, trace_get_str(&e.m.trace, e.m.trace.ev[i].str));
		break;
	case QUIZ_RING: {
		p->npkts = 0;
		for (int k = 0; k < p->nevs; k++) {
			struct quiz_ring_ev *ev = &p->evs[k];
			int st = q + k;
			ev->first_pkt = (uint32_t)p->npkts;
			for (uint64_t i = e.mark[st]; i < e.mark[st + 1]; i++) {
				const struct ev *v = &e.m.trace.ev[i];
				if (v->kind == EV_WIRE_RX && p->npkts < QUIZ_MAX_PKTS) {
					struct quiz_pkt *pk = &p->pkts[p->npkts++];
					memset(pk, 0, sizeof *pk);
					pk->len = v->len;
				} else if (v->kind == EV_RX_DROP && p->npkts) {
					p->pkts[p->npkts - 1].dropped = 1;
					p->pkts[p->npkts - 1].why = v->code;
				} else if (v->kind == EV_DESC_WB && p->npkts && !ev->poll) {
					struct quiz_pkt *pk = &p->pkts[p->npkts - 1];
					if (!pk->ndesc)
						pk->desc_first = (uint32_t)v->extra;
					pk->ndesc++;
				}
			}
			ev->npkts = (uint32_t)p->npkts - ev->first_pkt;
			ev->done = (uint32_t)e.reports[st].r.value;
		}
		/* registers after each event: replay step by step */
		for (int k = p->nevs - 1; k >= 0; k--) {
			if (engine_goto(&e, q + k + 1))
				break;
			struct quiz_ring_ev *ev = &p->evs[k];
			ring_state(&e, &ev->rdh, &ev->rdt, &ev->owned, &ev->ntc);
		}
		break;
	}
	case QUIZ_PARAMS: {
		const struct dma_layer *dl = e.m.dma;
		p->iommu_on = e.m.iommu != NULL;
		p->on_why = dl->boot.why;
		p->dom = dl->dev[0].type;
		p->dom_why = dl->dev[0].why;
		uint64_t v = 0;
		var_value(&e, "buf", &p->map_phys);
		if (!var_value(&e, "h", &v))
			p->map_handle = v;
		p->map_path = -1;
		for (uint64_t i = e.mark[q]; i < e.mark[q + 1]; i++)
			if (e.m.trace.ev[i].kind == EV_DMA_MAP)
				p->map_path = e.m.trace.ev[i].code;
		for (uint64_t i = 0; i < e.mark[0]; i++) {
			const struct ev *x = &e.m.trace.ev[i];
			if (x->kind == EV_LOG)
				add_line(p, trace_get_str(&e.m.trace, x->str));
			else if (x->kind == EV_BOOT && x->code >= BR_PT_WITHOUT_IOMMU && x->code < BR_MAX)
				add_line(p, trace_get_str(&e.m.trace, x->str));
		}
		break;
	}
	default:
		break;
	}
	/* the dump: memory as it was before the question step */
	if (p->topic == QUIZ_WALK || p->topic == QUIZ_NESTED || p->topic == QUIZ_IOMMU) {
		if (engine_goto(&e, q)) {
			snprintf(err, cap, "internal: replay failed");
			goto out;
		}
		make_dump(p, &e.m.mem);
	}
	rc = 0;
out:
	engine_free(&e);
	scenario_free(&sc);
	return rc;
}

/* ------------------------------------------------------------------ */
/* generation                                                            */

static uint64_t problem_seed(enum quiz_topic t, uint64_t seed, int index)
{
	struct quiz_rng r = {seed * 0x2545F4914F6CDD1Dull + (uint64_t)(t + 1) * 0x9E3779B97F4A7C15ull};
	r.s += (uint64_t)index * 0xD1B54A32D192ED03ull;
	return quiz_rng_next(&r);
}

void quiz_free(struct quiz_problem *p)
{
	free(p->scenario);
	p->scenario = NULL;
	p->scenario_len = 0;
}

/* is the generated answer usable as homework? (a staged fault that the
 * engine could not stage makes a boring or broken problem: retry) */
static int acceptable(const struct quiz_problem *p)
{
	switch (p->topic) {
	case QUIZ_WALK:
	case QUIZ_NESTED:
		/* a staged fault must show (variant 0 asks for a translation) */
		if (p->nrefs == 0 || (p->variant == 0 && p->res.fault.valid))
			return 0;
		return p->variant == 0 || p->res.fault.valid;
	case QUIZ_IOMMU:
		if (p->variant == 0 || p->variant == 6)
			return !p->res.fault.valid;
		return p->res.fault.valid;
	default:
		return 1;
	}
}

int quiz_generate(enum quiz_topic t, uint64_t seed, int index, struct quiz_problem *p, char *err, size_t cap)
{
	if ((unsigned)t >= QUIZ_NTOPICS) {
		snprintf(err, cap, "unknown topic");
		return -1;
	}
	char lasterr[256] = "";
	uint64_t ps = problem_seed(t, seed, index);
	for (int attempt = 0; attempt < 16; attempt++) {
		memset(p, 0, sizeof *p);
		p->topic = t;
		p->index = index;
		p->seed = ps;
		struct quiz_rng r = {ps + (uint64_t)attempt * 0x632BE59BD9B4E019ull};
		switch (t) {
		case QUIZ_WALK:
			gen_walk(p, &r);
			break;
		case QUIZ_NESTED:
			gen_nested(p, &r);
			break;
		case QUIZ_IOMMU:
			gen_iommu(p, &r);
			break;
		case QUIZ_RING:
			gen_ring(p, &r);
			break;
		case QUIZ_PARAMS:
			gen_params(p, &r);
			break;
		default:
			break;
		}
		size_t len;
		char *txt;
		if (t == QUIZ_IOMMU) {
			/* a first run learns the DMA handles the kernel hands out */
			txt = build_scenario(p, 0, &len);
			if (!txt) {
				snprintf(err, cap, "out of memory");
				return -1;
			}
			int rc = quiz_solve(p, txt, len, lasterr, sizeof lasterr);
			free(txt);
			if (rc)
				continue;
			pick_iova(p, &r);
		}
		txt = build_scenario(p, 1, &len);
		if (!txt) {
			snprintf(err, cap, "out of memory");
			return -1;
		}
		int rc = quiz_solve(p, txt, len, lasterr, sizeof lasterr);
		free(txt);
		if (rc || !acceptable(p))
			continue;
		p->scenario = build_scenario(p, 2, &p->scenario_len);
		if (!p->scenario) {
			snprintf(err, cap, "out of memory");
			return -1;
		}
		return 0;
	}
	snprintf(err, cap, "could not generate a %s problem for seed %" PRIu64 ": %s", quiz_topic_name(t),
	         seed, lasterr[0] ? lasterr : "no acceptable case");
	return -1;
}

int quiz_same_answer(const struct quiz_problem *a, const struct quiz_problem *b, char *msg, size_t cap)
{
#define DIFF(cond, ...)                                                                                      \
	do {                                                                                                 \
		if (cond) {                                                                                  \
			snprintf(msg, cap, __VA_ARGS__);                                                     \
			return 0;                                                                            \
		}                                                                                            \
	} while (0)
	DIFF(a->topic != b->topic, "topic");
	DIFF(a->res.walk_refs != b->res.walk_refs, "walk_refs %d vs %d", a->res.walk_refs, b->res.walk_refs);
	DIFF(a->res.has_hpa != b->res.has_hpa || (a->res.has_hpa && a->res.hpa != b->res.hpa),
	     "hpa 0x%" PRIx64 " vs 0x%" PRIx64, a->res.hpa, b->res.hpa);
	DIFF(a->res.has_gpa != b->res.has_gpa || (a->res.has_gpa && a->res.gpa != b->res.gpa),
	     "gpa 0x%" PRIx64 " vs 0x%" PRIx64, a->res.gpa, b->res.gpa);
	DIFF(memcmp(&a->res.fault, &b->res.fault, sizeof a->res.fault),
	     "fault differs (unit %d/%d reason %d/%d)", a->res.fault.unit, b->res.fault.unit,
	     a->res.fault.reason, b->res.fault.reason);
	DIFF(a->res.value != b->res.value, "value");
	DIFF(a->nrefs != b->nrefs || memcmp(a->refs, b->refs, sizeof a->refs[0] * (size_t)a->nrefs),
	     "walk differs");
	DIFF(a->ncells != b->ncells || memcmp(a->cells, b->cells, sizeof a->cells[0] * (size_t)a->ncells),
	     "dump differs");
	DIFF(a->nlines != b->nlines || memcmp(a->lines, b->lines, sizeof a->lines[0] * (size_t)a->nlines),
	     "log differs");
	DIFF(a->cr3 != b->cr3 || a->eptp != b->eptp || a->rtaddr != b->rtaddr, "cr3/eptp/rtaddr");
	DIFF(a->rdh0 != b->rdh0 || a->rdt0 != b->rdt0 || a->ntc0 != b->ntc0, "ring start");
	DIFF(a->npkts != b->npkts || memcmp(a->pkts, b->pkts, sizeof a->pkts[0] * (size_t)a->npkts),
	     "packets differ");
	DIFF(a->nevs != b->nevs || memcmp(a->evs, b->evs, sizeof a->evs[0] * (size_t)a->nevs),
	     "ring events differ");
	DIFF(a->iommu_on != b->iommu_on || a->on_why != b->on_why || a->dom != b->dom ||
	         a->dom_why != b->dom_why,
	     "domain %s vs %s", dom_type_name((enum dom_type)a->dom), dom_type_name((enum dom_type)b->dom));
	DIFF(a->map_handle != b->map_handle || a->map_path != b->map_path, "dma handle");
	return 1;
#undef DIFF
}

/* ------------------------------------------------------------------ */
/* text                                                                  */

#define TR(en, zh) (zh_ ? (zh) : (en))

static const char *const lvl_en[] = {"", "PTE", "PDE", "PDPTE", "PML4E", "PML5E"};
static const char *const tbl_en[] = {"", "PT", "PD", "PDPT", "PML4", "PML5"};

static void pf_decode(uint32_t ec, int zh_, struct sb *o)
{
	sb_printf(o, "0x%x (P=%u W=%u U=%u RSVD=%u I=%u", ec, ec & 1, (ec >> 1) & 1, (ec >> 2) & 1,
	          (ec >> 3) & 1, (ec >> 4) & 1);
	sb_printf(o, "%s)",
	          !(ec & PFEC_P)     ? TR(": not present", "：页不存在")
	          : (ec & PFEC_RSVD) ? TR(": reserved bit set", "：保留位被置位")
	                             : TR(": protection violation", "：权限违例"));
}

static void qual_decode(uint64_t q, int zh_, struct sb *o)
{
	sb_printf(o, "0x%" PRIx64 " (%s%s%s, %s R=%u W=%u X=%u, GLA %s, bit 8 = %u: %s)", q,
	          (q & EPTQ_READ) ? TR("read", "读") : "", (q & EPTQ_WRITE) ? TR(" write", " 写") : "",
	          (q & EPTQ_FETCH) ? TR(" fetch", " 取指") : "", TR("allowed", "允许"),
	          (unsigned)((q >> 3) & 1), (unsigned)((q >> 4) & 1), (unsigned)((q >> 5) & 1),
	          (q & EPTQ_GLA) ? TR("valid", "有效") : TR("invalid", "无效"), (unsigned)((q >> 8) & 1),
	          (q & EPTQ_FINAL) ? TR("the final data GPA", "访问的是最终数据 GPA")
	                           : TR("a guest paging-structure entry", "访问的是客户机页表项"));
}

static const char *acc_word(int acc, int zh_)
{
	static const char *const en[] = {"reads", "writes", "fetches an instruction at"};
	static const char *const zh[] = {"读取", "写入", "取指"};
	return zh_ ? zh[acc] : en[acc];
}

static void put_dump(const struct quiz_problem *p, int zh_, struct sb *o)
{
	sb_printf(
	    o, "%s\n",
	    TR("Memory dump (little-endian 8-byte entries; VT-d root/context entries are 16 bytes: lo hi).\n"
	       "Entries not shown are 0 or irrelevant:",
	       "内存转储（小端 8 字节表项；VT-d 根表项/上下文表项为 16 字节：低 64 位 高 64 位）。\n"
	       "未列出的表项为 0 或与本题无关："));
	uint64_t lastpage = UINT64_MAX, lastaddr = 0;
	for (int i = 0; i < p->ncells; i++) {
		const struct quiz_cell *c = &p->cells[i];
		uint64_t page = c->addr & PAGE_MASK;
		if (page != lastpage)
			sb_printf(o, "  -- %s 0x%" PRIx64 " --\n", TR("4 KiB page at", "4 KiB 页，地址"),
			          page);
		else if (c->addr != lastaddr + (c->wide ? 16 : 8))
			sb_printf(o, "     ...\n");
		if (c->wide)
			sb_printf(o, "  0x%016" PRIx64 ": 0x%016" PRIx64 " 0x%016" PRIx64 "\n", c->addr,
			          c->lo, c->hi);
		else
			sb_printf(o, "  0x%016" PRIx64 ": 0x%016" PRIx64 "\n", c->addr, c->lo);
		lastpage = page;
		lastaddr = c->addr;
	}
}

static void bdf_str(uint16_t bdf, char *out, size_t cap)
{
	snprintf(out, cap, "%02x:%02x.%d", bdf >> 8, (bdf >> 3) & 31, bdf & 7);
}

static const char *const why_en[] = {"ok", "no free Rx descriptors (RXO)", "receiver disabled",
                                     "frame too long", "DMA fault"};
static const char *const why_zh[] = {"正常", "没有空闲的接收描述符（RXO）", "接收被禁用", "帧过长",
                                     "DMA 故障"};

static void question_short(const struct quiz_problem *p, int zh_, struct sb *o)
{
	char b[16];
	switch (p->topic) {
	case QUIZ_WALK:
		sb_printf(o,
		          TR("CR3 = 0x%" PRIx64 ". The CPU (%s mode) %s VA 0x%" PRIx64
		             " (8 bytes). Which physical address, or which #PF error code?",
		             "CR3 = 0x%" PRIx64 "。CPU（%s态）%s VA 0x%" PRIx64
		             "（8 字节）。访问到哪个物理地址？若缺页，#PF 错误码是多少？"),
		          p->cr3, p->user ? TR("user", "用户") : TR("supervisor", "内核"),
		          acc_word(p->acc, zh_), p->va);
		break;
	case QUIZ_NESTED:
		sb_printf(o,
		          TR("Guest CR3 = 0x%" PRIx64 " (a GPA), EPTP = 0x%" PRIx64
		             ". The vCPU (%s mode) %s GVA 0x%" PRIx64
		             " (8 bytes). GPA, HPA and how many entry references? Or which #PF / VM exit?",
		             "客户机 CR3 = 0x%" PRIx64 "（是 GPA），EPTP = 0x%" PRIx64
		             "。vCPU（%s态）%s GVA 0x%" PRIx64
		             "（8 字节）。GPA、HPA 各是多少，共读取多少个表项？还是发生 #PF / VM exit？"),
		          p->cr3, p->eptp, p->user ? TR("user", "用户") : TR("supervisor", "内核"),
		          acc_word(p->acc, zh_), p->va);
		break;
	case QUIZ_IOMMU:
		bdf_str(p->bdf[p->qdev], b, sizeof b);
		if (zh_)
			sb_printf(o,
			          "RTADDR = 0x%" PRIx64 "。设备 %s 在 IOVA 0x%" PRIx64
			          " 处发起 %u 字节的 DMA %s。访问到哪个 HPA？"
			          "或者故障原因码和 DMAR 日志是什么？",
			          p->rtaddr, b, p->iova, p->len, p->write ? "写" : "读");
		else
			sb_printf(o,
			          "RTADDR = 0x%" PRIx64
			          ". Device %s issues a DMA %s of %u bytes at IOVA 0x%" PRIx64
			          ". Which HPA, or which fault reason and DMAR log line?",
			          p->rtaddr, b, p->write ? "write" : "read", p->len, p->iova);
		break;
	case QUIZ_RING:
		sb_printf(o,
		          TR("e1000 Rx ring of %u descriptors (%u-byte buffers), RDH = %u, RDT = %u, the "
		             "driver's next_to_clean = %u. "
		             "Where are RDH and RDT after each event, how many descriptors does the hardware "
		             "own, which frames are dropped?",
		             "e1000 接收环有 %u 个描述符（缓冲区 %u 字节），RDH = %u，RDT = %u，驱动的 "
		             "next_to_clean = %u。"
		             "每个事件之后 RDH、RDT 在哪里？硬件拥有几个描述符？哪些帧被丢弃？"),
		          p->ring_n, p->buf_size, p->rdh0, p->rdt0, p->ntc0);
		break;
	case QUIZ_PARAMS:
		bdf_str(p->bdf[0], b, sizeof b);
		sb_printf(o,
		          TR("Firmware VT-d %s; CONFIG_INTEL_IOMMU_DEFAULT_ON=%s, "
		             "CONFIG_IOMMU_DEFAULT_PASSTHROUGH=%s, DMA default %s; "
		             "command line \"%s\"; CAP.CM=%d, ECAP.PT=%d; device %s is %s. Which default "
		             "domain does it get, and why?",
		             "固件 VT-d "
		             "%s；CONFIG_INTEL_IOMMU_DEFAULT_ON=%s，CONFIG_IOMMU_DEFAULT_PASSTHROUGH=%s，DMA "
		             "默认 %s；"
		             "命令行 \"%s\"；CAP.CM=%d，ECAP.PT=%d；设备 %s %s。它得到哪种默认域？为什么？"),
		          p->fw_vtd ? TR("on (DMAR table present)", "开启（有 DMAR 表）")
		                    : TR("off (no DMAR table)", "关闭（没有 DMAR 表）"),
		          p->k_on ? "y" : "n", p->k_pt ? "y" : "n", p->k_lazy ? "lazy" : "strict", p->cmdline,
		          p->cap_cm, p->ecap_pt, b,
		          p->trusted ? TR("trusted (internal)", "是受信任的内部设备")
		                     : TR("untrusted (external-facing)", "是不受信任的外接设备"));
		break;
	default:
		break;
	}
}

static void fault_short(const struct quiz_problem *p, int zh_, struct sb *o)
{
	const struct fault_info *f = &p->res.fault;
	if (f->unit == FU_MMU) {
		sb_printf(o, TR("#PF at 0x%" PRIx64 ", error code ", "#PF，地址 0x%" PRIx64 "，错误码 "),
		          f->addr);
		pf_decode(f->error_code, zh_, o);
		if (p->topic == QUIZ_NESTED)
			sb_printf(
			    o, "%s",
			    TR("; delivered to the guest, no VM exit", "；直接交给客户机处理，没有 VM exit"));
	} else if (f->unit == FU_EPT) {
		if (f->exit_reason == EXIT_EPT_VIOLATION) {
			sb_printf(o,
			          TR("VM exit 48 (EPT violation) at GPA 0x%" PRIx64 ", qualification ",
			             "VM exit 48（EPT violation），GPA 0x%" PRIx64 "，exit qualification "),
			          f->addr);
			qual_decode(f->qualification, zh_, o);
		} else {
			sb_printf(o,
			          TR("VM exit 49 (EPT misconfiguration) at GPA 0x%" PRIx64,
			             "VM exit 49（EPT misconfiguration），GPA 0x%" PRIx64),
			          f->addr);
		}
	} else if (f->unit == FU_IOMMU) {
		sb_printf(o, TR("DMA blocked, fault reason %xh (%s)", "DMA 被拦截，故障原因 %xh（%s）"),
		          f->reason, vtd_fault_reason_str(f->reason));
	}
}

static void answer_short(const struct quiz_problem *p, int zh_, struct sb *o)
{
	switch (p->topic) {
	case QUIZ_WALK:
	case QUIZ_NESTED:
		if (p->res.fault.valid)
			fault_short(p, zh_, o);
		else if (p->topic == QUIZ_WALK)
			sb_printf(o, TR("PA 0x%" PRIx64, "物理地址 0x%" PRIx64), p->res.hpa);
		else
			sb_printf(o, "GPA 0x%" PRIx64 ", HPA 0x%" PRIx64, p->res.gpa, p->res.hpa);
		sb_printf(o, TR("; %d paging-structure entries read", "；共读取 %d 个页表项"),
		          p->res.walk_refs);
		break;
	case QUIZ_IOMMU:
		if (p->res.fault.valid)
			fault_short(p, zh_, o);
		else
			sb_printf(o, "HPA 0x%" PRIx64, p->res.hpa);
		sb_printf(o, TR("; %d structure entries read", "；共读取 %d 个结构表项"), p->res.walk_refs);
		for (int i = 0; i < p->nlines; i++)
			if (strstr(p->lines[i], "DMAR: [DMA"))
				sb_printf(o, TR(". Log: %s", "。日志：%s"), p->lines[i]);
		break;
	case QUIZ_RING: {
		const struct quiz_ring_ev *l = &p->evs[p->nevs - 1];
		sb_printf(o,
		          TR("after the last event RDH = %u, RDT = %u, hardware owns %u; dropped frames:",
		             "最后一个事件之后 RDH = %u，RDT = %u，硬件拥有 %u 个描述符；被丢弃的帧："),
		          l->rdh, l->rdt, l->owned);
		int any = 0;
		for (int i = 0; i < p->npkts; i++)
			if (p->pkts[i].dropped) {
				sb_printf(o, "%s#%d", any ? (zh_ ? "、" : ", ") : (zh_ ? "" : " "), i + 1);
				any = 1;
			}
		if (!any)
			sb_printf(o, "%s", TR(" none", "无"));
		break;
	}
	case QUIZ_PARAMS:
		sb_printf(o, TR("%s: %s", "%s：%s"), dom_type_name((enum dom_type)p->dom),
		          boot_reason_text((enum boot_reason)p->dom_why, zh_));
		break;
	default:
		break;
	}
}

/* one x86/EPT/VT-d entry decoded for the worked solution */
static void ref_line(const struct quiz_problem *p, const struct quiz_ref *f, int k, int zh_, struct sb *o)
{
	char dec[96];
	unsigned idx =
	    (unsigned)((f->addr & 0xfff) /
	               (f->walker == WALKER_IOMMU_ROOT || f->walker == WALKER_IOMMU_CONTEXT ? 16 : 8));
	uint64_t base = f->addr & PAGE_MASK;
	int lv = f->level >= 1 && f->level <= 5 ? f->level : 1;
	switch (f->walker) {
	case WALKER_HOST:
	case WALKER_GUEST: {
		pte_decode(f->entry, lv, dec, sizeof dec);
		sb_printf(o, "  %2d. %s%s %s 0x%" PRIx64 " + 8*0x%03x = 0x%" PRIx64 ": 0x%016" PRIx64 " [%s]",
		          k, f->walker == WALKER_GUEST ? TR("guest ", "客户机 ") : "", lvl_en[lv],
		          TR("at", "位于"), base, idx, f->addr, f->entry, dec);
		if (!(f->entry & PTE_P))
			sb_printf(o, " -> %s\n", TR("not present", "不存在"));
		else if (f->leaf)
			sb_printf(o, " -> %s 0x%" PRIx64 "\n", TR("page frame", "页框"),
			          (uint64_t)(f->entry & PTE_ADDR & ~(LEVEL_SIZE(lv) - 1)));
		else
			sb_printf(o, " -> %s%s 0x%" PRIx64 "\n", TR("next table", "下一级表"),
			          f->walker == WALKER_GUEST ? " GPA" : "", (uint64_t)(f->entry & PTE_ADDR));
		break;
	}
	case WALKER_EPT:
		epte_decode(f->entry, lv, dec, sizeof dec);
		sb_printf(
		    o, "  %2d.   EPT %s %s 0x%" PRIx64 " + 8*0x%03x = 0x%" PRIx64 ": 0x%016" PRIx64 " [%s]",
		    k, lvl_en[lv], TR("at", "位于"), base, idx, f->addr, f->entry, dec);
		if (!(f->entry & EPT_XWR))
			sb_printf(o, " -> %s\n", TR("not present (XWR = 000)", "不存在（XWR = 000）"));
		else if (ept_misconfigured(f->entry, lv, 52))
			sb_printf(
			    o, " -> %s\n",
			    (f->entry & EPT_XWR) == 6
			        ? TR("misconfigured: XWR = 110 (W without R; KVM marks emulated MMIO so)",
			             "配置错误：XWR = 110（有 W 无 R；KVM 用它标记模拟 MMIO）")
			    : (f->entry & EPT_XWR) == 2
			        ? TR("misconfigured: XWR = 010 (write-only)", "配置错误：XWR = 010（只写）")
			        : TR("misconfigured: illegal memory type or reserved bits",
			             "配置错误：非法内存类型或保留位"));
		else if (f->leaf)
			sb_printf(o, " -> HPA 0x%" PRIx64 "\n",
			          (uint64_t)((f->entry & EPT_ADDR & ~(LEVEL_SIZE(lv) - 1)) |
			                     (f->for_addr & (LEVEL_SIZE(lv) - 1))));
		else
			sb_printf(o, " -> %s 0x%" PRIx64 "\n", TR("next EPT table", "下一级 EPT 表"),
			          (uint64_t)(f->entry & EPT_ADDR));
		break;
	case WALKER_IOMMU_ROOT:
		sb_printf(o,
		          "  %2d. %s RTADDR 0x%" PRIx64 " + 16*0x%02x = 0x%" PRIx64 ": lo 0x%016" PRIx64
		          " hi 0x%016" PRIx64 " [P=%u",
		          k, TR("root entry at", "根表项位于"), base, idx, f->addr, f->entry, f->hi,
		          (unsigned)(f->entry & 1));
		if (f->entry & VTD_ROOT_P)
			sb_printf(o, ", %s 0x%" PRIx64 "]\n", TR("context table", "上下文表"),
			          (uint64_t)(f->entry & VTD_ROOT_CTP));
		else
			sb_printf(o, "] -> %s\n", TR("not present", "不存在"));
		break;
	case WALKER_IOMMU_CONTEXT: {
		unsigned tt = (unsigned)VTD_CTX_TT(f->entry), aw = (unsigned)VTD_CTX_AW(f->hi);
		if (!(f->entry & VTD_CTX_P)) {
			sb_printf(o,
			          "  %2d. %s 0x%" PRIx64 " + 16*0x%02x = 0x%" PRIx64 ": lo 0x%016" PRIx64
			          " hi 0x%016" PRIx64 " [P=0] -> %s\n",
			          k, TR("context entry at", "上下文表项位于"), base, idx, f->addr, f->entry,
			          f->hi, TR("not present", "不存在"));
			break;
		}
		sb_printf(o,
		          "  %2d. %s 0x%" PRIx64 " + 16*0x%02x = 0x%" PRIx64 ": lo 0x%016" PRIx64
		          " hi 0x%016" PRIx64 " [P=%u FPD=%u TT=%u%u AW=%u (%u %s, %u %s) DID=%u",
		          k, TR("context entry at", "上下文表项位于"), base, idx, f->addr, f->entry, f->hi,
		          (unsigned)(f->entry & 1), (unsigned)((f->entry >> 1) & 1), tt >> 1, tt & 1, aw,
		          aw + 2, TR("levels", "级"), 30 + 9 * aw, TR("bits", "位"),
		          (unsigned)VTD_CTX_DID(f->hi));
		if (!(f->entry & VTD_CTX_P))
			sb_printf(o, "] -> %s\n", TR("not present", "不存在"));
		else if (tt == VTD_TT_PASS_THROUGH)
			sb_printf(o, "] -> %s\n",
			          TR("pass-through: output = input, SLPTPTR ignored",
			             "直通：输出地址 = 输入地址，忽略 SLPTPTR"));
		else
			sb_printf(o, ", SLPTPTR 0x%" PRIx64 "]\n", (uint64_t)(f->entry & VTD_CTX_SLPTPTR));
		break;
	}
	case WALKER_IOMMU:
		sb_printf(o,
		          "  %2d. %s L%d %s 0x%" PRIx64 " + 8*0x%03x = 0x%" PRIx64 ": 0x%016" PRIx64
		          " [R=%u W=%u PS=%u]",
		          k, TR("second-level", "二级页表"), lv, TR("at", "位于"), base, idx, f->addr,
		          f->entry, (unsigned)(f->entry & 1), (unsigned)((f->entry >> 1) & 1),
		          (unsigned)((f->entry >> 7) & 1));
		if (!(f->entry & 3))
			sb_printf(o, " -> %s\n", TR("not present (R = W = 0)", "不存在（R = W = 0）"));
		else if (!(f->entry & (p->write ? VTD_SL_W : VTD_SL_R)))
			sb_printf(o, " -> %s\n",
			          p->write ? TR("W = 0: the write is refused", "W = 0：写请求被拒绝")
			                   : TR("R = 0: the read is refused", "R = 0：读请求被拒绝"));
		else if (lv == 1 || (f->entry & VTD_SL_PS))
			sb_printf(o, " -> %s 0x%" PRIx64 "\n", TR("page", "页"),
			          (uint64_t)(f->entry & VTD_SL_ADDR & ~(LEVEL_SIZE(lv) - 1)));
		else
			sb_printf(o, " -> %s 0x%" PRIx64 "\n", TR("next table", "下一级表"),
			          (uint64_t)(f->entry & VTD_SL_ADDR));
		break;
	default:
		break;
	}
}

static void split_va(uint64_t va, int levels, int zh_, struct sb *o, const char *what)
{
	int iova = !strcmp(what, "IOVA");
	sb_printf(o, "  %s 0x%" PRIx64 " =", what, va);
	for (int l = levels; l >= 1; l--)
		if (iova)
			sb_printf(o, " L%d 0x%03x |", l, vidx(va, l));
		else
			sb_printf(o, " %s 0x%03x |", tbl_en[l], vidx(va, l));
	sb_printf(o, " %s 0x%03x\n", TR("offset", "页内偏移"), (unsigned)(va & 0xfff));
}

static void solution(const struct quiz_problem *p, int zh_, struct sb *o)
{
	sb_printf(o, "%s\n", TR("Solution (computed by the engine):", "解答（由模拟引擎计算）："));
	switch (p->topic) {
	case QUIZ_WALK:
		split_va(p->va, p->levels, zh_, o, "VA");
		for (int i = 0; i < p->nrefs; i++)
			ref_line(p, &p->refs[i], i + 1, zh_, o);
		break;
	case QUIZ_NESTED: {
		split_va(p->va, p->levels, zh_, o, "GVA");
		sb_printf(
		    o, "%s\n",
		    TR("  Every guest table address is a GPA: EPT translates it first (4 KiB tables; a large "
		       "EPT or guest leaf ends a walk early).",
		       "  每个客户机页表地址都是 GPA，必须先经过 EPT 翻译（遇到大页叶子时遍历提前结束）。"));
		int prev_ept = 0;
		for (int i = 0; i < p->nrefs; i++) {
			const struct quiz_ref *f = &p->refs[i];
			if (f->walker == WALKER_EPT && !prev_ept)
				sb_printf(o,
				          TR("      EPT walk of GPA 0x%" PRIx64 " (%s):\n",
				             "      对 GPA 0x%" PRIx64 " 做 EPT 遍历（%s）：\n"),
				          f->for_addr,
				          f->final ? TR("the data", "数据页")
				                   : TR("a guest table entry", "客户机页表项"));
			prev_ept = f->walker == WALKER_EPT;
			ref_line(p, f, i + 1, zh_, o);
		}
		int g = 0;
		for (int i = 0; i < p->nrefs; i++)
			g += p->refs[i].walker == WALKER_GUEST;
		sb_printf(o,
		          TR("  References: %d guest + %d EPT = %d.\n",
		             "  表项读取次数：客户机 %d + EPT %d = %d。\n"),
		          g, p->res.walk_refs - g, p->res.walk_refs);
		break;
	}
	case QUIZ_IOMMU: {
		char b[16];
		bdf_str(p->bdf[p->qdev], b, sizeof b);
		uint16_t sid = p->bdf[p->qdev];
		sb_printf(o,
		          TR("  Source-id %s = 0x%04x: bus 0x%02x indexes the root table, devfn 0x%02x the "
		             "context table.\n",
		             "  源标识 %s = 0x%04x：总线号 0x%02x 索引根表，devfn 0x%02x 索引上下文表。\n"),
		          b, sid, sid >> 8, sid & 0xff);
		if (p->nrefs > 2)
			split_va(p->iova, p->iommu_levels, zh_, o, "IOVA");
		for (int i = 0; i < p->nrefs; i++)
			ref_line(p, &p->refs[i], i + 1, zh_, o);
		if (p->res.fault.valid && p->res.fault.reason == VTD_FR_ADDR_BEYOND_MGAW)
			sb_printf(o,
			          TR("  IOVA 0x%" PRIx64
			             " >= 2^%d: beyond the context entry's address width.\n",
			             "  IOVA 0x%" PRIx64 " >= 2^%d：超出了上下文表项规定的地址宽度。\n"),
			          p->iova, 12 + 9 * p->iommu_levels);
		for (int i = 0; i < p->nlines; i++)
			sb_printf(o, "  %s%s\n", TR("log: ", "日志："), p->lines[i]);
		break;
	}
	case QUIZ_RING: {
		sb_printf(
		    o,
		    TR("  start: RDH %u, RDT %u, hardware owns (RDT - RDH) mod %u = %u; next_to_clean %u\n",
		       "  开始：RDH %u，RDT %u，硬件拥有 (RDT - RDH) mod %u = %u 个；next_to_clean %u\n"),
		    p->rdh0, p->rdt0, p->ring_n, p->owned0, p->ntc0);
		for (int k = 0; k < p->nevs; k++) {
			const struct quiz_ring_ev *e = &p->evs[k];
			if (e->poll)
				sb_printf(
				    o,
				    TR("  %d. poll (budget %u): %u packet(s) to the stack, refilled, RDT "
				       "written",
				       "  %d. poll（预算 %u）：%u 个包交给协议栈，重新填充缓冲区并写 RDT"),
				    k + 1, e->budget, e->done);
			else
				sb_printf(o,
				          TR("  %d. %u x %u bytes (+4 FCS): %u accepted",
				             "  %d. %u 个 %u 字节的帧（另加 4 字节 FCS）：收下 %u 个"),
				          k + 1, e->count, e->length, e->done);
			sb_printf(o,
			          TR(" -> RDH %u, RDT %u, hardware owns %u, next_to_clean %u\n",
			             " -> RDH %u，RDT %u，硬件拥有 %u 个，next_to_clean %u\n"),
			          e->rdh, e->rdt, e->owned, e->ntc);
			for (uint32_t i = e->first_pkt; i < e->first_pkt + e->npkts; i++) {
				const struct quiz_pkt *pk = &p->pkts[i];
				if (pk->dropped)
					sb_printf(o,
					          TR("       frame #%u: dropped, %s\n",
					             "       帧 #%u：被丢弃，%s\n"),
					          i + 1, zh_ ? why_zh[pk->why % 5] : why_en[pk->why % 5]);
				else if (pk->ndesc > 1)
					sb_printf(o,
					          TR("       frame #%u: descriptors %u..%u (EOP on the "
					             "last), DD on each\n",
					             "       帧 #%u：描述符 %u..%u（只有最后一个带 "
					             "EOP），每个都置 DD\n"),
					          i + 1, pk->desc_first,
					          (pk->desc_first + pk->ndesc - 1) % p->ring_n);
				else
					sb_printf(o,
					          TR("       frame #%u: descriptor %u, DD|EOP\n",
					             "       帧 #%u：描述符 %u，置 DD|EOP\n"),
					          i + 1, pk->desc_first);
			}
		}
		break;
	}
	case QUIZ_PARAMS:
		sb_printf(o, "  %s%s\n", TR("IOMMU: ", "IOMMU："),
		          boot_reason_text((enum boot_reason)p->on_why, zh_));
		sb_printf(o, "  %s%s — %s\n", TR("default domain: ", "默认域："),
		          dom_type_name((enum dom_type)p->dom),
		          boot_reason_text((enum boot_reason)p->dom_why, zh_));
		sb_printf(o,
		          TR("  dma_map_single(phys 0x%" PRIx64 ") = 0x%" PRIx64 " via %s\n",
		             "  dma_map_single(物理地址 0x%" PRIx64 ") = 0x%" PRIx64 "，经由 %s\n"),
		          p->map_phys, p->map_handle,
		          p->map_path == DMA_PATH_IOMMU    ? "dma-iommu (IOVA)"
		          : p->map_path == DMA_PATH_BOUNCE ? "swiotlb"
		                                           : "dma-direct");
		sb_printf(o, "  %s\n", TR("Kernel log:", "内核日志："));
		for (int i = 0; i < p->nlines; i++)
			sb_printf(o, "    %s\n", p->lines[i]);
		break;
	default:
		break;
	}
	const struct fault_info *f = &p->res.fault;
	if (f->valid && f->unit == FU_MMU)
		sb_printf(o, "  %s\n",
		          !(f->error_code & PFEC_P)
		              ? TR("Rule: P = 0 in the last entry read ends the walk with #PF (error-code "
		                   "bit 0 = 0).",
		                   "规则：读到的最后一个表项 P = 0，遍历以 #PF 结束（错误码第 0 位 = 0）。")
		          : (f->error_code & PFEC_RSVD)
		              ? TR("Rule: a reserved bit (PS in a PML4E, or low address bits of a large "
		                   "leaf) gives #PF with RSVD = 1.",
		                   "规则：保留位被置位（PML4E 中的 PS，或大页叶子中的低地址位）导致 "
		                   "#PF，RSVD = 1。")
		              : TR("Rule: permissions accumulate: a write needs R/W = 1, a user access U/S = "
		                   "1 and a fetch NX = 0 "
		                   "in every entry of the walk.",
		                   "规则：权限逐级累积：写需要每一级 R/W = 1，用户态访问需要每一级 U/S = "
		                   "1，取指需要每一级 NX = 0。"));
	if (f->valid && f->unit == FU_EPT)
		sb_printf(o, "  %s\n",
		          f->exit_reason == EXIT_EPT_MISCONFIG
		              ? TR("Rule: a present EPT entry with XWR = 010/110 or memory type 2, 3 or 7 is "
		                   "a misconfiguration (exit 49), "
		                   "not a violation.",
		                   "规则：存在的 EPT 表项若 XWR = 010/110，或内存类型为 "
		                   "2、3、7，属于配置错误（exit 49），而不是违例。")
		              : TR("Rule: XWR = 000, or a right the access needs missing at any EPT level, "
		                   "is a violation (exit 48).",
		                   "规则：XWR = 000，或任何一级 EPT 缺少本次访问需要的权限，即为违例（exit "
		                   "48）。"));
	sb_printf(o, "%s", TR("Answer: ", "答案："));
	answer_short(p, zh_, o);
	sb_printf(o, "\n");
}

static void ring_rules(int zh_, struct sb *o)
{
	sb_printf(
	    o, "%s\n",
	    TR("Rules: hardware owns descriptors RDH .. RDT-1 and advances RDH; a frame that does not fit in "
	       "the\n"
	       "descriptors it owns is dropped (RXO) - RDH == RDT means none. A frame of L bytes needs\n"
	       "ceil((L + 4 FCS) / buffer size) descriptors. A NAPI poll hands at most `budget` packets with "
	       "DD to the\n"
	       "stack, starting at next_to_clean; the driver then re-arms free descriptors from next_to_use "
	       "(= RDT + 1)\n"
	       "up to two before next_to_clean and writes RDT = the last re-armed index (one descriptor "
	       "stays empty).",
	       "规则：硬件拥有 RDH 到 RDT-1 的描述符，并推进 RDH；硬件拥有的描述符放不下的帧被丢弃（RXO），\n"
	       "RDH == RDT 表示一个也没有。长度为 L 的帧需要 ceil((L + 4 字节 FCS) / 缓冲区大小) 个描述符。\n"
	       "一次 NAPI poll 从 next_to_clean 开始，最多把 budget 个置了 DD 的包交给协议栈；随后驱动从\n"
	       "next_to_use（= RDT + 1）开始重新填充空闲描述符，一直填到 next_to_clean 之前的第二个，\n"
	       "并把 RDT 写成最后一个填充的下标（始终留一个描述符空着）。"));
}

static void problem_text(const struct quiz_problem *p, int zh_, struct sb *o)
{
	switch (p->topic) {
	case QUIZ_WALK:
		sb_printf(o, "%s\n",
		          TR("x86-64 4-level paging (CR0.WP = 1, EFER.NXE = 1, no SMEP/SMAP).",
		             "x86-64 四级分页（CR0.WP = 1，EFER.NXE = 1，无 SMEP/SMAP）。"));
		break;
	case QUIZ_NESTED:
		sb_printf(o,
		          TR("A %d-level guest on %d-level EPT%s.\n",
		             "%d 级客户机页表，运行在 %d 级 EPT 之上%s。\n"),
		          p->levels, p->ept_levels,
		          p->ept_ad ? TR(" with EPT A/D flags on (EPTP bit 6)",
		                         "，开启了 EPT A/D 标志（EPTP 第 6 位）")
		                    : "");
		break;
	case QUIZ_IOMMU:
		sb_printf(o, "%s\n",
		          TR("Intel VT-d, legacy mode, translation enabled (GSTS.TES = 1).",
		             "Intel VT-d，传统（legacy）模式，已开启 DMA 重映射（GSTS.TES = 1）。"));
		break;
	case QUIZ_RING:
		break;
	default:
		break;
	}
	question_short(p, zh_, o);
	sb_printf(o, "\n");
	if (p->topic == QUIZ_RING) {
		ring_rules(zh_, o);
		sb_printf(o, "%s\n", TR("Events:", "事件："));
		for (int k = 0; k < p->nevs; k++) {
			const struct quiz_ring_ev *e = &p->evs[k];
			if (e->poll)
				sb_printf(o,
				          TR("  %d. the driver's NAPI poll runs with budget %u\n",
				             "  %d. 驱动的 NAPI poll 运行，预算 %u\n"),
				          k + 1, e->budget);
			else
				sb_printf(o,
				          TR("  %d. %u frame(s) of %u bytes arrive\n",
				             "  %d. 到达 %u 个 %u 字节的帧\n"),
				          k + 1, e->count, e->length);
		}
	}
	if (p->ncells)
		put_dump(p, zh_, o);
}

static void emit(struct sb *o, trace_out_fn out, void *ctx)
{
	if (o->b && !o->oom)
		out(ctx, o->b, o->n);
	free(o->b);
}

void quiz_write_text(const struct quiz_problem *p, enum lang lang, int answers, trace_out_fn out, void *ctx)
{
	int zh_ = lang == LANG_ZH;
	struct sb o = {0};
	static const char *const zt[] = {"页表遍历", "二维页表遍历", "IOMMU 地址翻译", "e1000 接收环",
	                                 "内核参数"};
	sb_printf(&o,
	          TR("== Problem %d (%s, problem seed 0x%016" PRIx64 ")\n",
	             "== 第 %d 题（%s，题目种子 0x%016" PRIx64 "）\n"),
	          p->index + 1, zh_ ? zt[p->topic] : quiz_topic_name(p->topic), p->seed);
	problem_text(p, zh_, &o);
	if (answers) {
		sb_printf(&o, "\n");
		solution(p, zh_, &o);
	}
	sb_printf(&o, "\n");
	emit(&o, out, ctx);
}

static void jhex(cJSON *o, const char *k, uint64_t v)
{
	char b[24];
	snprintf(b, sizeof b, "0x%" PRIx64, v);
	cJSON_AddStringToObject(o, k, b);
}

void quiz_write_json(const struct quiz_problem *p, enum lang lang, int answers, trace_out_fn out, void *ctx)
{
	int zh_ = lang == LANG_ZH;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "topic", quiz_topic_name(p->topic));
	cJSON_AddNumberToObject(o, "index", p->index + 1);
	jhex(o, "problem_seed", p->seed);
	cJSON_AddNumberToObject(o, "variant", p->variant);
	struct sb q = {0};
	problem_text(p, zh_, &q);
	cJSON_AddStringToObject(o, "question", q.b ? q.b : "");
	free(q.b);
	cJSON *dump = cJSON_AddArrayToObject(o, "dump");
	for (int i = 0; i < p->ncells; i++) {
		cJSON *c = cJSON_CreateObject();
		jhex(c, "addr", p->cells[i].addr);
		jhex(c, "value", p->cells[i].lo);
		if (p->cells[i].wide)
			jhex(c, "hi", p->cells[i].hi);
		cJSON_AddItemToArray(dump, c);
	}
	if (answers) {
		cJSON *a = cJSON_AddObjectToObject(o, "answer");
		const struct fault_info *f = &p->res.fault;
		switch (p->topic) {
		case QUIZ_WALK:
		case QUIZ_NESTED:
		case QUIZ_IOMMU:
			cJSON_AddNumberToObject(a, "walk_refs", p->res.walk_refs);
			if (p->res.has_gpa && !f->valid)
				jhex(a, "gpa", p->res.gpa);
			if (p->res.has_hpa && !f->valid)
				jhex(a, "hpa", p->res.hpa);
			if (!f->valid) {
				cJSON_AddNullToObject(a, "fault");
			} else {
				cJSON *x = cJSON_AddObjectToObject(a, "fault");
				cJSON_AddStringToObject(x, "unit",
				                        f->unit == FU_MMU   ? "mmu"
				                        : f->unit == FU_EPT ? "ept"
				                                            : "iommu");
				jhex(x, "addr", f->addr);
				if (f->unit == FU_MMU)
					cJSON_AddNumberToObject(x, "error_code", f->error_code);
				if (f->unit == FU_EPT) {
					cJSON_AddNumberToObject(x, "exit", f->exit_reason);
					jhex(x, "qualification", f->qualification);
				}
				if (f->unit == FU_IOMMU) {
					cJSON_AddNumberToObject(x, "reason", f->reason);
					cJSON_AddBoolToObject(x, "recorded", f->recorded);
				}
			}
			{
				cJSON *w = cJSON_AddArrayToObject(a, "walk");
				for (int i = 0; i < p->nrefs; i++) {
					cJSON *r = cJSON_CreateObject();
					cJSON_AddStringToObject(r, "walker",
					                        walker_name((enum walker)p->refs[i].walker));
					cJSON_AddNumberToObject(r, "level", p->refs[i].level);
					jhex(r, "for", p->refs[i].for_addr);
					jhex(r, "entry_addr", p->refs[i].addr);
					jhex(r, "entry", p->refs[i].entry);
					cJSON_AddItemToArray(w, r);
				}
			}
			if (p->topic == QUIZ_IOMMU) {
				cJSON *l = cJSON_AddArrayToObject(a, "log");
				for (int i = 0; i < p->nlines; i++)
					cJSON_AddItemToArray(l, cJSON_CreateString(p->lines[i]));
			}
			break;
		case QUIZ_RING: {
			cJSON *ev = cJSON_AddArrayToObject(a, "after_event");
			for (int k = 0; k < p->nevs; k++) {
				cJSON *x = cJSON_CreateObject();
				cJSON_AddNumberToObject(x, "RDH", p->evs[k].rdh);
				cJSON_AddNumberToObject(x, "RDT", p->evs[k].rdt);
				cJSON_AddNumberToObject(x, "hw_owned", p->evs[k].owned);
				cJSON_AddNumberToObject(x, "next_to_clean", p->evs[k].ntc);
				cJSON_AddNumberToObject(
				    x, p->evs[k].poll ? "packets_to_stack" : "frames_accepted",
				    p->evs[k].done);
				cJSON_AddItemToArray(ev, x);
			}
			cJSON *d = cJSON_AddArrayToObject(a, "dropped");
			for (int i = 0; i < p->npkts; i++)
				if (p->pkts[i].dropped)
					cJSON_AddItemToArray(d, cJSON_CreateNumber(i + 1));
			break;
		}
		case QUIZ_PARAMS: {
			cJSON_AddBoolToObject(a, "iommu_on", p->iommu_on);
			cJSON_AddStringToObject(a, "iommu_why",
			                        boot_reason_text((enum boot_reason)p->on_why, zh_));
			cJSON_AddStringToObject(a, "domain", dom_type_name((enum dom_type)p->dom));
			cJSON_AddStringToObject(a, "domain_why",
			                        boot_reason_text((enum boot_reason)p->dom_why, zh_));
			jhex(a, "phys", p->map_phys);
			jhex(a, "dma_handle", p->map_handle);
			cJSON *l = cJSON_AddArrayToObject(a, "log");
			for (int i = 0; i < p->nlines; i++)
				cJSON_AddItemToArray(l, cJSON_CreateString(p->lines[i]));
			break;
		}
		default:
			break;
		}
		struct sb s = {0};
		answer_short(p, zh_, &s);
		cJSON_AddStringToObject(a, "summary", s.b ? s.b : "");
		free(s.b);
		struct sb w = {0};
		solution(p, zh_, &w);
		cJSON_AddStringToObject(o, "solution", w.b ? w.b : "");
		free(w.b);
	}
	char *txt = cJSON_Print(o);
	if (txt) {
		out(ctx, txt, strlen(txt));
		cJSON_free(txt);
	}
	cJSON_Delete(o);
}
