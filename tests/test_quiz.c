/*
 * test_quiz.c — the exercise generator (core/quiz.c): for 50 seeds of every
 * topic, the generated answer is what the engine computes when the emitted
 * scenario is run (its expects hold, and solving it again gives the same
 * answer); the answers also satisfy independent invariants from facts.md
 * (walk counts, fault codes, (RDT - RDH) mod N, the boot decision table);
 * same seed => same bytes; different seeds => different problems; problems
 * are well-formed (canonical addresses, aligned tables).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "dma.h"
#include "ept.h"
#include "mmu.h"
#include "nic.h"
#include "paging.h"
#include "quiz.h"
#include "testutil.h"

#define NSEEDS 50

struct buf {
	char *b;
	size_t n, cap;
};

static void out_buf(void *ctx, const char *s, size_t len)
{
	struct buf *b = ctx;
	if (b->n + len + 1 > b->cap) {
		b->cap = (b->cap + len) * 2 + 1024;
		b->b = realloc(b->b, b->cap);
		cr_assert(b->b);
	}
	memcpy(b->b + b->n, s, len);
	b->n += len;
	b->b[b->n] = 0;
}

static struct quiz_problem *gen(enum quiz_topic t, uint64_t seed, int index)
{
	struct quiz_problem *p = calloc(1, sizeof *p);
	cr_assert(p);
	char err[320];
	int rc = quiz_generate(t, seed, index, p, err, sizeof err);
	cr_assert_eq(rc, 0, "%s seed %llu: %s", quiz_topic_name(t), (unsigned long long)seed, err);
	return p;
}

/* The emitted scenario runs with every expect holding, and solving it
 * again from its text gives the same answer, walk, dump and log. */
static void check_against_engine(const struct quiz_problem *p, uint64_t seed)
{
	struct scenario sc;
	char *errors = NULL;
	int rc = scenario_load(&sc, "quiz.json", p->scenario, p->scenario_len, NULL, &errors);
	cr_assert_eq(rc, 0, "%s seed %llu: emitted scenario does not load: %s", quiz_topic_name(p->topic),
	             (unsigned long long)seed, errors ? errors : "");
	free(errors);
	struct engine e;
	cr_assert_eq(engine_init(&e, &sc, 1), 0, "%s", e.err);
	int failed = -1;
	cr_assert_eq(engine_run_all(&e, &failed), 0);
	int nexp = 0;
	for (int i = 0; i < sc.nsteps; i++) {
		nexp += sc.steps[i].nexpects;
		cr_assert_eq(e.reports[i].failed_expects, 0, "%s seed %llu step %d: %s",
		             quiz_topic_name(p->topic), (unsigned long long)seed, i + 1, e.reports[i].diff);
	}
	cr_assert_gt(nexp, 0, "the emitted scenario must carry the answer as expects");
	cr_assert_eq(failed, 0);
	/* the question step's result, straight from the engine */
	const struct step_result *r = &e.reports[p->qstep].r;
	cr_assert_eq(r->walk_refs, p->res.walk_refs);
	cr_assert_eq(r->fault.valid, p->res.fault.valid);
	if (r->fault.valid) {
		cr_assert_eq(r->fault.unit, p->res.fault.unit);
		cr_assert_eq(r->fault.error_code, p->res.fault.error_code);
		cr_assert_eq(r->fault.exit_reason, p->res.fault.exit_reason);
		cr_assert_eq(r->fault.qualification, p->res.fault.qualification);
		cr_assert_eq(r->fault.reason, p->res.fault.reason);
	} else if (r->has_hpa) {
		cr_assert_eq(r->hpa, p->res.hpa);
	}
	engine_free(&e);
	scenario_free(&sc);
	/* solve the emitted text again: same answer */
	struct quiz_problem *q = malloc(sizeof *q);
	cr_assert(q);
	memcpy(q, p, sizeof *q);
	q->scenario = NULL;
	memset(&q->res, 0, sizeof q->res);
	q->nrefs = q->ncells = q->nlines = 0;
	char err[320], msg[200];
	cr_assert_eq(quiz_solve(q, p->scenario, p->scenario_len, err, sizeof err), 0, "%s", err);
	cr_assert(quiz_same_answer(p, q, msg, sizeof msg), "%s seed %llu: %s", quiz_topic_name(p->topic),
	          (unsigned long long)seed, msg);
	free(q);
}

/* dump cells are aligned entries; path entries are in the dump */
static void check_dump(const struct quiz_problem *p)
{
	for (int i = 0; i < p->ncells; i++) {
		const struct quiz_cell *c = &p->cells[i];
		cr_assert_eq(c->addr % (c->wide ? 16 : 8), 0, "unaligned dump entry 0x%llx",
		             (unsigned long long)c->addr);
		if (i)
			cr_assert_gt(c->addr, p->cells[i - 1].addr, "dump not sorted");
	}
	for (int k = 0; k < p->nrefs; k++) {
		int found = 0;
		for (int i = 0; i < p->ncells; i++)
			if (p->cells[i].addr == p->refs[k].addr)
				found = 1;
		cr_assert(found, "entry 0x%llx read by the walk is missing from the dump",
		          (unsigned long long)p->refs[k].addr);
	}
}

static int leaf_of(uint64_t psize)
{
	return psize == GiB ? 3 : psize == 2 * MiB ? 2 : 1;
}

/* ---- walk ---- */

Test(quiz, walk_answers_are_the_engines_for_50_seeds)
{
	int ok = 0, faults = 0;
	for (uint64_t s = 0; s < NSEEDS; s++) {
		struct quiz_problem *p = gen(QUIZ_WALK, s, 0);
		check_against_engine(p, s);
		check_dump(p);
		cr_assert(va_canonical(p->va, 4), "VA 0x%llx is not canonical", (unsigned long long)p->va);
		cr_assert_eq(p->cr3 & 0xfff, 0);
		const struct quiz_map *t = &p->maps[0];
		if (!p->res.fault.valid) {
			ok++;
			/* invariant 1: one entry per level down to the leaf */
			cr_assert_eq(p->res.walk_refs, 4 - leaf_of(t->psize) + 1);
			cr_assert_eq(p->res.hpa, t->pa + (p->va - t->va), "seed %llu", (unsigned long long)s);
		} else {
			faults++;
			const struct fault_info *f = &p->res.fault;
			cr_assert_eq(f->unit, FU_MMU);
			cr_assert_eq(f->addr, p->va);
			cr_assert_eq(!!(f->error_code & PFEC_W), p->acc == ACC_WRITE);
			cr_assert_eq(!!(f->error_code & PFEC_U), p->user);
			cr_assert_eq(!!(f->error_code & PFEC_I), p->acc == ACC_FETCH);
			if (p->variant == 2 || p->variant == 3)
				cr_assert_eq(f->error_code & PFEC_P, 0, "a not-present entry gives P = 0");
			if (p->variant == 5)
				cr_assert(f->error_code & PFEC_RSVD);
		}
		/* the walk starts at CR3 */
		cr_assert_eq(p->refs[0].addr & PAGE_MASK, p->cr3);
		quiz_free(p);
		free(p);
	}
	cr_assert_geq(ok, 10, "too few translations: %d", ok);
	cr_assert_geq(faults, 10, "too few faults: %d", faults);
}

/* ---- nested ---- */

static uint64_t gpa_to_hpa(const struct quiz_problem *p, uint64_t gpa)
{
	for (int i = 0; i < p->nvram; i++)
		if (gpa >= p->vram[i].gpa && gpa < p->vram[i].gpa + p->vram[i].size)
			return p->vram[i].hpa + (gpa - p->vram[i].gpa);
	return UINT64_MAX;
}

Test(quiz, nested_answers_are_the_engines_for_50_seeds)
{
	int ok = 0, pf = 0, e48 = 0, e49 = 0, saw24 = 0;
	for (uint64_t s = 0; s < NSEEDS; s++) {
		struct quiz_problem *p = gen(QUIZ_NESTED, s, 0);
		check_against_engine(p, s);
		check_dump(p);
		cr_assert(va_canonical(p->va, p->levels));
		cr_assert_eq(p->cr3 & 0xfff, 0);
		cr_assert_eq(p->eptp & 7, EPTP_WB);
		cr_assert_eq((p->eptp >> 3) & 7, (uint64_t)p->ept_levels - 1);
		const struct quiz_map *t = &p->maps[0];
		uint64_t gpa = t->pa + (p->va - t->va);
		const struct fault_info *f = &p->res.fault;
		if (!f->valid) {
			ok++;
			/* invariants 2-3: (n+1)(m+1) - 1 with n guest and m EPT levels walked */
			int n = p->levels - leaf_of(t->psize) + 1,
			    m = p->ept_levels - leaf_of(p->ept_page) + 1;
			cr_assert_eq(p->res.walk_refs, (n + 1) * (m + 1) - 1,
			             "seed %llu: %d refs for n=%d m=%d", (unsigned long long)s,
			             p->res.walk_refs, n, m);
			saw24 |= p->res.walk_refs == 24;
			cr_assert_eq(p->res.gpa, gpa);
			cr_assert_eq(p->res.hpa, gpa_to_hpa(p, gpa));
		} else if (f->unit == FU_MMU) {
			pf++;
			cr_assert_eq(f->addr, p->va);
		} else {
			cr_assert_eq(f->unit, FU_EPT);
			if (f->exit_reason == EXIT_EPT_VIOLATION) {
				e48++;
				cr_assert(f->qualification & EPTQ_GLA);
				/* invariant 5: bit 8 says final GPA vs guest paging entry */
				if (f->qualification & EPTQ_FINAL)
					cr_assert_eq(f->addr, gpa);
				else
					cr_assert_neq(f->addr & PAGE_MASK, gpa & PAGE_MASK);
			} else {
				cr_assert_eq(f->exit_reason, EXIT_EPT_MISCONFIG);
				e49++;
			}
		}
		quiz_free(p);
		free(p);
	}
	cr_assert(ok >= 8 && pf >= 3 && e48 >= 3 && e49 >= 2, "ok %d #PF %d exit48 %d exit49 %d", ok, pf, e48,
	          e49);
	(void)saw24;
}

/* ---- iommu ---- */

Test(quiz, iommu_answers_are_the_engines_for_50_seeds)
{
	int seen[16] = {0}, ok = 0;
	for (uint64_t s = 0; s < NSEEDS; s++) {
		struct quiz_problem *p = gen(QUIZ_IOMMU, s, 0);
		check_against_engine(p, s);
		check_dump(p);
		cr_assert_eq(p->rtaddr & 0xfff, 0);
		const struct fault_info *f = &p->res.fault;
		if (!f->valid) {
			ok++;
			/* invariants 12, 13: pass-through reads root + context; translated adds AW levels */
			cr_assert_eq(p->res.walk_refs, p->variant == 6 ? 2 : 2 + p->iommu_levels);
			int found = 0;
			for (int i = 0; i < p->nbufs; i++) {
				const struct quiz_buf *b = &p->bufs[i];
				if (b->dev == 0 && p->iova >= b->handle && p->iova < b->handle + b->size) {
					cr_assert_eq(p->res.hpa, b->phys + (p->iova - b->handle));
					found = 1;
				}
			}
			cr_assert(found || p->variant == 6);
			if (p->variant == 6)
				cr_assert_eq(p->res.hpa, p->iova);
		} else {
			cr_assert_eq(f->unit, FU_IOMMU);
			cr_assert(f->recorded);
			seen[f->reason & 15]++;
			static const int want[] = {-1, -2, -2, 4, 1, 2};
			if (p->variant >= 3 && p->variant <= 5)
				cr_assert_eq(f->reason, want[p->variant]);
			if (p->variant == 1 || p->variant == 2)
				cr_assert_eq(f->reason, p->write ? 5 : 6);
			/* invariant 8: the DMAR line names the SID and the reason */
			char want_line[96], bdf[16];
			snprintf(bdf, sizeof bdf, "[%02x:%02x.%d]", p->bdf[p->qdev] >> 8,
			         (p->bdf[p->qdev] >> 3) & 31, p->bdf[p->qdev] & 7);
			snprintf(want_line, sizeof want_line, "[fault reason 0x%02x]", f->reason);
			int hit = 0;
			for (int i = 0; i < p->nlines; i++)
				if (strstr(p->lines[i], want_line) && strstr(p->lines[i], bdf) &&
				    strstr(p->lines[i], p->write ? "DMA Write" : "DMA Read"))
					hit = 1;
			cr_assert(hit, "no DMAR line with %s %s", bdf, want_line);
		}
		quiz_free(p);
		free(p);
	}
	cr_assert_geq(ok, 5);
	cr_assert(seen[1] && seen[2] && seen[4] && seen[5] && seen[6],
	          "reasons 1h %d 2h %d 4h %d 5h %d 6h %d", seen[1], seen[2], seen[4], seen[5], seen[6]);
}

/* ---- ring ---- */

Test(quiz, ring_answers_are_the_engines_for_50_seeds)
{
	int drops = 0;
	for (uint64_t s = 0; s < NSEEDS; s++) {
		struct quiz_problem *p = gen(QUIZ_RING, s, 0);
		check_against_engine(p, s);
		uint32_t n = p->ring_n;
		cr_assert_eq(p->owned0, (p->rdt0 + n - p->rdh0) % n);
		uint32_t arrived = 0;
		for (int k = 0; k < p->nevs; k++) {
			const struct quiz_ring_ev *e = &p->evs[k];
			/* invariant 26: hardware owns (RDT - RDH) mod N, never all N */
			cr_assert_eq(e->owned, (e->rdt + n - e->rdh) % n);
			cr_assert_lt(e->owned, n);
			if (e->poll) {
				cr_assert_leq(e->done, e->budget);
				/* Linux refills up to E1000_DESC_UNUSED and writes RDT = last filled:
				 * after a poll RDT sits two before next_to_clean */
				cr_assert_eq(e->rdt, (e->ntc + n - 2) % n, "seed %llu event %d",
				             (unsigned long long)s, k + 1);
				cr_assert_eq(e->npkts, 0);
			} else {
				cr_assert_eq(e->npkts, e->count);
				uint32_t acc = 0;
				for (uint32_t i = e->first_pkt; i < e->first_pkt + e->npkts; i++) {
					acc += !p->pkts[i].dropped;
					if (p->pkts[i].dropped) {
						drops++;
						cr_assert_eq(p->pkts[i].why, NIC_RX_NO_BUFFERS);
					} else {
						/* one descriptor per buffer-size chunk of frame + FCS */
						cr_assert_eq(p->pkts[i].ndesc,
						             (e->length + 4 + p->buf_size - 1) / p->buf_size);
					}
				}
				cr_assert_eq(acc, e->done);
				arrived += e->count;
			}
		}
		cr_assert_eq((uint32_t)p->npkts, arrived);
		quiz_free(p);
		free(p);
	}
	cr_assert_geq(drops, 5, "drops: %d", drops);
}

/* ---- params ---- */

Test(quiz, params_answers_are_the_engines_and_the_decision_table)
{
	int types[DOM_TYPE_MAX] = {0};
	for (uint64_t s = 0; s < NSEEDS; s++) {
		struct quiz_problem *p = gen(QUIZ_PARAMS, s, 0);
		check_against_engine(p, s);
		/* boot.h's pure decision functions agree with what the machine did */
		struct boot_desc b;
		memset(&b, 0, sizeof b);
		b.firmware_vtd = p->fw_vtd;
		b.kconfig_default_on = p->k_on;
		b.kconfig_passthrough = p->k_pt;
		b.kconfig_lazy = p->k_lazy;
		b.cmdline = p->cmdline;
		b.cap_cm = p->cap_cm;
		b.ecap_pt = p->ecap_pt;
		struct boot_state *bs = calloc(1, sizeof *bs);
		cr_assert(bs);
		boot_decide(&b, bs);
		struct device_desc dd;
		memset(&dd, 0, sizeof dd);
		dd.trusted = p->trusted;
		enum boot_reason why;
		enum dom_type t = boot_device_domain(bs, &b, &dd, &why);
		cr_assert_eq(bs->enabled, p->iommu_on, "seed %llu", (unsigned long long)s);
		cr_assert_eq((int)t, p->dom, "seed %llu: %s vs %s", (unsigned long long)s, dom_type_name(t),
		             dom_type_name((enum dom_type)p->dom));
		cr_assert_eq((int)why, p->dom_why);
		/* invariant 18/19: identity or no IOMMU => handle = phys; translated => an IOVA */
		if (t == DOM_NONE || t == DOM_IDENTITY)
			cr_assert_eq(p->map_handle, p->map_phys);
		else
			cr_assert_neq(p->map_handle, p->map_phys);
		types[t]++;
		free(bs);
		quiz_free(p);
		free(p);
	}
	cr_assert(types[DOM_NONE] && types[DOM_IDENTITY] && types[DOM_DMA] && types[DOM_DMA_FQ],
	          "none %d identity %d DMA %d DMA-FQ %d", types[DOM_NONE], types[DOM_IDENTITY],
	          types[DOM_DMA], types[DOM_DMA_FQ]);
}

/* ---- determinism, variety, text ---- */

static char *render(enum quiz_topic t, uint64_t seed, int index, enum lang lang, int json)
{
	struct quiz_problem *p = gen(t, seed, index);
	struct buf b = {0};
	if (json)
		quiz_write_json(p, lang, 1, out_buf, &b);
	else
		quiz_write_text(p, lang, 1, out_buf, &b);
	out_buf(&b, p->scenario, p->scenario_len);
	quiz_free(p);
	free(p);
	return b.b;
}

Test(quiz, same_seed_gives_the_same_bytes)
{
	for (int t = 0; t < QUIZ_NTOPICS; t++)
		for (uint64_t s = 100; s < 103; s++) {
			char *a = render((enum quiz_topic)t, s, 1, LANG_EN, 0),
			     *b = render((enum quiz_topic)t, s, 1, LANG_EN, 0);
			cr_assert_str_eq(a, b, "%s seed %llu differs between runs",
			                 quiz_topic_name((enum quiz_topic)t), (unsigned long long)s);
			free(a);
			free(b);
		}
}

Test(quiz, different_seeds_give_different_problems)
{
	for (int t = 0; t < QUIZ_NTOPICS; t++) {
		enum { N = 12 };
		char *txt[N];
		for (int i = 0; i < N; i++) {
			struct quiz_problem *p = gen((enum quiz_topic)t, (uint64_t)i, 0);
			/* the scenario minus its first line (which names the seed) */
			const char *body = strchr(p->scenario, '\n');
			txt[i] = strdup(body ? body : p->scenario);
			quiz_free(p);
			free(p);
		}
		for (int i = 0; i < N; i++)
			for (int j = i + 1; j < N; j++)
				cr_assert_str_neq(txt[i], txt[j], "%s: seeds %d and %d give the same problem",
				                  quiz_topic_name((enum quiz_topic)t), i, j);
		for (int i = 0; i < N; i++)
			free(txt[i]);
	}
}

Test(quiz, problem_k_does_not_depend_on_count)
{
	/* problem 3 of --seed 5 is the same whether 3 or 10 are asked for:
	 * each problem has its own seed */
	struct quiz_problem *a = gen(QUIZ_NESTED, 5, 2), *b = gen(QUIZ_NESTED, 5, 2),
	                    *c = gen(QUIZ_NESTED, 5, 3);
	cr_assert_eq(a->seed, b->seed);
	cr_assert_neq(a->seed, c->seed);
	cr_assert_str_eq(a->scenario, b->scenario);
	quiz_free(a);
	quiz_free(b);
	quiz_free(c);
	free(a);
	free(b);
	free(c);
}

Test(quiz, text_is_bilingual_and_shows_the_worked_walk)
{
	char *en = render(QUIZ_NESTED, 3, 0, LANG_EN, 0), *zh = render(QUIZ_NESTED, 3, 0, LANG_ZH, 0);
	cr_assert(strstr(en, "Solution (computed by the engine):"));
	cr_assert(strstr(en, "EPT walk of GPA"));
	cr_assert(strstr(en, "Answer:"));
	cr_assert(strstr(zh, "解答（由模拟引擎计算）："));
	cr_assert(strstr(zh, "答案："));
	cr_assert(!strstr(zh, "Solution"));
	free(en);
	free(zh);
	for (int t = 0; t < QUIZ_NTOPICS; t++) {
		char *j = render((enum quiz_topic)t, 9, 0, LANG_ZH, 1);
		cr_assert(strstr(j, "\"answer\""));
		cr_assert(strstr(j, "\"solution\""));
		free(j);
	}
}

Test(quiz, topics_parse)
{
	for (int t = 0; t < QUIZ_NTOPICS; t++)
		cr_assert_eq(quiz_topic_parse(quiz_topic_name((enum quiz_topic)t)), t);
	cr_assert_eq(quiz_topic_parse("tlb"), -1);
	cr_assert_eq(quiz_topic_parse(NULL), -1);
}
