/* cost.c — default price list; see cost.h for what each field means. */
#include "cost.h"

#include <stddef.h>
#include <string.h>

const char *const cost_fields[] = {"mem_ref_ns",   "tlb_hit_ns",   "iotlb_hit_ns", "walk_step_ns",
                                   "inv_ns",       "mmio_ns",      "irq_ns",       "dma_api_ns",
                                   "pte_write_ns", "byte_copy_ps", "dma_byte_ps",  NULL};

void cost_default(struct cost *c)
{
	c->mem_ref_ns = 80;
	c->tlb_hit_ns = 1;
	c->iotlb_hit_ns = 5;
	c->walk_step_ns = 10;
	c->inv_ns = 1000;
	c->mmio_ns = 500;
	c->irq_ns = 2000;
	c->dma_api_ns = 100;
	c->pte_write_ns = 20;
	c->byte_copy_ps = 100;
	c->dma_byte_ps = 80;
}

uint64_t *cost_field(struct cost *c, const char *name)
{
	uint64_t *f[] = {&c->mem_ref_ns,   &c->tlb_hit_ns,   &c->iotlb_hit_ns, &c->walk_step_ns,
	                 &c->inv_ns,       &c->mmio_ns,      &c->irq_ns,       &c->dma_api_ns,
	                 &c->pte_write_ns, &c->byte_copy_ps, &c->dma_byte_ps};
	for (size_t i = 0; cost_fields[i]; i++)
		if (!strcmp(cost_fields[i], name))
			return f[i];
	return NULL;
}
