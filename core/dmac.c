/*
 * dmac.c — a PL330-like DMA controller (device type "pl330"), a UART with
 * a transmit FIFO (device type "uart"), the dmaengine client flow as
 * scenario actions, and cpu.memcpy for comparison.
 *
 * The controller is a bus master with its own requester ID (BDF): every
 * byte it moves, and every instruction it fetches, is dev_dma_read /
 * dev_dma_write with ITS device index, so with a translated domain the
 * addresses translate in the controller's own context entry (facts
 * invariant 31). That is why Linux clients map buffers against
 * dmaengine_get_dma_device(chan), not against their own device.
 *
 * Like the real PL330 (ARM DDI 0424), a channel thread runs a small
 * program ("microcode") that the driver writes into memory and starts with
 * DMAGO through the debug registers. The model decodes these instructions
 * (encodings as in linux: drivers/dma/pl330.c):
 *
 *   byte 0          size  instruction
 *   0xBC rd imm32     6   DMAMOV SAR (rd 0) / CCR (rd 1) / DAR (rd 2)
 *   0x20|lc<<1 n-1    2   DMALP  loop counter lc = n - 1
 *   0x38|lc<<2 back   2   DMALPEND (finite): if lc-- != 0, jump back
 *   0x04              1   DMALD  one source burst into the channel FIFO
 *   0x08              1   DMAST  one destination burst out of the FIFO
 *   0x30|c  p<<3      2   DMAWFP wait for peripheral p's request
 *   0x29    p<<3      2   DMASTP store a burst to peripheral p
 *   0x35    p<<3      2   DMAFLUSHP
 *   0x12 / 0x13 / 0x18 1  DMARMB / DMAWMB / DMANOP
 *   0x34    ev<<3     2   DMASEV raise event / interrupt ev
 *   0x00              1   DMAEND
 *   0xA0|ns<<1 ch a32 6   DMAGO (manager thread, via DBGINST0/1 + DBGCMD)
 *
 *   CCR: SRC_INC 0, SRC_BURST_SIZE 3:1 (2^n bytes), SRC_BURST_LEN 7:4 (n+1),
 *        DST_INC 14, DST_BURST_SIZE 17:15, DST_BURST_LEN 21:18
 *
 *   registers: DSR 0x000, INTEN 0x020, INT_EVENT_RIS 0x024, INTMIS 0x028,
 *   INTCLR 0x02C, FSRC 0x034, FTC(n) 0x040+4n, CSR(n) 0x100+8n, CPC(n)
 *   0x104+8n, SAR(n) 0x400+0x20n, DAR +4, CCR +8, LC0 +0xC, LC1 +0x10,
 *   DBGSTATUS 0xD00, DBGCMD 0xD04, DBGINST0 0xD08, DBGINST1 0xD0C.
 *
 * The client flow (linux: include/linux/dmaengine.h, Documentation/
 * driver-api/dmaengine/client.rst): dma_request_chan -> dma_map_single
 * against the controller -> dmaengine_prep_dma_memcpy (or prep_slave for
 * the UART) -> dmaengine_submit (a cookie) -> dma_async_issue_pending ->
 * interrupt -> callback. A provider embeds struct dma_device in its own
 * private struct and calls dma_async_device_register (there is no
 * alloc_dma_device()); its DT node says compatible = "arm,pl330",
 * "arm,primecell" with an apb_pclk clock.
 *
 * Simplifications (say them when teaching):
 *   - a PL330 signals on wired interrupt lines; on this x86 machine the
 *     model delivers its interrupt as an MSI (dev_msi);
 *   - issue_pending runs all submitted descriptors of a channel as ONE
 *     program with one DMASEV at the end (the client asked for
 *     DMA_PREP_INTERRUPT on the last one); pl330.c queues one request per
 *     descriptor;
 *   - peripheral stores (DMASTP) reach the UART FIFO through the PL330's
 *     peripheral interface directly; pl330.c maps the FIFO address with
 *     dma_map_resource, which this model does not;
 *   - the instruction cache is one 32-byte line; no secure/non-secure
 *     distinction, no watchdog, no cyclic transfers; transfers run to
 *     completion inside the step that starts them;
 *   - a fault raises the same interrupt (a PL330 has a separate abort
 *     line, irq_abort); pl330.c's _stop() also clears the channel's INTEN
 *     bit and _trigger() sets it again: the model keeps INTEN as probed.
 *
 * A faulting channel, as pl330.c handles it: pl330_update() sees the
 * channel's bit in FSRC, logs "Reset Channel-N CS-x FTC-y" and kills the
 * thread (DMAKILL through the debug registers); pl330_dotask() then calls
 * dma_pl330_rqcb(desc, PL330_ERR_ABORT), which ignores the error and marks
 * the descriptor DONE: its cookie completes and the client's callback
 * runs as if the transfer had worked. The client cannot tell.
 */
#include "dmac.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bits.h"
#include "dma.h"
#include "mmu.h"
#include "scenario.h"

#define PL330_ERR_ABORT 2 /* pl330.c: enum pl330_op_err { NONE, FAIL, ABORT } */

#define PL330_MAX_CHAN       8
#define PL330_MAX_DESC       32
#define PL330_MCODE_PER_CHAN 1024u /* bytes of microcode buffer per channel */
#define PL330_ICACHE         32u
#define UART_MAX_FIFO        64
#define UART_KEEP            64

/* registers */
#define PL330_DSR       0x000u
#define PL330_INTEN     0x020u
#define PL330_RIS       0x024u
#define PL330_INTMIS    0x028u
#define PL330_INTCLR    0x02Cu
#define PL330_FSRC      0x034u
#define PL330_FTC(n)    (0x040u + 4u * (n))
#define PL330_CSR(n)    (0x100u + 8u * (n))
#define PL330_CPC(n)    (0x104u + 8u * (n))
#define PL330_SAR(n)    (0x400u + 0x20u * (n))
#define PL330_DAR(n)    (0x404u + 0x20u * (n))
#define PL330_CCR(n)    (0x408u + 0x20u * (n))
#define PL330_DBGSTATUS 0xD00u
#define PL330_DBGCMD    0xD04u
#define PL330_DBGINST0  0xD08u
#define PL330_DBGINST1  0xD0Cu

/* fault type bits (FTC) */
#define FTC_UNDEF_INSTR (1u << 0)
#define FTC_INSTR_FETCH (1u << 16)
#define FTC_DATA_READ   (1u << 18)

/* CCR helpers */
#define CCR_SRC_INC        (1u << 0)
#define CCR_DST_INC        (1u << 14)
#define CCR_SRC(bsz, blen) ((uint32_t)(bsz) << 1 | (uint32_t)((blen)-1) << 4)
#define CCR_DST(bsz, blen) ((uint32_t)(bsz) << 15 | (uint32_t)((blen)-1) << 18)

enum chan_state { CH_STOPPED, CH_EXECUTING, CH_FAULTING };

struct pl330_chan {
	uint32_t pc, sar, dar, ccr, lc[2];
	enum chan_state state;
	uint8_t fifo[256];
	uint32_t fifo_len;
	uint32_t ftc;
};

enum desc_state { D_FREE, D_PREPARED, D_SUBMITTED, D_ISSUED, D_COMPLETE };

struct pl330_desc {
	enum desc_state st;
	int chan, slave, periph;
	uint64_t src, dst;
	uint32_t len, cookie;
};

struct dmac_opts {
	uint32_t channels, apic_id, msi_vector;
};

struct dmac_state {
	struct dmac_opts o;
	/* hardware */
	struct pl330_chan ch[PL330_MAX_CHAN];
	uint32_t inten, ris, fsrc, dbginst0, dbginst1;
	uint64_t icache_base;
	int icache_valid;
	uint8_t icache[PL330_ICACHE];
	int irq_latched, in_handler;
	struct fault_info fault; /* first DMA fault of the last run, for the step's expects */
	/* driver (pl330.c + dmaengine core), one per controller */
	int probed;
	uint64_t bar_va;
	uint64_t mcode_phys, mcode_dma;
	uint32_t chan_used; /* bitmap of requested channels */
	struct pl330_desc desc[PL330_MAX_DESC];
	uint32_t next_cookie;
	int c_bytes, c_irqs_done, c_callbacks, c_faults, c_transfer_ns, c_insns, c_cpu_ns;
};

struct uart_opts {
	uint32_t fifo, baud;
};

struct uart_state {
	struct uart_opts o;
	uint8_t fifo[UART_MAX_FIFO];
	uint32_t count;
	uint32_t dmacr;
	uint8_t out[UART_KEEP];
	uint64_t sent;
	int c_tx;
};

static struct dmac_state *dmac_get(struct machine *m, int dev)
{
	return m->devs[dev].state;
}

static void dmac_ev(struct machine *m, int dev, enum dmac_ev code, uint64_t addr, uint64_t entry,
                    uint64_t extra, uint32_t len, int kernel)
{
	struct ev e = {0};
	e.kind = EV_DMAC;
	e.unit = kernel ? UNIT_KERNEL : UNIT_DMAC;
	e.actor = (int16_t)(kernel ? m->devs[dev].d->owner_entity : m->devs[dev].entity);
	e.code = (uint16_t)code;
	e.addr_in = addr;
	e.space_in = SPACE_BUS;
	e.entry = entry;
	e.extra = extra;
	e.len = len;
	machine_emit(m, &e);
}

/* ------------------------------------------------------------------ */
/* UART                                                                 */

#define UART_DR      0x000u
#define UART_FR      0x018u
#define UART_DMACR   0x048u
#define UART_FR_TXFF (1u << 5)
#define UART_FR_TXFE (1u << 7)

static int uart_find(const struct machine *m)
{
	for (int i = 0; i < m->ndevs; i++)
		if (m->devs[i].d->type_id == DEV_UART)
			return i;
	return -1;
}

/* the shift register sends everything in the FIFO (10 bits per byte) */
static void uart_drain(struct machine *m, int dev)
{
	struct uart_state *u = m->devs[dev].state;
	if (!u->count)
		return;
	uint64_t bit_ns = 1000000000ull / (u->o.baud ? u->o.baud : 115200);
	machine_advance(m, (uint64_t)u->count * 10 * bit_ns);
	for (uint32_t i = 0; i < u->count; i++) {
		memmove(u->out, u->out + 1, UART_KEEP - 1);
		u->out[UART_KEEP - 1] = u->fifo[i];
	}
	u->sent += u->count;
	counter_add_id(m, u->c_tx, u->count);
	struct ev e = {0};
	e.kind = EV_DMAC;
	e.unit = UNIT_DEVICE;
	e.actor = (int16_t)m->devs[dev].entity;
	e.code = DMAC_UART_TX;
	e.len = u->count;
	machine_emit(m, &e);
	u->count = 0;
}

static void uart_push(struct machine *m, int dev, uint8_t b)
{
	struct uart_state *u = m->devs[dev].state;
	if (u->count >= u->o.fifo)
		uart_drain(m, dev);
	u->fifo[u->count++] = b;
}

static uint64_t uart_mmio_read(struct machine *m, int dev, uint64_t off, unsigned len)
{
	struct uart_state *u = m->devs[dev].state;
	if (off == UART_FR)
		return (u->count >= u->o.fifo ? UART_FR_TXFF : 0) | (u->count ? 0 : UART_FR_TXFE);
	if (off == UART_DMACR)
		return u->dmacr;
	return 0;
}

static void uart_mmio_write(struct machine *m, int dev, uint64_t off, uint64_t v, unsigned len)
{
	struct uart_state *u = m->devs[dev].state;
	if (off == UART_DR)
		uart_push(m, dev, (uint8_t)v);
	else if (off == UART_DMACR)
		u->dmacr = (uint32_t)v & 7;
}

static const char *const uart_keys[] = {"fifo", "baud", NULL};

static int uart_parse(struct jr *jr, const cJSON *dev, const char *path, void *opts)
{
	struct uart_opts *o = opts;
	o->fifo = 16;
	o->baud = 115200;
	char p[128];
	uint64_t v;
	const cJSON *x;
	if ((x = jr_member(dev, "fifo"))) {
		jr_path_key(p, sizeof p, path, "fifo");
		if (jr_u64(jr, x, p, UART_MAX_FIFO, &v) || !v) {
			if (!v)
				jr_error(jr, x, p, "expected a FIFO of 1..%d bytes", UART_MAX_FIFO);
			return -1;
		}
		o->fifo = (uint32_t)v;
	}
	if ((x = jr_member(dev, "baud"))) {
		jr_path_key(p, sizeof p, path, "baud");
		if (jr_u64(jr, x, p, 100000000, &v) || v < 300) {
			if (v < 300)
				jr_error(jr, x, p, "expected a baud rate of at least 300");
			return -1;
		}
		o->baud = (uint32_t)v;
	}
	return 0;
}

static int uart_init(struct machine *m, int dev)
{
	struct uart_state *u = calloc(1, sizeof *u);
	if (!u)
		return -1;
	u->o.fifo = 16;
	u->o.baud = 115200;
	if (m->devs[dev].d->opts)
		u->o = *(const struct uart_opts *)m->devs[dev].d->opts;
	char n[64];
	snprintf(n, sizeof n, "%s.tx_bytes", m->devs[dev].d->name);
	u->c_tx = counter_id(m, n);
	m->devs[dev].state = u;
	return 0;
}

static void generic_free(struct machine *m, int dev)
{
	free(m->devs[dev].state);
	m->devs[dev].state = NULL;
}

const struct device_type uart_device_type = {
    .name = "uart",
    .type_id = DEV_UART,
    .opts_size = sizeof(struct uart_opts),
    .keys = uart_keys,
    .parse_opts = uart_parse,
    .default_bar_size = 4096,
    .init = uart_init,
    .free_state = generic_free,
    .mmio_read = uart_mmio_read,
    .mmio_write = uart_mmio_write,
};

/* ------------------------------------------------------------------ */
/* PL330: the channel thread                                            */

static int ifetch(struct machine *m, int dev, uint32_t pc, uint8_t *out, unsigned n)
{
	struct dmac_state *s = dmac_get(m, dev);
	for (unsigned i = 0; i < n; i++) {
		uint32_t a = pc + i;
		uint64_t line = a & ~(uint64_t)(PL330_ICACHE - 1);
		if (!s->icache_valid || s->icache_base != line) {
			struct step_result r;
			memset(&r, 0, sizeof r);
			if (dev_dma_read(m, dev, line, s->icache, PL330_ICACHE, &r)) {
				if (!s->fault.valid)
					s->fault = r.fault;
				s->icache_valid = 0;
				return -1;
			}
			dmac_ev(m, dev, DMAC_FETCH, line, 0, 0, PL330_ICACHE, 0);
			s->icache_base = line;
			s->icache_valid = 1;
		}
		out[i] = s->icache[a - line];
	}
	return 0;
}

static uint32_t burst_bytes(uint32_t ccr, int dst)
{
	uint32_t bsz = dst ? (ccr >> 15) & 7 : (ccr >> 1) & 7;
	uint32_t blen = dst ? (ccr >> 18) & 15 : (ccr >> 4) & 15;
	return (1u << bsz) * (blen + 1);
}

static void dmac_irq(struct machine *m, int dev);

static void chan_fault(struct machine *m, int dev, int c, uint32_t why, uint64_t addr)
{
	struct dmac_state *s = dmac_get(m, dev);
	s->ch[c].state = CH_FAULTING;
	s->ch[c].ftc |= why;
	s->fsrc |= 1u << c;
	counter_add_id(m, s->c_faults, 1);
	dmac_ev(m, dev, DMAC_FAULT, addr, why, (uint64_t)c, 0, 0);
	dmac_irq(m, dev); /* the abort interrupt: not masked by INTEN */
}

static void dmac_irq(struct machine *m, int dev)
{
	struct dmac_state *s = dmac_get(m, dev);
	struct step_result r;
	memset(&r, 0, sizeof r);
	if (dev_msi(m, dev, s->o.apic_id, s->o.msi_vector, &r) == 0)
		s->irq_latched++;
}

static void chan_run(struct machine *m, int dev, int c)
{
	struct dmac_state *s = dmac_get(m, dev);
	struct pl330_chan *ch = &s->ch[c];
	int uart = uart_find(m);
	ch->state = CH_EXECUTING;
	ch->fifo_len = 0;
	s->icache_valid = 0;
	uint64_t t0 = m->now_ns;
	for (uint32_t guard = 0; ch->state == CH_EXECUTING && guard < 10000000u; guard++) {
		uint8_t op[6];
		if (ifetch(m, dev, ch->pc, op, 1)) {
			chan_fault(m, dev, c, FTC_INSTR_FETCH, ch->pc);
			break;
		}
		counter_add_id(m, s->c_insns, 1);
		uint8_t o = op[0];
		unsigned size = 1;
		if (o == 0xBC || (o & 0xFD) == 0xA0)
			size = 6;
		else if ((o & 0xFD) == 0x20 || (o & 0xEB) == 0x28 || (o & 0xFC) == 0x30 ||
		         (o & 0xFD) == 0x29 || (o & 0xFD) == 0x25 || o == 0x34 || o == 0x35)
			size = 2;
		if (size > 1 && ifetch(m, dev, ch->pc + 1, op + 1, size - 1)) {
			chan_fault(m, dev, c, FTC_INSTR_FETCH, ch->pc + 1);
			break;
		}
		uint32_t next = ch->pc + size;
		struct step_result r;
		memset(&r, 0, sizeof r);
		if (o == 0x00) { /* DMAEND */
			ch->state = CH_STOPPED;
		} else if (o == 0xBC) { /* DMAMOV */
			uint32_t v = le32_load(op + 2);
			if (op[1] == 0)
				ch->sar = v;
			else if (op[1] == 1)
				ch->ccr = v;
			else if (op[1] == 2)
				ch->dar = v;
			else {
				chan_fault(m, dev, c, FTC_UNDEF_INSTR, ch->pc);
				break;
			}
		} else if ((o & 0xFD) == 0x20) { /* DMALP */
			ch->lc[(o >> 1) & 1] = op[1];
		} else if ((o & 0xEB) == 0x28) { /* DMALPEND (finite when bit 4 is set) */
			int lc = (o >> 2) & 1;
			if (!(o & 0x10) || ch->lc[lc]) {
				if (o & 0x10)
					ch->lc[lc]--;
				next = ch->pc - op[1];
			}
		} else if ((o & 0xFD) == 0x04 || (o & 0xFD) == 0x25) { /* DMALD, DMALDP */
			uint32_t n = burst_bytes(ch->ccr, 0);
			if (ch->fifo_len + n > sizeof ch->fifo) {
				chan_fault(m, dev, c, FTC_UNDEF_INSTR, ch->pc);
				break;
			}
			if (dev_dma_read(m, dev, ch->sar, ch->fifo + ch->fifo_len, n, &r)) {
				if (!s->fault.valid)
					s->fault = r.fault;
				chan_fault(m, dev, c, FTC_DATA_READ, ch->sar);
				break;
			}
			ch->fifo_len += n;
			if (ch->ccr & CCR_SRC_INC)
				ch->sar += n;
		} else if ((o & 0xFD) == 0x08 || (o & 0xFD) == 0x29) { /* DMAST, DMASTP */
			uint32_t n = burst_bytes(ch->ccr, 1);
			if (n > ch->fifo_len)
				n = ch->fifo_len;
			if ((o & 0xFD) == 0x29 && uart >= 0) {
				for (uint32_t i = 0; i < n; i++)
					uart_push(m, uart, ch->fifo[i]);
				dmac_ev(m, dev, DMAC_BURST, ch->sar - n, ch->dar, (uint64_t)c, n, 0);
			} else {
				/* a posted write: a blocked one is not reported back */
				dev_dma_write(m, dev, ch->dar, ch->fifo, n, &r);
				dmac_ev(m, dev, DMAC_BURST, (ch->ccr & CCR_SRC_INC) ? ch->sar - n : ch->sar,
				        ch->dar, (uint64_t)c, n, 0);
				if (ch->ccr & CCR_DST_INC)
					ch->dar += n;
			}
			counter_add_id(m, s->c_bytes, n);
			memmove(ch->fifo, ch->fifo + n, ch->fifo_len - n);
			ch->fifo_len -= n;
		} else if ((o & 0xFC) == 0x30) { /* DMAWFP: the UART asks while its FIFO has room */
			if (uart >= 0) {
				struct uart_state *u = m->devs[uart].state;
				if (u->count >= u->o.fifo)
					uart_drain(m, uart);
			}
		} else if (o == 0x35 || o == 0x12 || o == 0x13 || o == 0x18) {
			/* DMAFLUSHP, DMARMB, DMAWMB, DMANOP */
		} else if (o == 0x34) { /* DMASEV */
			uint32_t ev = op[1] >> 3;
			s->ris |= 1u << ev;
			dmac_ev(m, dev, DMAC_DONE, 0, ev, (uint64_t)c, 0, 0);
			if (s->inten & (1u << ev))
				dmac_irq(m, dev);
		} else {
			chan_fault(m, dev, c, FTC_UNDEF_INSTR, ch->pc);
			break;
		}
		if (r.fault.valid && !s->fault.valid)
			s->fault = r.fault;
		if (ch->state != CH_FAULTING)
			ch->pc = next;
	}
	counter_add_id(m, s->c_transfer_ns, m->now_ns - t0);
}

static void dmac_deliver(struct machine *m, int dev);

static uint64_t dmac_mmio_read(struct machine *m, int dev, uint64_t off, unsigned len)
{
	struct dmac_state *s = dmac_get(m, dev);
	uint32_t o = (uint32_t)off;
	for (uint32_t c = 0; c < s->o.channels; c++) {
		if (o == PL330_CSR(c))
			return s->ch[c].state == CH_EXECUTING ? 1 : s->ch[c].state == CH_FAULTING ? 0xF : 0;
		if (o == PL330_CPC(c))
			return s->ch[c].pc;
		if (o == PL330_SAR(c))
			return s->ch[c].sar;
		if (o == PL330_DAR(c))
			return s->ch[c].dar;
		if (o == PL330_CCR(c))
			return s->ch[c].ccr;
		if (o == PL330_FTC(c))
			return s->ch[c].ftc;
	}
	switch (o) {
	case PL330_INTEN:
		return s->inten;
	case PL330_RIS:
		return s->ris;
	case PL330_INTMIS:
		return s->ris & s->inten;
	case PL330_FSRC:
		return s->fsrc;
	case PL330_DBGSTATUS:
		return 0;
	case PL330_DBGINST0:
		return s->dbginst0;
	case PL330_DBGINST1:
		return s->dbginst1;
	default:
		return 0;
	}
}

static void dmac_mmio_write(struct machine *m, int dev, uint64_t off, uint64_t v64, unsigned len)
{
	struct dmac_state *s = dmac_get(m, dev);
	uint32_t v = (uint32_t)v64;
	switch ((uint32_t)off) {
	case PL330_INTEN:
		s->inten = v;
		break;
	case PL330_INTCLR:
		s->ris &= ~v;
		break;
	case PL330_DBGINST0:
		s->dbginst0 = v;
		break;
	case PL330_DBGINST1:
		s->dbginst1 = v;
		break;
	case PL330_DBGCMD:
		if (v == 0) {
			uint8_t b0 = (uint8_t)(s->dbginst0 >> 16), b1 = (uint8_t)(s->dbginst0 >> 24);
			if ((b0 & 0xFD) == 0xA0 && (b1 & 7) < s->o.channels) { /* DMAGO from the manager */
				int c = b1 & 7;
				s->ch[c].pc = s->dbginst1;
				s->ch[c].ftc = 0;
				chan_run(m, dev, c);
			} else if (b0 == 0x01 && (s->dbginst0 & 1) &&
			           ((s->dbginst0 >> 8) & 7) < s->o.channels) {
				/* DMAKILL on a channel thread: it stops, its fault is cleared */
				int c = (s->dbginst0 >> 8) & 7;
				s->ch[c].state = CH_STOPPED;
				s->ch[c].ftc = 0;
				s->fsrc &= ~(1u << c);
			}
		}
		break;
	default:
		break;
	}
	dmac_deliver(m, dev);
}

static const char *const dmac_keys[] = {"channels", "apic_id", "msi_vector", NULL};

static int dmac_parse(struct jr *jr, const cJSON *dev, const char *path, void *opts)
{
	struct dmac_opts *o = opts;
	o->channels = 8;
	o->apic_id = 0;
	o->msi_vector = 0x42;
	const char *k[] = {"channels", "apic_id", "msi_vector"};
	uint32_t *out[] = {&o->channels, &o->apic_id, &o->msi_vector};
	const uint64_t lo[] = {1, 0, 0x10}, hi[] = {PL330_MAX_CHAN, 255, 0xFE};
	int bad = 0;
	for (int i = 0; i < 3; i++) {
		const cJSON *x = jr_member(dev, k[i]);
		if (!x)
			continue;
		char p[128];
		uint64_t v = 0;
		jr_path_key(p, sizeof p, path, k[i]);
		if (jr_u64(jr, x, p, hi[i], &v)) {
			bad = 1;
			continue;
		}
		if (v < lo[i]) {
			jr_error(jr, x, p, "expected at least %" PRIu64 ", got %" PRIu64, lo[i], v);
			bad = 1;
		}
		*out[i] = (uint32_t)v;
	}
	return bad ? -1 : 0;
}

static int dmac_counter(struct machine *m, int dev, const char *what)
{
	char n[64];
	snprintf(n, sizeof n, "%s.%s", m->devs[dev].d->name, what);
	return counter_id(m, n);
}

static int dmac_init(struct machine *m, int dev)
{
	struct dmac_state *s = calloc(1, sizeof *s);
	if (!s)
		return -1;
	s->o.channels = 8;
	s->o.msi_vector = 0x42;
	if (m->devs[dev].d->opts)
		s->o = *(const struct dmac_opts *)m->devs[dev].d->opts;
	s->c_bytes = dmac_counter(m, dev, "bytes_moved");
	s->c_callbacks = dmac_counter(m, dev, "callbacks");
	s->c_faults = dmac_counter(m, dev, "channel_faults");
	s->c_transfer_ns = dmac_counter(m, dev, "transfer_ns");
	s->c_insns = dmac_counter(m, dev, "instructions");
	s->c_cpu_ns = dmac_counter(m, dev, "cpu_ns");
	s->c_irqs_done = -1;
	s->next_cookie = 1;
	m->devs[dev].state = s;
	return 0;
}

const struct device_type pl330_device_type = {
    .name = "pl330",
    .type_id = DEV_PL330,
    .opts_size = sizeof(struct dmac_opts),
    .keys = dmac_keys,
    .parse_opts = dmac_parse,
    .default_bar_size = 4096,
    .init = dmac_init,
    .free_state = generic_free,
    .mmio_read = dmac_mmio_read,
    .mmio_write = dmac_mmio_write,
};

/* ------------------------------------------------------------------ */
/* the pl330 driver + dmaengine core                                    */

static int owner_vm(const struct machine *m, int dev)
{
	int o = m->devs[dev].d->owner_entity;
	return o > 0 && o <= m->nvms ? o - 1 : -1;
}

static uint32_t drd(struct machine *m, int dev, uint32_t off)
{
	struct dmac_state *s = dmac_get(m, dev);
	struct step_result r;
	memset(&r, 0, sizeof r);
	uint32_t v = 0;
	if (s->bar_va && cpu_access(m, owner_vm(m, dev), s->bar_va + off, ACC_READ, 0, &v, 4, &r) == 0)
		return v;
	return (uint32_t)cpu_mmio(m, owner_vm(m, dev), m->devs[dev].d->bar0 + off, 0, 0, 4);
}

static void dwr(struct machine *m, int dev, uint32_t off, uint32_t v)
{
	struct dmac_state *s = dmac_get(m, dev);
	struct step_result r;
	memset(&r, 0, sizeof r);
	if (s->bar_va && cpu_access(m, owner_vm(m, dev), s->bar_va + off, ACC_WRITE, 0, &v, 4, &r) == 0)
		return;
	cpu_mmio(m, owner_vm(m, dev), m->devs[dev].d->bar0 + off, 1, v, 4);
}

/* pl330_irq_handler -> pl330_update: INTMIS, INTCLR, complete the cookies */
static void dmac_isr(struct machine *m, int dev)
{
	struct dmac_state *s = dmac_get(m, dev);
	const struct device_desc *dd = m->devs[dev].d;
	machine_advance(m, m->cost.irq_ns);
	/* faulting channels first: log, kill, and complete their descriptors
	 * (pl330_update, then pl330_dotask -> dma_pl330_rqcb(PL330_ERR_ABORT)) */
	uint32_t fsc = drd(m, dev, PL330_FSRC) & ((1u << s->o.channels) - 1);
	for (int c = 0; c < (int)s->o.channels; c++) {
		if (!(fsc & (1u << c)))
			continue;
		char line[160];
		snprintf(line, sizeof line, "dma-pl330 0000:%02x:%02x.%u: Reset Channel-%d CS-%x FTC-%x",
		         dd->bdf >> 8, (dd->bdf >> 3) & 0x1f, dd->bdf & 7u, c, drd(m, dev, PL330_CSR(c)),
		         drd(m, dev, PL330_FTC(c)));
		machine_log(m, UNIT_KERNEL, line);
		dwr(m, dev, PL330_DBGINST0, 0x01u << 16 | (uint32_t)c << 8 | 1u); /* DMAKILL, channel c */
		dwr(m, dev, PL330_DBGCMD, 0);
		for (int i = 0; i < PL330_MAX_DESC; i++) {
			struct pl330_desc *d = &s->desc[i];
			if (d->st == D_ISSUED && d->chan == c) {
				d->st = D_COMPLETE;
				counter_add_id(m, s->c_callbacks, 1);
				dmac_ev(m, dev, DMAC_CALLBACK, 0, PL330_ERR_ABORT, (uint64_t)i, d->cookie, 1);
			}
		}
	}
	uint32_t mis = drd(m, dev, PL330_INTMIS);
	if (!mis)
		return;
	dwr(m, dev, PL330_INTCLR, mis);
	for (int i = 0; i < PL330_MAX_DESC; i++) {
		struct pl330_desc *d = &s->desc[i];
		if (d->st == D_ISSUED && (mis & (1u << d->chan))) {
			d->st = D_COMPLETE;
			counter_add_id(m, s->c_callbacks, 1);
			dmac_ev(m, dev, DMAC_CALLBACK, 0, 0, (uint64_t)i, d->cookie, 1);
		}
	}
}

static void dmac_deliver(struct machine *m, int dev)
{
	struct dmac_state *s = dmac_get(m, dev);
	if (s->in_handler)
		return;
	s->in_handler = 1;
	while (s->irq_latched > 0) {
		s->irq_latched--;
		if (s->probed)
			dmac_isr(m, dev);
	}
	s->in_handler = 0;
}

/* microcode emitters (pl330.c _emit_*) */
static uint32_t emit_mov(uint8_t *b, uint32_t at, int rd, uint32_t v)
{
	b[at] = 0xBC;
	b[at + 1] = (uint8_t)rd;
	le32_store(b + at + 2, v);
	return at + 6;
}

static uint32_t emit1(uint8_t *b, uint32_t at, uint8_t op)
{
	b[at] = op;
	return at + 1;
}

static uint32_t emit2(uint8_t *b, uint32_t at, uint8_t op, uint8_t arg)
{
	b[at] = op;
	b[at + 1] = arg;
	return at + 2;
}

/* body of one descriptor: bursts of 16 x 8 bytes, then 8-byte beats, then bytes */
static uint32_t emit_desc(uint8_t *b, uint32_t at, const struct pl330_desc *d)
{
	uint32_t incs = CCR_SRC_INC | (d->slave ? 0 : CCR_DST_INC);
	at = emit_mov(b, at, 0, (uint32_t)d->src);
	at = emit_mov(b, at, 2, (uint32_t)d->dst);
	if (d->slave) {
		/* one byte per request: DMAWFP, DMALD, DMASTP */
		at = emit_mov(b, at, 1, incs | CCR_SRC(0, 1) | CCR_DST(0, 1));
		uint32_t left = d->len;
		while (left) {
			uint32_t n = left > 256 ? 256 : left;
			at = emit2(b, at, 0x20, (uint8_t)(n - 1));
			uint32_t body = at;
			at = emit2(b, at, 0x30, (uint8_t)(d->periph << 3));
			at = emit1(b, at, 0x04);
			at = emit2(b, at, 0x29, (uint8_t)(d->periph << 3));
			at = emit2(b, at, 0x38, (uint8_t)(at - body));
			left -= n;
		}
		return emit2(b, at, 0x35, (uint8_t)(d->periph << 3));
	}
	uint32_t bursts = d->len / 128, rem = d->len % 128;
	if (bursts) {
		at = emit_mov(b, at, 1, incs | CCR_SRC(3, 16) | CCR_DST(3, 16));
		while (bursts) {
			uint32_t n = bursts > 256 ? 256 : bursts;
			at = emit2(b, at, 0x20, (uint8_t)(n - 1));
			uint32_t body = at;
			at = emit1(b, at, 0x04);
			at = emit1(b, at, 0x08);
			at = emit2(b, at, 0x38, (uint8_t)(at - body));
			bursts -= n;
		}
	}
	if (rem / 8) {
		at = emit_mov(b, at, 1, incs | CCR_SRC(3, rem / 8) | CCR_DST(3, rem / 8));
		at = emit1(b, at, 0x04);
		at = emit1(b, at, 0x08);
	}
	if (rem % 8) {
		at = emit_mov(b, at, 1, incs | CCR_SRC(0, rem % 8) | CCR_DST(0, rem % 8));
		at = emit1(b, at, 0x04);
		at = emit1(b, at, 0x08);
	}
	return at;
}

/* dma_request_chan */
struct chan_args {
	int dev, bind;
	int chan;
};
static const char *const req_keys[] = {"device", "as", NULL};

static int parse_dmac_dev(struct parse_ctx *pc, int *dev)
{
	if (pc_device(pc, "device", 1, dev))
		return -1;
	if (pc->md->devs[*dev].type_id != DEV_PL330) {
		jr_error(pc->jr, jr_member(pc->step, "device"), pc->path,
		         "device \"%s\" is a \"%s\", not a \"pl330\"", pc->md->devs[*dev].name,
		         pc->md->devs[*dev].type);
		return -1;
	}
	return 0;
}

static int parse_req(struct parse_ctx *pc, void *args)
{
	struct chan_args *a = args;
	int rc = parse_dmac_dev(pc, &a->dev);
	rc |= pc_bind(pc, "as", 0, &a->bind);
	return rc;
}

static void bind(struct machine *m, int var, uint64_t v, struct step_result *r)
{
	r->value = v;
	r->has_value = 1;
	if (var >= 0) {
		m->vars[var].v = v;
		m->vars[var].set = 1;
	}
}

/* the provider's probe, done on first use: ioremap, microcode buffer, INTEN */
static int dmac_probe(struct machine *m, int dev, struct step_result *r)
{
	struct dmac_state *s = dmac_get(m, dev);
	if (s->probed)
		return 0;
	const struct device_desc *dd = m->devs[dev].d;
	int vm = owner_vm(m, dev);
	s->bar_va = mmu_ioremap(m, vm, vm >= 0 ? dd->guest_bar0 : dd->bar0, dd->bar0_size);
	if (dma_alloc_coherent(m, dev, (uint64_t)PL330_MCODE_PER_CHAN * s->o.channels, &s->mcode_phys,
	                       &s->mcode_dma, r))
		return -1;
	dwr(m, dev, PL330_INTEN, (1u << s->o.channels) - 1);
	s->probed = 1;
	char line[160];
	snprintf(line, sizeof line, "dma-pl330 0000:%02x:%02x.%u: Loaded driver for PL330 DMAC-%x",
	         dd->bdf >> 8, (dd->bdf >> 3) & 0x1f, dd->bdf & 7u, 0x241330u);
	machine_log(m, UNIT_KERNEL, line);
	snprintf(line, sizeof line,
	         "dma-pl330 0000:%02x:%02x.%u: \tDBUFF-32x8bytes Num_Chans-%u Num_Peri-1 Num_Events-%u",
	         dd->bdf >> 8, (dd->bdf >> 3) & 0x1f, dd->bdf & 7u, s->o.channels, s->o.channels);
	machine_log(m, UNIT_KERNEL, line);
	return 0;
}

static int exec_req(struct machine *m, const void *args, struct step_result *r)
{
	const struct chan_args *a = args;
	struct dmac_state *s = dmac_get(m, a->dev);
	if (dmac_probe(m, a->dev, r))
		return -1;
	for (uint32_t c = 0; c < s->o.channels; c++)
		if (!(s->chan_used & (1u << c))) {
			s->chan_used |= 1u << c;
			dmac_ev(m, a->dev, DMAC_REQUEST, 0, (uint64_t)m->devs[a->dev].entity, c, 0, 1);
			bind(m, a->bind, c, r);
			return 0;
		}
	snprintf(r->error, sizeof r->error, "dma_request_chan: all %u channels of %s are taken (-EBUSY)",
	         s->o.channels, m->devs[a->dev].d->name);
	return -1;
}

/* dmaengine_prep_dma_memcpy / prep_slave_single */
struct prep_args {
	int dev, slave, bind, periph_dev;
	struct addr_arg chan, src, dst;
	uint64_t len;
};
static const char *const prep_keys[] = {"device", "chan", "src", "dst", "len", "as", NULL};
static const char *const slave_keys[] = {"device", "chan", "src", "peripheral", "len", "as", NULL};

static int parse_prep_common(struct parse_ctx *pc, struct prep_args *a)
{
	int rc = parse_dmac_dev(pc, &a->dev);
	rc |= pc_addr(pc, "chan", 1, &a->chan);
	rc |= pc_addr(pc, "src", 1, &a->src);
	rc |= pc_size(pc, "len", 1, 1u << 24, 0, &a->len);
	rc |= pc_bind(pc, "as", 0, &a->bind);
	if (!rc && !a->len) {
		jr_error(pc->jr, jr_member(pc->step, "len"), pc->path,
		         "expected a length of at least 1 byte");
		rc = -1;
	}
	return rc;
}

static int parse_prep(struct parse_ctx *pc, void *args)
{
	struct prep_args *a = args;
	int rc = parse_prep_common(pc, a);
	rc |= pc_addr(pc, "dst", 1, &a->dst);
	return rc;
}

static int parse_slave(struct parse_ctx *pc, void *args)
{
	struct prep_args *a = args;
	a->slave = 1;
	int rc = parse_prep_common(pc, a);
	rc |= pc_device(pc, "peripheral", 1, &a->periph_dev);
	if (!rc && pc->md->devs[a->periph_dev].type_id != DEV_UART) {
		jr_error(pc->jr, jr_member(pc->step, "peripheral"), pc->path,
		         "the peripheral must be a \"uart\" device, got \"%s\"",
		         pc->md->devs[a->periph_dev].type);
		rc = -1;
	}
	return rc;
}

static int exec_prep(struct machine *m, const void *args, struct step_result *r)
{
	const struct prep_args *a = args;
	struct dmac_state *s = dmac_get(m, a->dev);
	uint64_t chan, src, dst = 0;
	if (addr_resolve(m, &a->chan, r, &chan) || addr_resolve(m, &a->src, r, &src) ||
	    (!a->slave && addr_resolve(m, &a->dst, r, &dst)))
		return -1;
	if (chan >= s->o.channels || !(s->chan_used & (1u << chan))) {
		snprintf(r->error, sizeof r->error,
		         "channel %" PRIu64 " was not requested (dma_request_chan first)", chan);
		return -1;
	}
	if (src >> 32 || dst >> 32) {
		snprintf(r->error, sizeof r->error,
		         "the PL330 has 32-bit address registers; 0x%" PRIx64 " does not fit",
		         src >> 32 ? src : dst);
		return -1;
	}
	for (int i = 0; i < PL330_MAX_DESC; i++)
		if (s->desc[i].st == D_FREE || s->desc[i].st == D_COMPLETE) {
			struct pl330_desc *d = &s->desc[i];
			memset(d, 0, sizeof *d);
			d->st = D_PREPARED;
			d->chan = (int)chan;
			d->src = src;
			d->dst = dst;
			d->len = (uint32_t)a->len;
			d->slave = a->slave;
			d->periph = 0;
			if (a->slave) {
				int u = a->periph_dev;
				d->dst = m->devs[u].d->bar0 + UART_DR;
				/* the UART raises DMA requests once TXDMAE is set */
				struct uart_state *us = m->devs[u].state;
				us->dmacr |= 2;
			}
			dmac_ev(m, a->dev, a->slave ? DMAC_PREP_SLAVE : DMAC_PREP, src, d->dst, (uint64_t)i,
			        d->len, 1);
			bind(m, a->bind, (uint64_t)i, r);
			return 0;
		}
	snprintf(r->error, sizeof r->error, "no free descriptor (%d in flight)", PL330_MAX_DESC);
	return -1;
}

/* dmaengine_submit */
struct desc_args {
	int dev, bind;
	struct addr_arg desc;
};
static const char *const submit_keys[] = {"device", "desc", "as", NULL};

static int parse_submit(struct parse_ctx *pc, void *args)
{
	struct desc_args *a = args;
	int rc = parse_dmac_dev(pc, &a->dev);
	rc |= pc_addr(pc, "desc", 1, &a->desc);
	rc |= pc_bind(pc, "as", 0, &a->bind);
	return rc;
}

static int exec_submit(struct machine *m, const void *args, struct step_result *r)
{
	const struct desc_args *a = args;
	struct dmac_state *s = dmac_get(m, a->dev);
	uint64_t id;
	if (addr_resolve(m, &a->desc, r, &id))
		return -1;
	if (id >= PL330_MAX_DESC || s->desc[id].st != D_PREPARED) {
		snprintf(r->error, sizeof r->error, "descriptor %" PRIu64 " is not a prepared descriptor",
		         id);
		return -1;
	}
	s->desc[id].st = D_SUBMITTED;
	s->desc[id].cookie = s->next_cookie++;
	dmac_ev(m, a->dev, DMAC_SUBMIT, 0, 0, id, s->desc[id].cookie, 1);
	bind(m, a->bind, s->desc[id].cookie, r);
	return 0;
}

/* dma_async_issue_pending: write the channel program, DMAGO through the debug interface */
struct issue_args {
	int dev;
	struct addr_arg chan;
};
static const char *const issue_keys[] = {"device", "chan", NULL};

static int parse_issue(struct parse_ctx *pc, void *args)
{
	struct issue_args *a = args;
	int rc = parse_dmac_dev(pc, &a->dev);
	rc |= pc_addr(pc, "chan", 1, &a->chan);
	return rc;
}

static int exec_issue(struct machine *m, const void *args, struct step_result *r)
{
	const struct issue_args *a = args;
	struct dmac_state *s = dmac_get(m, a->dev);
	uint64_t chan;
	if (addr_resolve(m, &a->chan, r, &chan))
		return -1;
	if (chan >= s->o.channels || !(s->chan_used & (1u << chan))) {
		snprintf(r->error, sizeof r->error, "channel %" PRIu64 " was not requested", chan);
		return -1;
	}
	uint8_t prog[PL330_MCODE_PER_CHAN];
	uint32_t at = 0, n = 0;
	uint64_t t0 = m->now_ns, busy0 = counter_get(m, m->counters[s->c_transfer_ns].name, NULL);
	for (int i = 0; i < PL330_MAX_DESC; i++) {
		struct pl330_desc *d = &s->desc[i];
		if (d->st != D_SUBMITTED || d->chan != (int)chan)
			continue;
		if (at + 64 + (d->len / 128 / 256 + 1) * 8 + (d->slave ? (d->len / 256 + 1) * 9 : 0) >
		    sizeof prog - 8) {
			snprintf(r->error, sizeof r->error, "the channel program does not fit in %u bytes",
			         PL330_MCODE_PER_CHAN);
			return -1;
		}
		at = emit_desc(prog, at, d);
		d->st = D_ISSUED;
		n++;
	}
	if (!n) {
		r->value = 0;
		r->has_value = 1;
		return 0;
	}
	at = emit1(prog, at, 0x13);                       /* DMAWMB */
	at = emit2(prog, at, 0x34, (uint8_t)(chan << 3)); /* DMASEV ev = channel */
	at = emit1(prog, at, 0x00);                       /* DMAEND */
	uint64_t pphys = s->mcode_phys + chan * PL330_MCODE_PER_CHAN;
	uint64_t pdma = s->mcode_dma + chan * PL330_MCODE_PER_CHAN;
	kmem_write(m, a->dev, pphys, prog, at);
	dmac_ev(m, a->dev, DMAC_ISSUE, pdma, at, chan, n, 1);
	/* _execute_DBGINSN(DMAGO) as the manager thread */
	dwr(m, a->dev, PL330_DBGINST0, (0xA0u << 16) | ((uint32_t)chan << 24));
	dwr(m, a->dev, PL330_DBGINST1, (uint32_t)pdma);
	memset(&s->fault, 0, sizeof s->fault);
	dwr(m, a->dev, PL330_DBGCMD, 0);
	if (s->fault.valid && !r->fault.valid)
		r->fault = s->fault;
	/* CPU time: the driver's work (program, MMIO, interrupt handler), not the transfer itself */
	uint64_t dev_ns = counter_get(m, m->counters[s->c_transfer_ns].name, NULL) - busy0;
	counter_add_id(m, s->c_cpu_ns, m->now_ns - t0 - dev_ns);
	r->value = n;
	r->has_value = 1;
	return 0;
}

/* cpu.memcpy: the same copy by the CPU, every byte through its registers */
struct memcpy_args {
	int vm;
	struct addr_arg src, dst;
	uint64_t size;
};
static const char *const memcpy_keys[] = {"vm", "src", "dst", "size", NULL};

static int parse_memcpy(struct parse_ctx *pc, void *args)
{
	struct memcpy_args *a = args;
	int rc = pc_vm(pc, "vm", 0, &a->vm);
	rc |= pc_addr(pc, "src", 1, &a->src);
	rc |= pc_addr(pc, "dst", 1, &a->dst);
	rc |= pc_size(pc, "size", 1, 1u << 24, 0, &a->size);
	return rc;
}

static int phys_to_hpa(const struct machine *m, int vm, uint64_t p, uint64_t *hpa)
{
	if (vm < 0) {
		*hpa = p;
		return 0;
	}
	int ok;
	*hpa = vm_gpa_to_hpa(m, vm, p, &ok);
	return ok ? 0 : -1;
}

static int exec_memcpy(struct machine *m, const void *args, struct step_result *r)
{
	const struct memcpy_args *a = args;
	uint64_t src, dst;
	if (addr_resolve(m, &a->src, r, &src) || addr_resolve(m, &a->dst, r, &dst))
		return -1;
	uint64_t t0 = m->now_ns;
	int actor = a->vm >= 0 ? m->vms[a->vm].entity : 0;
	uint8_t buf[PAGE_SIZE];
	for (uint64_t done = 0; done < a->size;) {
		uint64_t n = a->size - done;
		uint64_t sp = PAGE_SIZE - ((src + done) & (PAGE_SIZE - 1));
		uint64_t dp = PAGE_SIZE - ((dst + done) & (PAGE_SIZE - 1));
		n = n < sp ? n : sp;
		n = n < dp ? n : dp;
		uint64_t hs, hd;
		if (phys_to_hpa(m, a->vm, src + done, &hs) || phys_to_hpa(m, a->vm, dst + done, &hd)) {
			snprintf(r->error, sizeof r->error, "cpu.memcpy: 0x%" PRIx64 " is not RAM of the %s",
			         src + done, a->vm >= 0 ? "VM" : "host");
			return -1;
		}
		mem_read(&m->mem, hs, buf, n);
		if (mem_write(&m->mem, hd, buf, n)) {
			snprintf(r->error, sizeof r->error, "out of simulated memory");
			return -1;
		}
		struct ev e = {0};
		e.unit = UNIT_CPU;
		e.actor = (int16_t)actor;
		e.len = (uint32_t)n;
		e.kind = EV_MEM_READ;
		e.addr_in = hs;
		machine_emit(m, &e);
		e.kind = EV_MEM_WRITE;
		e.addr_in = hd;
		e.flags = EVF_WRITE;
		machine_emit(m, &e);
		/* one 8-byte load and one store per word, each costing copy time */
		machine_advance(m, 2 * m->cost.mem_ref_ns + n * m->cost.byte_copy_ps / 1000);
		counter_add(m, "cpu.copy_loads", (n + 7) / 8);
		counter_add(m, "cpu.copy_stores", (n + 7) / 8);
		done += n;
	}
	struct ev e = {0};
	e.kind = EV_CPU_COPY;
	e.unit = UNIT_CPU;
	e.actor = (int16_t)actor;
	e.addr_in = src;
	e.addr_out = dst;
	e.len = (uint32_t)a->size;
	machine_emit(m, &e);
	counter_add(m, "cpu.copy_bytes", a->size);
	counter_add(m, "cpu.copy_ns", m->now_ns - t0);
	return 0;
}

static void describe_dmac(const struct machine *m, const void *args, int zh, char *buf, size_t cap)
{
	const int *dev = args; /* every dmac.* args struct starts with the device index */
	snprintf(buf, cap, zh ? "客户端通过 dmaengine 使用 %s" : "a dmaengine client of %s",
	         m->devs[*dev].d->name);
}

static void describe_memcpy(const struct machine *m, const void *args, int zh, char *buf, size_t cap)
{
	const struct memcpy_args *a = args;
	snprintf(buf, cap, zh ? "%s 的 CPU 复制 %llu 字节" : "the %s CPU copies %llu bytes",
	         a->vm >= 0 ? m->vms[a->vm].d->name : "host", (unsigned long long)a->size);
}

const struct action_def dmac_actions[] = {
    {"dmac.request_chan", sizeof(struct chan_args), req_keys, parse_req, exec_req, describe_dmac},
    {"dmac.prep_memcpy", sizeof(struct prep_args), prep_keys, parse_prep, exec_prep, describe_dmac},
    {"dmac.prep_slave", sizeof(struct prep_args), slave_keys, parse_slave, exec_prep, describe_dmac},
    {"dmac.submit", sizeof(struct desc_args), submit_keys, parse_submit, exec_submit, describe_dmac},
    {"dmac.issue_pending", sizeof(struct issue_args), issue_keys, parse_issue, exec_issue, describe_dmac},
    {"cpu.memcpy", sizeof(struct memcpy_args), memcpy_keys, parse_memcpy, exec_memcpy, describe_memcpy},
    {NULL, 0, NULL, NULL, NULL, NULL},
};

/* expect "dmac": {"device": "dmac0", "desc": 0, "complete": true} or {"uart": "uart0", "sent": 5, "bytes":
 * "…"} */
struct x_dmac {
	int dev, uart;
	int has_desc, has_complete, has_sent;
	uint64_t desc, sent;
	int complete;
	const uint8_t *bytes;
	size_t nbytes;
};

static int xp_dmac(struct parse_ctx *pc, const cJSON *val, const char *path, void *args)
{
	struct x_dmac *a = args;
	static const char *const keys[] = {"device", "desc", "complete", "uart", "sent", "bytes", NULL};
	if (jr_expect_object(pc->jr, val, path) || jr_check_keys(pc->jr, val, path, keys))
		return -1;
	a->dev = a->uart = -1;
	char p[256];
	const cJSON *v;
	int rc = 0;
	const char *name;
	if ((v = jr_member(val, "device"))) {
		jr_path_key(p, sizeof p, path, "device");
		if (jr_str(pc->jr, v, p, &name))
			return -1;
		for (int i = 0; i < pc->md->ndevs; i++)
			if (!strcmp(pc->md->devs[i].name, name) && pc->md->devs[i].type_id == DEV_PL330)
				a->dev = i;
		if (a->dev < 0) {
			jr_error(pc->jr, v, p, "no \"pl330\" device named \"%.40s\"", name);
			return -1;
		}
	}
	if ((v = jr_member(val, "uart"))) {
		jr_path_key(p, sizeof p, path, "uart");
		if (jr_str(pc->jr, v, p, &name))
			return -1;
		for (int i = 0; i < pc->md->ndevs; i++)
			if (!strcmp(pc->md->devs[i].name, name) && pc->md->devs[i].type_id == DEV_UART)
				a->uart = i;
		if (a->uart < 0) {
			jr_error(pc->jr, v, p, "no \"uart\" device named \"%.40s\"", name);
			return -1;
		}
	}
	if ((v = jr_member(val, "desc"))) {
		jr_path_key(p, sizeof p, path, "desc");
		rc |= jr_u64(pc->jr, v, p, PL330_MAX_DESC - 1, &a->desc);
		a->has_desc = 1;
	}
	if ((v = jr_member(val, "complete"))) {
		jr_path_key(p, sizeof p, path, "complete");
		rc |= jr_bool(pc->jr, v, p, &a->complete);
		a->has_complete = 1;
	}
	if ((v = jr_member(val, "sent"))) {
		jr_path_key(p, sizeof p, path, "sent");
		rc |= jr_u64(pc->jr, v, p, UINT64_MAX, &a->sent);
		a->has_sent = 1;
	}
	if ((v = jr_member(val, "bytes"))) {
		jr_path_key(p, sizeof p, path, "bytes");
		const char *s;
		if (jr_str(pc->jr, v, p, &s))
			return -1;
		size_t n = strlen(s);
		if (n > UART_KEEP) {
			jr_error(pc->jr, v, p, "at most %d characters (the UART keeps its last %d bytes)",
			         UART_KEEP, UART_KEEP);
			return -1;
		}
		a->bytes = (const uint8_t *)s;
		a->nbytes = n;
	}
	if ((a->has_desc || a->has_complete) && a->dev < 0) {
		jr_error(pc->jr, val, path, "\"desc\"/\"complete\" need \"device\"");
		return -1;
	}
	if ((a->has_sent || a->nbytes) && a->uart < 0) {
		jr_error(pc->jr, val, path, "\"sent\"/\"bytes\" need \"uart\"");
		return -1;
	}
	return rc;
}

static int xc_dmac(const struct machine *m, const struct step_result *r, const void *args, char *msg,
                   size_t cap)
{
	const struct x_dmac *a = args;
	if (a->has_complete) {
		const struct dmac_state *s = m->devs[a->dev].state;
		int done = s->desc[a->desc].st == D_COMPLETE;
		if (done != a->complete) {
			snprintf(msg, cap, "expected descriptor %" PRIu64 " %s, got %s", a->desc,
			         a->complete ? "complete" : "not complete",
			         done ? "complete" : "not complete");
			return 1;
		}
	}
	if (a->uart >= 0) {
		const struct uart_state *u = m->devs[a->uart].state;
		/* bytes still in the FIFO count as written; show what has been pushed */
		uint64_t total = u->sent + u->count;
		if (a->has_sent && total != a->sent) {
			snprintf(msg, cap, "expected %" PRIu64 " bytes written to the UART, got %" PRIu64,
			         a->sent, total);
			return 1;
		}
		if (a->nbytes) {
			uint8_t last[UART_KEEP + UART_MAX_FIFO];
			size_t n = 0;
			for (size_t i = 0; i < UART_KEEP; i++)
				last[n++] = u->out[i];
			for (uint32_t i = 0; i < u->count; i++)
				last[n++] = u->fifo[i];
			if (n < a->nbytes || memcmp(last + n - a->nbytes, a->bytes, a->nbytes)) {
				snprintf(msg, cap, "expected the UART output to end with \"%.*s\"",
				         (int)a->nbytes, (const char *)a->bytes);
				return 1;
			}
		}
	}
	return 0;
}

const struct expect_def dmac_expects[] = {
    {"dmac", sizeof(struct x_dmac), xp_dmac, xc_dmac},
    {NULL, 0, NULL, NULL},
};
