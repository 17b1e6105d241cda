/*
 * nic.h — the e1000-style NIC (device type "e1000") and the state of the
 * simulated kernel's e1000 driver bound to it.
 *
 *   driver (drv_e1000.c, CPU side)              NIC (nic.c, device side)
 *   ------------------------------              ------------------------
 *   dma_alloc_coherent(rings)                   BAR0 register file (MMIO only)
 *   dma_map_single(buffers)                     descriptor fetch   = dev_dma_read
 *   writes descriptors (coherent memory)        buffer data        = dev_dma_read/write
 *   dma_wmb(); writel(TDT / RDT) --MMIO------>  descriptor write-back = dev_dma_write
 *   ISR: readl(ICR), IMC, napi_schedule <-MSI-  ICR causes, ITR/RDTR/RADV/TIDV/TADV timers
 *   NAPI poll: DD? dma_rmb, unmap, refill
 *
 * The two halves share this struct only for convenience: nic.c never reads
 * `drv`, and drv_e1000.c reaches the hardware only through MMIO (the
 * nic_mmio_* calls behind an EV_MMIO event) and memory it owns.
 *
 * Ownership: the device type allocates struct nic_state in init and frees it
 * (and the driver's buffer-info arrays) in free_state. No allocation happens
 * per packet: a million-packet run uses constant memory.
 */
#ifndef IOMMULAB_NIC_H
#define IOMMULAB_NIC_H

#include <stddef.h>
#include <stdint.h>

#include "action.h"
#include "machine.h"

#define NIC_MAX_FRAME  16384u /* largest frame wire.rx / nic.xmit accept */
#define NIC_MIN_FRAME  60u    /* shorter frames are padded, as QEMU does */
#define NIC_MAX_RING   4096u
#define NIC_WIRE_KEEP  8 /* transmitted frames remembered for "wire" expects */
#define NIC_WIRE_BYTES 64

/* type-specific keys of a machine.devices[] entry of type "e1000": the
 * driver's module parameters and ring sizes */
struct nic_opts {
	uint32_t rx_ring, tx_ring; /* descriptors (multiple of 8), default 256 */
	uint32_t buf_size;         /* Rx buffer bytes: 256..16384 (RCTL.BSIZE/BSEX), default 2048 */
	uint32_t mtu;              /* default 1500; > 1500 sets RCTL.LPE */
	uint32_t itr;              /* InterruptThrottleRate: interrupts/s, 0 = off (default) */
	uint32_t rx_int_delay;     /* RDTR (1.024 us units), default 0 */
	uint32_t rx_abs_int_delay; /* RADV, default 8 */
	uint32_t tx_int_delay;     /* TIDV, default 8 (sets CMD.IDE) */
	uint32_t tx_abs_int_delay; /* TADV, default 32 */
	uint32_t budget;           /* NAPI weight, default 64 */
	int napi_auto;       /* "napi": "auto" runs poll from the IRQ; "step" (default) waits for nic.poll */
	uint32_t apic_id;    /* MSI destination, default 0 */
	uint32_t msi_vector; /* MSI data (vector), default 0x41 */
};

struct nic_wire_frame {
	uint32_t len;
	uint64_t hash; /* FNV-1a of all bytes */
	uint8_t head[NIC_WIRE_BYTES];
};

/* the hardware */
struct nic_hw {
	uint32_t ctrl, status, icr, itr, ims, rctl, tctl, tipg;
	uint32_t rdbal, rdbah, rdlen, rdh, rdt, rdtr, rxdctl, radv;
	uint32_t tdbal, tdbah, tdlen, tdh, tdt, tidv, txdctl, tadv;
	uint32_t rxcsum, mpc;
	/* interrupt delay timers: absolute simulated ns, 0 = not running */
	uint64_t rx_pkt_timer, rx_abs_timer, tx_pkt_timer, tx_abs_timer;
	uint64_t last_irq_ns; /* for ITR */
	int any_irq;
	int irq_level;    /* (ICR & IMS) != 0 */
	int edge_pending; /* a rising edge waits for ITR */
	/* interrupt delivery to the CPU (set by the driver's request_irq) */
	void (*irq_handler)(struct machine *m, int dev);
	int irq_latched, in_handler;
	int busy;                /* inside Rx/Tx processing: handlers wait */
	struct fault_info fault; /* first DMA fault since the last nic_take_fault */
	/* Rx frame + FCS as written to memory; Tx assembly; the wire */
	uint8_t rxframe[NIC_MAX_FRAME + 4];
	uint8_t frame[NIC_MAX_FRAME];
	uint32_t frame_len;
	int frame_bad; /* a buffer read faulted: the frame is not sent */
	struct nic_wire_frame wire[NIC_WIRE_KEEP];
	uint64_t wire_count;
	/* counter ids */
	int c_rx_packets, c_rx_bytes, c_rx_dropped, c_rx_desc, c_tx_packets, c_tx_bytes, c_tx_desc, c_irqs,
	    c_dma_faults, c_irq_throttled, c_rx_long;
};

struct drv_rx_buf {
	uint64_t dma; /* handle from dma_map_single, 0 = not mapped */
	int mapped;
};

struct drv_tx_buf {
	uint64_t dma;
	uint32_t len; /* mapped length (on the packet's first descriptor) */
	int mapped;
	uint32_t next_to_watch; /* index of the packet's EOP descriptor */
	int watch;              /* 1 on a packet's first descriptor */
};

/* the simulated kernel's driver state (struct e1000_adapter) */
struct drv_e1000 {
	int probed;
	uint64_t bar;    /* BAR0 HPA */
	uint64_t bar_va; /* where ioremap() put it (host or guest kernel VA) */
	uint32_t rx_count, tx_count, rx_buf_len, tx_buf_len;
	uint64_t rx_ring_phys, rx_ring_dma, tx_ring_phys, tx_ring_dma, rx_ring_size, tx_ring_size;
	uint64_t rx_data_phys, tx_data_phys; /* buffer pools ("skb data"), one slot per descriptor */
	struct drv_rx_buf *rxb;
	struct drv_tx_buf *txb;
	uint32_t rx_ntc, rx_ntu, tx_ntc, tx_ntu;
	uint32_t txd_cmd; /* EOP | IFCS | RS | IDE as e1000_configure_tx sets */
	int napi_scheduled;
	int discarding;
	uint32_t frag_len;              /* bytes of the packet being assembled (jumbo) */
	uint8_t frag_head[14];          /* its Ethernet header, read after unmap */
	uint8_t scratch[NIC_MAX_FRAME]; /* frame being built by wire.rx / the stack */
	int c_stack_packets, c_stack_bytes, c_tx_busy, c_map_errors, c_polls, c_tx_cleaned, c_spurious;
};

struct nic_state {
	struct nic_opts o;
	struct nic_hw hw;
	struct drv_e1000 drv;
};

extern const struct device_type e1000_device_type;

struct nic_state *nic_get(struct machine *m, int dev);
const struct nic_state *nic_get_const(const struct machine *m, int dev);

/* Register access as the bus delivers it (the driver wraps these in EV_MMIO). */
uint64_t nic_mmio_read(struct machine *m, int dev, uint64_t off, unsigned len);
void nic_mmio_write(struct machine *m, int dev, uint64_t off, uint64_t val, unsigned len);
/* A register value without side effects (ICR is not cleared): for expects. */
uint32_t nic_reg_peek(const struct machine *m, int dev, uint32_t off, int *ok);
/* Register names <-> offsets ("RDH" <-> 0x2810). */
int nic_reg_by_name(const char *name, uint32_t *off);
const char *nic_reg_name(uint32_t off);

enum nic_rx_result { NIC_RX_OK, NIC_RX_NO_BUFFERS, NIC_RX_DISABLED, NIC_RX_TOO_LONG, NIC_RX_FAULT };
/* A frame arrives from the wire. Faults are recorded in r (data, not errors). */
enum nic_rx_result nic_receive(struct machine *m, int dev, const uint8_t *frame, uint32_t len,
                               struct step_result *r);
/* Move a DMA fault the NIC met outside a step's own call chain (an MMIO
 * doorbell, a timer) into r, so the step's "fault" expect sees it. */
void nic_take_fault(struct machine *m, int dev, struct step_result *r);
/* Run interrupt handlers for delivered MSIs (no-op while one runs). */
void nic_deliver(struct machine *m, int dev);

/* Hold interrupt delivery while driver code runs (like local_irq_save):
 * MSIs raised meanwhile run their handler at nic_release. Nests. */
void nic_hold(struct machine *m, int dev);
void nic_release(struct machine *m, int dev);

/* EV_NAPI codes: what the driver did (drv_e1000.c), narrated by nic_narrate.c */
enum drv_ev {
	DRV_ISR,      /* hard IRQ handler entered; len = ICR value */
	DRV_SCHEDULE, /* IMC = ~0, napi_schedule */
	DRV_POLL,     /* a NAPI poll: len = work done, extra = budget */
	DRV_COMPLETE, /* napi_complete_done + IMS unmask */
	DRV_WMB,      /* dma_wmb() before a tail write */
	DRV_RMB,      /* dma_rmb() after seeing DD */
	DRV_TX_BUSY,  /* no free Tx descriptors: queue stopped */
	DRV_STACK,    /* a packet handed to the stack: len = bytes, entry = EtherType */
	DRV_TX_CLEAN, /* Tx descriptors reclaimed: len = descriptors */
	DRV_REFILL,   /* Rx buffers re-armed: len = count, extra = new RDT */
	DRV_SPURIOUS, /* ICR read 0: not our interrupt */
	DRV_PROBE,    /* rings and buffers set up: len = Rx ring, extra = Tx ring */
	DRV_XMIT      /* a packet queued: len = bytes, extra = first descriptor */
};

/* nic_narrate.c: narration of kinds EV_WIRE_RX..EV_CPU_COPY; the module entry */
size_t nic_narrate(const struct machine *m, const struct trace *t, const struct ev *e, enum lang lang,
                   char *buf, size_t cap);
extern const struct module_def nic_module;
extern const struct action_def nic_actions[];
extern const struct expect_def nic_expects[];

/* Hardware-owned Rx/Tx descriptors: (tail - head) mod N. */
uint32_t nic_hw_owned(uint32_t head, uint32_t tail, uint32_t n);

#endif
