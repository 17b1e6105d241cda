/* gv_ring.c — placeholder while the diagram is written. */
#include "gv.h"

#include <stdio.h>

Agraph_t *gv_build_ring(const struct gv_view *v, char *err, size_t cap)
{
	(void)v;
	snprintf(err, cap, "the ring diagram is not written yet");
	return NULL;
}
