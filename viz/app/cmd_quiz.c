/*
 * cmd_quiz.c — `iommulab quiz`: homework problems with worked solutions,
 * computed by the engine (core/quiz.c).
 *
 *   iommulab quiz --topic walk|nested|iommu|ring|params [--seed N] [--count K]
 *                 [--answers] [--format text|json] [--lang en|zh] [--emit-scenario FILE]
 *
 * Same seed => the same problems, byte for byte. --emit-scenario writes the
 * problem as a scenario whose expects are the answer (FILE for one problem;
 * FILE-1.json, FILE-2.json … for several) so `iommulab run --answers FILE`
 * and `iommulab view FILE` step through it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "json.h"
#include "quiz.h"

#define QUIZ_MAX_COUNT 100

static void out_stdout(void *ctx, const char *s, size_t len)
{
	(void)ctx;
	fwrite(s, 1, len, stdout);
}

static int usage_error(const char *fmt, const char *a)
{
	fprintf(stderr, "iommulab quiz: ");
	fprintf(stderr, fmt, a);
	fprintf(stderr, " (usage: iommulab quiz --topic walk|nested|iommu|ring|params [--seed N] [--count K] "
	                "[--answers] [--format text|json] [--lang en|zh] [--emit-scenario FILE])\n");
	return 2;
}

/* FILE for one problem; FILE-k.json (before a .json suffix) for several */
static void emit_name(const char *base, int k, int count, char *out, size_t cap)
{
	if (count == 1) {
		snprintf(out, cap, "%s", base);
		return;
	}
	size_t n = strlen(base);
	if (n > 5 && !strcmp(base + n - 5, ".json"))
		snprintf(out, cap, "%.*s-%d.json", (int)(n - 5), base, k);
	else
		snprintf(out, cap, "%s-%d.json", base, k);
}

int cmd_quiz(int argc, char **argv)
{
	int topic = -1, answers = 0, json = 0, count = 1;
	uint64_t seed = 0;
	enum lang lang = LANG_EN;
	const char *emit = NULL;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		int has = i + 1 < argc;
		if (!strcmp(o, "--answers")) {
			answers = 1;
		} else if (!strcmp(o, "--topic") || !strcmp(o, "--seed") || !strcmp(o, "--count") ||
		           !strcmp(o, "--format") || !strcmp(o, "--lang") || !strcmp(o, "--emit-scenario")) {
			if (!has)
				return usage_error("%s needs a value", o);
			const char *v = argv[++i];
			if (!strcmp(o, "--topic")) {
				topic = quiz_topic_parse(v);
				if (topic < 0)
					return usage_error(
					    "--topic takes walk, nested, iommu, ring or params, got \"%s\"",
					    v);
			} else if (!strcmp(o, "--seed")) {
				if (parse_u64_str(v, &seed))
					return usage_error("--seed takes a non-negative integer, got \"%s\"",
					                   v);
			} else if (!strcmp(o, "--count")) {
				uint64_t c;
				if (parse_u64_str(v, &c) || c < 1 || c > QUIZ_MAX_COUNT)
					return usage_error("--count takes 1 to 100, got \"%s\"", v);
				count = (int)c;
			} else if (!strcmp(o, "--format")) {
				if (!strcmp(v, "json"))
					json = 1;
				else if (strcmp(v, "text"))
					return usage_error("--format takes text or json, got \"%s\"", v);
			} else if (!strcmp(o, "--lang")) {
				if (!strcmp(v, "zh"))
					lang = LANG_ZH;
				else if (strcmp(v, "en"))
					return usage_error("--lang takes en or zh, got \"%s\"", v);
			} else {
				emit = v;
			}
		} else if (o[0] == '-') {
			return usage_error("unknown option %s", o);
		} else {
			return usage_error("unexpected argument \"%s\"", o);
		}
	}
	if (topic < 0)
		return usage_error("%s", "--topic is required");
	struct quiz_problem *p = calloc(1, sizeof *p);
	if (!p) {
		fprintf(stderr, "iommulab quiz: out of memory\n");
		return 2;
	}
	int rc = 0;
	if (json)
		fputs("[\n", stdout);
	for (int k = 0; k < count; k++) {
		char err[320];
		if (quiz_generate((enum quiz_topic)topic, seed, k, p, err, sizeof err)) {
			fprintf(stderr, "iommulab quiz: %s\n", err);
			rc = 2;
			break;
		}
		if (json) {
			quiz_write_json(p, lang, answers, out_stdout, NULL);
			fputs(k + 1 < count ? ",\n" : "\n", stdout);
		} else {
			quiz_write_text(p, lang, answers, out_stdout, NULL);
		}
		if (emit) {
			char name[1024];
			emit_name(emit, k + 1, count, name, sizeof name);
			if (app_write_file(name, p->scenario, p->scenario_len))
				rc = 2;
			else
				fprintf(stderr,
				        lang == LANG_ZH
				            ? "iommulab quiz：已写入 %s（用 iommulab view %s 逐步查看答案）\n"
				            : "iommulab quiz: wrote %s (step through the answer with: "
				              "iommulab view %s)\n",
				        name, name);
		}
		quiz_free(p);
	}
	if (json)
		fputs("]\n", stdout);
	free(p);
	return rc;
}
