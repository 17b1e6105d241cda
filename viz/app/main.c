/*
 * main.c — `iommulab`: one program for every way to use the model.
 */
#include <stdio.h>
#include <string.h>

#include "app.h"

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "iommulab %s — see how a virtualised x86 machine translates addresses and moves data\n"
	    "\n"
	    "usage: iommulab COMMAND [ARGS]\n"
	    "\n"
	    "  run FILE [--trace OUT|-] [--lang en|zh] [--quiet|--verbose] [--stats]\n"
	    "                               run a scenario headless, narrate it, check every expect\n"
	    "  validate FILE...             check scenario files; print every problem as FILE:LINE:COL\n"
	    "  lessons                      list the lessons\n"
	    "  lesson N [--headless]        open lesson N in the viewer (headless: narrate it)\n"
	    "  view FILE                    open a scenario in the viewer (SDL2)\n"
	    "  screenshot FILE --step N -o OUT.png [--event K] [--size WxH] [--lang zh|en] [--presenter]\n"
	    "  export FILE --diagram flow|walk|tables|memory|ring|boot -o OUT [--step N|--steps A..B]\n"
	    "                               [--lang en|zh] [--format dot|svg|png|pdf];  export FILE --slides "
	    "DIR\n"
	    "  quiz --topic walk|nested|iommu|ring|params [--seed N] [--count K] [--answers] [--lang zh]\n"
	    "                               [--format text|json] [--emit-scenario FILE]   homework with "
	    "worked answers\n"
	    "\n"
	    "Limits (run, validate, view, export): --max-steps N (100000), --max-memory SIZE (256MiB "
	    "touched),\n"
	    "--max-events N (5000000), --max-input SIZE (16MiB).\n"
	    "Exit codes: 0 ok, 1 an expectation failed, 2 bad input or usage.\n"
	    "\n"
	    "Model defaults (facts section 0): 4-level paging, NX on, CR0.WP=1; 4-level EPT, A/D off; VT-d "
	    "legacy mode,\n"
	    "pass-through capable, CM=0, 48-bit/4-level, 8 fault records; firmware DMAR present; kernel "
	    "config\n"
	    "INTEL_IOMMU_DEFAULT_ON=y, IOMMU_DEFAULT_DMA_LAZY, IOMMU_DEFAULT_PASSTHROUGH=n; empty command "
	    "line;\n"
	    "flush queue 256 entries / 10 ms; e1000 legacy descriptors; PL330-like DMA controller (8 "
	    "channels).\n",
	    IOMMULAB_VERSION);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *c = argv[1];
	if (!strcmp(c, "--help") || !strcmp(c, "-h") || !strcmp(c, "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(c, "--version") || !strcmp(c, "-V")) {
		printf("iommulab %s\n", IOMMULAB_VERSION);
		return 0;
	}
	struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
	    {"run", cmd_run},
	    {"validate", cmd_validate},
	    {"export", cmd_export},
	    {"view", cmd_view},
	    {"screenshot", cmd_screenshot},
	    {"lesson", cmd_lesson},
	    {"lessons", cmd_lessons},
	    {"quiz", cmd_quiz},
	};
	for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
		if (!strcmp(c, cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "iommulab: unknown command \"%s\" (try --help)\n", c);
	return 2;
}
