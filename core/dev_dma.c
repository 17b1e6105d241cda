/*
 * dev_dma.c — "dma-device": a small DMA-capable PCI device in the spirit of
 * QEMU's `edu` (docs/specs/edu.rst), plus the raw device actions
 * `device.read` / `device.write` (a device — honest or malicious — issuing
 * DMA requests at any bus address it likes).
 *
 * BAR0 (1 MiB MMIO) registers, as edu:
 *
 *   off   size  name        meaning
 *   0x00  4     ID          0x010000ed (RO)
 *   0x04  4     LIVENESS    reads back the bitwise inverse of what was written
 *   0x80  8     DMA_SRC     bus address (RAM -> device) or 0x40000 (device buffer)
 *   0x88  8     DMA_DST     ditto
 *   0x90  8     DMA_CNT     bytes (<= 4096)
 *   0x98  8     DMA_CMD     bit 0 start, bit 1 direction (0: RAM -> device,
 *                           1: device -> RAM), bit 2 raise an MSI when done
 *
 * The device's own 4 KiB buffer sits at device address 0x40000. A CPU write
 * of DMA_CMD with bit 0 set runs the transfer at once (edu uses a timer);
 * the transfer is a DMA request and goes through the IOMMU. The CPU's MMIO
 * accesses to BAR0 never do: they are CPU -> device (facts E21).
 *
 * Device keys: "enumerated": false — the kernel never saw the device (a
 * rogue device plugged in behind its back): no context entry is built, so
 * its requests fault 1h (alone on its bus) or 2h.
 *
 * Not modelled: edu's factorial unit, interrupt status/ack registers,
 * legacy INTx (MSI only, to APIC 0 vector 0x40).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dma.h"

#define EDU_ID       0x00
#define EDU_LIVENESS 0x04
#define EDU_DMA_SRC  0x80
#define EDU_DMA_DST  0x88
#define EDU_DMA_CNT  0x90
#define EDU_DMA_CMD  0x98
#define EDU_BUF      0x40000ull
#define EDU_BUF_SIZE 4096

struct edu_opts {
	int enumerated;
};

struct edu {
	uint32_t liveness;
	uint64_t src, dst, cnt, cmd;
	uint8_t buf[EDU_BUF_SIZE];
};

int dma_device_hidden(const struct machine *m, int dev);
int dma_device_hidden(const struct machine *m, int dev)
{
	const struct device_desc *dd = &m->d->devs[dev];
	if (dd->type_id != DEV_DMA || !dd->opts)
		return 0;
	return !((const struct edu_opts *)dd->opts)->enumerated;
}

static const char *const edu_keys[] = {"enumerated", NULL};

static int edu_parse_opts(struct jr *jr, const cJSON *dev, const char *path, void *opts)
{
	struct edu_opts *o = opts;
	o->enumerated = 1;
	const cJSON *e = jr_member(dev, "enumerated");
	if (e) {
		char p[256];
		jr_path_key(p, sizeof p, path, "enumerated");
		return jr_bool(jr, e, p, &o->enumerated);
	}
	return 0;
}

static int edu_init(struct machine *m, int dev)
{
	m->devs[dev].state = calloc(1, sizeof(struct edu));
	return m->devs[dev].state ? 0 : -1;
}

static void edu_free(struct machine *m, int dev)
{
	free(m->devs[dev].state);
	m->devs[dev].state = NULL;
}

static uint64_t edu_read(struct machine *m, int dev, uint64_t off, unsigned len)
{
	struct edu *s = m->devs[dev].state;
	uint64_t v = 0;
	switch (off) {
	case EDU_ID:
		v = 0x010000ed;
		break;
	case EDU_LIVENESS:
		v = ~s->liveness & 0xffffffffu;
		break;
	case EDU_DMA_SRC:
		v = s->src;
		break;
	case EDU_DMA_DST:
		v = s->dst;
		break;
	case EDU_DMA_CNT:
		v = s->cnt;
		break;
	case EDU_DMA_CMD:
		v = s->cmd;
		break;
	default:
		if (off >= EDU_BUF && off + len <= EDU_BUF + EDU_BUF_SIZE)
			memcpy(&v, s->buf + (off - EDU_BUF), len > 8 ? 8 : len);
	}
	if (len < 8)
		v &= (1ull << (8 * len)) - 1;
	return v;
}

static void edu_run(struct machine *m, int dev)
{
	struct edu *s = m->devs[dev].state;
	uint64_t n = s->cnt > EDU_BUF_SIZE ? EDU_BUF_SIZE : s->cnt;
	struct step_result r;
	memset(&r, 0, sizeof r);
	if (s->cmd & 2) { /* device buffer -> RAM */
		uint64_t o = s->src >= EDU_BUF ? s->src - EDU_BUF : 0;
		if (o + n > EDU_BUF_SIZE)
			n = EDU_BUF_SIZE - o;
		dev_dma_write(m, dev, s->dst, s->buf + o, n, &r);
	} else { /* RAM -> device buffer */
		uint64_t o = s->dst >= EDU_BUF ? s->dst - EDU_BUF : 0;
		if (o + n > EDU_BUF_SIZE)
			n = EDU_BUF_SIZE - o;
		dev_dma_read(m, dev, s->src, s->buf + o, n, &r);
	}
	s->cmd &= ~1ull;
	if (s->cmd & 4)
		dev_msi(m, dev, 0, 0x40, &r);
}

static void edu_write(struct machine *m, int dev, uint64_t off, uint64_t val, unsigned len)
{
	struct edu *s = m->devs[dev].state;
	switch (off) {
	case EDU_LIVENESS:
		s->liveness = (uint32_t)val;
		break;
	case EDU_DMA_SRC:
		s->src = val;
		break;
	case EDU_DMA_DST:
		s->dst = val;
		break;
	case EDU_DMA_CNT:
		s->cnt = val;
		break;
	case EDU_DMA_CMD:
		s->cmd = val;
		if (val & 1)
			edu_run(m, dev);
		break;
	default:
		if (off >= EDU_BUF && off + len <= EDU_BUF + EDU_BUF_SIZE)
			memcpy(s->buf + (off - EDU_BUF), &val, len > 8 ? 8 : len);
	}
}

const struct device_type dma_device_type = {
    .name = "dma-device",
    .type_id = DEV_DMA,
    .opts_size = sizeof(struct edu_opts),
    .keys = edu_keys,
    .parse_opts = edu_parse_opts,
    .default_bar_size = 1 * MiB,
    .init = edu_init,
    .free_state = edu_free,
    .mmio_read = edu_read,
    .mmio_write = edu_write,
};

/* ---- device.read / device.write ---- */

struct devio_args {
	int dev;
	struct addr_arg addr;
	const uint8_t *bytes;
	size_t nbytes;
	uint64_t len;
	int bind;
};

static const char *const devio_keys[] = {"device", "addr", "bytes", "len", "as", NULL};

static int parse_devio(struct parse_ctx *pc, void *args, int write)
{
	struct devio_args *a = args;
	int rc = pc_device(pc, "device", 1, &a->dev);
	rc |= pc_addr(pc, "addr", 1, &a->addr);
	a->bind = -1;
	if (write) {
		rc |= pc_bytes(pc, "bytes", 1, &a->bytes, &a->nbytes);
		rc |= pc_size(pc, "len", 0, 1 * MiB, 0, &a->len);
		if (!rc && a->nbytes == 0) {
			jr_error(pc->jr, jr_member(pc->step, "bytes"), pc->path, "\"bytes\" is empty");
			rc = -1;
		}
		if (!a->len)
			a->len = a->nbytes;
	} else {
		rc |= pc_size(pc, "len", 0, 1 * MiB, 8, &a->len);
		rc |= pc_bind(pc, "as", 0, &a->bind);
	}
	return rc ? -1 : 0;
}

static int parse_read(struct parse_ctx *pc, void *args)
{
	return parse_devio(pc, args, 0);
}

static int parse_write(struct parse_ctx *pc, void *args)
{
	return parse_devio(pc, args, 1);
}

static int exec_read(struct machine *m, const void *args, struct step_result *r)
{
	const struct devio_args *a = args;
	uint64_t addr;
	if (addr_resolve(m, &a->addr, r, &addr))
		return -1;
	uint8_t *buf = calloc(1, a->len);
	if (!buf)
		return -1;
	dev_dma_read(m, a->dev, addr, buf, a->len, r);
	if (!r->fault.valid) {
		uint64_t v = 0;
		for (uint64_t i = 0; i < a->len && i < 8; i++)
			v |= (uint64_t)buf[i] << (8 * i);
		r->value = v;
		r->has_value = 1;
		if (a->bind >= 0) {
			m->vars[a->bind].v = v;
			m->vars[a->bind].set = 1;
		}
	}
	free(buf);
	return 0;
}

static int exec_write(struct machine *m, const void *args, struct step_result *r)
{
	const struct devio_args *a = args;
	uint64_t addr;
	if (addr_resolve(m, &a->addr, r, &addr))
		return -1;
	uint8_t *buf = malloc(a->len);
	if (!buf)
		return -1;
	for (uint64_t i = 0; i < a->len; i++)
		buf[i] = a->bytes[i % a->nbytes];
	dev_dma_write(m, a->dev, addr, buf, a->len, r);
	free(buf);
	return 0;
}

static void describe_devio(const struct machine *m, const void *args, int lang, char *buf, size_t cap,
                           int write)
{
	const struct devio_args *a = args;
	const char *n = m->d->devs[a->dev].name;
	if (lang == LANG_ZH)
		snprintf(buf, cap, "设备 %s 发起 DMA %s（%llu 字节）", n, write ? "写" : "读",
		         (unsigned long long)a->len);
	else
		snprintf(buf, cap, "device %s issues a DMA %s of %llu bytes", n, write ? "write" : "read",
		         (unsigned long long)a->len);
}

static void describe_read(const struct machine *m, const void *args, int lang, char *buf, size_t cap)
{
	describe_devio(m, args, lang, buf, cap, 0);
}

static void describe_write(const struct machine *m, const void *args, int lang, char *buf, size_t cap)
{
	describe_devio(m, args, lang, buf, cap, 1);
}

const struct action_def dev_dma_actions[] = {
    {"device.read", sizeof(struct devio_args), devio_keys, parse_read, exec_read, describe_read},
    {"device.write", sizeof(struct devio_args), devio_keys, parse_write, exec_write, describe_write},
    {NULL, 0, NULL, NULL, NULL, NULL},
};
