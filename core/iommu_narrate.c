/*
 * iommu_narrate.c — one line of English or Chinese for each event kind of
 * the IOMMU / DMA-API / boot module (EV_BOOT .. EV_IRQ). trace.c's
 * ev_narrate calls this through iommu_module.narrate by kind range.
 *
 * The English text of many events is already in the event's string (it
 * carries values: addresses, DIDs, Linux call syntax); Chinese lines are
 * built from the event's fields so both languages say the same thing.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "boot.h"
#include "dma.h"
#include "iommu.h"

size_t iommu_narrate(const struct machine *m, const struct trace *t, const struct ev *e, enum lang lang,
                     char *buf, size_t cap);

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

static const char *who(const struct machine *m, const struct ev *e)
{
	return m ? entity_name(m, e->actor) : "?";
}

static const char *dir_zh(uint64_t d)
{
	static const char *const n[] = {"双向", "设备读（TO_DEVICE）", "设备写（FROM_DEVICE）", "无"};
	return d < 4 ? n[d] : "?";
}

static const char *path_zh(unsigned p)
{
	return p == DMA_PATH_IOMMU    ? "dma-iommu"
	       : p == DMA_PATH_BOUNCE ? "dma-direct + swiotlb 回弹"
	                              : "dma-direct";
}

size_t iommu_narrate(const struct machine *m, const struct trace *t, const struct ev *e, enum lang lang,
                     char *buf, size_t cap)
{
	int zh = lang == LANG_ZH;
	const char *s = e->str ? trace_get_str(t, e->str) : "";
	switch (e->kind) {
	case EV_BOOT:
		if (zh) {
			if (e->code == BR_VFIO && e->entry != DOM_UNMANAGED)
				return out(buf, cap,
				           "VFIO 映射：IOVA 0x%" PRIx64 "（GPA）-> HPA 0x%" PRIx64
				           "，页已钉住",
				           e->entry, e->extra);
			if (e->actor > 0)
				return out(buf, cap, "启动：%s：%s", who(m, e),
				           boot_reason_text((enum boot_reason)e->code, 1));
			return out(buf, cap, "启动：%s", boot_reason_text((enum boot_reason)e->code, 1));
		}
		return out(buf, cap, "boot: %s", *s ? s : boot_reason_text((enum boot_reason)e->code, 0));
	case EV_IOTLB_HIT:
		if (e->flags & EVF_BLOCKED)
			return out(buf, cap,
			           zh ? "IOTLB 命中一条缓存的“不存在”项（CM = 1），IOVA 0x%" PRIx64 " 被阻止"
			              : "IOTLB hit on a cached not-present entry (CM = 1): IOVA 0x%" PRIx64
			                " blocked",
			           e->addr_in);
		if (e->flags & EVF_STALE)
			return out(
			    buf, cap,
			    zh ? "IOTLB 命中（DID %u）：IOVA 0x%" PRIx64 " -> HPA 0x%" PRIx64
			         "，但这是过期项：页表已解除映射，IOTLB 还没刷新"
			       : "IOTLB hit (DID %u): IOVA 0x%" PRIx64 " -> HPA 0x%" PRIx64
			         " — STALE: the tables no longer map it, the IOTLB was not flushed yet",
			    e->code, e->addr_in, e->addr_out);
		return out(buf, cap,
		           zh ? "IOTLB 命中（DID %u）：IOVA 0x%" PRIx64 " -> HPA 0x%" PRIx64 "，不读任何表"
		              : "IOTLB hit (DID %u): IOVA 0x%" PRIx64 " -> HPA 0x%" PRIx64 ", no table read",
		           e->code, e->addr_in, e->addr_out);
	case EV_IOTLB_MISS:
		return out(buf, cap,
		           zh ? "IOTLB 未命中（DID %u）：IOVA 0x%" PRIx64 "，开始走二级页表"
		              : "IOTLB miss (DID %u) for IOVA 0x%" PRIx64 ": walking the second-level tables",
		           e->code, e->addr_in);
	case EV_IOTLB_INV: {
		if (!zh)
			return out(buf, cap, "%s", s);
		static const char *const g[] = {"", "全局", "按域（DID）", "按页", "上下文缓存"};
		if (e->code == VTD_INV_PAGE)
			return out(buf, cap,
			           "IOTLB 按页失效：DID %" PRIu64 "，地址 0x%" PRIx64 "，AM = %" PRIu64
			           "（丢弃 %" PRIu64 " 项）",
			           e->addr_out, e->addr_in, e->extra, e->entry);
		if (e->code == VTD_INV_CONTEXT)
			return out(buf, cap, "上下文缓存失效");
		if (e->code == VTD_INV_DOMAIN)
			return out(buf, cap, "IOTLB 按域失效：DID %" PRIu64 "（丢弃 %" PRIu64 " 项）",
			           e->addr_out, e->entry);
		return out(buf, cap, "IOTLB %s失效（丢弃 %" PRIu64 " 项）", e->code < 5 ? g[e->code] : "",
		           e->entry);
	}
	case EV_CTX_CACHE_HIT:
		return out(buf, cap,
		           zh ? "上下文缓存命中：%02x:%02x.%d 不用读根条目和上下文条目"
		              : "context-cache hit for %02x:%02x.%d: no root or context entry read",
		           e->code >> 8, (e->code >> 3) & 31, e->code & 7);
	case EV_DMA_MAP:
		return zh ? out(buf, cap,
		                "dma_map_single(%s)：物理地址 0x%" PRIx64 "，%u 字节，%s -> 句柄 0x%" PRIx64
		                "（%s）",
		                who(m, e), e->addr_in, e->len, dir_zh(e->entry), e->addr_out,
		                path_zh(e->code))
		          : out(buf, cap, "%s", s);
	case EV_DMA_UNMAP:
	case EV_DMA_FREE:
		if (!zh)
			return out(buf, cap, "%s", s);
		return out(buf, cap, "%s(%s, 0x%" PRIx64 ")%s",
		           e->kind == EV_DMA_FREE ? "dma_free_coherent" : "dma_unmap_single", who(m, e),
		           e->addr_out,
		           e->code == DMA_PATH_IOMMU
		               ? (e->extra == DOM_DMA ? "：清除页表项，立即使 IOTLB 失效（严格模式）"
		                                      : "：清除页表项，IOVA 进入刷新队列（延迟失效）")
		               : "");
	case EV_DMA_SYNC:
		return zh ? out(buf, cap, "%s(%s, 0x%" PRIx64 ")：缓冲区现在归%s",
		                e->code ? "dma_sync_single_for_cpu" : "dma_sync_single_for_device", who(m, e),
		                e->addr_out, e->code ? " CPU" : "设备")
		          : out(buf, cap, "%s", s);
	case EV_DMA_ALLOC:
		return zh ? out(buf, cap,
		                "dma_alloc_coherent(%s, %u)：CPU 地址 0x%" PRIx64 "，DMA 句柄 0x%" PRIx64
		                "（%s）",
		                who(m, e), e->len, e->addr_in, e->addr_out, path_zh(e->code))
		          : out(buf, cap, "%s", s);
	case EV_BOUNCE:
		return zh ? out(buf, cap, "swiotlb 回弹拷贝：%u 字节 0x%" PRIx64 " -> 0x%" PRIx64 "（%s）",
		                e->len, e->addr_in, e->addr_out, e->code ? "拷入回弹槽" : "从回弹槽拷回")
		          : out(buf, cap, "%s", s);
	case EV_FQ_FLUSH:
		return zh ? out(buf, cap,
		                "DID %" PRIu64 " 的刷新队列清空（%s）：一次按域失效，%u 个 IOVA 重新可用",
		                e->entry, e->code ? "10 ms 定时器到期" : "队列已满", e->len)
		          : out(buf, cap, "%s", s);
	case EV_DMA_MISUSE:
		return zh ? out(buf, cap,
		                "DMA API 误用：CPU %s 0x%" PRIx64 "，而这块流式缓冲区（句柄 0x%" PRIx64
		                "）此刻归设备所有；应先调用 dma_unmap_single 或 dma_sync_single_for_cpu",
		                (e->flags & EVF_WRITE) ? "写" : "读", e->addr_in, e->addr_out)
		          : out(buf, cap, "DMA-API misuse: %s", s);
	case EV_DEV_DMA:
		if (*s)
			return zh ? out(buf, cap, "%s 的 DMA 请求 0x%" PRIx64 "：%s", who(m, e), e->addr_in,
			                e->code == 1 ? "该地址没有内存，请求以 Unsupported Request 结束"
			                : e->code == 2 ? "访问另一个设备的 BAR（点对点）"
			                               : "读中断地址窗口不是合法请求，被阻止")
			          : out(buf, cap, "%s DMA request 0x%" PRIx64 ": %s", who(m, e), e->addr_in,
			                s);
		return out(buf, cap,
		           zh ? "%s 发起 DMA %s：总线地址 0x%" PRIx64 "，%u 字节"
		              : "%s issues a DMA %s at bus address 0x%" PRIx64 " (%u bytes)",
		           who(m, e), (e->flags & EVF_WRITE) ? (zh ? "写" : "write") : (zh ? "读" : "read"),
		           e->addr_in, e->len);
	case EV_ISOLATION_BREACH:
		return zh ? out(buf, cap,
		                "隔离被突破：%s（属于 %s）写了 %u 字节到 HPA 0x%" PRIx64 "，那是 %s 的内存",
		                who(m, e), m ? entity_name(m, (int)e->entry) : "?", e->len, e->addr_out,
		                m ? entity_name(m, (int)e->extra) : "?")
		          : out(buf, cap, "ISOLATION BREACH: %s", s);
	case EV_MMIO: {
		const char *dev =
		    m && e->code != 0xffff && e->code < m->d->ndevs ? m->d->devs[e->code].name : "no device";
		int w = (e->flags & EVF_WRITE) != 0;
		return out(buf, cap,
		           zh ? "%s 的 CPU %s设备寄存器（%s）HPA 0x%" PRIx64 " = 0x%" PRIx64
		                "：MMIO，CPU -> 设备，不经过 IOMMU"
		              : "%s CPU %s a register of %s at HPA 0x%" PRIx64 " = 0x%" PRIx64
		                ": MMIO, CPU -> device, never through the IOMMU",
		           who(m, e), w ? (zh ? "写" : "writes") : (zh ? "读" : "reads"), dev, e->addr_in,
		           e->entry);
	}
	case EV_IRQ:
		return zh ? out(buf, cap,
		                "中断请求：%s 写 0x%" PRIx64
		                "（中断地址窗口），APIC %u，向量 0x%02x —— 不是 DMA",
		                who(m, e), e->addr_in, (unsigned)((e->addr_in >> 12) & 0xff), e->code)
		          : out(buf, cap, "%s", *s ? s : "interrupt request");
	case EV_VTD_SET:
		if (e->code == 1)
			return zh ? out(buf, cap,
			                "软件改写 %02x:%02x.%d 的上下文条目（HPA 0x%" PRIx64
			                "）：低 64 位 0x%" PRIx64 " -> 0x%" PRIx64,
			                (unsigned)(e->addr_in >> 8), (unsigned)((e->addr_in >> 3) & 31),
			                (unsigned)(e->addr_in & 7), e->addr_out, e->extra, e->entry)
			          : out(buf, cap, "software edits the %s", s);
		return zh ? out(buf, cap, "软件写 VT-d 寄存器 0x%03" PRIx64 " <- 0x%" PRIx64 "%s", e->addr_in,
		                e->entry,
		                e->addr_in == VTD_FECTL
		                    ? ((e->entry & VTD_FECTL_IM) ? "（FECTL：屏蔽故障中断）"
		                                                 : "（FECTL：解除屏蔽）")
		                    : "")
		          : out(buf, cap, "software writes %s%s", s,
		                e->addr_in == VTD_FECTL
		                    ? ((e->entry & VTD_FECTL_IM) ? " (FECTL: fault interrupt masked)"
		                                                 : " (FECTL: fault interrupt unmasked)")
		                    : "");
	default:
		return out(buf, cap, "%s%s%s", ev_kind_name((enum ev_kind)e->kind), *s ? ": " : "", s);
	}
}
