/*
 * cmd_lesson.c — the course: `iommulab lessons` and `iommulab lesson N`.
 *
 *   lessons/registry.json   the ordered list (issue 7):
 *     [{"n": 1, "file": "01-what-an-iommu-is-for.json", "slug": "…",
 *       "title": {"en": "…", "zh": "…"}}, …]
 *   lessons/NN-slug.json    one self-contained scenario each, with a
 *                           "lesson" object (goals, questions, try,
 *                           references) and "say" on every step
 *
 *   iommulab lessons [--lang en|zh]
 *       number and title of every lesson
 *   iommulab lesson N [--lang en|zh] [--headless] [--answers]
 *       with a display (DISPLAY or WAYLAND_DISPLAY set, SDL_VIDEODRIVER not
 *       "dummy") and no --headless: the viewer in lesson mode; otherwise (or
 *       when the viewer cannot open) the lesson is narrated on stdout: goals,
 *       every step's narration and events (the `run` command does that part),
 *       the questions (answers only with --answers), try-this, references.
 *
 * Exit codes as everywhere: 0 ok, 1 an expectation of the lesson failed,
 * 2 usage / bad input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "app.h"
#include "viewer.h"

struct lesson_ent {
	int n;
	char file[128];
	char title_en[200], title_zh[200];
};

#define MAX_LESSONS 64

/* Read lessons/registry.json; returns the number of lessons, or -1 (message printed). */
static int registry_load(struct lesson_ent *out, int cap, char *dir, size_t dircap)
{
	char path[1024];
	const char *p = app_data_path("lessons/registry.json", path, sizeof path);
	FILE *f = fopen(p, "rb");
	if (!f) {
		fprintf(stderr, "iommulab: cannot open %s (set IOMMULAB_DATA to the source tree)\n", p);
		return -1;
	}
	char *buf = malloc(1 << 20);
	if (!buf) {
		fclose(f);
		return -1;
	}
	size_t len = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	buf[len] = 0;
	cJSON *root = cJSON_Parse(buf);
	free(buf);
	if (!cJSON_IsArray(root)) {
		fprintf(stderr, "%s: error: expected an array of lessons\n", p);
		cJSON_Delete(root);
		return -1;
	}
	/* the directory the registry lives in */
	snprintf(dir, dircap, "%s", p);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = 0;
	else
		snprintf(dir, dircap, ".");
	int n = 0;
	const cJSON *it;
	cJSON_ArrayForEach(it, root)
	{
		if (n >= cap)
			break;
		const cJSON *num = cJSON_GetObjectItemCaseSensitive(it, "n");
		const cJSON *file = cJSON_GetObjectItemCaseSensitive(it, "file");
		const cJSON *title = cJSON_GetObjectItemCaseSensitive(it, "title");
		if (!cJSON_IsNumber(num) || !cJSON_IsString(file)) {
			fprintf(stderr, "%s: error: entry %d needs \"n\" and \"file\"\n", p, n + 1);
			cJSON_Delete(root);
			return -1;
		}
		struct lesson_ent *e = &out[n++];
		memset(e, 0, sizeof *e);
		e->n = num->valueint;
		snprintf(e->file, sizeof e->file, "%s", file->valuestring);
		const cJSON *en = cJSON_GetObjectItemCaseSensitive(title, "en");
		const cJSON *zh = cJSON_GetObjectItemCaseSensitive(title, "zh");
		snprintf(e->title_en, sizeof e->title_en, "%s",
		         cJSON_IsString(en) ? en->valuestring : e->file);
		snprintf(e->title_zh, sizeof e->title_zh, "%s",
		         cJSON_IsString(zh) ? zh->valuestring : e->title_en);
	}
	cJSON_Delete(root);
	return n;
}

static int parse_lang(const char *cmd, const char *v, enum lang *l)
{
	if (!strcmp(v, "zh"))
		*l = LANG_ZH;
	else if (!strcmp(v, "en"))
		*l = LANG_EN;
	else {
		fprintf(stderr, "iommulab %s: --lang takes en or zh, got \"%s\"\n", cmd, v);
		return -1;
	}
	return 0;
}

int cmd_lessons(int argc, char **argv)
{
	enum lang lang = LANG_EN;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--lang") && i + 1 < argc) {
			if (parse_lang("lessons", argv[++i], &lang))
				return 2;
		} else {
			fprintf(stderr, "usage: iommulab lessons [--lang en|zh]\n");
			return 2;
		}
	}
	struct lesson_ent ls[MAX_LESSONS];
	char dir[1024];
	int n = registry_load(ls, MAX_LESSONS, dir, sizeof dir);
	if (n < 0)
		return 2;
	printf(lang == LANG_ZH ? "课程（iommulab lesson N 打开第 N 课）：\n"
	                       : "Lessons (iommulab lesson N opens lesson N):\n");
	for (int i = 0; i < n; i++)
		printf("  %2d  %s\n", ls[i].n, lang == LANG_ZH ? ls[i].title_zh : ls[i].title_en);
	return 0;
}

static int have_display(void)
{
	const char *drv = getenv("SDL_VIDEODRIVER");
	if (drv && !strcmp(drv, "dummy"))
		return 0;
	const char *x = getenv("DISPLAY"), *w = getenv("WAYLAND_DISPLAY");
	return (x && *x) || (w && *w);
}

static void print_block(const char *head, const char *text)
{
	if (!text || !*text)
		return;
	printf("%s\n", head);
	/* indent every line */
	const char *s = text;
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t k = nl ? (size_t)(nl - s) : strlen(s);
		printf("  %.*s\n", (int)k, s);
		s += k + (nl != NULL);
	}
}

static int narrate(const char *file, enum lang lang, int answers)
{
	struct scenario sc;
	struct load_limits lim = {0};
	if (app_load(file, &sc, &lim, 0))
		return 2;
	int zh = lang == LANG_ZH;
	print_block(zh ? "【学习目标】" : "Goals:", zh && sc.goals_zh ? sc.goals_zh : sc.goals_en);
	printf("\n");
	const char *tr = zh && sc.try_zh ? sc.try_zh : sc.try_en;
	char *try_copy = tr ? strdup(tr) : NULL;
	char *refs = sc.refs ? strdup(sc.refs) : NULL;
	scenario_free(&sc);

	/* the steps, their events and the questions: the run command's narration */
	char *av[6];
	int ac = 0;
	av[ac++] = "run";
	av[ac++] = (char *)file;
	av[ac++] = "--lang";
	av[ac++] = zh ? "zh" : "en";
	if (answers)
		av[ac++] = "--answers";
	av[ac] = NULL;
	fflush(stdout);
	int rc = cmd_run(ac, av);
	fflush(stdout);

	printf("\n");
	print_block(zh ? "【动手试试】" : "Try this:", try_copy);
	print_block(zh ? "【参考资料】" : "References:", refs);
	if (!answers)
		printf(zh ? "\n（加 --answers 显示预测题的答案。）\n"
		          : "\n(Add --answers to see the answers to the questions.)\n");
	free(try_copy);
	free(refs);
	return rc;
}

int cmd_lesson(int argc, char **argv)
{
	enum lang lang = LANG_EN;
	int headless = 0, answers = 0;
	long num = -1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--lang") && i + 1 < argc) {
			if (parse_lang("lesson", argv[++i], &lang))
				return 2;
		} else if (!strcmp(argv[i], "--headless"))
			headless = 1;
		else if (!strcmp(argv[i], "--answers"))
			answers = 1;
		else if (argv[i][0] != '-' && num < 0) {
			char *end;
			num = strtol(argv[i], &end, 10);
			if (*end || num < 1) {
				fprintf(stderr,
				        "iommulab lesson: expected a lesson number, got \"%s\" (see iommulab "
				        "lessons)\n",
				        argv[i]);
				return 2;
			}
		} else {
			fprintf(stderr, "usage: iommulab lesson N [--lang en|zh] [--headless] [--answers]\n");
			return 2;
		}
	}
	if (num < 0) {
		fprintf(stderr, "usage: iommulab lesson N [--lang en|zh] [--headless] [--answers]\n");
		return 2;
	}
	struct lesson_ent ls[MAX_LESSONS];
	char dir[1024];
	int n = registry_load(ls, MAX_LESSONS, dir, sizeof dir);
	if (n < 0)
		return 2;
	const struct lesson_ent *e = NULL;
	for (int i = 0; i < n; i++)
		if (ls[i].n == num)
			e = &ls[i];
	if (!e) {
		fprintf(stderr, "iommulab lesson: no lesson %ld (there are %d; see iommulab lessons)\n", num,
		        n);
		return 2;
	}
	char file[1200];
	snprintf(file, sizeof file, "%s/%s", dir, e->file);
	int zh = lang == LANG_ZH;
	if (!headless && have_display()) {
		struct viewer_opts o;
		viewer_opts_default(&o);
		o.lang = lang;
		int rc = viewer_open(file, 1, &o);
		if (rc != 2)
			return rc;
		fprintf(stderr,
		        zh ? "iommulab lesson: 无法打开窗口，改为文本讲解\n"
		           : "iommulab lesson: the window could not open; narrating the lesson instead\n");
	} else if (!headless) {
		printf(zh ? "（没有图形显示：窗口需要 DISPLAY 或 WAYLAND_DISPLAY，且 SDL_VIDEODRIVER 不能是 "
		            "dummy；下面以文本方式讲解本课。）\n"
		          : "(No display: the window needs DISPLAY or WAYLAND_DISPLAY and SDL_VIDEODRIVER "
		            "other than dummy; "
		            "narrating the lesson as text.)\n");
	} else {
		printf(zh ? "（--headless：以文本方式讲解本课；窗口需要图形显示。）\n"
		          : "(--headless: narrating the lesson as text; the window needs a display.)\n");
	}
	printf(zh ? "第 %d 课：%s\n" : "Lesson %d: %s\n", e->n, zh ? e->title_zh : e->title_en);
	return narrate(file, lang, answers);
}
