/*
 * registry.c — the one list of what scenarios can say. A module adds its
 * tables here (one line each); nothing else needs to know about it.
 */
#include <stddef.h>
#include <string.h>

#include "action.h"

/* core (act_cpu.c) */
extern const struct action_def cpu_actions[];
extern const struct expect_def core_expects[];
/* iommu + dma api + boot (iommu.c, dma.c, boot.c, act_dma.c, dev_dma.c, iommu_narrate.c) */
extern const struct action_def dma_actions[];
extern const struct action_def dev_dma_actions[];
extern const struct expect_def dma_expects[];
extern const struct device_type dma_device_type;
extern const struct module_def iommu_module;
/* nic + driver (nic.c, drv_e1000.c, nic_narrate.c) */
extern const struct action_def nic_actions[];
extern const struct expect_def nic_expects[];
extern const struct device_type e1000_device_type;
extern const struct module_def nic_module;
/* DMA controller + UART (dmac.c) */
extern const struct action_def dmac_actions[];
extern const struct expect_def dmac_expects[];
extern const struct device_type pl330_device_type;
extern const struct device_type uart_device_type;

static const struct action_def *const action_tables[] = {
    cpu_actions, dma_actions, dev_dma_actions, nic_actions, dmac_actions, NULL,
};

static const struct expect_def *const expect_tables[] = {
    core_expects, dma_expects, nic_expects, dmac_expects, NULL,
};

static const struct device_type *const device_types[] = {
    &dma_device_type, &e1000_device_type, &pl330_device_type, &uart_device_type, NULL,
};

static const struct module_def *const modules[] = {
    &iommu_module,
    &nic_module,
    NULL,
};

const struct module_def *const *module_list(void)
{
	return modules;
}

const struct action_def *action_find(const char *name)
{
	for (int t = 0; action_tables[t]; t++)
		for (const struct action_def *a = action_tables[t]; a->name; a++)
			if (!strcmp(a->name, name))
				return a;
	return NULL;
}

const struct expect_def *expect_find(const char *key)
{
	for (int t = 0; expect_tables[t]; t++)
		for (const struct expect_def *x = expect_tables[t]; x->key; x++)
			if (!strcmp(x->key, key))
				return x;
	return NULL;
}

const struct device_type *device_type_find(const char *name)
{
	for (int i = 0; device_types[i]; i++)
		if (!strcmp(device_types[i]->name, name))
			return device_types[i];
	return NULL;
}

const struct device_type *device_type_by_id(int id)
{
	for (int i = 0; device_types[i]; i++)
		if (device_types[i]->type_id == id)
			return device_types[i];
	return NULL;
}

int action_names(const char **out, int cap)
{
	int n = 0;
	for (int t = 0; action_tables[t]; t++)
		for (const struct action_def *a = action_tables[t]; a->name && n < cap - 1; a++)
			out[n++] = a->name;
	out[n] = NULL;
	return n;
}

int expect_keys(const char **out, int cap)
{
	int n = 0;
	for (int t = 0; expect_tables[t]; t++)
		for (const struct expect_def *x = expect_tables[t]; x->key && n < cap - 1; x++)
			out[n++] = x->key;
	out[n] = NULL;
	return n;
}
