/*
 * dmac.h — a PL330-like DMA controller (device type "pl330") with its own
 * requester ID, a simple UART peripheral (device type "uart"), and the
 * dmaengine client flow as scenario actions (dmac.c).
 *
 *   client driver                 dmaengine core / pl330 driver          PL330 (device)
 *   dma_request_chan()      ->    a free channel (thread)
 *   dma_map_single(dmac dev)      <- buffers mapped against the CONTROLLER
 *   dmaengine_prep_dma_memcpy ->  a descriptor (src, dst, len)
 *   dmaengine_submit        ->    cookie, queued
 *   dma_async_issue_pending ->    microcode written to a coherent buffer,
 *                                 DMAGO via DBGINST0/1 + DBGCMD  ----->  fetch program (DMA),
 *                                                                        DMALD/DMAST bursts (DMA,
 *                                                                        this device's SID), DMASEV
 *   callback                <-    ISR: INTMIS, INTCLR, cookie complete <- interrupt
 *
 * Ownership: the device type owns struct dmac_state (init/free_state).
 */
#ifndef IOMMULAB_DMAC_H
#define IOMMULAB_DMAC_H

#include <stdint.h>

#include "action.h"
#include "machine.h"

/* EV_DMAC codes */
enum dmac_ev {
	DMAC_REQUEST,    /* extra = channel */
	DMAC_PREP,       /* memcpy descriptor: addr_in = src, entry = dst, len, extra = descriptor id */
	DMAC_PREP_SLAVE, /* addr_in = src, len, extra = descriptor id */
	DMAC_SUBMIT,     /* extra = descriptor id, len = cookie */
	DMAC_ISSUE,      /* extra = channel, len = descriptors */
	DMAC_FETCH,      /* instruction fetch: addr_in = bus address, len */
	DMAC_BURST,      /* one DMALD+DMAST pair: addr_in = src, entry = dst, len */
	DMAC_DONE,       /* DMASEV: extra = channel */
	DMAC_CALLBACK,   /* len = cookie; entry = pl330_op_err the driver dropped (2 = ABORT) */
	DMAC_FAULT,      /* addr_in = blocked bus address */
	DMAC_UART_TX     /* the UART sends len bytes */
};

extern const struct device_type pl330_device_type;
extern const struct device_type uart_device_type;
extern const struct action_def dmac_actions[];
extern const struct expect_def dmac_expects[];

#endif
