/*
 * test_lessons.c — the course (issue 7): every lesson in lessons/registry.json
 * exists, loads, runs with every expectation holding, and carries its
 * teaching material in both languages; the registry follows issue 7's order;
 * and each lesson still shows, in the trace, the thing it teaches.
 *
 *   registry entry  {"n", "file", "slug", "title": {"en", "zh"}}
 *   lesson file     title en+zh, lesson.goals en+zh, 2-4 questions
 *                   (q + a, en + zh, anchored before a step), try en+zh,
 *                   references, "say" en+zh on EVERY step
 *
 * "Chinese" is checked as: contains CJK ideographs; "English" as: contains
 * none (so a copy-paste of one language into the other fails).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "dma.h"
#include "testutil.h"

#define NLESSONS 14

/* Issue 7's list, in order (slugs of lessons/NN-slug.json). */
static const char *const issue7_slugs[NLESSONS] = {
    "what-an-iommu-is-for",      /*  1 What an IOMMU is for */
    "where-it-acts-boot-flow",   /*  2 Where it acts: firmware -> cmdline -> driver -> hardware */
    "pt-lazy-strict-off",        /*  3 iommu=pt vs lazy vs strict vs off */
    "passthrough-without-iommu", /*  4 Passthrough without an IOMMU */
    "gpa-hpa-vfio-map",          /*  5 GPA vs HPA, VFIO mapping at VM start */
    "ept-vs-iommu",              /*  6 EPT vs IOMMU */
    "mmio-vs-dma",               /*  7 ioremap and MMIO vs DMA */
    "nic-receive",               /*  8 NIC receive */
    "nic-transmit",              /*  9 NIC transmit */
    "driver-dma-code",           /* 10 The driver's DMA code */
    "strict-vs-lazy",            /* 11 Strict vs lazy invalidation */
    "dma-is-not-one-subsystem",  /* 12 DMA is not one subsystem */
    "dma-controller",            /* 13 DMA as a peripheral */
    "myths-in-the-source-qa",    /* 14 Myths in the source Q&A */
};

struct reg {
	int n;
	char file[128], slug[96], title_en[256], title_zh[256];
};

static int load_registry(struct reg *r, int cap)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/lessons/registry.json", IOMMULAB_SOURCE_DIR);
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "lessons/registry.json is missing");
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	cJSON *root = cJSON_Parse(buf);
	cr_assert(cJSON_IsArray(root), "registry.json is not a JSON array");
	int k = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, root)
	{
		cr_assert_lt(k, cap);
		const cJSON *num = cJSON_GetObjectItemCaseSensitive(it, "n");
		const cJSON *file = cJSON_GetObjectItemCaseSensitive(it, "file");
		const cJSON *slug = cJSON_GetObjectItemCaseSensitive(it, "slug");
		const cJSON *title = cJSON_GetObjectItemCaseSensitive(it, "title");
		const cJSON *en = cJSON_GetObjectItemCaseSensitive(title, "en");
		const cJSON *zh = cJSON_GetObjectItemCaseSensitive(title, "zh");
		cr_assert(cJSON_IsNumber(num) && cJSON_IsString(file) && cJSON_IsString(slug) &&
		              cJSON_IsString(en) && cJSON_IsString(zh),
		          "registry entry %d needs n, file, slug, title.en, title.zh", k + 1);
		r[k].n = num->valueint;
		snprintf(r[k].file, sizeof r[k].file, "%s", file->valuestring);
		snprintf(r[k].slug, sizeof r[k].slug, "%s", slug->valuestring);
		snprintf(r[k].title_en, sizeof r[k].title_en, "%s", en->valuestring);
		snprintf(r[k].title_zh, sizeof r[k].title_zh, "%s", zh->valuestring);
		k++;
	}
	cJSON_Delete(root);
	return k;
}

/* UTF-8 CJK Unified Ideographs U+4E00..U+9FFF: lead byte 0xE4..0xE9 */
static int has_cjk(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
		if (*p >= 0xE4 && *p <= 0xE9 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80)
			return 1;
	return 0;
}

static void check_en(const char *s, const char *what, const char *file)
{
	cr_assert(s && strlen(s) > 3, "%s: %s (en) is missing", file, what);
	cr_assert(!has_cjk(s), "%s: %s (en) contains Chinese: \"%.60s\"", file, what, s);
}

static void check_zh(const char *s, const char *what, const char *file)
{
	cr_assert(s && strlen(s) > 3, "%s: %s (zh) is missing", file, what);
	cr_assert(has_cjk(s), "%s: %s (zh) has no Chinese text: \"%.60s\"", file, what, s);
}

static struct reg R[64];
static int NR;

static void init(void)
{
	NR = load_registry(R, 64);
}

TestSuite(lessons, .init = init);

Test(lessons, registry_follows_issue_7_order)
{
	cr_assert_eq(NR, NLESSONS, "issue 7 lists %d lessons, the registry has %d", NLESSONS, NR);
	for (int i = 0; i < NR; i++) {
		char want[160];
		cr_assert_eq(R[i].n, i + 1, "entry %d has n = %d", i + 1, R[i].n);
		cr_assert_str_eq(R[i].slug, issue7_slugs[i], "lesson %d should be \"%s\", got \"%s\"", i + 1,
		                 issue7_slugs[i], R[i].slug);
		snprintf(want, sizeof want, "%02d-%s.json", i + 1, issue7_slugs[i]);
		cr_assert_str_eq(R[i].file, want);
		check_en(R[i].title_en, "registry title", R[i].file);
		check_zh(R[i].title_zh, "registry title", R[i].file);
	}
}

Test(lessons, every_lesson_file_is_in_the_registry)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "ls %s/lessons/ | grep -E '^[0-9][0-9]-.*\\.json$'", IOMMULAB_SOURCE_DIR);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	char line[256];
	int n = 0;
	while (fgets(line, sizeof line, p)) {
		line[strcspn(line, "\n")] = 0;
		int found = 0;
		for (int i = 0; i < NR; i++)
			found |= !strcmp(R[i].file, line);
		cr_assert(found, "lessons/%s is not listed in lessons/registry.json", line);
		n++;
	}
	pclose(p);
	cr_assert_eq(n, NR);
}

/* Load, check material, run: every expectation must hold. */
static void run_lesson(int i, struct scenario *sc, struct engine *e)
{
	char rel[200], *err = NULL;
	snprintf(rel, sizeof rel, "lessons/%s", R[i].file);
	int rc = tu_load_file(sc, rel, &err);
	cr_assert_eq(rc, 0, "%s does not load:\n%s", rel, err ? err : "");
	free(err);
	cr_assert_eq(engine_init(e, sc, 1), 0, "%s: %s", rel, e->err);
	int failed = -1;
	cr_assert_eq(engine_run_all(e, &failed), 0, "%s stopped: %s", rel, e->m.stop_reason);
	for (int s = 0; s < sc->nsteps; s++)
		cr_assert_eq(e->reports[s].failed_expects, 0, "%s step %d: %s", rel, s + 1,
		             e->reports[s].diff);
	cr_assert_eq(failed, 0);
}

Test(lessons, each_runs_with_every_expectation_holding_and_has_both_languages)
{
	for (int i = 0; i < NR; i++) {
		struct scenario sc;
		struct engine e;
		const char *f = R[i].file;
		run_lesson(i, &sc, &e);
		check_en(sc.md.title_en, "title", f);
		check_zh(sc.md.title_zh, "title", f);
		cr_assert_str_eq(sc.md.title_en, R[i].title_en, "%s: title differs from the registry's", f);
		cr_assert_str_eq(sc.md.title_zh, R[i].title_zh, "%s: title differs from the registry's", f);
		check_en(sc.goals_en, "lesson.goals", f);
		check_zh(sc.goals_zh, "lesson.goals", f);
		check_en(sc.try_en, "lesson.try", f);
		check_zh(sc.try_zh, "lesson.try", f);
		cr_assert(sc.refs && strstr(sc.refs, "linux:") != NULL,
		          "%s: references should name kernel files", f);
		cr_assert(sc.nquestions >= 2 && sc.nquestions <= 4, "%s: %d questions (want 2-4)", f,
		          sc.nquestions);
		for (int q = 0; q < sc.nquestions; q++) {
			char what[40];
			snprintf(what, sizeof what, "question %d", q + 1);
			check_en(sc.questions[q].q_en, what, f);
			check_zh(sc.questions[q].q_zh, what, f);
			snprintf(what, sizeof what, "answer %d", q + 1);
			check_en(sc.questions[q].a_en, what, f);
			check_zh(sc.questions[q].a_zh, what, f);
			cr_assert(sc.questions[q].after_step >= 0 && sc.questions[q].after_step < sc.nsteps,
			          "%s: question %d must be anchored before a step (\"before_step\")", f,
			          q + 1);
		}
		int nexp = 0;
		for (int s = 0; s < sc.nsteps; s++) {
			char what[40];
			snprintf(what, sizeof what, "step %d say", s + 1);
			check_en(sc.steps[s].say_en, what, f);
			check_zh(sc.steps[s].say_zh, what, f);
			nexp += sc.steps[s].nexpects;
		}
		cr_assert_geq(nexp, 5, "%s: only %d expectations - a lesson must prove what it says", f,
		              nexp);
		engine_free(&e);
		scenario_free(&sc);
	}
}

/* ---- each lesson still shows its point (from the trace, not the expects) ---- */

static int count_kind(const struct engine *e, int kind, int flags_all)
{
	int n = 0;
	for (uint64_t s = 0; s < e->m.trace.n; s++) {
		const struct ev *ev = &e->m.trace.ev[s];
		if (ev->kind == kind && (ev->flags & flags_all) == flags_all)
			n++;
	}
	return n;
}

static int lesson_index(const char *slug)
{
	for (int i = 0; i < NR; i++)
		if (!strcmp(R[i].slug, slug))
			return i;
	cr_assert_fail("no lesson %s", slug);
	return -1;
}

Test(lessons, lesson_1_translates_then_blocks_without_a_breach)
{
	struct scenario sc;
	struct engine e;
	run_lesson(lesson_index("what-an-iommu-is-for"), &sc, &e);
	cr_assert_gt(count_kind(&e, EV_IOTLB_MISS, 0), 0, "the device's DMA was translated");
	cr_assert_gt(count_kind(&e, EV_FAULT, 0), 0, "a DMA was blocked");
	cr_assert_eq(count_kind(&e, EV_ISOLATION_BREACH, 0), 0, "with the IOMMU nothing leaks");
	engine_free(&e);
	scenario_free(&sc);
}

Test(lessons, lesson_3_identity_walks_nothing_strict_invalidates)
{
	struct scenario sc;
	struct engine e;
	run_lesson(lesson_index("pt-lazy-strict-off"), &sc, &e);
	int n0 = machine_dev_index(&e.m, "nic0"), n1 = machine_dev_index(&e.m, "nic1");
	cr_assert_eq(dma_dev_domain(&e.m, n0), DOM_IDENTITY);
	cr_assert_eq(dma_dev_domain(&e.m, n1), DOM_DMA);
	cr_assert_eq(counter_get(&e.m, "nic0.walks", NULL), 0);
	cr_assert_gt(counter_get(&e.m, "nic1.walks", NULL), 0);
	cr_assert_eq(count_kind(&e, EV_ISOLATION_BREACH, 0), 1, "pt: the identity device reached vm1");
	engine_free(&e);
	scenario_free(&sc);
}

Test(lessons, lesson_4_without_an_iommu_the_device_breaches)
{
	struct scenario sc;
	struct engine e;
	run_lesson(lesson_index("passthrough-without-iommu"), &sc, &e);
	cr_assert_null(e.m.iommu);
	cr_assert_gt(count_kind(&e, EV_ISOLATION_BREACH, 0), 0);
	engine_free(&e);
	scenario_free(&sc);
}

Test(lessons, lesson_6_vcpu_walks_24_device_walks_the_iommu_and_survives_the_ept_fault)
{
	struct scenario sc;
	struct engine e;
	run_lesson(lesson_index("ept-vs-iommu"), &sc, &e);
	int saw24 = 0;
	for (int s = 0; s < sc.nsteps; s++)
		saw24 |= e.reports[s].r.walk_refs == 24;
	cr_assert(saw24, "a cold 2-D walk of 24 references");
	cr_assert_eq(count_kind(&e, EV_VMEXIT, 0), 1, "one EPT violation");
	const struct step_result *last = &e.reports[sc.nsteps - 1].r;
	cr_assert(!last->fault.valid && last->has_hpa,
	          "the device still reaches memory after the EPT entry is gone");
	engine_free(&e);
	scenario_free(&sc);
}

Test(lessons, lesson_11_shows_a_stale_iotlb_hit_and_one_fq_flush)
{
	struct scenario sc;
	struct engine e;
	run_lesson(lesson_index("strict-vs-lazy"), &sc, &e);
	cr_assert_eq(count_kind(&e, EV_IOTLB_HIT, EVF_STALE), 1, "exactly one stale hit, in the lazy window");
	cr_assert_eq(count_kind(&e, EV_FQ_FLUSH, 0), 1);
	engine_free(&e);
	scenario_free(&sc);
}

Test(lessons, lesson_14_command_line_of_the_source_qa_leaves_the_iommu_off)
{
	struct scenario sc;
	struct engine e;
	run_lesson(lesson_index("myths-in-the-source-qa"), &sc, &e);
	cr_assert_null(e.m.iommu, "iommu=on iommu=strict iommu=debug iommu=pt on DEFAULT_ON=n: still off");
	cr_assert_gt(count_kind(&e, EV_BOUNCE, 0), 0, "swiotlb adds a copy");
	engine_free(&e);
	scenario_free(&sc);
}
