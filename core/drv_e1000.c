/*
 * drv_e1000.c — the simulated kernel's e1000 driver, as scenario actions,
 * and the outside world's side of the wire.
 *
 * It follows linux: drivers/net/ethernet/intel/e1000/e1000_main.c:
 *
 *   nic.probe   e1000_probe + e1000_open:
 *                 ioremap(BAR0)
 *                 dma_alloc_coherent(Tx ring), dma_alloc_coherent(Rx ring)   <- rings: coherent
 *                 e1000_configure_tx: TDBAL/TDBAH/TDLEN/TDH/TDT, TIDV, TADV, TCTL
 *                 e1000_setup_rctl + e1000_configure_rx: RDTR, RADV, ITR, RDLEN,
 *                   RDBAH/RDBAL, RDT = RDH = 0, RCTL.EN
 *                 e1000_alloc_rx_buffers(E1000_DESC_UNUSED = N - 1):
 *                   dma_map_single(buffer, rx_buffer_len, DMA_FROM_DEVICE)    <- buffers: streaming,
 *                   desc.buffer_addr = handle (a DMA address)                    buffer size, not skb->len
 *                   dma_wmb(); writel(RDT = last filled index)               <- one held back
 *                 request_irq + e1000_irq_enable (IMS)
 *   nic.xmit    e1000_xmit_frame: map to-device, descriptors with IFCS, the last with
 *               EOP|IFCS|RS (|IDE when TIDV != 0), dma_wmb(), writel(TDT)
 *   (MSI)       e1000_intr: readl(ICR) (clears it), IMC = ~0, napi_schedule
 *   nic.poll    e1000_clean: e1000_clean_tx_irq (DD on the EOP descriptor -> dma_rmb ->
 *               unmap -> clear), e1000_clean_rx_irq with a budget: from next_to_clean
 *               while DD: dma_rmb, unmap, hand to the stack (length - 4: the CRC),
 *               status = 0, refill every 16 and at the end, writel(RDT); under
 *               budget: napi_complete_done + IMS
 *   wire.rx     frames arriving from the cable (the rest of the world)
 *
 * With "napi": "auto" the poll runs right after the interrupt handler (as
 * the softirq on IRQ exit); with "step" (default) it waits for nic.poll so a
 * scenario can look at the written-back descriptors first.
 *
 * The driver touches the NIC only through MMIO on its ioremap()ed BAR
 * (cpu_access -> EV_MMIO, never the IOMMU) and its own memory through
 * kmem_read/kmem_write (physical addresses in the owner's view: HPA on the
 * host, GPA in a VM). Descriptors hold DMA handles, never CPU addresses.
 *
 * Not modelled: skb allocation (each descriptor has a fixed buffer slot that
 * is re-mapped on refill, like a recycling page pool), copybreak, GRO, the
 * stack above eth_type_trans, the Tx watchdog, e1000's "+2 descriptors"
 * stop threshold (a packet needs only its own descriptors here), dynamic
 * ITR (InterruptThrottleRate 1 and 3), the 64 KiB-boundary erratum check.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "bits.h"
#include "dma.h"
#include "e1000.h"
#include "mmu.h"
#include "nic.h"
#include "scenario.h"

#define RX_BUFFER_WRITE 16 /* E1000_RX_BUFFER_WRITE: refill in batches of 16 */

/* ------------------------------------------------------------------ */
/* helpers                                                              */

static int drv_vm(const struct machine *m, int dev)
{
	int o = m->devs[dev].d->owner_entity;
	return o > 0 && o <= m->nvms ? o - 1 : -1;
}

static void drv_ev(struct machine *m, int dev, enum drv_ev code, uint64_t addr, uint64_t entry,
                   uint64_t extra, uint32_t len)
{
	struct ev e = {0};
	e.kind = EV_NAPI;
	e.unit = UNIT_KERNEL;
	e.actor = (int16_t)m->devs[dev].d->owner_entity;
	e.code = (uint16_t)code;
	e.addr_in = addr;
	e.entry = entry;
	e.extra = extra;
	e.len = len;
	machine_emit(m, &e);
}

/* MMIO through the ioremap()ed virtual address: MMU (and EPT in a VM) ->
 * the register. Never the IOMMU. */
static uint32_t rd32(struct machine *m, int dev, uint32_t off)
{
	struct drv_e1000 *d = &nic_get(m, dev)->drv;
	struct step_result r;
	memset(&r, 0, sizeof r);
	uint32_t v = 0;
	if (d->bar_va && cpu_access(m, drv_vm(m, dev), d->bar_va + off, ACC_READ, 0, &v, 4, &r) == 0)
		return v;
	return (uint32_t)cpu_mmio(m, drv_vm(m, dev), d->bar + off, 0, 0, 4);
}

static void wr32(struct machine *m, int dev, uint32_t off, uint32_t v)
{
	struct drv_e1000 *d = &nic_get(m, dev)->drv;
	struct step_result r;
	memset(&r, 0, sizeof r);
	if (d->bar_va && cpu_access(m, drv_vm(m, dev), d->bar_va + off, ACC_WRITE, 0, &v, 4, &r) == 0)
		return;
	cpu_mmio(m, drv_vm(m, dev), d->bar + off, 1, v, 4);
}

static uint32_t desc_unused(uint32_t ntc, uint32_t ntu, uint32_t n)
{
	return (ntc > ntu ? 0 : n) + ntc - ntu - 1;
}

/* ------------------------------------------------------------------ */
/* Rx refill, Rx clean, Tx clean, poll, interrupt handler               */

static void drv_alloc_rx(struct machine *m, int dev, uint32_t count)
{
	struct nic_state *s = nic_get(m, dev);
	struct drv_e1000 *d = &s->drv;
	uint32_t i = d->rx_ntu, n = d->rx_count, done = 0;
	while (count--) {
		struct step_result r;
		memset(&r, 0, sizeof r);
		uint64_t phys = d->rx_data_phys + (uint64_t)i * d->rx_buf_len, h;
		if (dma_map_single(m, dev, phys, d->rx_buf_len, DMA_FROM_DEVICE, &h, &r)) {
			counter_add_id(m, d->c_map_errors, 1); /* dma_mapping_error(): stop refilling */
			break;
		}
		d->rxb[i].dma = h;
		d->rxb[i].mapped = 1;
		uint8_t a[8];
		le64_store(a, h); /* rx_desc->buffer_addr = cpu_to_le64(dma) */
		kmem_write(m, dev, d->rx_ring_phys + (uint64_t)i * E1000_DESC_SIZE + E1000_RXD_ADDR, a, 8);
		i = (i + 1) % n;
		done++;
	}
	if (d->rx_ntu != i) {
		d->rx_ntu = i;
		uint32_t rdt = i ? i - 1 : n - 1; /* the last filled index: one stays back */
		drv_ev(m, dev, DRV_WMB, 0, 0, 0, 0);
		wr32(m, dev, E1000_RDT, rdt);
		drv_ev(m, dev, DRV_REFILL, 0, 0, rdt, done);
	}
}

static uint32_t drv_clean_rx(struct machine *m, int dev, uint32_t budget)
{
	struct nic_state *s = nic_get(m, dev);
	struct drv_e1000 *d = &s->drv;
	uint32_t i = d->rx_ntc, n = d->rx_count, work = 0, cleaned = 0;
	while (work < budget) {
		uint64_t da = d->rx_ring_phys + (uint64_t)i * E1000_DESC_SIZE;
		uint8_t status = 0;
		kmem_read(m, dev, da + E1000_RXD_STATUS, &status, 1);
		if (!(status & E1000_RXD_STAT_DD))
			break;
		work++;
		drv_ev(m, dev, DRV_RMB, 0, 0, 0, 0); /* read the rest only after DD */
		uint8_t desc[E1000_DESC_SIZE];
		kmem_read(m, dev, da, desc, sizeof desc);
		uint32_t len = le16_load(desc + E1000_RXD_LENGTH);
		struct step_result r;
		memset(&r, 0, sizeof r);
		if (d->rxb[i].mapped) {
			dma_unmap_single(m, dev, d->rxb[i].dma, d->rx_buf_len, DMA_FROM_DEVICE, &r);
			d->rxb[i].mapped = 0;
			d->rxb[i].dma = 0;
		}
		uint64_t buf = d->rx_data_phys + (uint64_t)i * d->rx_buf_len;
		if (!d->frag_len) /* first buffer of a packet: the CPU may read it now */
			kmem_read(m, dev, buf, d->frag_head, sizeof d->frag_head);
		d->frag_len += len;
		if (status & E1000_RXD_STAT_EOP) {
			uint32_t plen = d->frag_len >= 4 ? d->frag_len - 4 : 0; /* length -= 4: the CRC */
			counter_add_id(m, d->c_stack_packets, 1);
			counter_add_id(m, d->c_stack_bytes, plen);
			drv_ev(m, dev, DRV_STACK, buf, (uint64_t)d->frag_head[12] << 8 | d->frag_head[13], i,
			       plen);
			d->frag_len = 0;
		}
		uint8_t zero = 0;
		kmem_write(m, dev, da + E1000_RXD_STATUS, &zero, 1); /* rx_desc->status = 0 */
		i = (i + 1) % n;
		if (++cleaned >= RX_BUFFER_WRITE) {
			drv_alloc_rx(m, dev, cleaned);
			cleaned = 0;
		}
	}
	d->rx_ntc = i;
	uint32_t unused = desc_unused(d->rx_ntc, d->rx_ntu, n);
	if (unused)
		drv_alloc_rx(m, dev, unused);
	return work;
}

static void drv_clean_tx(struct machine *m, int dev)
{
	struct nic_state *s = nic_get(m, dev);
	struct drv_e1000 *d = &s->drv;
	uint32_t i = d->tx_ntc, n = d->tx_count, count = 0;
	while (i != d->tx_ntu && count < n && d->txb[i].watch) {
		uint32_t eop = d->txb[i].next_to_watch;
		uint64_t ea = d->tx_ring_phys + (uint64_t)eop * E1000_DESC_SIZE;
		uint8_t up[4];
		kmem_read(m, dev, ea + E1000_TXD_UPPER, up, 4);
		if (!(le32_load(up) & E1000_TXD_STAT_DD))
			break;
		drv_ev(m, dev, DRV_RMB, 0, 0, 0, 0);
		uint32_t first = i, ndesc = 0;
		for (int last = 0; !last; count++, ndesc++) {
			last = i == eop;
			struct step_result r;
			memset(&r, 0, sizeof r);
			if (d->txb[i].mapped)
				dma_unmap_single(m, dev, d->txb[i].dma, d->txb[i].len, DMA_TO_DEVICE, &r);
			memset(&d->txb[i], 0, sizeof d->txb[i]);
			uint8_t z[4] = {0};
			kmem_write(m, dev, d->tx_ring_phys + (uint64_t)i * E1000_DESC_SIZE + E1000_TXD_UPPER,
			           z, 4);
			i = (i + 1) % n;
		}
		counter_add_id(m, d->c_tx_cleaned, 1);
		drv_ev(m, dev, DRV_TX_CLEAN, 0, 0, first, ndesc);
	}
	d->tx_ntc = i;
}

/* one e1000_clean() call; returns work done */
static uint32_t drv_poll(struct machine *m, int dev, uint32_t budget)
{
	struct nic_state *s = nic_get(m, dev);
	struct drv_e1000 *d = &s->drv;
	counter_add_id(m, d->c_polls, 1);
	drv_clean_tx(m, dev);
	uint32_t work = drv_clean_rx(m, dev, budget);
	drv_ev(m, dev, DRV_POLL, 0, 0, budget, work);
	if (work < budget) {
		d->napi_scheduled = 0;
		drv_ev(m, dev, DRV_COMPLETE, 0, 0, 0, work);
		wr32(m, dev, E1000_IMS, E1000_IMS_ENABLE_MASK);
		rd32(m, dev, E1000_STATUS); /* E1000_WRITE_FLUSH */
	}
	return work;
}

static void drv_isr(struct machine *m, int dev)
{
	struct nic_state *s = nic_get(m, dev);
	struct drv_e1000 *d = &s->drv;
	machine_advance(m, m->cost.irq_ns);
	uint32_t icr = rd32(m, dev, E1000_ICR);
	drv_ev(m, dev, DRV_ISR, 0, icr, 0, icr);
	if (!icr) {
		counter_add_id(m, d->c_spurious, 1);
		drv_ev(m, dev, DRV_SPURIOUS, 0, 0, 0, 0);
		return;
	}
	if (!d->napi_scheduled) {
		wr32(m, dev, E1000_IMC, 0xFFFFFFFFu);
		rd32(m, dev, E1000_STATUS);
		d->napi_scheduled = 1;
		drv_ev(m, dev, DRV_SCHEDULE, 0, icr, 0, 0);
	}
	if (s->o.napi_auto)
		for (int guard = 0; d->napi_scheduled && guard < 100000; guard++)
			drv_poll(m, dev, s->o.budget);
}

/* ------------------------------------------------------------------ */
/* nic.probe                                                            */

struct dev_args {
	int dev;
};
static const char *const probe_keys[] = {"device", NULL};

static int parse_nic_dev(struct parse_ctx *pc, int *dev)
{
	if (pc_device(pc, "device", 1, dev))
		return -1;
	if (pc->md->devs[*dev].type_id != DEV_E1000) {
		jr_error(pc->jr, jr_member(pc->step, "device"), pc->path,
		         "device \"%s\" is a \"%s\", not an \"e1000\"", pc->md->devs[*dev].name,
		         pc->md->devs[*dev].type);
		return -1;
	}
	return 0;
}

static int parse_probe(struct parse_ctx *pc, void *args)
{
	struct dev_args *a = args;
	return parse_nic_dev(pc, &a->dev);
}

static int need_probed(struct machine *m, int dev, struct step_result *r)
{
	if (nic_get(m, dev)->drv.probed)
		return 0;
	snprintf(r->error, sizeof r->error, "%s: the driver is not bound yet (run nic.probe first)",
	         m->devs[dev].d->name);
	return -1;
}

static int exec_probe(struct machine *m, const void *args, struct step_result *r)
{
	const struct dev_args *a = args;
	int dev = a->dev, vm = drv_vm(m, dev);
	struct nic_state *s = nic_get(m, dev);
	struct drv_e1000 *d = &s->drv;
	const struct device_desc *dd = m->devs[dev].d;
	if (d->probed) {
		snprintf(r->error, sizeof r->error, "%s: the e1000 driver is already bound", dd->name);
		return -1;
	}
	/* e1000_probe: ioremap BAR0 (the guest's view of it for an assigned NIC) */
	d->bar = dd->bar0;
	d->bar_va = mmu_ioremap(m, vm, vm >= 0 ? dd->guest_bar0 : dd->bar0, dd->bar0_size);
	d->rx_count = s->o.rx_ring;
	d->tx_count = s->o.tx_ring;
	d->rx_buf_len = s->o.buf_size;
	d->tx_buf_len = s->o.mtu + 18 <= 2048 ? 2048 : (s->o.mtu + 18 + 4095) & ~4095u;
	d->rx_ring_size = ((uint64_t)d->rx_count * E1000_DESC_SIZE + 4095) & ~4095ull; /* ALIGN(size, 4096) */
	d->tx_ring_size = ((uint64_t)d->tx_count * E1000_DESC_SIZE + 4095) & ~4095ull;
	d->rxb = calloc(d->rx_count, sizeof *d->rxb);
	d->txb = calloc(d->tx_count, sizeof *d->txb);
	if (!d->rxb || !d->txb) {
		snprintf(r->error, sizeof r->error, "out of host memory");
		return -1;
	}
	/* e1000_setup_tx_resources / e1000_setup_rx_resources: the rings are coherent */
	if (dma_alloc_coherent(m, dev, d->tx_ring_size, &d->tx_ring_phys, &d->tx_ring_dma, r) ||
	    dma_alloc_coherent(m, dev, d->rx_ring_size, &d->rx_ring_phys, &d->rx_ring_dma, r))
		return -1;
	/* packet buffers: ordinary kernel memory ("skb data"), mapped per use */
	d->rx_data_phys =
	    dma_kalloc(m, dev, (uint64_t)d->rx_count * d->rx_buf_len, "e1000 Rx buffers (skb data)");
	d->tx_data_phys =
	    dma_kalloc(m, dev, (uint64_t)d->tx_count * d->tx_buf_len, "e1000 Tx buffers (skb data)");
	if (d->rx_data_phys == MEM_NO_ADDR || d->tx_data_phys == MEM_NO_ADDR) {
		snprintf(r->error, sizeof r->error, "%s: no memory for packet buffers", dd->name);
		return -1;
	}
	nic_hold(m, dev);
	wr32(m, dev, E1000_CTRL, E1000_CTRL_SLU);
	/* e1000_configure_tx */
	wr32(m, dev, E1000_TDBAL, (uint32_t)d->tx_ring_dma);
	wr32(m, dev, E1000_TDBAH, (uint32_t)(d->tx_ring_dma >> 32));
	wr32(m, dev, E1000_TDLEN, d->tx_count * E1000_DESC_SIZE);
	wr32(m, dev, E1000_TDH, 0);
	wr32(m, dev, E1000_TDT, 0);
	wr32(m, dev, E1000_TIPG, 8 | 8 << 10 | 6 << 20);
	wr32(m, dev, E1000_TIDV, s->o.tx_int_delay);
	wr32(m, dev, E1000_TADV, s->o.tx_abs_int_delay);
	wr32(m, dev, E1000_TCTL, E1000_TCTL_EN | E1000_TCTL_PSP | 15u << 4 | 63u << 12);
	d->txd_cmd = E1000_TXD_CMD_EOP | E1000_TXD_CMD_IFCS | E1000_TXD_CMD_RS;
	if (s->o.tx_int_delay)
		d->txd_cmd |= E1000_TXD_CMD_IDE;
	/* e1000_setup_rctl + e1000_configure_rx */
	int ok;
	uint32_t rctl = E1000_RCTL_BAM | E1000_RCTL_RDMTS_HALF | e1000_bufsize_rctl(d->rx_buf_len, &ok);
	if (s->o.mtu > 1500)
		rctl |= E1000_RCTL_LPE;
	wr32(m, dev, E1000_RCTL, rctl);
	wr32(m, dev, E1000_RDTR, s->o.rx_int_delay);
	wr32(m, dev, E1000_RADV, s->o.rx_abs_int_delay);
	if (s->o.itr)
		wr32(m, dev, E1000_ITR, 1000000000u / (s->o.itr * 256u));
	wr32(m, dev, E1000_RDLEN, d->rx_count * E1000_DESC_SIZE);
	wr32(m, dev, E1000_RDBAH, (uint32_t)(d->rx_ring_dma >> 32));
	wr32(m, dev, E1000_RDBAL, (uint32_t)d->rx_ring_dma);
	wr32(m, dev, E1000_RDT, 0);
	wr32(m, dev, E1000_RDH, 0);
	wr32(m, dev, E1000_RCTL, rctl | E1000_RCTL_EN);
	/* e1000_alloc_rx_buffers(E1000_DESC_UNUSED(ring)) = N - 1 buffers, RDT = N - 2 */
	d->rx_ntc = d->rx_ntu = d->tx_ntc = d->tx_ntu = 0;
	drv_alloc_rx(m, dev, desc_unused(0, 0, d->rx_count));
	/* request_irq + e1000_irq_enable */
	s->hw.irq_handler = drv_isr;
	d->probed = 1;
	wr32(m, dev, E1000_IMS, E1000_IMS_ENABLE_MASK);
	rd32(m, dev, E1000_STATUS);
	drv_ev(m, dev, DRV_PROBE, d->rx_ring_dma, d->tx_ring_dma, d->tx_count, d->rx_count);
	char line[160];
	snprintf(line, sizeof line, "e1000 0000:%02x:%02x.%u eth%d: Intel(R) PRO/1000 Network Connection",
	         dd->bdf >> 8, (dd->bdf >> 3) & 0x1f, dd->bdf & 7u, dev);
	machine_log(m, UNIT_KERNEL, line);
	nic_release(m, dev);
	return 0;
}

/* ------------------------------------------------------------------ */
/* frames: wire.rx and nic.xmit                                         */

struct frame_args {
	int dev;
	uint64_t length, count, gap_ns;
	int has_gap;
	int fill; /* -1 = counter pattern */
	const uint8_t *bytes;
	size_t nbytes;
	int rs;
};

static const char *const wire_keys[] = {"device", "length", "count", "gap_ns", "fill", "bytes", NULL};
static const char *const xmit_keys[] = {"device", "length", "count", "gap_ns", "fill", "bytes", "rs", NULL};

static int parse_frame(struct parse_ctx *pc, struct frame_args *a, int min_len)
{
	int rc = parse_nic_dev(pc, &a->dev);
	rc |= pc_bytes(pc, "bytes", 0, &a->bytes, &a->nbytes);
	rc |= pc_size(pc, "length", !jr_member(pc->step, "bytes"), NIC_MAX_FRAME, a->nbytes, &a->length);
	rc |= pc_u64(pc, "count", 0, 100000000, 1, &a->count);
	a->has_gap = jr_member(pc->step, "gap_ns") != NULL;
	rc |= pc_u64(pc, "gap_ns", 0, 1000000000ull, 0, &a->gap_ns);
	if (rc)
		return -1;
	if (a->length < (uint64_t)min_len) {
		jr_error(pc->jr, jr_member(pc->step, "length"), pc->path,
		         "expected a frame of at least %d bytes (an Ethernet header), got %" PRIu64, min_len,
		         a->length);
		return -1;
	}
	if (a->nbytes > a->length) {
		jr_error(pc->jr, jr_member(pc->step, "bytes"), pc->path,
		         "\"bytes\" has %zu bytes but \"length\" is %" PRIu64, a->nbytes, a->length);
		return -1;
	}
	const cJSON *f = jr_member(pc->step, "fill");
	a->fill = -1;
	if (f) {
		char path[256];
		jr_path_key(path, sizeof path, pc->path, "fill");
		if (cJSON_IsString(f) && !strcmp(f->valuestring, "counter"))
			return 0;
		uint64_t v;
		if (jr_u64(pc->jr, f, path, 255, &v))
			return -1;
		a->fill = (int)v;
	}
	return 0;
}

static int parse_wire(struct parse_ctx *pc, void *args)
{
	return parse_frame(pc, args, 14);
}

static int parse_xmit(struct parse_ctx *pc, void *args)
{
	struct frame_args *a = args;
	int rc = parse_frame(pc, a, 14);
	rc |= pc_bool(pc, "rs", 1, &a->rs);
	return rc;
}

/* Frame k of a step: "bytes" first, then the fill; generated frames carry
 * a header (dst 52:54:00:12:34:56, src 52:54:00:00:00:01, IPv4) and a
 * payload that differs per frame. */
static void build_frame(const struct frame_args *a, uint64_t k, uint8_t *f)
{
	uint32_t len = (uint32_t)a->length;
	static const uint8_t hdr[14] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x52,
	                                0x54, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00};
	for (uint32_t i = 0; i < len; i++)
		f[i] = a->fill >= 0 ? (uint8_t)a->fill : (uint8_t)(i + k);
	if (!a->nbytes && a->fill < 0)
		memcpy(f, hdr, sizeof hdr);
	if (a->nbytes)
		memcpy(f, a->bytes, a->nbytes);
}

/* default spacing of frames: their time on a 1 Gb/s wire (preamble + FCS + gap) */
static uint64_t wire_gap(const struct frame_args *a)
{
	return a->has_gap ? a->gap_ns : (a->length + 4 + 8 + 12) * 8;
}

static int exec_wire(struct machine *m, const void *args, struct step_result *r)
{
	const struct frame_args *a = args;
	struct nic_state *s = nic_get(m, a->dev);
	uint64_t t0 = m->now_ns, gap = wire_gap(a), ok = 0;
	for (uint64_t k = 0; k < a->count; k++) {
		if (k)
			machine_run_until(m, t0 + k * gap);
		build_frame(a, k, s->drv.scratch);
		if (nic_receive(m, a->dev, s->drv.scratch, (uint32_t)a->length, r) == NIC_RX_OK)
			ok++;
		if (m->stop_reason[0])
			break;
	}
	nic_take_fault(m, a->dev, r);
	r->value = ok;
	r->has_value = 1;
	return 0;
}

enum xmit_rc { XMIT_OK, XMIT_BUSY, XMIT_DROPPED };

static enum xmit_rc drv_xmit_one(struct machine *m, int dev, const uint8_t *frame, uint32_t len, int rs)
{
	struct nic_state *s = nic_get(m, dev);
	struct drv_e1000 *d = &s->drv;
	uint32_t n = d->tx_count;
	uint32_t need = (len + E1000_MAX_DATA_PER_TXD - 1) / E1000_MAX_DATA_PER_TXD;
	if (desc_unused(d->tx_ntc, d->tx_ntu, n) < need)
		return XMIT_BUSY;
	uint32_t first = d->tx_ntu;
	uint64_t phys = d->tx_data_phys + (uint64_t)first * d->tx_buf_len;
	kmem_write(m, dev, phys, frame, len); /* the stack built this skb */
	struct step_result r;
	memset(&r, 0, sizeof r);
	uint64_t h;
	if (dma_map_single(m, dev, phys, len, DMA_TO_DEVICE, &h, &r)) {
		counter_add_id(m, d->c_map_errors, 1);
		return XMIT_DROPPED;
	}
	uint32_t i = first, last = (first + need - 1) % n;
	d->txb[first].dma = h;
	d->txb[first].len = len;
	d->txb[first].mapped = 1;
	d->txb[first].watch = 1;
	d->txb[first].next_to_watch = last;
	uint32_t cmd = rs ? d->txd_cmd : d->txd_cmd & ~E1000_TXD_CMD_RS;
	for (uint32_t k = 0; k < need; k++) {
		uint32_t off = k * E1000_MAX_DATA_PER_TXD;
		uint32_t chunk = len - off < E1000_MAX_DATA_PER_TXD ? len - off : E1000_MAX_DATA_PER_TXD;
		uint8_t desc[E1000_DESC_SIZE];
		le64_store(desc + E1000_TXD_ADDR, h + off);
		le32_store(desc + E1000_TXD_LOWER, E1000_TXD_CMD_IFCS | chunk | (i == last ? cmd : 0));
		le32_store(desc + E1000_TXD_UPPER, 0);
		kmem_write(m, dev, d->tx_ring_phys + (uint64_t)i * E1000_DESC_SIZE, desc, sizeof desc);
		i = (i + 1) % n;
	}
	drv_ev(m, dev, DRV_XMIT, h, 0, first, len);
	drv_ev(m, dev, DRV_WMB, 0, 0, 0, 0);
	d->tx_ntu = i;
	wr32(m, dev, E1000_TDT, i);
	return XMIT_OK;
}

static int exec_xmit(struct machine *m, const void *args, struct step_result *r)
{
	const struct frame_args *a = args;
	if (need_probed(m, a->dev, r))
		return -1;
	struct nic_state *s = nic_get(m, a->dev);
	uint64_t t0 = m->now_ns, sent = 0;
	if (a->length > s->o.mtu + 14u) { /* the stack never hands the driver more than MTU + header */
		snprintf(r->error, sizeof r->error,
		         "nic.xmit: a %llu-byte frame is longer than %s's MTU %u + 14 (raise the device's "
		         "\"mtu\")",
		         (unsigned long long)a->length, m->devs[a->dev].d->name, s->o.mtu);
		return -1;
	}
	for (uint64_t k = 0; k < a->count; k++) {
		if (k && a->gap_ns)
			machine_run_until(m, t0 + k * a->gap_ns);
		build_frame(a, k, s->drv.scratch);
		enum xmit_rc rc;
		for (int waits = 0;; waits++) {
			nic_hold(m, a->dev);
			rc = drv_xmit_one(m, a->dev, s->drv.scratch, (uint32_t)a->length, a->rs);
			nic_release(m, a->dev);
			if (rc != XMIT_BUSY || !s->o.napi_auto || waits >= 1000)
				break;
			/* queue stopped: wait for the Tx-completion interrupt to free descriptors */
			uint64_t t = e1000_device_type.next_deadline(m, a->dev);
			if (t == UINT64_MAX)
				break;
			machine_run_until(m, t > m->now_ns ? t : m->now_ns);
		}
		if (rc == XMIT_BUSY) {
			counter_add_id(m, s->drv.c_tx_busy, 1);
			drv_ev(m, a->dev, DRV_TX_BUSY, 0, 0, a->count - k, 0);
			break;
		}
		if (rc == XMIT_OK)
			sent++;
		if (m->stop_reason[0])
			break;
	}
	nic_take_fault(m, a->dev, r);
	r->value = sent;
	r->has_value = 1;
	return 0;
}

/* ------------------------------------------------------------------ */
/* nic.poll, nic.write_reg, nic.read_reg                                */

struct poll_args {
	int dev;
	uint64_t budget;
	int has_budget;
};
static const char *const poll_keys[] = {"device", "budget", NULL};

static int parse_poll(struct parse_ctx *pc, void *args)
{
	struct poll_args *a = args;
	int rc = parse_nic_dev(pc, &a->dev);
	a->has_budget = jr_member(pc->step, "budget") != NULL;
	rc |= pc_u64(pc, "budget", 0, 4096, 64, &a->budget);
	if (a->has_budget && a->budget == 0) {
		jr_error(pc->jr, jr_member(pc->step, "budget"), pc->path,
		         "expected a budget of at least 1, got 0");
		rc = -1;
	}
	return rc;
}

static int exec_poll(struct machine *m, const void *args, struct step_result *r)
{
	const struct poll_args *a = args;
	if (need_probed(m, a->dev, r))
		return -1;
	struct nic_state *s = nic_get(m, a->dev);
	nic_hold(m, a->dev);
	uint32_t w = drv_poll(m, a->dev, a->has_budget ? (uint32_t)a->budget : s->o.budget);
	nic_release(m, a->dev);
	nic_take_fault(m, a->dev, r);
	r->value = w;
	r->has_value = 1;
	return 0;
}

struct reg_args {
	int dev;
	uint32_t off;
	struct addr_arg value; /* a number or a bound "$name" (e.g. a DMA handle) */
	int bind;
};
static const char *const wreg_keys[] = {"device", "reg", "value", NULL};
static const char *const rreg_keys[] = {"device", "reg", "as", NULL};

static int parse_reg_name(struct parse_ctx *pc, uint32_t *off)
{
	const cJSON *v = jr_member(pc->step, "reg");
	char path[256];
	jr_path_key(path, sizeof path, pc->path, "reg");
	if (!v) {
		jr_error(pc->jr, pc->step, pc->path,
		         "missing key \"reg\" (a register name such as \"RDT\", or an offset)");
		return -1;
	}
	if (cJSON_IsString(v) && !nic_reg_by_name(v->valuestring, off))
		return 0;
	uint64_t x;
	if (cJSON_IsString(v) && strncmp(v->valuestring, "0x", 2)) {
		jr_error(pc->jr, v, path,
		         "no e1000 register named \"%.20s\" (try RDT, TDT, RDBAL, ICR, IMS…)",
		         v->valuestring);
		return -1;
	}
	if (jr_u64(pc->jr, v, path, E1000_BAR_SIZE - 4, &x))
		return -1;
	if (x & 3) {
		jr_error(pc->jr, v, path, "expected a 4-byte aligned register offset, got 0x%" PRIx64, x);
		return -1;
	}
	*off = (uint32_t)x;
	return 0;
}

static int parse_wreg(struct parse_ctx *pc, void *args)
{
	struct reg_args *a = args;
	int rc = parse_nic_dev(pc, &a->dev);
	rc |= parse_reg_name(pc, &a->off);
	rc |= pc_addr(pc, "value", 1, &a->value);
	if (!rc && a->value.var < 0 && a->value.v > 0xFFFFFFFFu) {
		jr_error(pc->jr, jr_member(pc->step, "value"), pc->path,
		         "expected a 32-bit register value, got 0x%" PRIx64, a->value.v);
		rc = -1;
	}
	return rc;
}

static int parse_rreg(struct parse_ctx *pc, void *args)
{
	struct reg_args *a = args;
	int rc = parse_nic_dev(pc, &a->dev);
	rc |= parse_reg_name(pc, &a->off);
	rc |= pc_bind(pc, "as", 0, &a->bind);
	return rc;
}

static void reg_bar(struct machine *m, int dev)
{
	struct drv_e1000 *d = &nic_get(m, dev)->drv;
	if (!d->bar)
		d->bar = m->devs[dev].d->bar0; /* not probed: a raw access to the BAR */
}

static int exec_wreg(struct machine *m, const void *args, struct step_result *r)
{
	const struct reg_args *a = args;
	uint64_t v;
	if (addr_resolve(m, &a->value, r, &v))
		return -1;
	reg_bar(m, a->dev);
	nic_hold(m, a->dev);
	wr32(m, a->dev, a->off, (uint32_t)v); /* a register is 32 bits: the high half goes to ...BAH */
	nic_release(m, a->dev);
	nic_take_fault(m, a->dev, r);
	return 0;
}

static int exec_rreg(struct machine *m, const void *args, struct step_result *r)
{
	const struct reg_args *a = args;
	reg_bar(m, a->dev);
	nic_hold(m, a->dev);
	uint32_t v = rd32(m, a->dev, a->off);
	nic_release(m, a->dev);
	r->value = v;
	r->has_value = 1;
	if (a->bind >= 0) {
		m->vars[a->bind].v = v;
		m->vars[a->bind].set = 1;
	}
	return 0;
}

/* step headers for `run` ("[2/5] wire.rx — 16 frames of 1500 bytes arrive at nic0") */
static void describe_probe(const struct machine *m, const void *args, int zh, char *buf, size_t cap)
{
	const struct dev_args *a = args;
	const char *who = m->devs[a->dev].d->owner_entity ? entity_name(m, m->devs[a->dev].d->owner_entity)
	                                                  : (zh ? "主机" : "the host");
	snprintf(buf, cap, zh ? "%s 的 e1000 驱动绑定 %s" : "%s's e1000 driver binds %s", who,
	         m->devs[a->dev].d->name);
}

static void describe_frames(const struct machine *m, const void *args, int zh, char *buf, size_t cap, int tx)
{
	const struct frame_args *a = args;
	const char *name = m->devs[a->dev].d->name;
	unsigned long long n = a->count, len = a->length;
	if (tx && zh)
		snprintf(buf, cap, "经 %s 发送 %llu 个 %llu 字节的帧%s", name, n, len,
		         a->rs ? "" : "（不设 RS）");
	else if (tx)
		snprintf(buf, cap, "send %llu frame(s) of %llu bytes through %s%s", n, len, name,
		         a->rs ? "" : " (no RS)");
	else
		snprintf(buf, cap,
		         zh ? "%llu 个 %llu 字节的帧到达 %s" : "%llu frame(s) of %llu bytes arrive at %s", n,
		         len, name);
}

static void describe_xmit(const struct machine *m, const void *args, int zh, char *buf, size_t cap)
{
	describe_frames(m, args, zh, buf, cap, 1);
}

static void describe_wire(const struct machine *m, const void *args, int zh, char *buf, size_t cap)
{
	describe_frames(m, args, zh, buf, cap, 0);
}

static void describe_poll(const struct machine *m, const void *args, int zh, char *buf, size_t cap)
{
	const struct poll_args *a = args;
	snprintf(buf, cap, zh ? "%s 的 NAPI poll" : "NAPI poll of %s", m->devs[a->dev].d->name);
}

static void describe_reg(const struct machine *m, const void *args, int zh, char *buf, size_t cap)
{
	const struct reg_args *a = args;
	const char *n = nic_reg_name(a->off);
	char off[16];
	snprintf(off, sizeof off, "0x%x", a->off);
	snprintf(buf, cap, zh ? "访问 %s 的寄存器 %s（MMIO）" : "%s register %s (MMIO)",
	         m->devs[a->dev].d->name, n ? n : off);
}

const struct action_def nic_actions[] = {
    {"nic.probe", sizeof(struct dev_args), probe_keys, parse_probe, exec_probe, describe_probe},
    {"nic.xmit", sizeof(struct frame_args), xmit_keys, parse_xmit, exec_xmit, describe_xmit},
    {"nic.poll", sizeof(struct poll_args), poll_keys, parse_poll, exec_poll, describe_poll},
    {"nic.write_reg", sizeof(struct reg_args), wreg_keys, parse_wreg, exec_wreg, describe_reg},
    {"nic.read_reg", sizeof(struct reg_args), rreg_keys, parse_rreg, exec_rreg, describe_reg},
    {"wire.rx", sizeof(struct frame_args), wire_keys, parse_wire, exec_wire, describe_wire},
    {NULL, 0, NULL, NULL, NULL, NULL},
};

/* ------------------------------------------------------------------ */
/* expect keys: reg, desc, ring, wire                                   */

static int xp_dev(struct parse_ctx *pc, const cJSON *val, const char *path, int *dev)
{
	const cJSON *d = jr_require(pc->jr, val, path, "device");
	if (!d)
		return -1;
	char p[256];
	jr_path_key(p, sizeof p, path, "device");
	const char *name;
	if (jr_str(pc->jr, d, p, &name))
		return -1;
	for (int i = 0; i < pc->md->ndevs; i++)
		if (!strcmp(pc->md->devs[i].name, name)) {
			if (pc->md->devs[i].type_id != DEV_E1000) {
				jr_error(pc->jr, d, p, "device \"%s\" is not an \"e1000\"", name);
				return -1;
			}
			*dev = i;
			return 0;
		}
	jr_error(pc->jr, d, p, "no device named \"%.40s\"", name);
	return -1;
}

struct x_reg {
	int dev, n;
	uint32_t off[12];
	uint32_t val[12];
	const char *name[12];
};

static int xp_reg(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	struct x_reg *a = args;
	if (jr_expect_object(pc->jr, val, path) || xp_dev(pc, val, path, &a->dev))
		return -1;
	int rc = 0;
	for (const cJSON *c = val->child; c; c = c->next) {
		if (!strcmp(c->string, "device"))
			continue;
		char p[256];
		jr_path_key(p, sizeof p, path, c->string);
		if (a->n >= 12) {
			jr_error(pc->jr, c, p, "at most 12 registers per expect");
			return -1;
		}
		if (nic_reg_by_name(c->string, &a->off[a->n])) {
			jr_error_key(pc->jr, c, p,
			             "no e1000 register named \"%.20s\" (try RDH, RDT, TDH, TDT, ICR, IMS…)",
			             c->string);
			rc = -1;
			continue;
		}
		uint64_t v;
		if (jr_u64(pc->jr, c, p, 0xFFFFFFFFu, &v)) {
			rc = -1;
			continue;
		}
		a->val[a->n] = (uint32_t)v;
		a->name[a->n] = c->string;
		a->n++;
	}
	return rc;
}

static int xc_reg(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                  size_t cap)
{
	const struct x_reg *a = args;
	for (int i = 0; i < a->n; i++) {
		int ok;
		uint32_t v = nic_reg_peek(m, a->dev, a->off[i], &ok);
		if (v != a->val[i]) {
			snprintf(msg, cap, "expected %s.%s = 0x%x (%u), got 0x%x (%u)",
			         m->devs[a->dev].d->name, a->name[i], a->val[i], a->val[i], v, v);
			return 1;
		}
	}
	return 0;
}

struct x_desc {
	int dev, tx;
	uint32_t index;
	int has_status, has_length, has_addr, has_cmd, has_errors;
	uint32_t status, length, cmd, errors;
	uint64_t addr;
	const uint8_t *bytes;
	size_t nbytes;
};

static int xp_desc(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	struct x_desc *a = args;
	static const char *const keys[] = {"device", "ring", "index",  "status", "length",
	                                   "addr",   "cmd",  "errors", "bytes",  NULL};
	if (jr_expect_object(pc->jr, val, path) || jr_check_keys(pc->jr, val, path, keys) ||
	    xp_dev(pc, val, path, &a->dev))
		return -1;
	char p[256];
	static const char *const rings[] = {"rx", "tx", NULL};
	const cJSON *v = jr_require(pc->jr, val, path, "ring");
	jr_path_key(p, sizeof p, path, "ring");
	if (!v || jr_enum(pc->jr, v, p, rings, &a->tx))
		return -1;
	uint64_t x;
	const struct nic_opts *o = pc->md->devs[a->dev].opts;
	uint32_t n = o ? (a->tx ? o->tx_ring : o->rx_ring) : 256;
	v = jr_require(pc->jr, val, path, "index");
	jr_path_key(p, sizeof p, path, "index");
	if (!v || jr_u64(pc->jr, v, p, n - 1, &x))
		return -1;
	a->index = (uint32_t)x;
	int rc = 0;
	struct {
		const char *k;
		int *has;
		uint32_t *out;
		uint64_t max;
	} f[] = {{"status", &a->has_status, &a->status, 0xFF},
	         {"length", &a->has_length, &a->length, 0xFFFF},
	         {"cmd", &a->has_cmd, &a->cmd, 0xFF},
	         {"errors", &a->has_errors, &a->errors, 0xFF}};
	for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
		if ((v = jr_member(val, f[i].k))) {
			jr_path_key(p, sizeof p, path, f[i].k);
			rc |= jr_u64(pc->jr, v, p, f[i].max, &x);
			*f[i].out = (uint32_t)x;
			*f[i].has = 1;
		}
	if ((v = jr_member(val, "addr"))) {
		jr_path_key(p, sizeof p, path, "addr");
		rc |= jr_u64(pc->jr, v, p, UINT64_MAX, &a->addr);
		a->has_addr = 1;
	}
	if ((v = jr_member(val, "bytes"))) {
		/* reuse the step-level hex parser through a temporary step view */
		jr_path_key(p, sizeof p, path, "bytes");
		const char *hex;
		if (jr_str(pc->jr, v, p, &hex))
			return -1;
		size_t cap = strlen(hex) / 2 + 1;
		uint8_t *b = scenario_alloc(pc->sc, cap);
		size_t nb = 0;
		int hi = -1;
		for (const char *c = hex; *c; c++) {
			int d;
			if (*c >= '0' && *c <= '9')
				d = *c - '0';
			else if (*c >= 'a' && *c <= 'f')
				d = *c - 'a' + 10;
			else if (*c >= 'A' && *c <= 'F')
				d = *c - 'A' + 10;
			else if (*c == ' ' || *c == ':' || *c == '_')
				continue;
			else {
				jr_error(pc->jr, v, p,
				         "expected hex bytes such as \"00 10 fe ff\", got \"%.40s\"", hex);
				return -1;
			}
			if (hi < 0)
				hi = d;
			else {
				b[nb++] = (uint8_t)(hi << 4 | d);
				hi = -1;
			}
		}
		if (hi >= 0 || nb == 0 || nb > E1000_DESC_SIZE) {
			jr_error(pc->jr, v, p,
			         "expected 1 to 16 whole hex bytes (a descriptor is 16 bytes), got \"%.40s\"",
			         hex);
			return -1;
		}
		a->bytes = b;
		a->nbytes = nb;
	}
	return rc;
}

/* the descriptor's bytes, read from memory (no event, no cost) */
static int desc_bytes(const struct machine *m, int dev, int tx, uint32_t index, uint8_t *out)
{
	const struct nic_state *s = nic_get_const(m, dev);
	const struct drv_e1000 *d = &s->drv;
	if (!d->probed)
		return -1;
	uint64_t phys = (tx ? d->tx_ring_phys : d->rx_ring_phys) + (uint64_t)index * E1000_DESC_SIZE;
	int vm = drv_vm(m, dev);
	if (vm >= 0) {
		int ok;
		phys = vm_gpa_to_hpa(m, vm, phys, &ok);
		if (!ok)
			return -1;
	}
	mem_read(&m->mem, phys, out, E1000_DESC_SIZE);
	return 0;
}

static void hex16(const uint8_t *b, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 4 < cap; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s%02x", i ? " " : "", b[i]);
}

static int xc_desc(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                   size_t cap)
{
	const struct x_desc *a = args;
	uint8_t b[E1000_DESC_SIZE];
	const char *ring = a->tx ? "tx" : "rx";
	if (desc_bytes(m, a->dev, a->tx, a->index, b)) {
		snprintf(msg, cap, "%s has no %s ring yet (nic.probe sets it up)", m->devs[a->dev].d->name,
		         ring);
		return 1;
	}
	uint32_t status = a->tx ? b[E1000_TXD_UPPER] : b[E1000_RXD_STATUS];
	uint32_t length = le16_load(b + 8);
	char got[64];
	hex16(b, sizeof b, got, sizeof got);
	if (a->has_status && status != a->status) {
		snprintf(msg, cap, "expected %s desc[%u].status = 0x%02x, got 0x%02x (bytes %s)", ring,
		         a->index, a->status, status, got);
		return 1;
	}
	if (a->has_length && length != a->length) {
		snprintf(msg, cap, "expected %s desc[%u].length = %u, got %u", ring, a->index, a->length,
		         length);
		return 1;
	}
	if (a->has_cmd && b[11] != a->cmd) {
		snprintf(msg, cap, "expected %s desc[%u].cmd = 0x%02x, got 0x%02x", ring, a->index, a->cmd,
		         b[11]);
		return 1;
	}
	if (a->has_errors && b[13] != a->errors) {
		snprintf(msg, cap, "expected %s desc[%u].errors = 0x%02x, got 0x%02x", ring, a->index,
		         a->errors, b[13]);
		return 1;
	}
	if (a->has_addr && le64_load(b) != a->addr) {
		snprintf(msg, cap, "expected %s desc[%u].addr = 0x%" PRIx64 ", got 0x%" PRIx64, ring,
		         a->index, a->addr, le64_load(b));
		return 1;
	}
	if (a->nbytes && memcmp(b, a->bytes, a->nbytes)) {
		char want[64];
		hex16(a->bytes, a->nbytes, want, sizeof want);
		snprintf(msg, cap, "expected %s desc[%u] bytes %s, got %s", ring, a->index, want, got);
		return 1;
	}
	return 0;
}

struct x_ring {
	int dev, tx;
	int has[4];
	uint64_t v[4]; /* hw_owned, next_to_clean, next_to_use, mapped */
};

static const char *const ring_fields[] = {"hw_owned", "next_to_clean", "next_to_use", "mapped"};

static int xp_ring(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	struct x_ring *a = args;
	static const char *const keys[] = {"device",      "ring",   "hw_owned", "next_to_clean",
	                                   "next_to_use", "mapped", NULL};
	if (jr_expect_object(pc->jr, val, path) || jr_check_keys(pc->jr, val, path, keys) ||
	    xp_dev(pc, val, path, &a->dev))
		return -1;
	static const char *const rings[] = {"rx", "tx", NULL};
	char p[256];
	const cJSON *v = jr_require(pc->jr, val, path, "ring");
	jr_path_key(p, sizeof p, path, "ring");
	if (!v || jr_enum(pc->jr, v, p, rings, &a->tx))
		return -1;
	int rc = 0;
	for (int i = 0; i < 4; i++)
		if ((v = jr_member(val, ring_fields[i]))) {
			jr_path_key(p, sizeof p, path, ring_fields[i]);
			rc |= jr_u64(pc->jr, v, p, NIC_MAX_RING, &a->v[i]);
			a->has[i] = 1;
		}
	return rc;
}

static int xc_ring(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                   size_t cap)
{
	const struct x_ring *a = args;
	const struct nic_state *s = nic_get_const(m, a->dev);
	const struct drv_e1000 *d = &s->drv;
	const struct nic_hw *h = &s->hw;
	uint32_t n = a->tx ? h->tdlen / E1000_DESC_SIZE : h->rdlen / E1000_DESC_SIZE;
	uint64_t got[4];
	got[0] = a->tx ? nic_hw_owned(h->tdh, h->tdt, n) : nic_hw_owned(h->rdh, h->rdt, n);
	got[1] = a->tx ? d->tx_ntc : d->rx_ntc;
	got[2] = a->tx ? d->tx_ntu : d->rx_ntu;
	got[3] = 0;
	uint32_t cnt = a->tx ? d->tx_count : d->rx_count;
	for (uint32_t i = 0; i < cnt; i++)
		got[3] += a->tx ? (d->txb && d->txb[i].mapped) : (d->rxb && d->rxb[i].mapped);
	for (int i = 0; i < 4; i++)
		if (a->has[i] && got[i] != a->v[i]) {
			snprintf(msg, cap, "expected %s ring %s = %" PRIu64 ", got %" PRIu64,
			         a->tx ? "tx" : "rx", ring_fields[i], a->v[i], got[i]);
			return 1;
		}
	return 0;
}

struct x_wire {
	int dev;
	int has_packets, has_length;
	uint64_t packets, length;
	const uint8_t *bytes;
	size_t nbytes;
};

static int xp_wire(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	struct x_wire *a = args;
	static const char *const keys[] = {"device", "packets", "length", "bytes", NULL};
	if (jr_expect_object(pc->jr, val, path) || jr_check_keys(pc->jr, val, path, keys) ||
	    xp_dev(pc, val, path, &a->dev))
		return -1;
	char p[256];
	const cJSON *v;
	int rc = 0;
	if ((v = jr_member(val, "packets"))) {
		jr_path_key(p, sizeof p, path, "packets");
		rc |= jr_u64(pc->jr, v, p, UINT64_MAX, &a->packets);
		a->has_packets = 1;
	}
	if ((v = jr_member(val, "length"))) {
		jr_path_key(p, sizeof p, path, "length");
		rc |= jr_u64(pc->jr, v, p, NIC_MAX_FRAME, &a->length);
		a->has_length = 1;
	}
	if ((v = jr_member(val, "bytes"))) {
		jr_path_key(p, sizeof p, path, "bytes");
		const char *hex;
		if (jr_str(pc->jr, v, p, &hex))
			return -1;
		uint8_t *b = scenario_alloc(pc->sc, strlen(hex) / 2 + 1);
		size_t nb = 0;
		int hi = -1;
		for (const char *c = hex; *c; c++) {
			int d = -1;
			if (*c >= '0' && *c <= '9')
				d = *c - '0';
			else if (*c >= 'a' && *c <= 'f')
				d = *c - 'a' + 10;
			else if (*c >= 'A' && *c <= 'F')
				d = *c - 'A' + 10;
			else if (*c == ' ' || *c == ':')
				continue;
			if (d < 0) {
				jr_error(pc->jr, v, p, "expected hex bytes, got \"%.40s\"", hex);
				return -1;
			}
			if (hi < 0)
				hi = d;
			else {
				b[nb++] = (uint8_t)(hi << 4 | d);
				hi = -1;
			}
		}
		if (hi >= 0 || nb > NIC_WIRE_BYTES) {
			jr_error(pc->jr, v, p,
			         "expected at most %d whole hex bytes (the start of the last frame)",
			         NIC_WIRE_BYTES);
			return -1;
		}
		a->bytes = b;
		a->nbytes = nb;
	}
	return rc;
}

static int xc_wire(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                   size_t cap)
{
	const struct x_wire *a = args;
	const struct nic_hw *h = &nic_get_const(m, a->dev)->hw;
	if (a->has_packets && h->wire_count != a->packets) {
		snprintf(msg, cap, "expected %" PRIu64 " frames sent on %s's wire, got %" PRIu64, a->packets,
		         m->devs[a->dev].d->name, h->wire_count);
		return 1;
	}
	if ((a->has_length || a->nbytes) && !h->wire_count) {
		snprintf(msg, cap, "expected a frame on %s's wire, got none", m->devs[a->dev].d->name);
		return 1;
	}
	const struct nic_wire_frame *w = &h->wire[(h->wire_count + NIC_WIRE_KEEP - 1) % NIC_WIRE_KEEP];
	if (a->has_length && w->len != a->length) {
		snprintf(msg, cap, "expected the last frame to be %" PRIu64 " bytes, got %u", a->length,
		         w->len);
		return 1;
	}
	if (a->nbytes && (w->len < a->nbytes || memcmp(w->head, a->bytes, a->nbytes))) {
		char got[200];
		size_t o = 0;
		for (size_t i = 0; i < a->nbytes && i < w->len && o + 4 < sizeof got; i++)
			o += (size_t)snprintf(got + o, sizeof got - o, "%s%02x", i ? " " : "", w->head[i]);
		snprintf(msg, cap, "expected the last frame to start with the given bytes, got %s", got);
		return 1;
	}
	return 0;
}

const struct expect_def nic_expects[] = {
    {"reg", sizeof(struct x_reg), xp_reg, xc_reg},
    {"desc", sizeof(struct x_desc), xp_desc, xc_desc},
    {"ring", sizeof(struct x_ring), xp_ring, xc_ring},
    {"wire", sizeof(struct x_wire), xp_wire, xc_wire},
    {NULL, 0, NULL, NULL},
};
