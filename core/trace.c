/*
 * trace.c — storage, names, JSON Lines and narration of core events.
 * Narration of module kinds (IOMMU, NIC…) is dispatched to the module's
 * own narrate function by kind range (module_def in action.h).
 */
#include "trace.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "machine.h"
#include "paging.h"
#include "ept.h"
#include "iommu.h"

void trace_init(struct trace *t, int enabled)
{
	memset(t, 0, sizeof *t);
	t->enabled = enabled;
	t->max_events = 5000000;
}

void trace_free(struct trace *t)
{
	free(t->ev);
	free(t->pool);
	memset(t, 0, sizeof *t);
}

void trace_truncate(struct trace *t, uint64_t n)
{
	if (n < t->n)
		t->n = n;
}

struct ev *trace_next_slow(struct trace *t)
{
	t->count++;
	if (!t->enabled)
		return NULL;
	if (t->n >= t->max_events) {
		t->overflow = 1;
		return NULL;
	}
	if (t->n == t->cap) {
		uint64_t nc = t->cap ? t->cap * 2 : 1024;
		struct ev *p = realloc(t->ev, nc * sizeof *p);
		if (!p) {
			t->overflow = 1;
			return NULL;
		}
		t->ev = p;
		t->cap = nc;
	}
	return &t->ev[t->n++];
}

struct ev *trace_push(struct trace *t, const struct ev *e)
{
	struct ev *d = trace_next(t);
	if (!d)
		return NULL;
	*d = *e;
	d->seq = (uint32_t)(t->count - 1);
	return d;
}

uint32_t trace_str(struct trace *t, const char *s)
{
	if (!t->enabled || !s || !*s)
		return 0;
	size_t n = strlen(s) + 1;
	if (t->pool_len == 0)
		n += 1; /* offset 0 means "none": start at 1 */
	if (t->pool_len + n > t->pool_cap) {
		uint64_t nc = (t->pool_cap ? t->pool_cap * 2 : 4096) + n;
		char *p = realloc(t->pool, nc);
		if (!p)
			return 0;
		t->pool = p;
		t->pool_cap = nc;
	}
	if (t->pool_len == 0)
		t->pool[t->pool_len++] = 0;
	uint32_t off = (uint32_t)t->pool_len;
	memcpy(t->pool + off, s, strlen(s) + 1);
	t->pool_len += strlen(s) + 1;
	return off;
}

const char *trace_get_str(const struct trace *t, uint32_t off)
{
	return off && off < t->pool_len ? t->pool + off : "";
}

static const char *const kind_names[EV_KIND_MAX] = {
    [EV_STEP] = "step",
    [EV_NOTE] = "note",
    [EV_WALK_REF] = "walk.ref",
    [EV_TRANSLATE] = "translate",
    [EV_TLB_HIT] = "tlb.hit",
    [EV_TLB_MISS] = "tlb.miss",
    [EV_TLB_FLUSH] = "tlb.flush",
    [EV_MEM_READ] = "mem.read",
    [EV_MEM_WRITE] = "mem.write",
    [EV_FAULT] = "fault",
    [EV_VMEXIT] = "vmexit",
    [EV_SET] = "set",
    [EV_LOG] = "log",
    [EV_BOOT] = "boot",
    [EV_IOTLB_HIT] = "iotlb.hit",
    [EV_IOTLB_MISS] = "iotlb.miss",
    [EV_IOTLB_INV] = "iotlb.invalidate",
    [EV_CTX_CACHE_HIT] = "context_cache.hit",
    [EV_DMA_MAP] = "dma.map",
    [EV_DMA_UNMAP] = "dma.unmap",
    [EV_DMA_SYNC] = "dma.sync",
    [EV_DMA_ALLOC] = "dma.alloc",
    [EV_DMA_FREE] = "dma.free",
    [EV_BOUNCE] = "swiotlb.bounce",
    [EV_FQ_FLUSH] = "flush_queue.flush",
    [EV_DMA_MISUSE] = "dma.misuse",
    [EV_DEV_DMA] = "device.dma",
    [EV_ISOLATION_BREACH] = "isolation.breach",
    [EV_MMIO] = "mmio",
    [EV_IRQ] = "irq",
    [EV_VTD_SET] = "iommu.set",
    [EV_WIRE_RX] = "wire.rx",
    [EV_WIRE_TX] = "wire.tx",
    [EV_DESC_FETCH] = "desc.fetch",
    [EV_DESC_WB] = "desc.writeback",
    [EV_RX_DROP] = "rx.drop",
    [EV_NAPI] = "napi",
    [EV_DMAC] = "dmac",
    [EV_CPU_COPY] = "cpu.copy",
};

const char *ev_kind_name(enum ev_kind k)
{
	return (unsigned)k < EV_KIND_MAX && kind_names[k] ? kind_names[k] : "unknown";
}

const char *unit_name(enum unit u)
{
	static const char *const n[UNIT_MAX] = {"",        "cpu",    "mmu", "ept",  "iommu", "kernel",
	                                        "dma-api", "device", "nic", "dmac", "wire"};
	return (unsigned)u < UNIT_MAX ? n[u] : "";
}

const char *walker_name(enum walker w)
{
	static const char *const n[WALKER_MAX] = {"",           "guest",         "ept",  "host",
	                                          "iommu-root", "iommu-context", "iommu"};
	return (unsigned)w < WALKER_MAX ? n[w] : "";
}

const char *space_name(enum space s)
{
	static const char *const n[SPACE_MAX] = {"", "GVA", "GPA", "HPA", "VA", "IOVA", "bus"};
	return (unsigned)s < SPACE_MAX ? n[s] : "";
}

/* ---- JSON ---- */

struct sb {
	char *b;
	size_t cap, n;
};

static void sbf(struct sb *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sbf(struct sb *s, const char *fmt, ...)
{
	if (s->n >= s->cap)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(s->b + s->n, s->cap - s->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		s->n += (size_t)k < s->cap - s->n ? (size_t)k : s->cap - s->n - 1;
}

static void sb_jstr(struct sb *s, const char *str)
{
	sbf(s, "\"");
	for (const unsigned char *p = (const unsigned char *)str; *p; p++) {
		if (*p == '"' || *p == '\\')
			sbf(s, "\\%c", *p);
		else if (*p < 0x20)
			sbf(s, "\\u%04x", *p);
		else
			sbf(s, "%c", *p);
	}
	sbf(s, "\"");
}

#define HEX(v) "\"0x%" PRIx64 "\"", (uint64_t)(v)

size_t ev_to_json(const struct machine *m, const struct trace *t, const struct ev *e, char *buf, size_t cap)
{
	struct sb s = {buf, cap, 0};
	if (cap)
		buf[0] = 0;
	sbf(&s, "{\"seq\":%" PRIu32 ",\"step\":%" PRIu32 ",\"t_ns\":%" PRIu64 ",\"kind\":", e->seq, e->step,
	    e->t_ns);
	sb_jstr(&s, ev_kind_name(e->kind));
	if (m && e->actor >= 0) {
		sbf(&s, ",\"by\":");
		sb_jstr(&s, entity_name(m, e->actor));
	}
	if (e->unit)
		sbf(&s, ",\"unit\":\"%s\"", unit_name(e->unit));
	switch (e->kind) {
	case EV_WALK_REF:
		sbf(&s, ",\"walker\":\"%s\",\"level\":%d,\"for\":", walker_name(e->walker), e->level);
		sbf(&s, HEX(e->addr_in));
		sbf(&s, ",\"hpa\":");
		sbf(&s, HEX(e->addr_out));
		sbf(&s, ",\"entry\":");
		sbf(&s, HEX(e->entry));
		if (e->flags & EVF_FINAL)
			sbf(&s, ",\"final\":true");
		if (e->flags & EVF_LEAF)
			sbf(&s, ",\"leaf\":true");
		if (e->extra && (e->walker == WALKER_IOMMU_ROOT || e->walker == WALKER_IOMMU_CONTEXT))
			sbf(&s, ",\"entry_hi\":" HEX(e->extra));
		break;
	case EV_TRANSLATE:
		sbf(&s, ",\"from\":\"%s\",\"in\":", space_name(e->space_in));
		sbf(&s, HEX(e->addr_in));
		sbf(&s, ",\"to\":\"%s\",\"out\":", space_name(e->space_out));
		sbf(&s, HEX(e->addr_out));
		sbf(&s, ",\"refs\":%" PRIu32, e->len);
		break;
	case EV_TLB_HIT:
	case EV_TLB_MISS:
	case EV_IOTLB_HIT:
	case EV_IOTLB_MISS:
		sbf(&s, ",\"addr\":" HEX(e->addr_in));
		if (e->kind == EV_TLB_HIT || e->kind == EV_IOTLB_HIT)
			sbf(&s, ",\"out\":" HEX(e->addr_out));
		if (e->flags & EVF_STALE)
			sbf(&s, ",\"stale\":true");
		break;
	case EV_MEM_READ:
	case EV_MEM_WRITE:
		sbf(&s, ",\"hpa\":" HEX(e->addr_in));
		sbf(&s, ",\"len\":%" PRIu32, e->len);
		if (m) {
			sbf(&s, ",\"owner\":");
			sb_jstr(&s, entity_name(m, (int)e->extra));
		}
		if (e->str) {
			sbf(&s, ",\"region\":");
			sb_jstr(&s, trace_get_str(t, e->str));
		}
		break;
	case EV_FAULT:
		sbf(&s, ",\"addr\":" HEX(e->addr_in));
		if (e->unit == UNIT_MMU)
			sbf(&s, ",\"vector\":\"#PF\",\"error_code\":" HEX(e->extra));
		else
			sbf(&s, ",\"reason\":%u", e->code);
		if (e->flags & EVF_WRITE)
			sbf(&s, ",\"write\":true");
		break;
	case EV_VMEXIT:
		sbf(&s, ",\"exit_reason\":%u,\"gpa\":", e->code);
		sbf(&s, HEX(e->addr_in));
		sbf(&s, ",\"qualification\":" HEX(e->extra));
		break;
	case EV_SET:
		sbf(&s, ",\"hpa\":" HEX(e->addr_in));
		sbf(&s, ",\"old\":" HEX(e->extra));
		sbf(&s, ",\"new\":" HEX(e->entry));
		break;
	case EV_TLB_FLUSH:
		sbf(&s, ",\"flush\":\"%s\",\"dropped\":%" PRIu32,
		    e->code == FLUSH_INVLPG   ? "invlpg"
		    : e->code == FLUSH_ALL    ? "all"
		    : e->code == FLUSH_INVEPT ? "invept"
		                              : "cr3",
		    e->len);
		if (e->code == FLUSH_INVLPG)
			sbf(&s, ",\"addr\":" HEX(e->addr_in));
		break;
	default:
		/* module kinds: generic fields, only those set */
		if (e->walker)
			sbf(&s, ",\"walker\":\"%s\"", walker_name(e->walker));
		if (e->space_in)
			sbf(&s, ",\"from\":\"%s\"", space_name(e->space_in));
		if (e->addr_in || e->space_in)
			sbf(&s, ",\"in\":" HEX(e->addr_in));
		if (e->space_out)
			sbf(&s, ",\"to\":\"%s\"", space_name(e->space_out));
		if (e->addr_out || e->space_out)
			sbf(&s, ",\"out\":" HEX(e->addr_out));
		if (e->entry)
			sbf(&s, ",\"value\":" HEX(e->entry));
		if (e->extra)
			sbf(&s, ",\"extra\":" HEX(e->extra));
		if (e->code)
			sbf(&s, ",\"code\":%u", e->code);
		if (e->len)
			sbf(&s, ",\"len\":%" PRIu32, e->len);
		if (e->flags)
			sbf(&s, ",\"flags\":%u", e->flags);
		break;
	}
	if (e->str && e->kind != EV_MEM_READ && e->kind != EV_MEM_WRITE) {
		sbf(&s, ",\"text\":");
		sb_jstr(&s, trace_get_str(t, e->str));
	}
	sbf(&s, "}");
	return s.n;
}

void trace_write_jsonl(const struct machine *m, const struct trace *t, trace_out_fn out, void *ctx)
{
	char buf[2048];
	for (uint64_t i = 0; i < t->n; i++) {
		size_t n = ev_to_json(m, t, &t->ev[i], buf, sizeof buf - 1);
		buf[n++] = '\n';
		out(ctx, buf, n);
	}
}

/* ---- narration ---- */

static const char *walker_zh(int w)
{
	static const char *const n[WALKER_MAX] = {"",           "客户机页表",     "EPT",           "主机页表",
	                                          "IOMMU 根表", "IOMMU 上下文表", "IOMMU 二级页表"};
	return (unsigned)w < WALKER_MAX ? n[w] : "";
}

static const char *level_name(int walker, int level)
{
	static const char *const x86[] = {"", "PTE", "PDE", "PDPTE", "PML4E", "PML5E"};
	if (walker == WALKER_IOMMU_ROOT)
		return "root entry";
	if (walker == WALKER_IOMMU_CONTEXT)
		return "context entry";
	if (level >= 1 && level <= 5)
		return x86[level];
	return "entry";
}

size_t ev_narrate(const struct machine *m, const struct trace *t, const struct ev *e, enum lang lang,
                  char *buf, size_t cap)
{
	struct sb s = {buf, cap, 0};
	if (cap)
		buf[0] = 0;
	int zh = lang == LANG_ZH;
	const char *who = m && e->actor >= 0 ? entity_name(m, e->actor) : "";
	if (e->kind >= EV_CORE_LAST) {
		for (const struct module_def *const *md = module_list(); *md; md++)
			if ((*md)->narrate && e->kind >= (*md)->kind_lo && e->kind <= (*md)->kind_hi)
				return (*md)->narrate(m, t, e, lang, buf, cap);
		sbf(&s, "%s", ev_kind_name(e->kind));
		if (e->str)
			sbf(&s, ": %s", trace_get_str(t, e->str));
		return s.n;
	}
	switch (e->kind) {
	case EV_STEP:
		sbf(&s, zh ? "第 %u 步：%s" : "Step %u: %s", e->step + 1, trace_get_str(t, e->str));
		break;
	case EV_NOTE:
	case EV_LOG:
		sbf(&s, "%s", trace_get_str(t, e->str));
		break;
	case EV_WALK_REF: {
		char bits[64];
		if (e->walker == WALKER_IOMMU_ROOT) {
			int bus = (int)((e->addr_out & 0xfff) / 16);
			sbf(&s,
			    zh ? "IOMMU 根表：读取总线 %02x 的根表项（HPA 0x%" PRIx64 "）= 0x%" PRIx64
			         " [%s，上下文表位于 0x%" PRIx64 "]"
			       : "IOMMU root table: root entry of bus %02x at HPA 0x%" PRIx64 " = 0x%" PRIx64
			         " [%s, context table at 0x%" PRIx64 "]",
			    bus, e->addr_out, e->entry,
			    (e->entry & 1) ? "P" : (zh ? "不存在" : "not present"),
			    (uint64_t)(e->entry & PTE_ADDR));
			break;
		}
		if (e->walker == WALKER_IOMMU_CONTEXT) {
			int devfn = (int)((e->addr_out & 0xfff) / 16);
			unsigned tt = (unsigned)((e->entry >> 2) & 3), aw = (unsigned)(e->extra & 7);
			unsigned did = (unsigned)((e->extra >> 8) & 0xffff);
			static const char *const tten[] = {"translate", "translate + ATS", "pass-through",
			                                   "reserved"};
			static const char *const ttzh[] = {"转换", "转换 + ATS", "直通", "保留"};
			if (!(e->entry & 1))
				sbf(&s,
				    zh ? "IOMMU 上下文表：%02x.%x 的上下文表项（HPA 0x%" PRIx64 "）不存在"
				       : "IOMMU context table: context entry of %02x.%x at HPA 0x%" PRIx64
				         " is not present",
				    devfn >> 3, devfn & 7, e->addr_out);
			else
				sbf(&s,
				    zh ? "IOMMU 上下文表：%02x.%x 的上下文表项（HPA 0x%" PRIx64
				         "）= [P%s TT=%u%u（%s）AW=%u（%d 级）DID=%u，二级页表位于 0x%" PRIx64
				         "]"
				       : "IOMMU context table: context entry of %02x.%x at HPA 0x%" PRIx64
				         " = [P%s TT=%u%u (%s) AW=%u (%d levels) DID=%u, second-level table "
				         "at 0x%" PRIx64 "]",
				    devfn >> 3, devfn & 7, e->addr_out, (e->entry & 2) ? " FPD" : "", tt >> 1,
				    tt & 1, zh ? ttzh[tt] : tten[tt], aw, (int)aw + 2, did,
				    (uint64_t)(e->entry & PTE_ADDR));
			break;
		}
		if (e->walker == WALKER_IOMMU) {
			sbf(&s,
			    zh ? "IOMMU 二级页表第 %d 级：为 IOVA 0x%" PRIx64 " 读取 HPA 0x%" PRIx64
			         " 处的表项 = 0x%" PRIx64 " [%s%s%s]"
			       : "IOMMU second level, level %d: read the entry at HPA 0x%" PRIx64
			         " for IOVA 0x%" PRIx64 " = 0x%" PRIx64 " [%s%s%s]",
			    e->level, zh ? e->addr_in : e->addr_out, zh ? e->addr_out : e->addr_in, e->entry,
			    (e->entry & 1) ? "R" : "-", (e->entry & 2) ? "W" : "-",
			    (e->entry & BIT(7)) ? " PS" : "");
			break;
		}
		if (e->walker == WALKER_EPT)
			epte_decode(e->entry, e->level, bits, sizeof bits);
		else
			pte_decode(e->entry, e->level, bits, sizeof bits);
		if (e->walker == WALKER_EPT)
			sbf(&s,
			    zh ? "EPT 第 %d 级：为 GPA 0x%" PRIx64 " 读取 HPA 0x%" PRIx64
			         " 处的表项 = 0x%" PRIx64 " [%s]%s"
			       : "EPT level %d: read the entry at HPA 0x%" PRIx64 " for GPA 0x%" PRIx64
			         " = 0x%" PRIx64 " [%s]%s",
			    e->level, zh ? e->addr_in : e->addr_out, zh ? e->addr_out : e->addr_in, e->entry,
			    bits,
			    (e->flags & EVF_FINAL) ? (zh ? "（最终数据 GPA）" : " (final data GPA)")
			                           : (zh ? "（客户机页表页）" : " (guest page-table page)"));
		else
			sbf(&s,
			    zh ? "%s第 %d 级（%s）：为 0x%" PRIx64 " 读取 HPA 0x%" PRIx64
			         " 处的表项 = 0x%" PRIx64 " [%s]"
			       : "%s level %d (%s): read the entry at HPA 0x%" PRIx64 " for 0x%" PRIx64
			         " = 0x%" PRIx64 " [%s]",
			    zh ? walker_zh(e->walker) : (e->walker == WALKER_GUEST ? "Guest" : "Host"),
			    e->level, level_name(e->walker, e->level), zh ? e->addr_in : e->addr_out,
			    zh ? e->addr_out : e->addr_in, e->entry, bits);
		break;
	}
	case EV_TRANSLATE:
		sbf(&s,
		    zh ? "%s 0x%" PRIx64 " → %s 0x%" PRIx64 "（读取 %u 个表项）"
		       : "%s 0x%" PRIx64 " → %s 0x%" PRIx64 " (%u entries read)",
		    space_name(e->space_in), e->addr_in, space_name(e->space_out), e->addr_out, e->len);
		break;
	case EV_TLB_HIT:
		sbf(&s,
		    zh ? "TLB 命中：0x%" PRIx64 " → HPA 0x%" PRIx64 "，不读任何页表项"
		       : "TLB hit: 0x%" PRIx64 " → HPA 0x%" PRIx64 ", no page-table entry read",
		    e->addr_in, e->addr_out);
		break;
	case EV_TLB_MISS:
		sbf(&s,
		    zh ? "TLB 未命中：0x%" PRIx64 "，开始页表遍历"
		       : "TLB miss for 0x%" PRIx64 ": start a page walk",
		    e->addr_in);
		break;
	case EV_TLB_FLUSH: {
		static const char *const en[] = {"INVLPG", "TLB flush (all)", "INVEPT", "CR3 write"};
		sbf(&s, zh ? "%s：丢弃 %u 个 TLB 表项" : "%s: %u TLB entries dropped", en[e->code & 3],
		    e->len);
		break;
	}
	case EV_MEM_READ:
	case EV_MEM_WRITE: {
		const char *owner = m ? entity_name(m, (int)e->extra) : "?";
		if (zh)
			sbf(&s, "%s%s HPA 0x%" PRIx64 " 处 %u 字节（属于 %s）", who,
			    e->kind == EV_MEM_READ ? " 读取" : " 写入", e->addr_in, e->len, owner);
		else
			sbf(&s, "%s %s %u bytes at HPA 0x%" PRIx64 " (owned by %s)", who,
			    e->kind == EV_MEM_READ ? "reads" : "writes", e->len, e->addr_in, owner);
		break;
	}
	case EV_FAULT:
		if (e->unit == UNIT_MMU)
			sbf(&s,
			    zh ? "缺页异常 #PF：地址 0x%" PRIx64 "，错误码 0x%" PRIx64
			         "（%s%s%s%s），CR2 = 0x%" PRIx64
			       : "Page fault #PF at 0x%" PRIx64 ", error code 0x%" PRIx64
			         " (%s%s%s%s), CR2 = 0x%" PRIx64,
			    e->addr_in, e->extra,
			    (e->extra & PFEC_P) ? (zh ? "权限违规" : "protection violation")
			                        : (zh ? "页不存在" : "not present"),
			    (e->extra & PFEC_W) ? (zh ? "，写" : ", write") : (zh ? "，读" : ", read"),
			    (e->extra & PFEC_U) ? (zh ? "，用户态" : ", user")
			                        : (zh ? "，内核态" : ", supervisor"),
			    (e->extra & PFEC_I) ? (zh ? "，取指" : ", fetch") : "", e->addr_in);
		else if (e->unit == UNIT_IOMMU && !zh)
			sbf(&s, "DMAR fault %Xh (%s): DMA %s at IOVA 0x%" PRIx64 " blocked — %s", e->code,
			    vtd_fault_reason_str(e->code), (e->flags & EVF_WRITE) ? "write" : "read",
			    e->addr_in, trace_get_str(t, e->str));
		else if (e->unit == UNIT_IOMMU) {
			const char *what = (e->flags & EVF_BLOCKED) && e->entry == 0 && e->extra == 0
			                       ? "上下文表项 FPD = 1：不写记录、不发中断，但请求照样被阻止"
			                   : (e->flags & EVF_BLOCKED)
			                       ? "所有故障记录寄存器都有效：置位 PFO，这次故障丢失"
			                       : "已写入故障记录寄存器，置位 PPF";
			sbf(&s, "DMAR 故障 %Xh（%s）：IOVA 0x%" PRIx64 " 的 DMA %s被阻止 —— %s", e->code,
			    vtd_fault_reason_str(e->code), e->addr_in, (e->flags & EVF_WRITE) ? "写" : "读",
			    what);
		} else
			sbf(&s,
			    zh ? "故障：%s 0x%" PRIx64 "，原因 %u"
			       : "Fault in %s at 0x%" PRIx64 ", reason %u",
			    unit_name(e->unit), e->addr_in, e->code);
		break;
	case EV_VMEXIT:
		if (e->code == EXIT_EPT_VIOLATION)
			sbf(&s,
			    zh ? "VM 退出 48（EPT 违规）：GPA 0x%" PRIx64 "，退出限定 0x%" PRIx64
			         "，bit 8 = %d（%s）"
			       : "VM exit 48 (EPT violation): GPA 0x%" PRIx64 ", qualification 0x%" PRIx64
			         ", bit 8 = %d (%s)",
			    e->addr_in, e->extra, (int)((e->extra >> 8) & 1),
			    (e->extra & EPTQ_FINAL)
			        ? (zh ? "访问最终数据 GPA" : "access to the final GPA")
			        : (zh ? "访问客户机页表项" : "access to a guest paging-structure entry"));
		else
			sbf(&s,
			    zh ? "VM 退出 %u（EPT 配置错误）：GPA 0x%" PRIx64 "，表项非法"
			       : "VM exit %u (EPT misconfiguration): GPA 0x%" PRIx64 ", an illegal entry",
			    e->code, e->addr_in);
		break;
	case EV_SET:
		sbf(&s,
		    zh ? "修改 HPA 0x%" PRIx64 " 处的表项：0x%" PRIx64 " → 0x%" PRIx64 "（TLB 不会自动失效）"
		       : "Entry at HPA 0x%" PRIx64 " changed: 0x%" PRIx64 " → 0x%" PRIx64
		         " (the TLB is not flushed by this)",
		    e->addr_in, e->extra, e->entry);
		break;
	default:
		sbf(&s, "%s", ev_kind_name(e->kind));
	}
	return s.n;
}
