/*
 * nic.c — the e1000-style NIC (device type "e1000"): an Intel 8254x
 * (82540EM) with legacy descriptors, as QEMU's hw/net/e1000.c models it.
 *
 * What it models
 *   - BAR0 registers at the real offsets (e1000.h), reached only by MMIO:
 *     ICR read-to-clear (write-1-to-clear), ICS sets causes, IMS/IMC set and
 *     clear the mask, RDBAL/TDBAL keep bits 31:4, RDLEN/TDLEN bits 19:7.
 *   - Receive: a frame uses descriptors from RDH while RDH != RDT.
 *       per descriptor: fetch 16 bytes (DMA read) -> write the data (DMA
 *       write) -> write the descriptor back with length, EOP|IXSM on the
 *       last, status WITHOUT DD (DMA write) -> write the status byte with DD
 *       (a separate DMA write, last) -> RDH + 1.
 *     Not enough hardware-owned descriptors ((RDT - RDH) mod N buffers of
 *     RCTL.BSIZE bytes, as e1000_has_rxbufs): the frame is dropped, MPC + 1,
 *     ICR.RXO, RDH does not move. The frame is stored with its 4-byte FCS
 *     (RCTL.SECRC = 0, as Linux e1000 sets it; the driver drops the 4 bytes).
 *   - Transmit: on a TDT write, descriptors TDH..TDT are fetched, their
 *     buffers DMA-read and the frame "sent" (EV_WIRE_TX) at EOP; DD is
 *     written back (the upper dword, 4 bytes) only when CMD.RS (or RPS) was
 *     set; TDH advances past every descriptor either way; TXDW only when a
 *     descriptor was written back, TXQE when the queue is empty.
 *   - Every descriptor fetch, buffer access and write-back is
 *     dev_dma_read/dev_dma_write with this device's requester ID, so it
 *     goes through the IOMMU (or not) exactly like any other DMA.
 *   - Interrupts: level = ICR & IMS; a rising edge sends an MSI (dev_msi:
 *     a DMA write to 0xFEE00000 | APIC ID << 12). ITR (256 ns units) is the
 *     minimum gap between two MSIs; a later edge waits. RXT0 waits for the
 *     receive delay timer RDTR (restarted by every frame) or the absolute
 *     timer RADV (started by the first frame), both in 1.024 us units;
 *     RDTR = 0 means at once. TXDW of descriptors with CMD.IDE waits for
 *     TIDV / TADV the same way. Timers run on the simulated clock
 *     (device_type.next_deadline / fire).
 *
 *   timeline (RDTR = 32, RADV = 128, one frame every 12.3 us):
 *   frames  |  |  |  |  |  |  |  |  |  |  |     |  |  |  |  |
 *   RDTR     ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~(restarts each frame)
 *   RADV    [---------- 131 us ----------]X -> RXT0 -> MSI #1
 *
 * Faults: a descriptor fetch is a DMA read that needs its data: when the
 * IOMMU blocks it (reason 6h) the NIC stops that ring (frame dropped, RDH
 * or TDH unchanged). Data and write-back are posted writes: a blocked write
 * (reason 5h) is invisible to the NIC, which carries on.
 *
 * References: qemu: hw/net/e1000.c (e1000_receive_iov, start_xmit,
 * txdesc_writeback, set_interrupt_cause, e1000_has_rxbufs); Intel 8254x SDM
 * 3.2 (receive), 3.3-3.4 (transmit), 3.2.7 and 13.4.* (interrupt delays).
 *
 * Not modelled: context/extended descriptors (TSO, checksum offload: IXSM
 * tells the driver to ignore checksums, as QEMU does), VLAN, filtering
 * (every frame is accepted), link negotiation (link is up at 1000 Mb/s full
 * duplex), descriptor prefetch/write-back batching (RXDCTL/TXDCTL thresholds
 * are stored, not used), multiple queues and MSI-X (the 82540EM has one
 * queue pair and no MSI-X), statistics registers other than MPC.
 */
#include "nic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bits.h"
#include "dma.h"
#include "e1000.h"

struct nic_state *nic_get(struct machine *m, int dev)
{
	return (struct nic_state *)m->devs[dev].state;
}

const struct nic_state *nic_get_const(const struct machine *m, int dev)
{
	return (const struct nic_state *)m->devs[dev].state;
}

uint32_t nic_hw_owned(uint32_t head, uint32_t tail, uint32_t n)
{
	if (!n)
		return 0;
	return (tail + n - head % n) % n;
}

/* ---- register names ---- */

static const struct {
	const char *name;
	uint32_t off;
} reg_names[] = {
    {"CTRL", E1000_CTRL},     {"STATUS", E1000_STATUS}, {"ICR", E1000_ICR},       {"ITR", E1000_ITR},
    {"ICS", E1000_ICS},       {"IMS", E1000_IMS},       {"IMC", E1000_IMC},       {"RCTL", E1000_RCTL},
    {"TCTL", E1000_TCTL},     {"TIPG", E1000_TIPG},     {"RDBAL", E1000_RDBAL},   {"RDBAH", E1000_RDBAH},
    {"RDLEN", E1000_RDLEN},   {"RDH", E1000_RDH},       {"RDT", E1000_RDT},       {"RDTR", E1000_RDTR},
    {"RXDCTL", E1000_RXDCTL}, {"RADV", E1000_RADV},     {"TDBAL", E1000_TDBAL},   {"TDBAH", E1000_TDBAH},
    {"TDLEN", E1000_TDLEN},   {"TDH", E1000_TDH},       {"TDT", E1000_TDT},       {"TIDV", E1000_TIDV},
    {"TXDCTL", E1000_TXDCTL}, {"TADV", E1000_TADV},     {"RXCSUM", E1000_RXCSUM}, {"MPC", 0x4010},
};

int nic_reg_by_name(const char *name, uint32_t *off)
{
	for (size_t i = 0; i < sizeof reg_names / sizeof reg_names[0]; i++)
		if (!strcmp(reg_names[i].name, name)) {
			*off = reg_names[i].off;
			return 0;
		}
	return -1;
}

const char *nic_reg_name(uint32_t off)
{
	for (size_t i = 0; i < sizeof reg_names / sizeof reg_names[0]; i++)
		if (reg_names[i].off == off)
			return reg_names[i].name;
	return NULL;
}

static uint32_t *reg_ptr(struct nic_hw *h, uint32_t off)
{
	switch (off) {
	case E1000_CTRL:
		return &h->ctrl;
	case E1000_STATUS:
		return &h->status;
	case E1000_ICR:
		return &h->icr;
	case E1000_ITR:
		return &h->itr;
	case E1000_IMS:
		return &h->ims;
	case E1000_RCTL:
		return &h->rctl;
	case E1000_TCTL:
		return &h->tctl;
	case E1000_TIPG:
		return &h->tipg;
	case E1000_RDBAL:
		return &h->rdbal;
	case E1000_RDBAH:
		return &h->rdbah;
	case E1000_RDLEN:
		return &h->rdlen;
	case E1000_RDH:
		return &h->rdh;
	case E1000_RDT:
		return &h->rdt;
	case E1000_RDTR:
		return &h->rdtr;
	case E1000_RXDCTL:
		return &h->rxdctl;
	case E1000_RADV:
		return &h->radv;
	case E1000_TDBAL:
		return &h->tdbal;
	case E1000_TDBAH:
		return &h->tdbah;
	case E1000_TDLEN:
		return &h->tdlen;
	case E1000_TDH:
		return &h->tdh;
	case E1000_TDT:
		return &h->tdt;
	case E1000_TIDV:
		return &h->tidv;
	case E1000_TXDCTL:
		return &h->txdctl;
	case E1000_TADV:
		return &h->tadv;
	case E1000_RXCSUM:
		return &h->rxcsum;
	case 0x4010:
		return &h->mpc;
	default:
		return NULL;
	}
}

uint32_t nic_reg_peek(const struct machine *m, int dev, uint32_t off, int *ok)
{
	const struct nic_state *s = nic_get_const(m, dev);
	uint32_t *p = reg_ptr((struct nic_hw *)&s->hw, off);
	*ok = p != NULL;
	return p ? *p : 0;
}

/* ---- events ---- */

static void nic_ev(struct machine *m, int dev, enum ev_kind kind, uint16_t code, uint64_t addr,
                   uint64_t entry, uint64_t extra, uint32_t len, uint8_t flags)
{
	struct ev e = {0};
	e.kind = (uint16_t)kind;
	e.unit = kind == EV_WIRE_RX || kind == EV_WIRE_TX ? UNIT_WIRE : UNIT_NIC;
	e.actor = (int16_t)m->devs[dev].entity;
	e.code = code;
	e.addr_in = addr;
	e.space_in = SPACE_BUS;
	e.entry = entry;
	e.extra = extra;
	e.len = len;
	e.flags = flags;
	machine_emit(m, &e);
}

static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* IEEE 802.3 CRC-32 (reflected 0xEDB88320), as the MAC appends it; the
 * table is the usual byte-at-a-time one (entry n = CRC of the byte n). */
static const uint32_t crc32_table[256] = {
    0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau, 0x076dc419u, 0x706af48fu, 0xe963a535u, 0x9e6495a3u,
    0x0edb8832u, 0x79dcb8a4u, 0xe0d5e91eu, 0x97d2d988u, 0x09b64c2bu, 0x7eb17cbdu, 0xe7b82d07u, 0x90bf1d91u,
    0x1db71064u, 0x6ab020f2u, 0xf3b97148u, 0x84be41deu, 0x1adad47du, 0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u,
    0x136c9856u, 0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu, 0x14015c4fu, 0x63066cd9u, 0xfa0f3d63u, 0x8d080df5u,
    0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u, 0xa2677172u, 0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu,
    0x35b5a8fau, 0x42b2986cu, 0xdbbbc9d6u, 0xacbcf940u, 0x32d86ce3u, 0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u,
    0x26d930acu, 0x51de003au, 0xc8d75180u, 0xbfd06116u, 0x21b4f4b5u, 0x56b3c423u, 0xcfba9599u, 0xb8bda50fu,
    0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u, 0x2f6f7c87u, 0x58684c11u, 0xc1611dabu, 0xb6662d3du,
    0x76dc4190u, 0x01db7106u, 0x98d220bcu, 0xefd5102au, 0x71b18589u, 0x06b6b51fu, 0x9fbfe4a5u, 0xe8b8d433u,
    0x7807c9a2u, 0x0f00f934u, 0x9609a88eu, 0xe10e9818u, 0x7f6a0dbbu, 0x086d3d2du, 0x91646c97u, 0xe6635c01u,
    0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu, 0x6c0695edu, 0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u,
    0x65b0d9c6u, 0x12b7e950u, 0x8bbeb8eau, 0xfcb9887cu, 0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u, 0xfbd44c65u,
    0x4db26158u, 0x3ab551ceu, 0xa3bc0074u, 0xd4bb30e2u, 0x4adfa541u, 0x3dd895d7u, 0xa4d1c46du, 0xd3d6f4fbu,
    0x4369e96au, 0x346ed9fcu, 0xad678846u, 0xda60b8d0u, 0x44042d73u, 0x33031de5u, 0xaa0a4c5fu, 0xdd0d7cc9u,
    0x5005713cu, 0x270241aau, 0xbe0b1010u, 0xc90c2086u, 0x5768b525u, 0x206f85b3u, 0xb966d409u, 0xce61e49fu,
    0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u, 0x59b33d17u, 0x2eb40d81u, 0xb7bd5c3bu, 0xc0ba6cadu,
    0xedb88320u, 0x9abfb3b6u, 0x03b6e20cu, 0x74b1d29au, 0xead54739u, 0x9dd277afu, 0x04db2615u, 0x73dc1683u,
    0xe3630b12u, 0x94643b84u, 0x0d6d6a3eu, 0x7a6a5aa8u, 0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u,
    0xf00f9344u, 0x8708a3d2u, 0x1e01f268u, 0x6906c2feu, 0xf762575du, 0x806567cbu, 0x196c3671u, 0x6e6b06e7u,
    0xfed41b76u, 0x89d32be0u, 0x10da7a5au, 0x67dd4accu, 0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u,
    0xd6d6a3e8u, 0xa1d1937eu, 0x38d8c2c4u, 0x4fdff252u, 0xd1bb67f1u, 0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu,
    0xd80d2bdau, 0xaf0a1b4cu, 0x36034af6u, 0x41047a60u, 0xdf60efc3u, 0xa867df55u, 0x316e8eefu, 0x4669be79u,
    0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u, 0xcc0c7795u, 0xbb0b4703u, 0x220216b9u, 0x5505262fu,
    0xc5ba3bbeu, 0xb2bd0b28u, 0x2bb45a92u, 0x5cb36a04u, 0xc2d7ffa7u, 0xb5d0cf31u, 0x2cd99e8bu, 0x5bdeae1du,
    0x9b64c2b0u, 0xec63f226u, 0x756aa39cu, 0x026d930au, 0x9c0906a9u, 0xeb0e363fu, 0x72076785u, 0x05005713u,
    0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu, 0x0cb61b38u, 0x92d28e9bu, 0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u,
    0x86d3d2d4u, 0xf1d4e242u, 0x68ddb3f8u, 0x1fda836eu, 0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u, 0x18b74777u,
    0x88085ae6u, 0xff0f6a70u, 0x66063bcau, 0x11010b5cu, 0x8f659effu, 0xf862ae69u, 0x616bffd3u, 0x166ccf45u,
    0xa00ae278u, 0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u, 0xa7672661u, 0xd06016f7u, 0x4969474du, 0x3e6e77dbu,
    0xaed16a4au, 0xd9d65adcu, 0x40df0b66u, 0x37d83bf0u, 0xa9bcae53u, 0xdebb9ec5u, 0x47b2cf7fu, 0x30b5ffe9u,
    0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u, 0xbad03605u, 0xcdd70693u, 0x54de5729u, 0x23d967bfu,
    0xb3667a2eu, 0xc4614ab8u, 0x5d681b02u, 0x2a6f2b94u, 0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu, 0x2d02ef8du,
};

static uint32_t eth_crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	for (size_t i = 0; i < n; i++)
		c = crc32_table[(c ^ p[i]) & 0xFF] ^ (c >> 8);
	return ~c;
}

/* ---- interrupts ---- */

static uint64_t itr_gap(const struct nic_hw *h)
{
	return (uint64_t)(h->itr & 0xFFFF) * E1000_INTR_THROTTLING_NS_RES;
}

/* Re-evaluate the interrupt line; send an MSI on a rising edge unless ITR
 * holds it back or we are inside device/driver work (then later). */
static void nic_irq_eval(struct machine *m, int dev)
{
	struct nic_state *s = nic_get(m, dev);
	struct nic_hw *h = &s->hw;
	int level = (h->icr & h->ims) != 0;
	if (level && !h->irq_level)
		h->edge_pending = 1;
	if (!level)
		h->edge_pending = 0;
	h->irq_level = level;
	if (!h->edge_pending || h->busy)
		return;
	uint64_t gap = itr_gap(h);
	if (gap && h->any_irq && m->now_ns < h->last_irq_ns + gap)
		return; /* throttled: next_deadline reports last_irq + gap */
	h->edge_pending = 0;
	struct step_result r;
	memset(&r, 0, sizeof r);
	h->last_irq_ns = m->now_ns;
	h->any_irq = 1;
	/* the DMA layer counts "<dev>.irqs" for every MSI it delivers */
	if (dev_msi(m, dev, s->o.apic_id, s->o.msi_vector, &r) == 0) {
		if (h->irq_handler)
			h->irq_latched++;
	}
}

void nic_deliver(struct machine *m, int dev)
{
	struct nic_hw *h = &nic_get(m, dev)->hw;
	if (h->busy || h->in_handler)
		return;
	h->in_handler = 1;
	for (int guard = 0; h->irq_latched > 0 && h->irq_handler && guard < 1000000; guard++) {
		h->irq_latched--;
		h->busy++;
		h->irq_handler(m, dev);
		h->busy--;
		nic_irq_eval(m, dev);
	}
	h->in_handler = 0;
}

static void nic_enter(struct nic_hw *h)
{
	h->busy++;
}

static void nic_leave(struct machine *m, int dev)
{
	struct nic_hw *h = &nic_get(m, dev)->hw;
	if (--h->busy == 0) {
		nic_irq_eval(m, dev);
		nic_deliver(m, dev);
	}
}

void nic_hold(struct machine *m, int dev)
{
	nic_enter(&nic_get(m, dev)->hw);
}

void nic_release(struct machine *m, int dev)
{
	nic_leave(m, dev);
}

static void nic_cause(struct machine *m, int dev, uint32_t bits)
{
	nic_get(m, dev)->hw.icr |= bits;
	nic_irq_eval(m, dev);
}

static uint64_t nic_next_deadline(const struct machine *m, int dev)
{
	if (!m->devs[dev].state) /* asked during boot, before init */
		return UINT64_MAX;
	const struct nic_hw *h = &nic_get_const(m, dev)->hw;
	uint64_t t = UINT64_MAX;
	const uint64_t tm[4] = {h->rx_pkt_timer, h->rx_abs_timer, h->tx_pkt_timer, h->tx_abs_timer};
	for (int i = 0; i < 4; i++)
		if (tm[i] && tm[i] < t)
			t = tm[i];
	if (!h->busy && h->edge_pending) {
		uint64_t at = h->last_irq_ns + itr_gap(h);
		if (at < t)
			t = at;
	}
	return t;
}

static void nic_fire(struct machine *m, int dev, uint64_t now)
{
	struct nic_hw *h = &nic_get(m, dev)->hw;
	uint32_t cause = 0;
	if ((h->rx_pkt_timer && h->rx_pkt_timer <= now) || (h->rx_abs_timer && h->rx_abs_timer <= now)) {
		cause |= E1000_ICR_RXT0;
		h->rx_pkt_timer = h->rx_abs_timer = 0;
	}
	if ((h->tx_pkt_timer && h->tx_pkt_timer <= now) || (h->tx_abs_timer && h->tx_abs_timer <= now)) {
		cause |= E1000_ICR_TXDW;
		h->tx_pkt_timer = h->tx_abs_timer = 0;
	}
	h->icr |= cause;
	nic_irq_eval(m, dev);
	nic_deliver(m, dev);
}

/* ---- receive ---- */

static uint64_t rx_base(const struct nic_hw *h)
{
	return (uint64_t)h->rdbah << 32 | h->rdbal;
}

static uint64_t tx_base(const struct nic_hw *h)
{
	return (uint64_t)h->tdbah << 32 | h->tdbal;
}

static void rx_drop(struct machine *m, int dev, enum nic_rx_result why, uint32_t len, uint32_t cause)
{
	struct nic_hw *h = &nic_get(m, dev)->hw;
	counter_add_id(m, h->c_rx_dropped, 1);
	nic_ev(m, dev, EV_RX_DROP, (uint16_t)why, 0, h->rdh, h->rdt, len, 0);
	if (cause)
		h->icr |= cause;
}

enum nic_rx_result nic_receive(struct machine *m, int dev, const uint8_t *frame, uint32_t len,
                               struct step_result *r)
{
	struct nic_state *s = nic_get(m, dev);
	struct nic_hw *h = &s->hw;
	enum nic_rx_result res = NIC_RX_OK;
	uint32_t flen = len < NIC_MIN_FRAME ? NIC_MIN_FRAME : len;
	if (flen > NIC_MAX_FRAME)
		flen = NIC_MAX_FRAME;
	memset(h->rxframe, 0, flen);
	memcpy(h->rxframe, frame, len < flen ? len : flen);
	nic_ev(m, dev, EV_WIRE_RX, 0, 0, le64_load(h->rxframe), fnv1a(h->rxframe, flen), flen, 0);
	nic_enter(h);
	uint32_t n = h->rdlen / E1000_DESC_SIZE;
	uint32_t bufsz = e1000_rctl_bufsize(h->rctl);
	uint32_t total = flen;
	if (!(h->rctl & E1000_RCTL_SECRC)) {
		le32_store(h->rxframe + flen, eth_crc32(h->rxframe, flen));
		total += 4;
	}
	if (!(h->rctl & E1000_RCTL_EN)) {
		rx_drop(m, dev, NIC_RX_DISABLED, flen, 0);
		res = NIC_RX_DISABLED;
		goto out;
	}
	if (flen > 1514 + 4 && !(h->rctl & E1000_RCTL_LPE)) { /* 1518 with a VLAN tag; 1522 with FCS */
		counter_add_id(m, h->c_rx_long, 1);
		rx_drop(m, dev, NIC_RX_TOO_LONG, flen, 0);
		res = NIC_RX_TOO_LONG;
		goto out;
	}
	uint32_t owned = nic_hw_owned(h->rdh, h->rdt, n);
	if (!n || h->rdh >= n || (uint64_t)owned * bufsz < total) {
		h->mpc++;
		rx_drop(m, dev, NIC_RX_NO_BUFFERS, flen, E1000_ICR_RXO);
		res = NIC_RX_NO_BUFFERS;
		goto out;
	}
	uint32_t off = 0;
	do {
		uint64_t da = rx_base(h) + (uint64_t)h->rdh * E1000_DESC_SIZE;
		uint8_t d[E1000_DESC_SIZE];
		if (dev_dma_read(m, dev, da, d, sizeof d, r)) {
			counter_add_id(m, h->c_dma_faults, 1);
			nic_ev(m, dev, EV_DESC_FETCH, 0, da, 0, h->rdh, E1000_DESC_SIZE, EVF_BLOCKED);
			rx_drop(m, dev, NIC_RX_FAULT, flen, 0);
			res = NIC_RX_FAULT;
			goto out;
		}
		nic_ev(m, dev, EV_DESC_FETCH, 0, da, le64_load(d), h->rdh, E1000_DESC_SIZE, 0);
		uint64_t buf = le64_load(d + E1000_RXD_ADDR);
		uint8_t status = d[E1000_RXD_STATUS] & (uint8_t)~E1000_RXD_STAT_DD;
		if (buf) {
			uint32_t chunk = total - off < bufsz ? total - off : bufsz;
			if (dev_dma_write(m, dev, buf, h->rxframe + off, chunk, r))
				counter_add_id(m, h->c_dma_faults, 1); /* posted: the NIC never learns */
			off += chunk;
			le16_store(d + E1000_RXD_LENGTH, (uint16_t)chunk);
			if (off >= total)
				status |= E1000_RXD_STAT_EOP | E1000_RXD_STAT_IXSM;
			else
				status &= (uint8_t)~E1000_RXD_STAT_EOP;
			le16_store(d + E1000_RXD_CSUM, 0);
			d[E1000_RXD_ERRORS] = 0;
			le16_store(d + E1000_RXD_SPECIAL, 0);
		}
		d[E1000_RXD_STATUS] = status;
		/* the descriptor first, DD last and separately (current QEMU) */
		if (dev_dma_write(m, dev, da, d, sizeof d, r))
			counter_add_id(m, h->c_dma_faults, 1);
		status |= E1000_RXD_STAT_DD;
		if (dev_dma_write(m, dev, da + E1000_RXD_STATUS, &status, 1, r))
			counter_add_id(m, h->c_dma_faults, 1);
		nic_ev(m, dev, EV_DESC_WB, 0, da, status, h->rdh, le16_load(d + E1000_RXD_LENGTH), EVF_WRITE);
		counter_add_id(m, h->c_rx_desc, 1);
		h->rdh = (h->rdh + 1) % n;
	} while (off < total && h->rdh != h->rdt);
	counter_add_id(m, h->c_rx_packets, 1);
	counter_add_id(m, h->c_rx_bytes, flen);
	/* RXDMT0: free descriptors at or below RDLEN >> (RDMTS + 1), as QEMU */
	uint32_t cause = 0;
	uint32_t shift = ((h->rctl & E1000_RCTL_RDMTS_MASK) >> 8) + 1;
	if ((uint64_t)nic_hw_owned(h->rdh, h->rdt, n) * E1000_DESC_SIZE <= (h->rdlen >> shift))
		cause |= E1000_ICR_RXDMT0;
	if (!(h->rdtr & 0xFFFF)) {
		cause |= E1000_ICR_RXT0;
	} else {
		h->rx_pkt_timer = m->now_ns + (uint64_t)(h->rdtr & 0xFFFF) * E1000_INTR_DELAY_NS_RES;
		if ((h->radv & 0xFFFF) && !h->rx_abs_timer)
			h->rx_abs_timer = m->now_ns + (uint64_t)(h->radv & 0xFFFF) * E1000_INTR_DELAY_NS_RES;
	}
	h->icr |= cause;
out:
	nic_leave(m, dev);
	return res;
}

/* ---- transmit ---- */

static void wire_send(struct machine *m, int dev)
{
	struct nic_hw *h = &nic_get(m, dev)->hw;
	struct nic_wire_frame *w = &h->wire[h->wire_count % NIC_WIRE_KEEP];
	w->len = h->frame_len;
	w->hash = fnv1a(h->frame, h->frame_len);
	memset(w->head, 0, sizeof w->head);
	memcpy(w->head, h->frame, h->frame_len < NIC_WIRE_BYTES ? h->frame_len : NIC_WIRE_BYTES);
	h->wire_count++;
	uint8_t first[8] = {0};
	memcpy(first, h->frame, h->frame_len < 8 ? h->frame_len : 8);
	nic_ev(m, dev, EV_WIRE_TX, 0, 0, le64_load(first), w->hash, h->frame_len, 0);
	counter_add_id(m, h->c_tx_packets, 1);
	counter_add_id(m, h->c_tx_bytes, h->frame_len);
}

static void keep_fault(struct nic_hw *h, const struct step_result *r)
{
	if (r->fault.valid && !h->fault.valid)
		h->fault = r->fault;
}

void nic_take_fault(struct machine *m, int dev, struct step_result *r)
{
	struct nic_hw *h = &nic_get(m, dev)->hw;
	if (h->fault.valid && !r->fault.valid)
		r->fault = h->fault;
	memset(&h->fault, 0, sizeof h->fault);
}

static void nic_start_xmit(struct machine *m, int dev)
{
	struct nic_hw *h = &nic_get(m, dev)->hw;
	uint32_t n = h->tdlen / E1000_DESC_SIZE;
	if (!(h->tctl & E1000_TCTL_EN) || !n)
		return;
	nic_enter(h);
	struct step_result r;
	memset(&r, 0, sizeof r);
	uint32_t cause = E1000_ICR_TXQE;
	int ide = 0;
	for (uint32_t guard = 0; h->tdh != h->tdt && guard < n; guard++) {
		if (h->tdh >= n)
			break; /* TDH outside the ring: QEMU stops too */
		uint64_t da = tx_base(h) + (uint64_t)h->tdh * E1000_DESC_SIZE;
		uint8_t d[E1000_DESC_SIZE];
		if (dev_dma_read(m, dev, da, d, sizeof d, &r)) {
			counter_add_id(m, h->c_dma_faults, 1);
			nic_ev(m, dev, EV_DESC_FETCH, 1, da, 0, h->tdh, E1000_DESC_SIZE, EVF_BLOCKED);
			break; /* the ring stalls at TDH */
		}
		nic_ev(m, dev, EV_DESC_FETCH, 1, da, le64_load(d), h->tdh, E1000_DESC_SIZE, 0);
		uint64_t buf = le64_load(d + E1000_TXD_ADDR);
		uint32_t lower = le32_load(d + E1000_TXD_LOWER);
		uint32_t upper = le32_load(d + E1000_TXD_UPPER);
		uint32_t dlen = lower & 0xFFFF;
		if (!(lower & E1000_TXD_CMD_DEXT)) {
			if (h->frame_len + dlen > NIC_MAX_FRAME) {
				h->frame_bad = 1;
			} else if (dlen) {
				if (dev_dma_read(m, dev, buf, h->frame + h->frame_len, dlen, &r)) {
					counter_add_id(m, h->c_dma_faults, 1);
					h->frame_bad = 1;
				}
				h->frame_len += dlen;
			}
			if (lower & E1000_TXD_CMD_EOP) {
				if (!h->frame_bad)
					wire_send(m, dev);
				h->frame_len = 0;
				h->frame_bad = 0;
			}
		}
		counter_add_id(m, h->c_tx_desc, 1);
		if (lower & (E1000_TXD_CMD_RS | E1000_TXD_CMD_RPS)) {
			upper |= E1000_TXD_STAT_DD;
			uint8_t u[4];
			le32_store(u, upper);
			if (dev_dma_write(m, dev, da + E1000_TXD_UPPER, u, sizeof u, &r))
				counter_add_id(m, h->c_dma_faults, 1);
			nic_ev(m, dev, EV_DESC_WB, 1, da, upper & 0xFF, h->tdh, dlen, EVF_WRITE);
			cause |= E1000_ICR_TXDW;
			if (lower & E1000_TXD_CMD_IDE)
				ide = 1;
		}
		h->tdh = (h->tdh + 1) % n;
	}
	keep_fault(h, &r);
	if (h->tdh != h->tdt)
		cause &= ~E1000_ICR_TXQE;
	if ((cause & E1000_ICR_TXDW) && ide && (h->tidv & 0xFFFF)) {
		cause &= ~E1000_ICR_TXDW;
		h->tx_pkt_timer = m->now_ns + (uint64_t)(h->tidv & 0xFFFF) * E1000_INTR_DELAY_NS_RES;
		if ((h->tadv & 0xFFFF) && !h->tx_abs_timer)
			h->tx_abs_timer = m->now_ns + (uint64_t)(h->tadv & 0xFFFF) * E1000_INTR_DELAY_NS_RES;
	}
	h->icr |= cause;
	nic_leave(m, dev);
}

/* ---- MMIO ---- */

uint64_t nic_mmio_read(struct machine *m, int dev, uint64_t off, unsigned len)
{
	struct nic_hw *h = &nic_get(m, dev)->hw;
	uint32_t *p = reg_ptr(h, (uint32_t)(off & ~3ull));
	if (!p)
		return 0;
	uint32_t v = *p;
	if (p == &h->icr) { /* read-to-clear */
		h->icr = 0;
		nic_irq_eval(m, dev);
	} else if (p == &h->mpc) {
		h->mpc = 0;
	}
	return v;
}

void nic_mmio_write(struct machine *m, int dev, uint64_t off, uint64_t val64, unsigned len)
{
	struct nic_hw *h = &nic_get(m, dev)->hw;
	uint32_t v = (uint32_t)val64;
	switch ((uint32_t)(off & ~3ull)) {
	case E1000_ICR:
		h->icr &= ~v;
		nic_irq_eval(m, dev);
		break; /* write 1 to clear */
	case E1000_ICS:
		nic_cause(m, dev, v);
		break;
	case E1000_IMS:
		h->ims |= v;
		nic_irq_eval(m, dev);
		break;
	case E1000_IMC:
		h->ims &= ~v;
		nic_irq_eval(m, dev);
		break;
	case E1000_STATUS:
		break; /* read-only */
	case E1000_ITR:
		h->itr = v & 0xFFFF;
		break;
	case E1000_RDBAL:
		h->rdbal = v & E1000_XDBAL_MASK;
		break;
	case E1000_TDBAL:
		h->tdbal = v & E1000_XDBAL_MASK;
		break;
	case E1000_RDLEN:
		h->rdlen = v & E1000_XDLEN_MASK;
		break;
	case E1000_TDLEN:
		h->tdlen = v & E1000_XDLEN_MASK;
		break;
	case E1000_RDH:
		h->rdh = v & E1000_XDHT_MASK;
		break;
	case E1000_RDT:
		h->rdt = v & E1000_XDHT_MASK;
		break;
	case E1000_TDH:
		h->tdh = v & E1000_XDHT_MASK;
		break;
	case E1000_TDT:
		h->tdt = v & E1000_XDHT_MASK;
		nic_start_xmit(m, dev);
		break;
	case E1000_TCTL:
		h->tctl = v;
		nic_start_xmit(m, dev);
		break;
	case E1000_RDTR:
		h->rdtr = v & 0xFFFF;
		if ((v & 0x80000000u) && (h->rx_pkt_timer || h->rx_abs_timer)) { /* FPD: flush now */
			h->rx_pkt_timer = h->rx_abs_timer = 0;
			nic_cause(m, dev, E1000_ICR_RXT0);
		}
		break;
	case E1000_TIDV:
		h->tidv = v & 0xFFFF;
		if ((v & 0x80000000u) && (h->tx_pkt_timer || h->tx_abs_timer)) {
			h->tx_pkt_timer = h->tx_abs_timer = 0;
			nic_cause(m, dev, E1000_ICR_TXDW);
		}
		break;
	case E1000_RADV:
		h->radv = v & 0xFFFF;
		break;
	case E1000_TADV:
		h->tadv = v & 0xFFFF;
		break;
	case 0x4010:
		break; /* MPC is read-only */
	default: {
		uint32_t *p = reg_ptr(h, (uint32_t)(off & ~3ull));
		if (p)
			*p = v;
	}
	}
	nic_deliver(m, dev);
}

/* ---- the device type ---- */

static const char *const nic_keys[] = {
    "rx_ring",      "tx_ring",          "buf_size", "mtu",  "itr",     "rx_int_delay", "rx_abs_int_delay",
    "tx_int_delay", "tx_abs_int_delay", "budget",   "napi", "apic_id", "msi_vector",   NULL};

static int opt_u32(struct jr *jr, const cJSON *dev, const char *path, const char *key, uint64_t min,
                   uint64_t max, uint32_t *out)
{
	const cJSON *v = jr_member(dev, key);
	if (!v)
		return 0;
	char p[128];
	jr_path_key(p, sizeof p, path, key);
	uint64_t x;
	if (jr_u64(jr, v, p, max, &x))
		return -1;
	if (x < min) {
		jr_error(jr, v, p, "expected at least %llu, got %llu", (unsigned long long)min,
		         (unsigned long long)x);
		return -1;
	}
	*out = (uint32_t)x;
	return 0;
}

static int ring_opt(struct jr *jr, const cJSON *dev, const char *path, const char *key, uint32_t *out)
{
	const cJSON *v = jr_member(dev, key);
	if (opt_u32(jr, dev, path, key, 8, NIC_MAX_RING, out))
		return -1;
	if (v && *out % 8) {
		char p[128];
		jr_path_key(p, sizeof p, path, key);
		jr_error(jr, v, p,
		         "expected a multiple of 8 descriptors (RDLEN/TDLEN keep bits 19:7: multiples of 128 "
		         "bytes), got %u",
		         *out);
		return -1;
	}
	return 0;
}

static int nic_parse_opts(struct jr *jr, const cJSON *dev, const char *path, void *opts)
{
	struct nic_opts *o = opts;
	int bad = 0;
	o->rx_ring = o->tx_ring = 256;
	o->buf_size = 2048;
	o->mtu = 1500;
	o->itr = 0;
	o->rx_int_delay = 0;
	o->rx_abs_int_delay = 8;
	o->tx_int_delay = 8;
	o->tx_abs_int_delay = 32;
	o->budget = 64;
	o->napi_auto = 0;
	o->apic_id = 0;
	o->msi_vector = 0x41;
	bad |= ring_opt(jr, dev, path, "rx_ring", &o->rx_ring);
	bad |= ring_opt(jr, dev, path, "tx_ring", &o->tx_ring);
	const cJSON *bs = jr_member(dev, "buf_size");
	if (bs) {
		char p[128];
		jr_path_key(p, sizeof p, path, "buf_size");
		uint64_t x;
		int ok = 0;
		if (jr_size(jr, bs, p, 1 << 20, &x) == 0) {
			e1000_bufsize_rctl((uint32_t)x, &ok);
			if (!ok)
				jr_error(jr, bs, p,
				         "expected a receive buffer size the 8254x supports (256, 512, 1024, "
				         "2048, 4096, "
				         "8192, 16384 bytes: RCTL.BSIZE/BSEX), got %llu",
				         (unsigned long long)x);
			else
				o->buf_size = (uint32_t)x;
		}
		bad |= !ok;
	}
	bad |= opt_u32(jr, dev, path, "mtu", 68, NIC_MAX_FRAME - 18, &o->mtu);
	const cJSON *itr = jr_member(dev, "itr");
	bad |= opt_u32(jr, dev, path, "itr", 0, 100000, &o->itr);
	if (itr && o->itr && o->itr < 100) {
		char p[128];
		jr_path_key(p, sizeof p, path, "itr");
		jr_error(
		    jr, itr, p,
		    "expected 0 (off) or interrupts per second 100..100000 (the dynamic modes 1 and 3 of "
		    "InterruptThrottleRate are not modelled), got %u",
		    o->itr);
		bad = 1;
	}
	bad |= opt_u32(jr, dev, path, "rx_int_delay", 0, 0xFFFF, &o->rx_int_delay);
	bad |= opt_u32(jr, dev, path, "rx_abs_int_delay", 0, 0xFFFF, &o->rx_abs_int_delay);
	bad |= opt_u32(jr, dev, path, "tx_int_delay", 0, 0xFFFF, &o->tx_int_delay);
	bad |= opt_u32(jr, dev, path, "tx_abs_int_delay", 0, 0xFFFF, &o->tx_abs_int_delay);
	bad |= opt_u32(jr, dev, path, "budget", 1, 4096, &o->budget);
	bad |= opt_u32(jr, dev, path, "apic_id", 0, 255, &o->apic_id);
	bad |= opt_u32(jr, dev, path, "msi_vector", 0x10, 0xFE, &o->msi_vector);
	const cJSON *nv = jr_member(dev, "napi");
	if (nv) {
		static const char *const modes[] = {"step", "auto", NULL};
		char p[128];
		jr_path_key(p, sizeof p, path, "napi");
		int k = 0;
		if (jr_enum(jr, nv, p, modes, &k))
			bad = 1;
		o->napi_auto = k == 1;
	}
	return bad ? -1 : 0;
}

static int nic_counter(struct machine *m, int dev, const char *what)
{
	char name[64];
	snprintf(name, sizeof name, "%s.%s", m->devs[dev].d->name, what);
	return counter_id(m, name);
}

static int nic_init(struct machine *m, int dev)
{
	struct nic_state *s = calloc(1, sizeof *s);
	if (!s)
		return -1;
	if (m->devs[dev].d->opts)
		s->o = *(const struct nic_opts *)m->devs[dev].d->opts;
	else {
		struct nic_opts o = {256, 256, 2048, 1500, 0, 0, 8, 8, 32, 64, 0, 0, 0x41};
		s->o = o;
	}
	m->devs[dev].state = s;
	struct nic_hw *h = &s->hw;
	h->status = E1000_STATUS_FD | E1000_STATUS_LU | E1000_STATUS_SPEED_1000;
	h->c_rx_packets = nic_counter(m, dev, "rx_packets");
	h->c_rx_bytes = nic_counter(m, dev, "rx_bytes");
	h->c_rx_dropped = nic_counter(m, dev, "rx_dropped");
	h->c_rx_long = nic_counter(m, dev, "rx_length_errors");
	h->c_rx_desc = nic_counter(m, dev, "rx_descriptors");
	h->c_tx_packets = nic_counter(m, dev, "tx_packets");
	h->c_tx_bytes = nic_counter(m, dev, "tx_bytes");
	h->c_tx_desc = nic_counter(m, dev, "tx_descriptors");
	h->c_dma_faults = nic_counter(m, dev, "dma_faults");
	h->c_irq_throttled = -1;
	struct drv_e1000 *d = &s->drv;
	d->c_stack_packets = nic_counter(m, dev, "drv_rx_packets");
	d->c_stack_bytes = nic_counter(m, dev, "drv_rx_bytes");
	d->c_tx_busy = nic_counter(m, dev, "tx_busy");
	d->c_map_errors = nic_counter(m, dev, "dma_map_errors");
	d->c_polls = nic_counter(m, dev, "napi_polls");
	d->c_tx_cleaned = nic_counter(m, dev, "tx_cleaned");
	d->c_spurious = nic_counter(m, dev, "spurious_irqs");
	return 0;
}

static void nic_free_state(struct machine *m, int dev)
{
	struct nic_state *s = nic_get(m, dev);
	if (!s)
		return;
	free(s->drv.rxb);
	free(s->drv.txb);
	free(s);
	m->devs[dev].state = NULL;
}

const struct device_type e1000_device_type = {
    .name = "e1000",
    .type_id = DEV_E1000,
    .opts_size = sizeof(struct nic_opts),
    .keys = nic_keys,
    .parse_opts = nic_parse_opts,
    .default_bar_size = E1000_BAR_SIZE,
    .init = nic_init,
    .free_state = nic_free_state,
    .mmio_read = nic_mmio_read,
    .mmio_write = nic_mmio_write,
    .next_deadline = nic_next_deadline,
    .fire = nic_fire,
};
