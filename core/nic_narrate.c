/*
 * nic_narrate.c — one line of English or Chinese for each NIC / driver /
 * DMA-controller event (kinds EV_WIRE_RX .. EV_CPU_COPY), and the module
 * that registers the NIC and DMA-controller tables.
 *
 *   kind            fields used
 *   wire.rx/tx      len = frame bytes, entry = first 8 bytes (LE), extra = FNV-1a hash
 *   desc.fetch      addr_in = bus address of the descriptor, extra = index, code 0 rx / 1 tx,
 *                   flags BLOCKED when the IOMMU refused the read
 *   desc.writeback  addr_in, extra = index, entry = status byte, len = length
 *   rx.drop         code = enum nic_rx_result, entry = RDH, extra = RDT, len
 *   napi            code = enum drv_ev (nic.h): ISR, schedule, poll, barriers, stack…
 *   dmac            code = enum dmac_ev (dmac.h)
 *   cpu.copy        len = bytes copied by the CPU, addr_in = source, addr_out = destination
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "action.h"
#include "dmac.h"
#include "nic.h"

static size_t out(char *buf, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static size_t out(char *buf, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, cap, fmt, ap);
	va_end(ap);
	if (n < 0)
		return 0;
	return (size_t)n < cap ? (size_t)n : (cap ? cap - 1 : 0);
}

static const char *rx_drop_en(unsigned code)
{
	switch (code) {
	case NIC_RX_NO_BUFFERS:
		return "no free Rx descriptor (RDH == RDT): overrun, ICR.RXO, MPC + 1";
	case NIC_RX_DISABLED:
		return "the receiver is off (RCTL.EN = 0)";
	case NIC_RX_TOO_LONG:
		return "frame longer than 1518 bytes without RCTL.LPE";
	case NIC_RX_FAULT:
		return "the descriptor fetch was blocked by the IOMMU";
	default:
		return "dropped";
	}
}

static const char *rx_drop_zh(unsigned code)
{
	switch (code) {
	case NIC_RX_NO_BUFFERS:
		return "没有空闲的接收描述符（RDH == RDT）：溢出，置 ICR.RXO，MPC 加 1";
	case NIC_RX_DISABLED:
		return "接收器未开启（RCTL.EN = 0）";
	case NIC_RX_TOO_LONG:
		return "帧长超过 1518 字节且未设置 RCTL.LPE";
	case NIC_RX_FAULT:
		return "描述符读取被 IOMMU 拦截";
	default:
		return "丢弃";
	}
}

static size_t narrate_napi(const struct ev *e, const char *who, int zh, char *buf, size_t cap)
{
	switch ((enum drv_ev)e->code) {
	case DRV_ISR:
		return zh ? out(buf, cap, "%s 的中断处理函数 e1000_intr：读 ICR = 0x%02x（读即清零）", who,
		                e->len)
		          : out(buf, cap,
		                "%s's interrupt handler e1000_intr: reads ICR = 0x%02x (reading clears it)",
		                who, e->len);
	case DRV_SCHEDULE:
		return zh ? out(buf, cap,
		                "写 IMC = 0xffffffff 屏蔽网卡中断，调用 napi_schedule()：收包留给 NAPI poll")
		          : out(buf, cap,
		                "writes IMC = 0xffffffff to mask the NIC's interrupts and calls "
		                "napi_schedule(): "
		                "the work is left to the NAPI poll");
	case DRV_POLL:
		return zh ? out(buf, cap, "NAPI poll：预算 %" PRIu64 "，处理了 %u 个接收描述符", e->extra,
		                e->len)
		          : out(buf, cap, "NAPI poll: budget %" PRIu64 ", %u Rx descriptors processed",
		                e->extra, e->len);
	case DRV_COMPLETE:
		return zh ? out(buf, cap, "未用完预算：napi_complete_done()，写 IMS 重新打开中断")
		          : out(buf, cap,
		                "under budget: napi_complete_done(), IMS written to unmask the interrupts");
	case DRV_WMB:
		return zh ? out(buf, cap, "dma_wmb()：先让描述符写入内存可见，再写尾指针（门铃）")
		          : out(buf, cap,
		                "dma_wmb(): the descriptor writes become visible before the tail (doorbell) "
		                "write");
	case DRV_RMB:
		return zh ? out(buf, cap, "看到 DD 之后 dma_rmb()：之后再读长度和错误位")
		          : out(buf, cap, "DD seen, dma_rmb(): only now read the length and error fields");
	case DRV_TX_BUSY:
		return zh ? out(buf, cap, "发送环已满：队列停止（NETDEV_TX_BUSY），还剩 %" PRIu64 " 个包未发",
		                e->extra)
		          : out(buf, cap,
		                "Tx ring full: queue stopped (NETDEV_TX_BUSY), %" PRIu64 " packets not sent",
		                e->extra);
	case DRV_STACK:
		return zh ? out(buf, cap,
		                "解除映射后 CPU 才读缓冲区：%u 字节的包（去掉 4 字节 CRC，EtherType "
		                "0x%04" PRIx64 "）交给协议栈",
		                e->len, e->entry)
		          : out(buf, cap,
		                "buffer unmapped, now the CPU may read it: a %u-byte packet (4-byte CRC "
		                "removed, "
		                "EtherType 0x%04" PRIx64 ") goes up the stack",
		                e->len, e->entry);
	case DRV_TX_CLEAN:
		return zh ? out(buf, cap,
		                "回收发送描述符 %" PRIu64 " 起的 %u 个（EOP 描述符已有 DD），解除映射",
		                e->extra, e->len)
		          : out(buf, cap,
		                "reclaims %u Tx descriptor(s) from %" PRIu64
		                " (DD set on the EOP descriptor), unmaps",
		                e->len, e->extra);
	case DRV_REFILL:
		return zh ? out(buf, cap,
		                "补充 %u 个接收缓冲区（dma_map_single，方向 FROM_DEVICE），写 RDT = %" PRIu64
		                "（最后一个已填充的下标，留一个不交给硬件）",
		                e->len, e->extra)
		          : out(buf, cap,
		                "refills %u Rx buffer(s) (dma_map_single, FROM_DEVICE) and writes RDT = "
		                "%" PRIu64 " (the last filled index: one is held back)",
		                e->len, e->extra);
	case DRV_SPURIOUS:
		return zh ? out(buf, cap, "ICR 为 0：不是本设备的中断（IRQ_NONE）")
		          : out(buf, cap, "ICR is 0: not our interrupt (IRQ_NONE)");
	case DRV_PROBE:
		return zh ? out(buf, cap,
		                "e1000 驱动就绪：%u 个接收描述符、%" PRIu64
		                " 个发送描述符，环用 dma_alloc_coherent；"
		                "RDBAL/TDBAL 写入的是 DMA 地址 0x%" PRIx64 " / 0x%" PRIx64,
		                e->len, e->extra, e->addr_in, e->entry)
		          : out(buf, cap,
		                "e1000 driver up: %u Rx and %" PRIu64
		                " Tx descriptors, rings from dma_alloc_coherent; "
		                "RDBAL/TDBAL hold DMA addresses 0x%" PRIx64 " / 0x%" PRIx64,
		                e->len, e->extra, e->addr_in, e->entry);
	case DRV_XMIT:
		return zh ? out(buf, cap,
		                "e1000_xmit_frame：%u 字节的包映射为 DMA 地址 0x%" PRIx64
		                "（TO_DEVICE），填入描述符 %" PRIu64,
		                e->len, e->addr_in, e->extra)
		          : out(buf, cap,
		                "e1000_xmit_frame: a %u-byte packet mapped at DMA address 0x%" PRIx64
		                " (TO_DEVICE), written into descriptor %" PRIu64,
		                e->len, e->addr_in, e->extra);
	}
	return out(buf, cap, "napi %u", e->code);
}

static size_t narrate_dmac(const struct machine *m, const struct ev *e, const char *who, int zh, char *buf,
                           size_t cap)
{
	switch ((enum dmac_ev)e->code) {
	case DMAC_REQUEST: {
		/* a kernel event: the actor is the driver's owner; entry names the controller */
		const char *ctl = m && e->entry ? entity_name(m, (int)e->entry) : "the DMA controller";
		return zh ? out(buf, cap, "%s 的驱动调用 dma_request_chan()：得到 %s 的通道 %" PRIu64, who,
		                ctl, e->extra)
		          : out(buf, cap,
		                "%s's driver calls dma_request_chan(): gets channel %" PRIu64 " of %s", who,
		                e->extra, ctl);
	}
	case DMAC_PREP:
		return zh ? out(buf, cap,
		                "dmaengine_prep_dma_memcpy()：描述符 %" PRIu64
		                "，%u 字节，源 DMA 地址 0x%" PRIx64 " → 目的 0x%" PRIx64
		                "（都是针对控制器自身映射的 IOVA）",
		                e->extra, e->len, e->addr_in, e->entry)
		          : out(buf, cap,
		                "dmaengine_prep_dma_memcpy(): descriptor %" PRIu64
		                ", %u bytes, DMA address 0x%" PRIx64 " → 0x%" PRIx64
		                " (both mapped against the controller itself)",
		                e->extra, e->len, e->addr_in, e->entry);
	case DMAC_PREP_SLAVE:
		return zh ? out(buf, cap,
		                "dmaengine_prep_slave_single()：描述符 %" PRIu64 "，%u 字节从 0x%" PRIx64
		                " 送往外设 FIFO",
		                e->extra, e->len, e->addr_in)
		          : out(buf, cap,
		                "dmaengine_prep_slave_single(): descriptor %" PRIu64
		                ", %u bytes from 0x%" PRIx64 " to the peripheral's FIFO",
		                e->extra, e->len, e->addr_in);
	case DMAC_SUBMIT:
		return zh ? out(buf, cap, "dmaengine_submit()：描述符 %" PRIu64 " 进入待处理队列，cookie %u",
		                e->extra, e->len)
		          : out(buf, cap, "dmaengine_submit(): descriptor %" PRIu64 " queued, cookie %u",
		                e->extra, e->len);
	case DMAC_ISSUE:
		return zh ? out(buf, cap, "dma_async_issue_pending()：通道 %" PRIu64 " 开始执行 %u 个描述符",
		                e->extra, e->len)
		          : out(buf, cap,
		                "dma_async_issue_pending(): channel %" PRIu64 " starts %u descriptor(s)",
		                e->extra, e->len);
	case DMAC_FETCH:
		return zh ? out(buf, cap, "%s 从总线地址 0x%" PRIx64 " 取出通道程序（%u 字节，经过 IOMMU）",
		                who, e->addr_in, e->len)
		          : out(buf, cap,
		                "%s fetches the channel program at bus address 0x%" PRIx64
		                " (%u bytes, through the IOMMU)",
		                who, e->addr_in, e->len);
	case DMAC_BURST:
		return zh ? out(buf, cap, "%s 搬运 %u 字节：0x%" PRIx64 " → 0x%" PRIx64, who, e->len,
		                e->addr_in, e->entry)
		          : out(buf, cap, "%s moves %u bytes: 0x%" PRIx64 " → 0x%" PRIx64, who, e->len,
		                e->addr_in, e->entry);
	case DMAC_DONE:
		return zh ? out(buf, cap, "通道 %" PRIu64 " 完成（DMASEV）：发出完成中断", e->extra)
		          : out(buf, cap, "channel %" PRIu64 " done (DMASEV): completion interrupt raised",
		                e->extra);
	case DMAC_CALLBACK:
		if (e->entry) /* an aborted transfer */
			return zh ? out(buf, cap,
			                "cookie %u 的传输已中止（PL330_ERR_ABORT），但 pl330.c 的 "
			                "dma_pl330_rqcb() "
			                "忽略错误、照样标记为 DONE：cookie "
			                "完成，客户端回调照常运行——客户端无从得知",
			                e->len)
			          : out(buf, cap,
			                "cookie %u was aborted (PL330_ERR_ABORT), but pl330.c's "
			                "dma_pl330_rqcb() "
			                "ignores the error and marks it DONE: the cookie completes and the "
			                "client's "
			                "callback runs as if it had worked; the client cannot tell",
			                e->len);
		return zh ? out(buf, cap, "中断处理：cookie %u 完成，调用客户端回调", e->len)
		          : out(buf, cap, "interrupt handler: cookie %u complete, the client's callback runs",
		                e->len);
	case DMAC_FAULT:
		return zh ? out(buf, cap, "%s 的 DMA 在 0x%" PRIx64 " 被 IOMMU 拦截：通道中止", who,
		                e->addr_in)
		          : out(buf, cap,
		                "%s's DMA at 0x%" PRIx64 " was blocked by the IOMMU: channel aborted", who,
		                e->addr_in);
	case DMAC_UART_TX:
		return zh ? out(buf, cap, "UART 从 FIFO 发出 %u 字节", e->len)
		          : out(buf, cap, "the UART shifts %u byte(s) out of its FIFO", e->len);
	}
	return out(buf, cap, "dmac %u", e->code);
}

size_t nic_narrate(const struct machine *m, const struct trace *t, const struct ev *e, enum lang lang,
                   char *buf, size_t cap)
{
	int zh = lang == LANG_ZH;
	const char *who = m && e->actor >= 0 ? entity_name(m, e->actor) : "device";
	const char *ring = e->code ? "Tx" : "Rx";
	const char *ring_zh = e->code ? "发送" : "接收";
	if (cap)
		buf[0] = 0;
	switch (e->kind) {
	case EV_WIRE_RX:
		return zh ? out(buf, cap, "网线上到达一个 %u 字节的帧，交给 %s", e->len, who)
		          : out(buf, cap, "a %u-byte frame arrives on %s's wire", e->len, who);
	case EV_WIRE_TX:
		return zh ? out(buf, cap, "%s 把一个 %u 字节的帧发到网线上", who, e->len)
		          : out(buf, cap, "%s puts a %u-byte frame on the wire", who, e->len);
	case EV_DESC_FETCH:
		if (e->flags & EVF_BLOCKED)
			return zh ? out(buf, cap,
			                "%s 读取%s描述符 %" PRIu64 "（总线地址 0x%" PRIx64
			                "）被 IOMMU 拦截：环停在这里",
			                who, ring_zh, e->extra, e->addr_in)
			          : out(buf, cap,
			                "%s's fetch of %s descriptor %" PRIu64 " at bus address 0x%" PRIx64
			                " was blocked by the IOMMU: the ring stalls here",
			                who, ring, e->extra, e->addr_in);
		return zh ? out(buf, cap,
		                "%s 通过 DMA 读取%s描述符 %" PRIu64 "（总线地址 0x%" PRIx64
		                "），缓冲区地址 0x%" PRIx64,
		                who, ring_zh, e->extra, e->addr_in, e->entry)
		          : out(buf, cap,
		                "%s DMA-reads %s descriptor %" PRIu64 " at bus address 0x%" PRIx64
		                ": buffer address 0x%" PRIx64,
		                who, ring, e->extra, e->addr_in, e->entry);
	case EV_DESC_WB:
		if (e->code)
			return zh ? out(buf, cap, "%s 写回发送描述符 %" PRIu64 " 的状态 DD（因为设置了 RS）",
			                who, e->extra)
			          : out(buf, cap,
			                "%s writes DD back into Tx descriptor %" PRIu64 " (RS was set)", who,
			                e->extra);
		return zh ? out(buf, cap,
		                "%s 写回接收描述符 %" PRIu64 "：长度 %u，状态 0x%02" PRIx64
		                "%s（先写描述符，最后单独写 DD）",
		                who, e->extra, e->len, e->entry, (e->entry & 2) ? "，EOP：包的最后一段" : "")
		          : out(buf, cap,
		                "%s writes back Rx descriptor %" PRIu64 ": length %u, status 0x%02" PRIx64
		                "%s (the descriptor first, DD last and separately)",
		                who, e->extra, e->len, e->entry,
		                (e->entry & 2) ? ", EOP: last buffer of the packet" : "");
	case EV_RX_DROP:
		return zh ? out(buf, cap, "%s 丢弃 %u 字节的帧：%s（RDH = %" PRIu64 "，RDT = %" PRIu64 "）",
		                who, e->len, rx_drop_zh(e->code), e->entry, e->extra)
		          : out(buf, cap,
		                "%s drops a %u-byte frame: %s (RDH = %" PRIu64 ", RDT = %" PRIu64 ")", who,
		                e->len, rx_drop_en(e->code), e->entry, e->extra);
	case EV_NAPI:
		return narrate_napi(e, who, zh, buf, cap);
	case EV_DMAC:
		return narrate_dmac(m, e, who, zh, buf, cap);
	case EV_CPU_COPY:
		return zh ? out(buf, cap,
		                "CPU 逐字节复制 %u 字节：0x%" PRIx64 " → 0x%" PRIx64
		                "（每个字节都是一次 CPU 访问）",
		                e->len, e->addr_in, e->addr_out)
		          : out(buf, cap,
		                "the CPU copies %u bytes 0x%" PRIx64 " → 0x%" PRIx64
		                " (every byte a CPU access)",
		                e->len, e->addr_in, e->addr_out);
	default:
		break;
	}
	(void)t;
	return out(buf, cap, "%s", ev_kind_name((enum ev_kind)e->kind));
}

const struct module_def nic_module = {
    .name = "nic",
    .kind_lo = EV_WIRE_RX,
    .kind_hi = EV_CPU_COPY,
    .narrate = nic_narrate,
};
