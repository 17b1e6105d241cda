/*
 * test_docs.c — the reference (scenarios/README.md) and the editor schema
 * (scenarios/schema.json) stay honest: every action and expect key the
 * program knows is documented and in the schema, and every key that a
 * shipped scenario uses at the top level, in machine, vms[], devices[] and
 * steps[] is one the schema lists.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "testutil.h"

static char *slurp(const char *rel, size_t *n)
{
	char path[1024];
	snprintf(path, sizeof path, "%s/%s", IOMMULAB_SOURCE_DIR, rel);
	FILE *f = fopen(path, "rb");
	cr_assert(f, "cannot open %s", rel);
	fseek(f, 0, SEEK_END);
	long L = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)L + 1);
	size_t got = fread(b, 1, (size_t)L, f);
	b[got] = 0;
	fclose(f);
	if (n)
		*n = got;
	return b;
}

static const cJSON *props(const cJSON *schema, const char *const *path)
{
	const cJSON *n = schema;
	for (int i = 0; path[i]; i++)
		n = cJSON_GetObjectItemCaseSensitive(n, path[i]);
	return n;
}

static int in_enum(const cJSON *en, const char *s)
{
	for (const cJSON *x = en ? en->child : NULL; x; x = x->next)
		if (cJSON_IsString(x) && !strcmp(x->valuestring, s))
			return 1;
	return 0;
}

Test(docs, every_action_and_expect_key_is_documented_and_in_the_schema)
{
	char *readme = slurp("scenarios/README.md", NULL);
	char *sj = slurp("scenarios/schema.json", NULL);
	cJSON *schema = cJSON_Parse(sj);
	cr_assert(schema, "schema.json parses");
	static const char *const dop[] = {"properties", "steps", "items", "properties", "do", "enum", NULL};
	static const char *const exp[] = {"properties", "steps",      "items", "properties",
	                                  "expect",     "properties", NULL};
	const cJSON *doen = props(schema, dop), *ex = props(schema, exp);
	const char *names[256];
	int n = action_names(names, 256);
	for (int i = 0; i < n; i++) {
		char q[80];
		snprintf(q, sizeof q, "`%s`", names[i]);
		cr_expect(strstr(readme, q), "action %s is not documented in scenarios/README.md", names[i]);
		cr_expect(in_enum(doen, names[i]), "action %s is missing from schema.json's \"do\" enum",
		          names[i]);
	}
	n = expect_keys(names, 256);
	for (int i = 0; i < n; i++) {
		char q[80];
		snprintf(q, sizeof q, "`%s`", names[i]);
		cr_expect(strstr(readme, q), "expect key %s is not documented in scenarios/README.md",
		          names[i]);
		cr_expect(cJSON_GetObjectItemCaseSensitive(ex, names[i]),
		          "expect key %s is missing from schema.json", names[i]);
	}
	cJSON_Delete(schema);
	free(sj);
	free(readme);
}

static void keys_known(const cJSON *obj, const cJSON *schema_props, const char *file, const char *where)
{
	if (!cJSON_IsObject(obj))
		return;
	for (const cJSON *k = obj->child; k; k = k->next)
		cr_expect(cJSON_GetObjectItemCaseSensitive(schema_props, k->string),
		          "%s: %s.%s is not in schema.json", file, where, k->string);
}

Test(docs, shipped_scenarios_use_only_keys_the_schema_knows)
{
	char *sj = slurp("scenarios/schema.json", NULL);
	cJSON *schema = cJSON_Parse(sj);
	static const char *const top[] = {"properties", NULL};
	static const char *const mach[] = {"properties", "machine", "properties", NULL};
	static const char *const vm[] = {"properties", "vms", "items", "properties", NULL};
	static const char *const dev[] = {"properties", "devices", "items", "properties", NULL};
	FILE *p = popen("cd " IOMMULAB_SOURCE_DIR " && ls scenarios/*.json lessons/*.json 2>/dev/null", "r");
	char line[512];
	int files = 0;
	while (fgets(line, sizeof line, p)) {
		line[strcspn(line, "\n")] = 0;
		if (strstr(line, "schema.json") || strstr(line, "registry.json"))
			continue;
		struct scenario sc;
		char *err = NULL;
		if (tu_load_file(&sc, line, &err)) {
			free(err);
			continue;
		}
		const cJSON *root = sc.tree;
		keys_known(root, props(schema, top), line, "");
		keys_known(cJSON_GetObjectItemCaseSensitive(root, "machine"), props(schema, mach), line,
		           "machine");
		const cJSON *vms = cJSON_GetObjectItemCaseSensitive(root, "vms");
		for (const cJSON *v = vms ? vms->child : NULL; v; v = v->next)
			keys_known(v, props(schema, vm), line, "vms[]");
		/* devices: common keys must be in the schema; type-specific ones are documented per type */
		const cJSON *devs = cJSON_GetObjectItemCaseSensitive(root, "devices");
		for (const cJSON *d = devs ? devs->child : NULL; d; d = d->next)
			for (const cJSON *k = d->child; k; k = k->next) {
				const struct device_type *dt = device_type_find(
				    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(d, "type")));
				int typed = 0;
				for (int i = 0; dt && dt->keys && dt->keys[i]; i++)
					typed |= !strcmp(dt->keys[i], k->string);
				if (!typed)
					cr_expect(
					    cJSON_GetObjectItemCaseSensitive(props(schema, dev), k->string),
					    "%s: devices[].%s is not in schema.json", line, k->string);
			}
		scenario_free(&sc);
		files++;
	}
	pclose(p);
	cr_assert_gt(files, 5);
	cJSON_Delete(schema);
	free(sj);
}
