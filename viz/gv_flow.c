/*
 * gv_flow.c — the flow diagram: the path the selected steps take through
 * the machine, drawn in the three layers of the source Q&A's first figure.
 *
 *   +-- User space ---------------------------------------------+
 *   |  [vm1 (guest)]  [vm2 (guest)]                              |
 *   +-- Kernel -------------------------------------------------+
 *   |  [KVM]  [host kernel / drivers]  [DMA API]  [intel-iommu]  |
 *   +-- Hardware -----------------------------------------------+
 *   |  [MMU] [TLB] [EPT]    [IOMMU] [IOTLB]    [nic0] [wire]     |
 *   |                 [DRAM: host physical memory]               |
 *   +-----------------------------------------------------------+
 *
 * Edges are numbered in event order (a dark badge) and carry the address
 * in the space the receiver sees it: GVA 0x… -> MMU, GPA 0x… -> EPT,
 * HPA 0x… -> DRAM; IOVA 0x… -> IOMMU -> HPA 0x…. Runs of page-table reads
 * become one dashed edge ("4 guest + 20 EPT entries"). Faults are red and
 * bold with their reason; TLB/IOTLB hits are green. When a range of steps
 * holds many events, identical hops are merged ("×12"), so a lesson-sized
 * range stays readable.
 *
 * Mapping of trace events to hops:
 *   tlb.miss/hit        actor -> MMU (address), MMU -> TLB (hit/miss)
 *   walk.ref run        MMU/EPT/IOMMU -> DRAM, dashed, counts
 *   translate A->B      unit -> next unit (address in B); -> HPA is merged
 *                       with the memory access that follows
 *   mem.read/write      (unit ->) DRAM "read 8 B at HPA … (region)"
 *   fault / vmexit      red: MMU -> guest (#PF), EPT -> KVM (exit 48/49),
 *                       IOMMU -> intel-iommu (DMAR fault reason)
 *   device.dma          device -> IOMMU (bus address)
 *   dma.* (API)         kernel -> DMA API (call and result)
 *   iotlb.invalidate    intel-iommu -> IOTLB
 *   mmio, irq, wire.*   CPU -> device register, device -> CPU (MSI), wire <-> NIC
 *
 * Not modelled (drawn): per-instruction detail inside the guest kernel;
 * the host user-space side of QEMU (its process is the VM box).
 */
#include "gv.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iommu.h"
#include "nic.h"

enum nd {
	N_KVM,
	N_KERNEL,
	N_DMAAPI,
	N_IOMMUDRV,
	N_MMU,
	N_TLB,
	N_EPT,
	N_IOMMU,
	N_IOTLB,
	N_MEM,
	N_WIRE,
	N_FIXED,
	/* then VMs (N_FIXED + vm) and devices (N_FIXED + MAX_VMS + dev) */
	N_MAX = N_FIXED + MAX_VMS + MAX_DEVICES
};

enum hop_style { HS_ADDR, HS_WALK, HS_HIT, HS_MISS, HS_FAULT, HS_CALL, HS_DMA, HS_IRQ };

struct hop {
	int from, to;
	enum hop_style st;
	int num;         /* first event number */
	int count;       /* merged hops */
	char label[200]; /* HTML-safe text (escaped when built) */
	char key[48];    /* merge key: hops with the same key merge */
};

struct flow {
	const struct gv_view *v;
	struct hop *h;
	int n, cap;
	int used[N_MAX];
	/* a translation to HPA waiting for its memory access */
	int pend_from;
	uint64_t pend_hpa;
	int pend_num;
	char pend_in[64];
	/* a device DMA in flight: where its memory access comes from (the
	 * IOMMU once it translated, else the device itself) */
	int dma_from;
};

static int vm_node(int vm)
{
	return N_FIXED + vm;
}

static int dev_node(int dev)
{
	return N_FIXED + MAX_VMS + dev;
}

static int actor_node(const struct machine *m, int actor)
{
	if (actor >= 1 && actor <= m->nvms)
		return vm_node(actor - 1);
	if (actor > m->nvms && actor - m->nvms - 1 < m->ndevs)
		return dev_node(actor - m->nvms - 1);
	return N_KERNEL;
}

static void merge(struct flow *f, int limit);

static struct hop *hop_add(struct flow *f, int from, int to, enum hop_style st, int num)
{
	/* a million-event range: fold identical hops as we go (same result as
	 * folding at the end, in bounded memory) */
	if (f->n >= 4096)
		merge(f, 0);
	if (f->n == f->cap) {
		int cap = f->cap ? f->cap * 2 : 64;
		struct hop *h = realloc(f->h, sizeof *h * (size_t)cap);
		if (!h)
			return NULL;
		f->h = h;
		f->cap = cap;
	}
	struct hop *h = &f->h[f->n++];
	memset(h, 0, sizeof *h);
	h->from = from;
	h->to = to;
	h->st = st;
	h->num = num;
	h->count = 1;
	f->used[from] = f->used[to] = 1;
	return h;
}

static const char *space_str(int s)
{
	static const char *const n[SPACE_MAX] = {"", "GVA", "GPA", "HPA", "VA", "IOVA", "bus"};
	return s > 0 && s < SPACE_MAX ? n[s] : "";
}

static int unit_node(int unit, int space_in)
{
	switch (unit) {
	case UNIT_EPT:
		return N_EPT;
	case UNIT_IOMMU:
		return N_IOMMU;
	case UNIT_MMU:
	case UNIT_CPU:
		return space_in == SPACE_GPA ? N_EPT : N_MMU;
	default:
		return N_KERNEL;
	}
}

static void flush_pending(struct flow *f)
{
	if (f->pend_from < 0)
		return;
	struct hop *h = hop_add(f, f->pend_from, N_MEM, HS_ADDR, f->pend_num);
	if (h) {
		snprintf(h->label, sizeof h->label, "HPA 0x%" PRIx64, f->pend_hpa);
		snprintf(h->key, sizeof h->key, "hpa:%d", f->pend_from);
	}
	f->pend_from = -1;
}

static const char *region_of(const struct trace *t, const struct ev *e)
{
	return e->str ? trace_get_str(t, e->str) : "";
}

static void walk_run(struct flow *f, uint64_t *i, uint64_t hi, int *num)
{
	const struct trace *t = &f->v->m->trace;
	int cpu = 0, ept = 0, root = 0, ctx = 0, sl = 0;
	int actor = t->ev[*i].actor;
	uint64_t j = *i;
	while (j < hi) {
		const struct ev *e = &t->ev[j];
		if (e->kind == EV_WALK_REF) {
			switch (e->walker) {
			case WALKER_EPT:
				ept++;
				break;
			case WALKER_IOMMU_ROOT:
				root++;
				break;
			case WALKER_IOMMU_CONTEXT:
				ctx++;
				break;
			case WALKER_IOMMU:
				sl++;
				break;
			default:
				cpu++;
				break;
			}
		} else if (e->kind == EV_TRANSLATE && t->ev[j].space_in != SPACE_GPA && j + 1 < hi &&
		           t->ev[j + 1].kind == EV_WALK_REF) {
			/* GVA -> GPA in the middle of a 2-D walk: keep it as its own hop */
			break;
		} else if (e->kind == EV_IOTLB_MISS && (root || ctx)) {
			/* VT-d reads root and context before the IOTLB lookup: the
			 * miss is its own hop, the walk goes on */
			struct hop *mh = hop_add(f, N_IOMMU, N_IOTLB, HS_MISS, ++*num);
			if (mh) {
				snprintf(mh->label, sizeof mh->label,
				         f->v->lang == LANG_ZH ? "IOTLB 未命中 IOVA 0x%" PRIx64
				                               : "IOTLB miss IOVA 0x%" PRIx64,
				         e->addr_in);
				snprintf(mh->key, sizeof mh->key, "iotlb:%d", e->kind);
			}
		} else if (e->kind != EV_CTX_CACHE_HIT) {
			break;
		}
		j++;
	}
	(void)actor;
	int n = ++*num;
	if (root || ctx || sl)
		f->dma_from = N_IOMMU;
	enum lang L = f->v->lang;
	if (cpu && ept) {
		/* a 2-D walk: the guest entries are read by the MMU, each after EPT
		 * translated the GPA of its table */
		struct hop *h = hop_add(f, N_EPT, N_MEM, HS_WALK, n);
		if (h) {
			snprintf(h->label, sizeof h->label,
			         L == LANG_ZH
			             ? "EPT 遍历：%d 个 EPT 表项（翻译客户机页表所在的 GPA）"
			             : "EPT walks: %d EPT entries (for the GPAs of the guest's tables)",
			         ept);
			snprintf(h->key, sizeof h->key, "walk:ept2d");
		}
		h = hop_add(f, N_MMU, N_MEM, HS_WALK, ++*num);
		if (h) {
			snprintf(h->label, sizeof h->label,
			         L == LANG_ZH ? "客户机页表遍历：%d 个客户机表项"
			                      : "guest page walk: %d guest entries",
			         cpu);
			snprintf(h->key, sizeof h->key, "walk:guest");
		}
	} else if (cpu || ept) {
		struct hop *h = hop_add(f, ept ? N_EPT : N_MMU, N_MEM, HS_WALK, n);
		if (h) {
			if (ept)
				snprintf(h->label, sizeof h->label,
				         L == LANG_ZH ? "EPT 遍历：%d 个表项" : "EPT walk: %d entries", ept);
			else
				snprintf(h->label, sizeof h->label,
				         L == LANG_ZH ? "页表遍历：%d 个表项" : "page walk: %d entries", cpu);
			snprintf(h->key, sizeof h->key, ept ? "walk:ept" : "walk:cpu");
		}
	}
	if (root || ctx || sl) {
		struct hop *h = hop_add(f, N_IOMMU, N_MEM, HS_WALK, n);
		if (h) {
			/* "read 1 root + 1 context + 4 second-level entries", zero counts left out */
			char parts[3][48];
			int np = 0;
			if (L == LANG_ZH) {
				if (root)
					snprintf(parts[np++], sizeof parts[0], "%d 个根表项", root);
				if (ctx)
					snprintf(parts[np++], sizeof parts[0], "%d 个上下文表项", ctx);
				if (sl)
					snprintf(parts[np++], sizeof parts[0], "%d 个二级页表项", sl);
				snprintf(h->label, sizeof h->label, "读取 %s%s%s%s%s", parts[0],
				         np > 1 ? " + " : "", np > 1 ? parts[1] : "", np > 2 ? " + " : "",
				         np > 2 ? parts[2] : "");
			} else {
				if (root)
					snprintf(parts[np++], sizeof parts[0], "%d root", root);
				if (ctx)
					snprintf(parts[np++], sizeof parts[0], "%d context", ctx);
				if (sl)
					snprintf(parts[np++], sizeof parts[0], "%d second-level", sl);
				snprintf(h->label, sizeof h->label, "read %s%s%s%s%s %s", parts[0],
				         np > 1 ? " + " : "", np > 1 ? parts[1] : "", np > 2 ? " + " : "",
				         np > 2 ? parts[2] : "", root + ctx + sl == 1 ? "entry" : "entries");
			}
			snprintf(h->key, sizeof h->key, "walk:iommu");
		}
	}
	*i = j - 1;
}

static void mmio_label(const struct gv_view *v, const struct ev *e, char *buf, size_t cap)
{
	const struct machine *m = v->m;
	const char *reg = NULL;
	char regbuf[24];
	int dev = e->code != 0xffff ? e->code : -1;
	if (dev >= 0 && dev < m->ndevs && m->devs[dev].d && m->devs[dev].d->type_id == DEV_E1000) {
		const struct span *s = mem_span_at(&m->mem, e->addr_in);
		if (s)
			reg = nic_reg_name((uint32_t)(e->addr_in - s->base));
	}
	if (!reg) {
		snprintf(regbuf, sizeof regbuf, "HPA 0x%" PRIx64, e->addr_in);
		reg = regbuf;
	}
	if (e->flags & EVF_WRITE)
		snprintf(buf, cap,
		         v->lang == LANG_ZH ? "MMIO 写 %s = 0x%" PRIx64 : "MMIO write %s = 0x%" PRIx64, reg,
		         e->entry);
	else
		snprintf(buf, cap,
		         v->lang == LANG_ZH ? "MMIO 读 %s → 0x%" PRIx64 : "MMIO read %s → 0x%" PRIx64, reg,
		         e->entry);
}

static void collect(struct flow *f)
{
	const struct gv_view *v = f->v;
	const struct machine *m = v->m;
	const struct trace *t = &m->trace;
	uint64_t hi = v->ev_hi < t->n ? v->ev_hi : t->n;
	int num = 0;
	enum lang L = v->lang;
	char tmp[200];
	f->pend_from = -1;
	f->dma_from = -1;
	for (uint64_t i = v->ev_lo; i < hi; i++) {
		const struct ev *e = &t->ev[i];
		int an = actor_node(m, e->actor);
		struct hop *h = NULL;
		switch (e->kind) {
		case EV_TLB_MISS:
		case EV_TLB_HIT: {
			flush_pending(f);
			int vmside = e->actor >= 1 && e->actor <= m->nvms;
			h = hop_add(f, an, N_MMU, HS_ADDR, ++num);
			if (h) {
				snprintf(h->label, sizeof h->label, "%s 0x%" PRIx64, vmside ? "GVA" : "VA",
				         e->addr_in);
				snprintf(h->key, sizeof h->key, "va:%d", an);
			}
			h = hop_add(f, N_MMU, N_TLB, e->kind == EV_TLB_HIT ? HS_HIT : HS_MISS, ++num);
			if (h) {
				if (e->kind == EV_TLB_HIT) {
					snprintf(h->label, sizeof h->label,
					         L == LANG_ZH ? "TLB 命中 → HPA 0x%" PRIx64
					                      : "TLB hit → HPA 0x%" PRIx64,
					         e->addr_out);
					/* the access goes straight to memory */
					f->pend_from = N_MMU;
					f->pend_hpa = e->addr_out;
					f->pend_num = 0;
				} else {
					snprintf(h->label, sizeof h->label, "%s",
					         L == LANG_ZH ? "TLB 未命中" : "TLB miss");
				}
				snprintf(h->key, sizeof h->key, "tlb:%d", e->kind);
			}
			break;
		}
		case EV_WALK_REF:
			flush_pending(f);
			walk_run(f, &i, hi, &num);
			break;
		case EV_TRANSLATE: {
			int from = unit_node(e->unit, e->space_in);
			if (e->space_out == SPACE_HPA) {
				flush_pending(f);
				f->pend_from = from;
				f->pend_hpa = e->addr_out;
				f->pend_num = ++num;
				snprintf(f->pend_in, sizeof f->pend_in, "%s", space_str(e->space_in));
			} else {
				int to = e->space_out == SPACE_GPA ? N_EPT : N_MEM;
				h = hop_add(f, from, to, HS_ADDR, ++num);
				if (h) {
					snprintf(h->label, sizeof h->label, "%s 0x%" PRIx64,
					         space_str(e->space_out), e->addr_out);
					snprintf(h->key, sizeof h->key, "tr:%d:%d", from, to);
				}
			}
			break;
		}
		case EV_MEM_READ:
		case EV_MEM_WRITE: {
			const char *rw = e->kind == EV_MEM_READ ? (L == LANG_ZH ? "读" : "read")
			                                        : (L == LANG_ZH ? "写" : "write");
			const char *reg = region_of(t, e);
			int from = an;
			int num0 = 0;
			if (f->pend_from >= 0) {
				from = f->pend_from;
				num0 = f->pend_num;
				f->pend_from = -1;
			} else if (e->unit == UNIT_DEVICE || (e->actor > m->nvms)) {
				from = f->dma_from >= 0 ? f->dma_from : an;
				f->dma_from = -1;
			} else if (e->unit == UNIT_CPU || e->unit == UNIT_MMU) {
				from = e->actor >= 1 && e->actor <= m->nvms ? N_MMU : N_MMU;
			}
			h = hop_add(f, from, N_MEM, e->unit == UNIT_DEVICE ? HS_DMA : HS_ADDR,
			            num0 ? num0 : ++num);
			if (h) {
				if (L == LANG_ZH)
					snprintf(h->label, sizeof h->label,
					         "HPA 0x%" PRIx64 " %s %u 字节%s%s", e->addr_in, rw, e->len,
					         *reg ? " · " : "", reg);
				else
					snprintf(h->label, sizeof h->label, "HPA 0x%" PRIx64 " · %s %u B%s%s",
					         e->addr_in, rw, e->len, *reg ? " · " : "", reg);
				snprintf(h->key, sizeof h->key, "mem:%d:%d", from, e->kind);
			}
			break;
		}
		case EV_MMIO: {
			int dev = e->code != 0xffff ? e->code : -1;
			int to = dev >= 0 && dev < m->ndevs ? dev_node(dev) : N_MEM;
			int from = f->pend_from >= 0
			               ? f->pend_from
			               : (e->actor >= 1 && e->actor <= m->nvms ? N_MMU : N_KERNEL);
			int num0 = f->pend_from >= 0 ? f->pend_num : 0;
			f->pend_from = -1;
			h = hop_add(f, from, to, HS_CALL, num0 ? num0 : ++num);
			if (h) {
				mmio_label(v, e, h->label, sizeof h->label);
				snprintf(h->key, sizeof h->key, "mmio:%d:%d", to, e->flags & EVF_WRITE);
			}
			break;
		}
		case EV_FAULT: {
			flush_pending(f);
			int from = e->unit == UNIT_IOMMU ? N_IOMMU : N_MMU;
			int to = e->unit == UNIT_IOMMU
			             ? N_IOMMUDRV
			             : (e->actor >= 1 && e->actor <= m->nvms ? an : N_KERNEL);
			h = hop_add(f, from, to, HS_FAULT, ++num);
			if (h) {
				if (e->unit == UNIT_MMU) {
					int guest = e->actor >= 1 && e->actor <= m->nvms;
					snprintf(h->label, sizeof h->label,
					         L == LANG_ZH ? "#PF 缺页异常 0x%" PRIx64
					                        "，错误码 0x%" PRIx64 "（%s）→ %s"
					                      : "#PF at 0x%" PRIx64 ", error code 0x%" PRIx64
					                        " (%s) → %s",
					         e->addr_in, e->extra,
					         (e->extra & 1) ? (L == LANG_ZH ? "权限违规" : "protection")
					                        : (L == LANG_ZH ? "页不存在" : "not present"),
					         guest ? (L == LANG_ZH ? "客户机内核处理，没有 VM 退出"
					                               : "the guest kernel, no VM exit")
					               : (L == LANG_ZH ? "宿主机内核" : "the host kernel"));
				} else if (e->unit == UNIT_IOMMU) {
					snprintf(h->label, sizeof h->label,
					         L == LANG_ZH ? "DMAR 故障 原因 0x%02x：%s"
					                      : "DMAR fault, reason 0x%02x: %s",
					         e->code, vtd_fault_reason_str(e->code));
				} else {
					snprintf(h->label, sizeof h->label,
					         L == LANG_ZH ? "故障 0x%" PRIx64 : "fault at 0x%" PRIx64,
					         e->addr_in);
				}
				snprintf(h->key, sizeof h->key, "fault:%d:%u", e->unit, e->code);
			}
			break;
		}
		case EV_VMEXIT:
			flush_pending(f);
			h = hop_add(f, N_EPT, N_KVM, HS_FAULT, ++num);
			if (h) {
				if (e->code == 48)
					snprintf(h->label, sizeof h->label,
					         L == LANG_ZH ? "VM 退出 48：EPT 违规，GPA 0x%" PRIx64
					                        "，限定 0x%" PRIx64
					                      : "VM exit 48: EPT violation at GPA 0x%" PRIx64
					                        ", qual. 0x%" PRIx64,
					         e->addr_in, e->extra);
				else
					snprintf(h->label, sizeof h->label,
					         L == LANG_ZH
					             ? "VM 退出 %u：EPT 配置错误，GPA 0x%" PRIx64
					             : "VM exit %u: EPT misconfiguration at GPA 0x%" PRIx64,
					         e->code, e->addr_in);
				snprintf(h->key, sizeof h->key, "exit:%u", e->code);
			}
			break;
		case EV_DEV_DMA:
			flush_pending(f);
			f->dma_from = an;
			h = hop_add(f, an, m->iommu ? N_IOMMU : N_MEM, HS_DMA, ++num);
			if (h) {
				snprintf(h->label, sizeof h->label,
				         L == LANG_ZH ? "DMA %s 0x%" PRIx64 "（%u 字节）"
				                      : "DMA %s 0x%" PRIx64 " (%u B)",
				         e->flags & EVF_WRITE ? (L == LANG_ZH ? "写" : "write")
				                              : (L == LANG_ZH ? "读" : "read"),
				         e->addr_in, e->len);
				snprintf(h->key, sizeof h->key, "dma:%d:%d", an, e->flags & EVF_WRITE);
			}
			break;
		case EV_IOTLB_HIT:
		case EV_IOTLB_MISS:
		case EV_CTX_CACHE_HIT:
			f->dma_from = N_IOMMU;
			h = hop_add(f, N_IOMMU, N_IOTLB, e->kind == EV_IOTLB_MISS ? HS_MISS : HS_HIT, ++num);
			if (h) {
				if (e->kind == EV_CTX_CACHE_HIT)
					snprintf(h->label, sizeof h->label, "%s",
					         L == LANG_ZH ? "上下文缓存命中" : "context-cache hit");
				else if (e->kind == EV_IOTLB_MISS)
					snprintf(h->label, sizeof h->label,
					         L == LANG_ZH ? "IOTLB 未命中 IOVA 0x%" PRIx64
					                      : "IOTLB miss IOVA 0x%" PRIx64,
					         e->addr_in);
				else
					snprintf(h->label, sizeof h->label, "%s%s",
					         (e->flags & EVF_STALE)
					             ? (L == LANG_ZH ? "IOTLB 命中（过期！）"
					                             : "IOTLB hit (STALE!)")
					             : (L == LANG_ZH ? "IOTLB 命中" : "IOTLB hit"),
					         "");
				if (e->flags & EVF_STALE)
					h->st = HS_FAULT;
				snprintf(h->key, sizeof h->key, "iotlb:%d", e->kind);
			}
			break;
		case EV_IOTLB_INV:
			h = hop_add(f, N_IOMMUDRV, N_IOTLB, HS_CALL, ++num);
			if (h) {
				static const char *const g_en[] = {"", "global", "domain", "page", "context"};
				static const char *const g_zh[] = {"", "全局", "按域", "按页", "上下文"};
				unsigned gi = e->code < 5 ? e->code : 0;
				snprintf(h->label, sizeof h->label,
				         L == LANG_ZH ? "%s失效" : "%s invalidation",
				         L == LANG_ZH ? g_zh[gi] : g_en[gi]);
				snprintf(h->key, sizeof h->key, "inv:%u", e->code);
			}
			break;
		case EV_DMA_MAP:
		case EV_DMA_UNMAP:
		case EV_DMA_SYNC:
		case EV_DMA_ALLOC:
		case EV_DMA_FREE:
		case EV_BOUNCE:
		case EV_FQ_FLUSH:
		case EV_DMA_MISUSE: {
			flush_pending(f);
			int from = e->kind == EV_DMA_MISUSE
			               ? N_KERNEL
			               : (e->actor >= 1 && e->actor <= m->nvms ? an : N_KERNEL);
			int to = e->kind == EV_FQ_FLUSH ? N_IOMMUDRV : N_DMAAPI;
			h = hop_add(f, from, to, e->kind == EV_DMA_MISUSE ? HS_FAULT : HS_CALL, ++num);
			if (h) {
				const char *name = e->kind == EV_DMA_MAP     ? "dma_map_single"
				                   : e->kind == EV_DMA_UNMAP ? "dma_unmap_single"
				                   : e->kind == EV_DMA_SYNC  ? "dma_sync_single"
				                   : e->kind == EV_DMA_ALLOC ? "dma_alloc_coherent"
				                   : e->kind == EV_DMA_FREE  ? "dma_free_coherent"
				                   : e->kind == EV_BOUNCE    ? "swiotlb bounce"
				                   : e->kind == EV_FQ_FLUSH
				                       ? "flush queue → IOTLB flush"
				                       : (L == LANG_ZH ? "DMA API 误用" : "DMA-API misuse");
				if (e->kind == EV_DMA_MAP || e->kind == EV_DMA_ALLOC)
					snprintf(h->label, sizeof h->label, "%s → 0x%" PRIx64, name,
					         e->addr_out);
				else if (e->kind == EV_DMA_UNMAP || e->kind == EV_DMA_SYNC ||
				         e->kind == EV_DMA_FREE)
					snprintf(h->label, sizeof h->label, "%s(0x%" PRIx64 ")", name,
					         e->addr_out ? e->addr_out : e->addr_in);
				else
					snprintf(h->label, sizeof h->label, "%s", name);
				snprintf(h->key, sizeof h->key, "api:%d", e->kind);
			}
			break;
		}
		case EV_IRQ:
			h = hop_add(f, an, N_MMU, HS_IRQ, ++num);
			if (h) {
				snprintf(h->label, sizeof h->label,
				         L == LANG_ZH ? "MSI 中断（写 0x%" PRIx64 "）"
				                      : "MSI interrupt (write to 0x%" PRIx64 ")",
				         e->addr_in);
				snprintf(h->key, sizeof h->key, "irq:%d", an);
			}
			break;
		case EV_WIRE_RX:
		case EV_WIRE_TX:
			h = hop_add(f, e->kind == EV_WIRE_RX ? N_WIRE : an,
			            e->kind == EV_WIRE_RX ? an : N_WIRE, HS_DMA, ++num);
			if (h) {
				snprintf(h->label, sizeof h->label,
				         L == LANG_ZH ? "%s %u 字节帧" : "%s %u-byte frame",
				         e->kind == EV_WIRE_RX ? (L == LANG_ZH ? "收到" : "receive")
				                               : (L == LANG_ZH ? "发送" : "send"),
				         e->len);
				snprintf(h->key, sizeof h->key, "wire:%d", e->kind);
			}
			break;
		case EV_DESC_FETCH:
		case EV_DESC_WB: {
			/* name the device DMA that just moved the descriptor */
			for (int j = f->n - 1; j >= 0 && j >= f->n - 12; j--) {
				struct hop *p = &f->h[j];
				if (p->from == an && (p->to == N_IOMMU || p->to == N_MEM) &&
				    p->st == HS_DMA) {
					char old[sizeof p->label];
					memcpy(old, p->label, sizeof old);
					snprintf(
					    p->label, sizeof p->label, "%s %s[%" PRIu64 "] %s: %.120s",
					    e->code ? "Tx" : "Rx", L == LANG_ZH ? "描述符" : "desc", e->extra,
					    e->kind == EV_DESC_FETCH ? (L == LANG_ZH ? "读取" : "fetch")
					                             : (L == LANG_ZH ? "回写" : "write-back"),
					    old);
					snprintf(p->key, sizeof p->key, "desc:%d:%u:%d", e->kind, e->code,
					         an);
					break;
				}
			}
			break;
		}
		case EV_RX_DROP:
			h = hop_add(f, N_WIRE, an, HS_FAULT, ++num);
			if (h) {
				snprintf(h->label, sizeof h->label, "%s",
				         L == LANG_ZH ? "丢包：环中没有空闲描述符（RXO）"
				                      : "dropped: no free Rx descriptor (RXO)");
				snprintf(h->key, sizeof h->key, "drop");
			}
			break;
		case EV_ISOLATION_BREACH:
			h = hop_add(f, an, N_MEM, HS_FAULT, ++num);
			if (h) {
				snprintf(h->label, sizeof h->label,
				         L == LANG_ZH ? "隔离被破坏：写入 HPA 0x%" PRIx64
				                      : "ISOLATION BREACH at HPA 0x%" PRIx64,
				         e->addr_in);
				snprintf(h->key, sizeof h->key, "breach:%d", an);
			}
			break;
		case EV_SET:
			flush_pending(f);
			h = hop_add(f, N_KERNEL, N_MEM, HS_CALL, ++num);
			if (h) {
				snprintf(h->label, sizeof h->label,
				         L == LANG_ZH ? "修改表项 @0x%" PRIx64 "：0x%" PRIx64 " → 0x%" PRIx64
				                      : "set entry @0x%" PRIx64 ": 0x%" PRIx64
				                        " → 0x%" PRIx64,
				         e->addr_in, e->extra, e->entry);
				snprintf(h->key, sizeof h->key, "set");
			}
			break;
		case EV_TLB_FLUSH: {
			static const char *const en[] = {"INVLPG", "TLB flush", "INVEPT", "CR3 write"};
			h = hop_add(f, e->actor >= 1 && e->actor <= m->nvms ? an : N_KERNEL, N_TLB, HS_CALL,
			            ++num);
			if (h) {
				snprintf(tmp, sizeof tmp, L == LANG_ZH ? "%s：丢弃 %u 项" : "%s: %u dropped",
				         en[e->code & 3], e->len);
				snprintf(h->label, sizeof h->label, "%s", tmp);
				snprintf(h->key, sizeof h->key, "flush:%u", e->code);
			}
			break;
		}
		default:
			break;
		}
	}
	flush_pending(f);
}

/* Merge hops with the same key when there are too many to read. */
static void merge(struct flow *f, int limit)
{
	if (f->n <= limit)
		return;
	int out = 0;
	for (int i = 0; i < f->n; i++) {
		int j;
		for (j = 0; j < out; j++)
			if (f->h[j].from == f->h[i].from && f->h[j].to == f->h[i].to &&
			    strcmp(f->h[j].key, f->h[i].key) == 0)
				break;
		if (j < out) {
			f->h[j].count += f->h[i].count;
			continue;
		}
		f->h[out++] = f->h[i];
	}
	f->n = out;
}

enum ucol { UC_KERNEL, UC_CPU, UC_EPT, UC_IOMMU, UC_MEMORY, UC_DEVICE };

static struct rgb ucol(int c)
{
	switch (c) {
	case UC_CPU:
		return THEME_CPU;
	case UC_EPT:
		return THEME_EPT;
	case UC_IOMMU:
		return THEME_IOMMU;
	case UC_MEMORY:
		return THEME_MEMORY;
	case UC_DEVICE:
		return THEME_DEVICE;
	default:
		return THEME_KERNEL;
	}
}

struct nodeinfo {
	const char *name;
	const char *en, *zh;
	const char *sub_en, *sub_zh;
	int colour; /* enum ucol */
	int layer;  /* 0 user, 1 kernel, 2 hardware */
};

static const struct nodeinfo fixed[N_FIXED] = {
    [N_KVM] = {"kvm", "KVM", "KVM", "handles VM exits", "处理 VM 退出", UC_KERNEL, 1},
    [N_KERNEL] = {"kernel", "host kernel", "宿主机内核", "drivers, page tables", "驱动、页表", UC_KERNEL, 1},
    [N_DMAAPI] = {"dmaapi", "DMA API", "DMA API", "dma-iommu / dma-direct", "dma-iommu / dma-direct",
                  UC_KERNEL, 1},
    [N_IOMMUDRV] = {"iommudrv", "intel-iommu driver", "intel-iommu 驱动", "tables, invalidation, faults",
                    "页表、失效、故障处理", UC_KERNEL, 1},
    [N_MMU] = {"mmu", "CPU · MMU", "CPU · MMU", "page walker", "页表遍历器", UC_CPU, 2},
    [N_TLB] = {"tlb", "TLB", "TLB", "cached translations", "缓存的地址转换", UC_CPU, 2},
    [N_EPT] = {"ept", "EPT", "EPT", "GPA → HPA", "GPA → HPA", UC_EPT, 2},
    [N_IOMMU] = {"iommu", "IOMMU (VT-d)", "IOMMU（VT-d）", "IOVA → HPA", "IOVA → HPA", UC_IOMMU, 2},
    [N_IOTLB] = {"iotlb", "IOTLB", "IOTLB", "cached DMA translations", "缓存的 DMA 转换", UC_IOMMU, 2},
    [N_MEM] = {"dram", "DRAM", "内存 DRAM", "host physical memory", "宿主机物理内存", UC_MEMORY, 2},
    [N_WIRE] = {"wire", "network", "网络", "the wire", "网线", UC_DEVICE, 2},
};

static void style_for(Agedge_t *e, enum hop_style st)
{
	switch (st) {
	case HS_WALK:
		gv_set(e, "style", "dashed");
		gv_set(e, "color", gv_hex(THEME_MUTED));
		break;
	case HS_HIT:
		gv_set(e, "color", gv_hex(THEME_HIT));
		gv_set(e, "penwidth", "2");
		break;
	case HS_MISS:
		gv_set(e, "style", "dotted");
		gv_set(e, "color", gv_hex(THEME_MUTED));
		break;
	case HS_FAULT:
		gv_set(e, "color", gv_hex(THEME_FAULT));
		gv_set(e, "fontcolor", gv_hex(THEME_FAULT));
		gv_set(e, "penwidth", "3");
		gv_set(e, "style", "bold");
		break;
	case HS_CALL:
		gv_set(e, "color", gv_hex(THEME_KERNEL));
		break;
	case HS_DMA:
		gv_set(e, "color", gv_hex(THEME_DEVICE));
		gv_set(e, "penwidth", "2");
		break;
	case HS_IRQ:
		gv_set(e, "style", "dashed");
		gv_set(e, "color", gv_hex(THEME_DEVICE));
		break;
	default:
		gv_set(e, "penwidth", "1.8");
		break;
	}
}

/* One row of an edge label: a numbered badge and the text. */
static void badge_row(struct gv_sb *b, int num, int count, enum hop_style st, const char *text)
{
	const char *bg = st == HS_FAULT ? gv_hex(THEME_FAULT) : gv_hex(THEME_INK);
	sb_puts(b, "<TR>");
	if (num > 0)
		sb_printf(
		    b, "<TD BGCOLOR=\"%s\" ALIGN=\"RIGHT\"><FONT COLOR=\"#FFFFFF\"><B> %d </B></FONT></TD>",
		    bg, num);
	else
		sb_puts(b, "<TD></TD>");
	sb_puts(b, "<TD BGCOLOR=\"#FFFFFF\" ALIGN=\"LEFT\"> ");
	if (st == HS_FAULT)
		sb_puts(b, "<B>✗ ");
	sb_esc(b, text);
	if (st == HS_FAULT)
		sb_puts(b, "</B>");
	if (count > 1)
		sb_printf(b, "  <B>×%d</B>", count);
	sb_puts(b, "</TD></TR>");
}

#define ROWS_PER_EDGE 5

/* All hops between the same two boxes in the same style become one edge
 * whose label lists them in order (number, text): fewer parallel edges,
 * the same story. Returns the number of hops consumed into group[]. */
static int group_of(const struct flow *f, int first, const char *done, int *group, int max)
{
	const struct hop *h0 = &f->h[first];
	int n = 0;
	for (int j = first; j < f->n && n < max; j++) {
		const struct hop *h = &f->h[j];
		if (!done[j] && h->from == h0->from && h->to == h0->to && h->st == h0->st)
			group[n++] = j;
	}
	return n;
}

Agraph_t *gv_build_flow(const struct gv_view *v, char *err, size_t cap)
{
	const struct machine *m = v->m;
	struct flow f;
	memset(&f, 0, sizeof f);
	f.v = v;
	collect(&f);
	merge(&f, 60);

	Agraph_t *g = gv_open(v, "flow", "TB", NULL);
	gv_set(g, "nodesep", "0.5");
	gv_set(g, "ranksep", "0.7");
	gv_set(g, "compound", "true");

	struct gv_sb b;
	sb_init(&b);
	/* which nodes exist: those used, plus the basic ones of this machine */
	int show[N_MAX];
	memset(show, 0, sizeof show);
	for (int i = 0; i < N_MAX; i++)
		show[i] = f.used[i];
	show[N_MMU] = show[N_MEM] = show[N_KERNEL] = 1;
	if (m->nvms) {
		show[N_EPT] = show[N_KVM] = 1;
		for (int i = 0; i < m->nvms; i++)
			show[vm_node(i)] = 1;
	}
	if (m->iommu)
		show[N_IOMMU] = 1;
	for (int i = 0; i < m->ndevs; i++)
		show[dev_node(i)] = 1;

	const char *layer_en[3] = {"User space", "Kernel", "Hardware"};
	const char *layer_zh[3] = {"用户空间", "内核", "硬件"};
	struct rgb layer_c[3] = {THEME_LAYER_USER, THEME_LAYER_KERNEL, THEME_LAYER_HW};
	Agraph_t *layer[3];
	for (int l = 0; l < 3; l++) {
		char nm[32];
		snprintf(nm, sizeof nm, "cluster_layer%d", l);
		sb_clear(&b);
		sb_printf(&b, "<B>%s</B>", v->lang == LANG_ZH ? layer_zh[l] : layer_en[l]);
		layer[l] = gv_cluster(g, nm, sb_str(&b), gv_hex(layer_c[l]), gv_hex(THEME_GRID));
		gv_set(layer[l], "fontsize", "15");
	}
	Agnode_t *node[N_MAX];
	memset(node, 0, sizeof node);
	/* user space: VMs (a VM is a QEMU/KVM process on the host) */
	int any_user = 0;
	for (int i = 0; i < m->nvms; i++) {
		if (!show[vm_node(i)])
			continue;
		char nm[32];
		snprintf(nm, sizeof nm, "vm%d", i);
		sb_clear(&b);
		sb_puts(&b, "<B>");
		sb_esc(&b, entity_name(m, m->vms[i].entity));
		sb_printf(&b, "</B><BR/><FONT POINT-SIZE=\"10\">%s</FONT>",
		          gv_tr(v, "guest (QEMU/KVM process)", "客户机（QEMU/KVM 进程）"));
		node[vm_node(i)] = gv_node(layer[0], nm, sb_str(&b));
		struct rgb c = theme_owner(1, i);
		gv_set(node[vm_node(i)], "fillcolor", gv_hex(c));
		any_user = 1;
	}
	if (!any_user) {
		/* keep the three-layer picture: a host process box */
		sb_clear(&b);
		sb_printf(&b, "<B>%s</B><BR/><FONT POINT-SIZE=\"10\">%s</FONT>",
		          gv_tr(v, "applications", "应用程序"),
		          gv_tr(v, "(not involved here)", "（此处未参与）"));
		Agnode_t *n = gv_node(layer[0], "app", sb_str(&b));
		gv_set(n, "fontcolor", gv_hex(THEME_MUTED));
		gv_set(n, "color", gv_hex(THEME_GRID));
	}
	for (int i = 0; i < N_FIXED; i++) {
		if (!show[i])
			continue;
		const struct nodeinfo *ni = &fixed[i];
		sb_clear(&b);
		sb_printf(&b, "<B>%s</B><BR/><FONT POINT-SIZE=\"10\">%s</FONT>", gv_tr(v, ni->en, ni->zh),
		          gv_tr(v, ni->sub_en, ni->sub_zh));
		node[i] = gv_node(layer[ni->layer], ni->name, sb_str(&b));
		gv_set(node[i], "fillcolor", gv_tint(ucol(ni->colour), f.used[i] ? 22 : 8));
		gv_set(node[i], "color", f.used[i] ? gv_hex(ucol(ni->colour)) : gv_hex(THEME_GRID));
		if (f.used[i])
			gv_set(node[i], "penwidth", "2");
		else
			gv_set(node[i], "fontcolor", gv_hex(THEME_MUTED));
		if (i == N_MEM) {
			gv_set(node[i], "shape", "cylinder");
			gv_set(node[i], "style", "filled");
		}
	}
	for (int i = 0; i < m->ndevs; i++) {
		if (!show[dev_node(i)])
			continue;
		char nm[32];
		snprintf(nm, sizeof nm, "dev%d", i);
		const struct device_desc *dd = m->devs[i].d;
		sb_clear(&b);
		sb_puts(&b, "<B>");
		sb_esc(&b, dd && dd->name ? dd->name : "device");
		sb_puts(&b, "</B><BR/><FONT POINT-SIZE=\"10\">");
		sb_esc(&b, dd && dd->type ? dd->type : "");
		if (dd)
			sb_printf(&b, " %02x:%02x.%x", dd->bdf >> 8, (dd->bdf >> 3) & 31, dd->bdf & 7);
		sb_puts(&b, "</FONT>");
		node[dev_node(i)] = gv_node(layer[2], nm, sb_str(&b));
		gv_set(node[dev_node(i)], "fillcolor", gv_tint(THEME_DEVICE, f.used[dev_node(i)] ? 25 : 10));
		gv_set(node[dev_node(i)], "color", gv_hex(THEME_DEVICE));
	}
	/* layer order: invisible edges user -> kernel -> hardware */
	Agnode_t *utop = NULL;
	for (int i = 0; i < m->nvms && !utop; i++)
		utop = node[vm_node(i)];
	if (!utop)
		utop = agnode(layer[0], (char *)"app", 0);
	Agnode_t *ktop = node[N_KVM] ? node[N_KVM] : node[N_KERNEL];
	if (utop && ktop) {
		Agedge_t *e = gv_edge(g, utop, ktop, NULL);
		gv_set(e, "style", "invis");
	}
	for (int i = 0; i < N_FIXED; i++) {
		if (node[i] && fixed[i].layer == 1 && i != (ktop == node[N_KVM] ? N_KVM : N_KERNEL)) {
			Agedge_t *e = gv_edge(g, utop, node[i], NULL);
			gv_set(e, "style", "invis");
		}
	}
	for (int i = N_MMU; i < N_FIXED; i++) {
		if (node[i] && i != N_MEM) {
			Agedge_t *e = gv_edge(g, node[N_KERNEL], node[i], NULL);
			gv_set(e, "style", "invis");
		}
	}
	for (int i = 0; i < m->ndevs; i++)
		if (node[dev_node(i)]) {
			Agedge_t *e = gv_edge(g, node[N_KERNEL], node[dev_node(i)], NULL);
			gv_set(e, "style", "invis");
		}
	{
		Agedge_t *e = gv_edge(g, node[N_MMU], node[N_MEM], NULL);
		gv_set(e, "style", "invis");
		gv_set(e, "minlen", "2");
	}

	/* the hops, grouped per (from, to, style) */
	char *done = calloc((size_t)f.n + 1, 1);
	int *grp = malloc(sizeof *grp * ((size_t)f.n + 1));
	for (int i = 0; i < f.n && done && grp; i++) {
		if (done[i])
			continue;
		const struct hop *h = &f.h[i];
		int ng = group_of(&f, i, done, grp, f.n);
		for (int j = 0; j < ng; j++)
			done[grp[j]] = 1;
		if (!node[h->from] || !node[h->to])
			continue;
		sb_clear(&b);
		sb_puts(&b, "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"1\" CELLPADDING=\"1\">");
		int rows = 0, rest = 0, rest_lo = 0, rest_hi = 0;
		for (int j = 0; j < ng; j++) {
			const struct hop *x = &f.h[grp[j]];
			if (rows < ROWS_PER_EDGE || ng == ROWS_PER_EDGE + 1) {
				badge_row(&b, x->num, x->count, x->st, x->label);
				rows++;
			} else {
				if (!rest)
					rest_lo = x->num;
				rest_hi = x->num;
				rest += x->count;
			}
		}
		if (rest) {
			sb_printf(&b, "<TR><TD></TD><TD ALIGN=\"LEFT\"><FONT COLOR=\"%s\"> ",
			          gv_hex(THEME_MUTED));
			if (v->lang == LANG_ZH)
				sb_printf(&b, "……另有 %d 次（%d–%d）", rest, rest_lo, rest_hi);
			else
				sb_printf(&b, "… %d more (%d–%d)", rest, rest_lo, rest_hi);
			sb_puts(&b, "</FONT></TD></TR>");
		}
		sb_puts(&b, "</TABLE>");
		Agedge_t *e = gv_edge(g, node[h->from], node[h->to], sb_str(&b));
		style_for(e, h->st);
		if (h->to == N_KVM || (h->st == HS_FAULT && h->to < N_MMU) || h->to >= N_FIXED) {
			/* upward hops (faults to software, to a VM) must not reorder the layers */
			if (h->to < N_MMU || (h->to >= N_FIXED && h->to < N_FIXED + MAX_VMS))
				gv_set(e, "constraint", "false");
		}
		if (h->from == N_KERNEL && h->to == N_MEM)
			gv_set(e, "constraint", "false");
	}
	free(done);
	free(grp);

	/* legend */
	sb_clear(&b);
	sb_printf(&b,
	          "<TABLE BORDER=\"0\" CELLBORDER=\"0\" CELLSPACING=\"2\" CELLPADDING=\"2\">"
	          "<TR><TD COLSPAN=\"2\" ALIGN=\"LEFT\"><B>%s</B></TD></TR>",
	          gv_tr(v, "Legend", "图例"));
	struct {
		const char *en, *zh;
		const char *sample;
	} rows[] = {
	    {"address handed on (in the receiver's space)", "传递的地址（接收方的地址空间）", "━━━"},
	    {"page-table reads (counted)", "页表项读取（计数）", "┅┅┅"},
	    {"TLB / IOTLB hit", "TLB / IOTLB 命中", "━━━"},
	    {"fault or VM exit (bold, ✗)", "故障或 VM 退出（粗线，✗）", "━━━"},
	    {"kernel call / register access", "内核调用 / 寄存器访问", "━━━"},
	    {"device DMA, frames, interrupts", "设备 DMA、数据帧、中断", "━━━"},
	};
	struct rgb rc[] = {THEME_INK, THEME_MUTED, THEME_HIT, THEME_FAULT, THEME_KERNEL, THEME_DEVICE};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		sb_printf(&b,
		          "<TR><TD><FONT COLOR=\"%s\"><B>%s</B></FONT></TD><TD ALIGN=\"LEFT\">%s</TD></TR>",
		          gv_hex(rc[i]), rows[i].sample, gv_tr(v, rows[i].en, rows[i].zh));
	sb_printf(&b,
	          "<TR><TD BGCOLOR=\"%s\"><FONT COLOR=\"#FFFFFF\"><B> 1 </B></FONT></TD><TD "
	          "ALIGN=\"LEFT\">%s</TD></TR>",
	          gv_hex(THEME_INK), gv_tr(v, "order of events", "事件顺序"));
	sb_puts(&b, "</TABLE>");
	Agnode_t *leg = gv_node(g, "legend", sb_str(&b));
	gv_set(leg, "shape", "box");
	gv_set(leg, "style", "rounded");
	gv_set(leg, "color", gv_hex(THEME_GRID));
	gv_set(leg, "fontsize", "10");
	{
		Agedge_t *e = gv_edge(g, node[N_MEM], leg, NULL);
		gv_set(e, "style", "invis");
	}

	/* title */
	sb_clear(&b);
	gv_title(v, &b, "Flow through the system", "数据与地址在系统中的流向");
	if (f.n == 0) {
		sb_printf(
		    &b, "<FONT POINT-SIZE=\"12\">%s</FONT><BR ALIGN=\"LEFT\"/>",
		    gv_tr(v, "(no hardware activity in the selected steps)", "（所选步骤中没有硬件活动）"));
	} else if (v->step_lo > 0 && v->step_lo == v->step_hi) {
		const char *say = gv_step_say(v, v->step_lo);
		if (say) {
			sb_puts(&b, "<FONT POINT-SIZE=\"12\">");
			gv_wrap(&b, say, 110);
			sb_puts(&b, "</FONT><BR ALIGN=\"LEFT\"/>");
		}
	}
	gv_set_title(g, sb_str(&b));
	sb_free(&b);
	free(f.h);
	(void)err;
	(void)cap;
	return g;
}
