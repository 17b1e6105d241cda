/*
 * test_loader.c — the scenario loader's error paths: every malformed input
 * gets FILE:LINE:COL, the JSON path, and what was expected.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

struct bad {
	const char *json;
	const char *want; /* a substring of the error text, including line:col */
};

#define HDR "{\"format\":\"iommulab/1\",\n"
#define VM1                                                                                                  \
	"\"vms\":[{\"name\":\"vm1\",\"ram\":[{\"gpa\":\"0x0\",\"size\":\"32MiB\",\"hpa\":\"0x2000000\"}]}]," \
	"\n"

static const struct bad cases[] = {
    /* 1 */ {"", "t.json:1:1: error: empty file"},
    /* 2 */ {"   \n  ", "t.json:1:1: error: empty file"},
    /* 3 */ {"{\"format\":\"iommulab/1\",\"steps\":[]", "t.json:1:1: error: unclosed '{'"},
    /* 4 */ {"{\"format\":\"iommulab/1\",\"steps\":[],}", "t.json:1:35: error: trailing comma before '}'"},
    /* 5 */ {"{\"format\":\"iommulab/1\"\n\"steps\":[]}", "t.json:2:1: error: expected ',' or '}'"},
    /* 6 */ {"{'format':1}", "t.json:1:2: error: keys need double quotes"},
    /* 7 */
    {"{\"format\":\"iommulab/1\",\"steps\":[0x10]}", "t.json:1:33: error: hex numbers must be strings"},
    /* 8 */ {"{\"a\":\"x\n\"}", "t.json:1:6: error: unterminated string"},
    /* 9 */
    {"{\"format\":\"iommulab/1\",\"steps\":[]} {}", "t.json:1:36: error: unexpected '{' after the end"},
    /* 10 */
    {"{\"format\":\"iommulab/1\",\"steps\":[], \"steps\":[]}", "t.json:1:36: error: duplicate key \"steps\""},
    /* 11 */
    {"{\"format\":\"iommulab/2\",\"steps\":[]}", "t.json:1:11: error: format: expected \"iommulab/1\""},
    /* 12 */ {HDR "\"stpes\":[]}", "t.json:2:1: error: unknown key \"stpes\" (did you mean \"steps\"?)"},
    /* 13 */
    {HDR "\"machine\":{\"ram\":\"lots\"},\"steps\":[]}",
     "t.json:2:18: error: machine.ram: expected a size such as"},
    /* 14 */
    {HDR "\"machine\":{\"ram\":-5},\"steps\":[]}",
     "t.json:2:18: error: machine.ram: expected a non-negative integer, got -5"},
    /* 15 */
    {HDR VM1 "\"steps\":[{\"do\":\"cpu.read\",\"vm\":\"vm1\",\"gva\":\"0x800000000000\"}]}",
     "t.json:3:44: error: steps[0].gva: expected a canonical 48-bit address, got \"0x800000000000\""},
    /* 16 */
    {HDR VM1 "\"steps\":[{\"do\":\"cpu.raed\",\"vm\":\"vm1\",\"gva\":\"0x1000\"}]}",
     "t.json:3:16: error: steps[0].do: unknown action \"cpu.raed\" (did you mean \"cpu.read\"?)"},
    /* 17 */
    {HDR VM1 "\"steps\":[{\"do\":\"cpu.read\",\"vm\":\"vm2\",\"gva\":\"0x1000\"}]}",
     "t.json:3:32: error: steps[0].vm: no VM named \"vm2\"; expected one of \"host\", \"vm1\""},
    /* 18 */
    {HDR
     "\"vms\":[{\"name\":\"a\",\"ram\":[{\"gpa\":\"0x0\",\"size\":\"32MiB\",\"hpa\":\"0x2000000\"}]},"
     "{\"name\":\"a\",\"ram\":[{\"gpa\":\"0x0\",\"size\":\"1MiB\",\"hpa\":\"0x5000000\"}]}],\"steps\":[]}",
     "t.json:2:84: error: vms[1].name: duplicate name \"a\""},
    /* 19 */
    {HDR "\"vms\":[{\"name\":\"a\",\"ram\":[{\"gpa\":\"0x0\",\"size\":\"32MiB\",\"hpa\":\"0x2000000\"},"
         "{\"gpa\":\"0x1000000\",\"size\":\"1MiB\",\"hpa\":\"0x8000000\"}]}],\"steps\":[]}",
     "t.json:2:81: error: vms[0].ram[1]: overlaps vms[0].ram[0] in GPA space"},
    /* 20 */
    {HDR
     "\"vms\":[{\"name\":\"a\",\"ram\":[{\"gpa\":\"0x0\",\"size\":\"32MiB\",\"hpa\":\"0x2000000\"}]},"
     "{\"name\":\"b\",\"ram\":[{\"gpa\":\"0x0\",\"size\":\"1MiB\",\"hpa\":\"0x2100000\"}]}],\"steps\":[]}",
     "vms[1].ram[0]: HPA range overlaps vms[0].ram[0]"},
    /* 21 */
    {HDR "\"vms\":[{\"name\":\"a\",\"ram\":[{\"gpa\":\"0x800\",\"size\":\"32MiB\",\"hpa\":\"0x2000000\"}]}],"
         "\"steps\":[]}",
     "t.json:2:34: error: vms[0].ram[0]: gpa 0x800 is not aligned to 0x1000"},
    /* 22 */
    {HDR "\"vms\":[{\"name\":\"a\",\"ram\":[{\"gpa\":\"0xfffffffffffff000\",\"size\":\"32MiB\",\"hpa\":"
         "\"0x2000000\"}]}],\"steps\":[]}",
     "vms[0].ram[0].gpa: expected at most 0xfffffffffffff"},
    /* 23 */
    {HDR "\"vms\":[{\"name\":\"a\",\"ram\":[{\"gpa\":\"0x0\",\"size\":\"32MiB\",\"hpa\":\"0x20000000\"}]}],"
         "\"steps\":[]}",
     "is outside host RAM (machine.ram = 0x10000000)"},
    /* 24 */
    {HDR "\"machine\":{\"ram\":\"0xffffffffffffffffffff\"},\"steps\":[]}",
     "t.json:2:18: error: machine.ram: size \"0xffffffffffffffffffff\" does not fit in 64 bits"},
    /* 25 */
    {HDR VM1
     "\"steps\":[{\"do\":\"cpu.read\",\"vm\":\"vm1\",\"gva\":\"0x1000\",\"expect\":{\"walkrefs\":24}}]}",
     "t.json:3:63: error: steps[0].expect: unknown expect key \"walkrefs\" (did you mean \"walk_refs\"?)"},
    /* 26 */
    {HDR VM1 "\"steps\":[{\"do\":\"cpu.read\",\"vm\":\"vm1\",\"gva\":\"0x1000\",\"size\":0}]}",
     "size must be at least 1"},
    /* 27 */
    {HDR VM1 "\"steps\":[{\"do\":\"cpu.read\",\"vm\":\"vm1\"}]}",
     "t.json:3:10: error: steps[0]: missing key \"gva\""},
    /* 28 */
    {"{\"format\":\"iommulab/1\",\"title\":\"caf\xc3\x28\",\"steps\":[]}",
     "t.json:1:36: error: invalid UTF-8 (byte 0xc3)"},
    /* 29 */ {HDR "/* never closed \n\"steps\":[]}", "t.json:2:1: error: unterminated /* comment */"},
    /* 30 */
    {HDR VM1 "\"steps\":[{\"do\":\"cpu.read\",\"vm\":\"vm1\",\"gva\":\"$buf\"}]}",
     "steps[0].gva: \"$buf\" is not bound by an earlier step"},
    /* 31 */
    {HDR "\"vms\":[{\"name\":\"bad name\",\"ram\":[]}],\"steps\":[]}",
     "vms[0].name: expected a name of 1–31 characters"},
    /* 32 */
    {HDR VM1 "\"steps\":[{\"do\":\"cpu.write\",\"vm\":\"vm1\",\"gva\":\"0x1000\"}]}",
     "cpu.write needs \"value\" or \"bytes\""},
    /* 33 */
    {HDR "\"steps\":[{\"do\":\"note\",\"repeat\":10000000}]}",
     "steps: the steps repeat to 10000000 actions, over the cap of 100000"},
    /* 34 */
    {HDR "\"vms\":[{\"name\":\"a\",\"ram\":[{\"gpa\":\"0x0\",\"size\":\"32MiB\",\"hpa\":\"0x2000000\"}],"
         "\"pages\":[{\"gva\":\"0x1000\",\"gpa\":\"0x4000000\"}]}],\"steps\":[]}",
     "vms[0].pages[0]: GPA page 0x4000000 is not inside a RAM range or MMIO window of a"},
    /* 35 */
    {HDR "\"vms\":[{\"name\":\"a\",\"ram\":[{\"gpa\":\"0x0\",\"size\":\"32MiB\",\"hpa\":\"0x2000000\"}],"
         "\"pages\":[{\"gva\":\"0x1000\",\"gpa\":\"0x1000\",\"perm\":\"-w-\"}]}],\"steps\":[]}",
     "vms[0].pages[0].perm: expected permissions like \"r--\""},
    /* 36 */
    {HDR "\"steps\":[{\"do\":\"set\",\"table\":\"guest\",\"va\":\"0x1000\",\"field\":\"P\",\"value\":0}]}",
     "steps[0]: missing key \"vm\""},
    /* 37 */ {"[1,2,3]", "t.json:1:1: error: expected an object, got an array"},
    /* 38 */ {HDR "\"steps\":{}}", "t.json:2:9: error: steps: expected an array of steps"},
};

Test(loader, every_malformed_input_says_where_and_what)
{
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct scenario sc;
		char *err = NULL;
		int rc = tu_load(&sc, cases[i].json, &err);
		cr_expect_eq(rc, -1, "case %zu loaded but should not have", i + 1);
		cr_expect(err && strstr(err, cases[i].want), "case %zu:\n  want: %s\n  got:  %s", i + 1,
		          cases[i].want, err ? err : "(nothing)");
		free(err);
		scenario_free(&sc);
	}
}

Test(loader, collects_all_problems_in_one_pass)
{
	struct scenario sc;
	char *err = NULL;
	int rc = tu_load(
	    &sc,
	    HDR "\"machine\":{\"ram\":\"x\",\"tlb\":3},\"vms\":[{\"name\":\"a b\",\"ram\":[]}],\"steps\":[]}",
	    &err);
	cr_assert_eq(rc, -1);
	int lines = 0;
	for (const char *p = err; p && *p; p++)
		lines += *p == '\n';
	cr_assert_geq(lines, 3, "ram, tlb and the VM name are all reported:\n%s", err);
	free(err);
	scenario_free(&sc);
}

Test(loader, comments_keep_line_numbers_right)
{
	struct scenario sc;
	char *err = NULL;
	int rc = tu_load(&sc,
	                 "// a comment\n/* two\n lines */ {\"format\": \"iommulab/1\", // trailing\n "
	                 "\"steps\": [ {\"do\": \"nope\"} ]}",
	                 &err);
	cr_assert_eq(rc, -1);
	cr_assert(
	    strstr(err, "t.json:4:20: error: steps[0].do: unknown action \"nope\" (did you mean \"note\"?)"),
	    "%s", err);
	free(err);
	scenario_free(&sc);
}

Test(loader, a_valid_scenario_loads_with_defaults_from_facts_section_0)
{
	struct scenario sc;
	char *err = NULL;
	int rc = tu_load(
	    &sc, HDR VM1 "\"steps\":[{\"do\":\"note\",\"say\":{\"en\":\"hi\",\"zh\":\"你好\"}}]}", &err);
	cr_assert_eq(rc, 0, "%s", err ? err : "");
	cr_assert_eq(sc.md.host_levels, 4);
	cr_assert_eq(sc.md.vms[0].ept_levels, 4);
	cr_assert_eq(sc.md.vms[0].ept_ad, 0);
	cr_assert_eq(sc.md.boot.kconfig_default_on, 1);
	cr_assert_eq(sc.md.boot.kconfig_lazy, 1);
	cr_assert_eq(sc.md.boot.kconfig_passthrough, 0);
	cr_assert_eq(sc.md.boot.nfr, 8);
	cr_assert_eq(sc.md.boot.fq_size, 256);
	cr_assert_eq(sc.md.boot.fq_timeout_ns, 10000000);
	cr_assert_str_eq(sc.steps[0].say_zh, "你好");
	scenario_free(&sc);
}

Test(loader, every_shipped_scenario_validates)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd, "ls %s/scenarios/*.json %s/lessons/*.json 2>/dev/null", IOMMULAB_SOURCE_DIR,
	         IOMMULAB_SOURCE_DIR);
	FILE *p = popen(cmd, "r");
	cr_assert(p);
	char line[1024];
	int n = 0;
	while (fgets(line, sizeof line, p)) {
		line[strcspn(line, "\n")] = 0;
		if (strstr(line, "schema.json") || strstr(line, "registry.json"))
			continue;
		const char *rel = line + strlen(IOMMULAB_SOURCE_DIR) + 1;
		struct scenario sc;
		char *err = NULL;
		cr_expect_eq(tu_load_file(&sc, rel, &err), 0, "%s: %s", rel, err ? err : "");
		free(err);
		scenario_free(&sc);
		n++;
	}
	pclose(p);
	cr_assert_gt(n, 5);
}
