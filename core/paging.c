/*
 * paging.c — building radix page tables as real entries in memory.
 * The same builder writes x86 tables (guest and host), EPT tables and
 * VT-d second-level tables: the shape (512 × 8-byte entries per 4 KiB
 * table, 9 index bits per level) is shared; only the entry bits differ.
 */
#include "paging.h"

#include <stdio.h>
#include <string.h>

#include "ept.h"
#include "mem.h"

int va_canonical(uint64_t va, int levels)
{
	int top = levels == 5 ? 56 : 47;
	uint64_t hi = va >> top; /* bits 63..top must be all 0 or all 1 */
	return hi == 0 || hi == (~0ull >> top);
}

static int present(enum pt_format f, uint64_t e)
{
	switch (f) {
	case PT_X86:
		return (e & PTE_P) != 0;
	case PT_EPT:
		return (e & EPT_XWR) != 0;
	case PT_VTD:
		return (e & 3) != 0;
	}
	return 0;
}

static uint64_t upper_bits(enum pt_format f)
{
	switch (f) {
	case PT_X86:
		return PTE_P | PTE_RW | PTE_US;
	case PT_EPT:
		return EPT_R | EPT_W | EPT_X;
	case PT_VTD:
		return 3; /* R | W */
	}
	return 0;
}

static uint64_t leaf_bits(enum pt_format f, unsigned perm, int large)
{
	uint64_t e = 0;
	switch (f) {
	case PT_X86:
		e = PTE_P;
		if (perm & PERM_W)
			e |= PTE_RW;
		if (perm & PERM_U)
			e |= PTE_US;
		if (!(perm & PERM_X))
			e |= PTE_NX;
		if (perm & PERM_UC)
			e |= PTE_PCD | PTE_PWT;
		if (large)
			e |= PTE_PS;
		break;
	case PT_EPT:
		if (perm & PERM_R)
			e |= EPT_R;
		if (perm & PERM_W)
			e |= EPT_W;
		if (perm & PERM_X)
			e |= EPT_X;
		e |= (perm & PERM_UC ? 0ull : EPT_MT_WB) << 3;
		if (large)
			e |= EPT_PS;
		break;
	case PT_VTD:
		if (perm & PERM_R)
			e |= 1;
		if (perm & PERM_W)
			e |= 2;
		if (large)
			e |= BIT(7);
		break;
	}
	return e;
}

static int level_of_size(uint64_t psize)
{
	return psize == (1ull << 30) ? 3 : psize == (1ull << 21) ? 2 : 1;
}

int pt_map(struct pt_ctx *p, uint64_t root, uint64_t va, uint64_t pa, uint64_t size, uint64_t psize,
           unsigned perm)
{
	int leaf_level = level_of_size(psize);
	for (uint64_t off = 0; off < size; off += psize) {
		uint64_t v = va + off, table = root;
		for (int lvl = p->levels; lvl > leaf_level; lvl--) {
			uint64_t ea = p->tbl_to_hpa(p->ctx, table) + 8 * PX(lvl, v);
			uint64_t e = mem_read64(p->mem, ea);
			if (present(p->fmt, e)) {
				if (e & BIT(7))
					return -2; /* a large leaf already maps this */
				table = e & PTE_ADDR;
				continue;
			}
			uint64_t nt = p->alloc_table(p->ctx);
			if (nt == MEM_NO_ADDR)
				return -1;
			if (mem_write64(p->mem, ea, (nt & PTE_ADDR) | upper_bits(p->fmt)))
				return -1;
			table = nt;
		}
		uint64_t ea = p->tbl_to_hpa(p->ctx, table) + 8 * PX(leaf_level, v);
		uint64_t old = mem_read64(p->mem, ea);
		uint64_t e = ((pa + off) & PTE_ADDR) | leaf_bits(p->fmt, perm, leaf_level > 1);
		if (present(p->fmt, old) && old != e)
			return -2;
		if (mem_write64(p->mem, ea, e))
			return -1;
	}
	return 0;
}

int pt_lookup(struct pt_ctx *p, uint64_t root, uint64_t va, int level, uint64_t *entry_addr)
{
	uint64_t table = root;
	for (int lvl = p->levels; lvl >= level; lvl--) {
		uint64_t ta = table + 8 * PX(lvl, va);
		if (lvl == level) {
			*entry_addr = ta;
			return 0;
		}
		uint64_t e = mem_read64(p->mem, p->tbl_to_hpa(p->ctx, table) + 8 * PX(lvl, va));
		if (!present(p->fmt, e) || (lvl <= 3 && (e & BIT(7))))
			return -1;
		table = e & PTE_ADDR;
	}
	return -1;
}

void pte_decode(uint64_t e, int level, char *buf, unsigned cap)
{
	int leaf = level == 1 || (e & PTE_PS);
	snprintf(buf, cap, "%s %s %s%s%s%s%s%s", (e & PTE_P) ? "P" : "-", (e & PTE_RW) ? "RW" : "R-",
	         (e & PTE_US) ? "US" : "S", (e & PTE_A) ? " A" : "", leaf && (e & PTE_D) ? " D" : "",
	         (level > 1 && (e & PTE_PS)) ? " PS" : "", (e & PTE_NX) ? " NX" : "",
	         (e & PTE_PCD) ? " PCD" : "");
}

/* ---- EPT helpers (ept.h) ---- */

void epte_decode(uint64_t e, int level, char *buf, unsigned cap)
{
	int leaf = level == 1 || (e & EPT_PS);
	char mt[16] = "";
	if (leaf)
		snprintf(mt, sizeof mt, " MT=%u", (unsigned)EPT_MT(e));
	snprintf(buf, cap, "%s%s%s%s%s%s%s", (e & EPT_R) ? "R" : "-", (e & EPT_W) ? "W" : "-",
	         (e & EPT_X) ? "X" : "-", mt, (level > 1 && (e & EPT_PS)) ? " PS" : "",
	         (e & EPT_A) ? " A" : "", leaf && (e & EPT_D) ? " D" : "");
}
