/* gv_memory.c — placeholder while the diagram is written. */
#include "gv.h"

#include <stdio.h>

Agraph_t *gv_build_memory(const struct gv_view *v, char *err, size_t cap)
{
	(void)v;
	snprintf(err, cap, "the memory diagram is not written yet");
	return NULL;
}
