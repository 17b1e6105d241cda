/* cmd_export.c — placeholder until the Graphviz exporter lands (owned by the exporter work). */
#include <stdio.h>

#include "app.h"

int cmd_export(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "iommulab export: the Graphviz exporter is not built in this version\n");
	return 2;
}
