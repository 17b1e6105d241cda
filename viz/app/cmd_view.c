/* cmd_view.c — placeholder until the SDL viewer lands (owned by the viewer work). */
#include <stdio.h>

#include "app.h"

int cmd_view(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "iommulab view: the viewer is not built in this version; use `iommulab run FILE`\n");
	return 2;
}

int cmd_screenshot(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "iommulab screenshot: the viewer is not built in this version\n");
	return 2;
}
