/*
 * scenario.c — loading and validating a scenario file (format iommulab/1).
 * Every check that can be made before running is made here, and every
 * problem is reported (FILE:LINE:COL: error: PATH: …) in one pass.
 * The reference is scenarios/README.md.
 */
#include "scenario.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ept.h"
#include "json.h"
#include "paging.h"

#define MAX_ADDR (1ull << MEM_MAX_ADDR_BITS)

void *scenario_alloc(struct scenario *sc, size_t n)
{
	void *p = calloc(1, n ? n : 1);
	if (!p)
		abort(); /* out of host memory while loading: nothing sensible to do */
	if (sc->nallocs == sc->capallocs) {
		size_t nc = sc->capallocs ? sc->capallocs * 2 : 64;
		void **q = realloc(sc->allocs, nc * sizeof *q);
		if (!q)
			abort();
		sc->allocs = q;
		sc->capallocs = nc;
	}
	sc->allocs[sc->nallocs++] = p;
	return p;
}

char *scenario_strdup(struct scenario *sc, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = scenario_alloc(sc, n);
	memcpy(p, s, n);
	return p;
}

void scenario_free(struct scenario *sc)
{
	for (size_t i = 0; i < sc->nallocs; i++)
		free(sc->allocs[i]);
	free(sc->allocs);
	if (sc->tree)
		cJSON_Delete(sc->tree);
	free(sc->file);
	memset(sc, 0, sizeof *sc);
}

struct ld {
	struct jr *jr;
	struct scenario *sc;
	struct machine_desc *md;
	const struct load_limits *lim;
};

/* ---------- small helpers ---------- */

static const cJSON *opt(const cJSON *o, const char *k)
{
	return jr_member(o, k);
}

static int get_u64(struct ld *L, const cJSON *o, const char *path, const char *k, uint64_t max, uint64_t *out)
{
	const cJSON *v = opt(o, k);
	if (!v)
		return 0;
	char p[256];
	jr_path_key(p, sizeof p, path, k);
	return jr_u64(L->jr, v, p, max, out);
}

static int get_size(struct ld *L, const cJSON *o, const char *path, const char *k, uint64_t max,
                    uint64_t *out)
{
	const cJSON *v = opt(o, k);
	if (!v)
		return 0;
	char p[256];
	jr_path_key(p, sizeof p, path, k);
	return jr_size(L->jr, v, p, max, out);
}

static int get_bool(struct ld *L, const cJSON *o, const char *path, const char *k, int *out)
{
	const cJSON *v = opt(o, k);
	if (!v)
		return 0;
	char p[256];
	jr_path_key(p, sizeof p, path, k);
	return jr_bool(L->jr, v, p, out);
}

static int get_levels(struct ld *L, const cJSON *o, const char *path, const char *k, int *out)
{
	const cJSON *v = opt(o, k);
	if (!v)
		return 0;
	char p[256];
	jr_path_key(p, sizeof p, path, k);
	uint64_t x;
	if (jr_u64(L->jr, v, p, 5, &x))
		return -1;
	if (x != 4 && x != 5) {
		jr_error(L->jr, v, p, "expected 4 or 5 paging levels, got %" PRIu64, x);
		return -1;
	}
	*out = (int)x;
	return 0;
}

static int page_size(struct ld *L, const cJSON *o, const char *path, const char *k, uint64_t *out)
{
	const cJSON *v = opt(o, k);
	if (!v)
		return 0;
	char p[256];
	jr_path_key(p, sizeof p, path, k);
	uint64_t ps;
	if (jr_size(L->jr, v, p, UINT64_MAX, &ps))
		return -1;
	if (ps != 4 * KiB && ps != 2 * MiB && ps != 1 * GiB) {
		char b[64];
		jr_brief(v, b, sizeof b);
		jr_error(L->jr, v, p, "expected a page size of \"4KiB\", \"2MiB\" or \"1GiB\", got %s", b);
		return -1; /* *out keeps its default: later checks divide by it */
	}
	*out = ps;
	return 0;
}

static int parse_perm(struct ld *L, const cJSON *v, const char *path, unsigned *perm, int upper_half)
{
	const char *s;
	if (jr_str(L->jr, v, path, &s))
		return -1;
	size_t n = strlen(s);
	int ok = (n == 3 || n == 4) && s[0] == 'r' && (s[1] == 'w' || s[1] == '-') &&
	         (s[2] == 'x' || s[2] == '-') && (n == 3 || s[3] == 'u' || s[3] == 's');
	if (!ok) {
		jr_error(L->jr, v, path,
		         "expected permissions like \"r--\", \"rw-\", \"r-x\", \"rwx\" (x86 has no "
		         "write-only page), "
		         "optionally + \"u\" (user) or \"s\" (supervisor), got \"%.20s\"",
		         s);
		return -1;
	}
	*perm = PERM_R | (s[1] == 'w' ? PERM_W : 0) | (s[2] == 'x' ? PERM_X : 0);
	int user = n == 4 ? s[3] == 'u' : !upper_half;
	if (user)
		*perm |= PERM_U;
	return 0;
}

static int check_range(struct ld *L, const cJSON *at, const char *path, const char *what, uint64_t a,
                       uint64_t size, uint64_t align, uint64_t limit)
{
	if (size && a + (size - 1) < a) { /* the last page, ending exactly at 2^64, is fine */
		jr_error(L->jr, at, path, "%s 0x%" PRIx64 " + size 0x%" PRIx64 " wraps around 2^64", what, a,
		         size);
		return -1;
	}
	if (align && (a & (align - 1))) {
		jr_error(L->jr, at, path, "%s 0x%" PRIx64 " is not aligned to 0x%" PRIx64, what, a, align);
		return -1;
	}
	if (limit && (a >= limit || size > limit - a)) {
		jr_error(L->jr, at, path, "%s range 0x%" PRIx64 "–0x%" PRIx64 " is beyond 0x%" PRIx64, what,
		         a, a + size - 1, limit - 1);
		return -1;
	}
	return 0;
}

/* ---------- machine ---------- */

static int parse_cost(struct ld *L, const cJSON *c, const char *path)
{
	if (jr_expect_object(L->jr, c, path))
		return -1;
	int rc = jr_check_keys(L->jr, c, path, cost_fields);
	for (int i = 0; cost_fields[i]; i++)
		rc |= get_u64(L, c, path, cost_fields[i], 1000000000ull,
		              cost_field(&L->md->cost, cost_fields[i]));
	return rc;
}

static int parse_boot(struct ld *L, const cJSON *m, const char *path)
{
	int rc = 0;
	struct boot_desc *b = &L->md->boot;
	char p[256];
	const cJSON *fw = opt(m, "firmware");
	if (fw) {
		jr_path_key(p, sizeof p, path, "firmware");
		static const char *const keys[] = {"vtd", NULL};
		if (jr_expect_object(L->jr, fw, p) || jr_check_keys(L->jr, fw, p, keys))
			rc = -1;
		else
			rc |= get_bool(L, fw, p, "vtd", &b->firmware_vtd);
	}
	const cJSON *kc = opt(m, "kconfig");
	if (kc) {
		jr_path_key(p, sizeof p, path, "kconfig");
		static const char *const keys[] = {"INTEL_IOMMU_DEFAULT_ON", "IOMMU_DEFAULT_PASSTHROUGH",
		                                   "IOMMU_DEFAULT_DMA", NULL};
		if (jr_expect_object(L->jr, kc, p) || jr_check_keys(L->jr, kc, p, keys))
			rc = -1;
		else {
			rc |= get_bool(L, kc, p, "INTEL_IOMMU_DEFAULT_ON", &b->kconfig_default_on);
			rc |= get_bool(L, kc, p, "IOMMU_DEFAULT_PASSTHROUGH", &b->kconfig_passthrough);
			const cJSON *d = opt(kc, "IOMMU_DEFAULT_DMA");
			if (d) {
				static const char *const v[] = {"strict", "lazy", NULL};
				char q[256];
				jr_path_key(q, sizeof q, p, "IOMMU_DEFAULT_DMA");
				rc |= jr_enum(L->jr, d, q, v, &b->kconfig_lazy);
			}
		}
	}
	const cJSON *cl = opt(m, "cmdline");
	if (cl) {
		jr_path_key(p, sizeof p, path, "cmdline");
		rc |= jr_str(L->jr, cl, p, &b->cmdline);
		if (!rc && strlen(b->cmdline) > 2048) {
			jr_error(L->jr, cl, p, "a kernel command line is at most 2048 characters");
			rc = -1;
		}
	}
	const cJSON *io = opt(m, "iommu");
	if (io) {
		jr_path_key(p, sizeof p, path, "iommu");
		static const char *const keys[] = {
		    "caching_mode", "pass_through", "scalable",    "fault_records",
		    "levels",       "super_pages",  "flush_queue", NULL};
		if (jr_expect_object(L->jr, io, p) || jr_check_keys(L->jr, io, p, keys))
			return -1;
		rc |= get_bool(L, io, p, "caching_mode", &b->cap_cm);
		rc |= get_bool(L, io, p, "pass_through", &b->ecap_pt);
		rc |= get_bool(L, io, p, "scalable", &b->scalable);
		uint64_t v = (uint64_t)b->nfr;
		rc |= get_u64(L, io, p, "fault_records", 256, &v);
		if (!rc && v < 1) {
			jr_error(L->jr, opt(io, "fault_records"), p, "fault_records: at least 1");
			rc = -1;
		}
		b->nfr = (int)v;
		v = (uint64_t)b->agaw_levels;
		rc |= get_u64(L, io, p, "levels", 5, &v);
		if (!rc && (v < 3 || v > 5)) {
			jr_error(L->jr, opt(io, "levels"), p, "levels: 3 (39-bit), 4 (48-bit) or 5 (57-bit)");
			rc = -1;
		}
		b->agaw_levels = (int)v;
		const cJSON *sp = opt(io, "super_pages");
		if (sp) {
			char q[256];
			jr_path_key(q, sizeof q, p, "super_pages");
			if (!cJSON_IsArray(sp)) {
				jr_error(L->jr, sp, q, "expected an array such as [\"2MiB\", \"1GiB\"]");
				rc = -1;
			} else {
				b->sllps = 0;
				int i = 0;
				for (const cJSON *x = sp->child; x; x = x->next, i++) {
					static const char *const v2[] = {"2MiB", "1GiB", NULL};
					char r[256];
					int k;
					jr_path_idx(r, sizeof r, q, i);
					if (jr_enum(L->jr, x, r, v2, &k))
						rc = -1;
					else
						b->sllps |= 1 << k;
				}
			}
		}
		const cJSON *fq = opt(io, "flush_queue");
		if (fq) {
			char q[256];
			jr_path_key(q, sizeof q, p, "flush_queue");
			static const char *const k2[] = {"size", "timeout_ms", "timeout_us", NULL};
			if (jr_expect_object(L->jr, fq, q) || jr_check_keys(L->jr, fq, q, k2))
				return -1;
			rc |= get_u64(L, fq, q, "size", 1 << 20, &b->fq_size);
			uint64_t ms = 0, us = 0;
			if (opt(fq, "timeout_ms")) {
				rc |= get_u64(L, fq, q, "timeout_ms", 3600000, &ms);
				b->fq_timeout_ns = ms * 1000000;
			}
			if (opt(fq, "timeout_us")) {
				rc |= get_u64(L, fq, q, "timeout_us", 3600000000ull, &us);
				b->fq_timeout_ns = us * 1000;
			}
			if (!rc && b->fq_size < 1) {
				jr_error(L->jr, fq, q, "size: at least 1");
				rc = -1;
			}
		}
	}
	return rc;
}

static int parse_machine(struct ld *L, const cJSON *m)
{
	const char *path = "machine";
	if (jr_expect_object(L->jr, m, path))
		return -1;
	static const char *const keys[] = {"ram",     "paging",  "tlb_entries", "cost",   "firmware",
	                                   "kconfig", "cmdline", "iommu",       "limits", NULL};
	int rc = jr_check_keys(L->jr, m, path, keys);
	rc |= get_size(L, m, path, "ram", MAX_ADDR, &L->md->ram);
	if (!rc && (L->md->ram < 16 * MiB || (L->md->ram & (PAGE_SIZE - 1)))) {
		jr_error(L->jr, opt(m, "ram"), "machine.ram", "expected at least 16MiB, a multiple of 4KiB");
		rc = -1;
	}
	rc |= get_levels(L, m, path, "paging", &L->md->host_levels);
	uint64_t t = 64;
	rc |= get_u64(L, m, path, "tlb_entries", 256, &t);
	if (!rc && t < 4) {
		jr_error(L->jr, opt(m, "tlb_entries"), "machine.tlb_entries", "at least 4");
		rc = -1;
	}
	L->md->tlb_entries = (int)t;
	const cJSON *c = opt(m, "cost");
	if (c)
		rc |= parse_cost(L, c, "machine.cost");
	rc |= parse_boot(L, m, path);
	const cJSON *lim = opt(m, "limits");
	if (lim) {
		static const char *const k2[] = {"max_memory", "max_events", NULL};
		if (jr_expect_object(L->jr, lim, "machine.limits") ||
		    jr_check_keys(L->jr, lim, "machine.limits", k2))
			return -1;
		uint64_t mm = 0;
		rc |= get_size(L, lim, "machine.limits", "max_memory", 64 * GiB, &mm);
		if (mm)
			L->md->max_frames = mm / PAGE_SIZE;
		rc |= get_u64(L, lim, "machine.limits", "max_events", 100000000, &L->md->max_events);
	}
	return rc;
}

static int parse_mappings(struct ld *L, const cJSON *arr, const char *path, struct mapping_desc *out, int *n,
                          int levels, const char *vakey, const char *pakey, int vm)
{
	if (!cJSON_IsArray(arr)) {
		jr_error(L->jr, arr, path, "expected an array of mappings");
		return -1;
	}
	int rc = 0, i = 0;
	for (const cJSON *x = arr->child; x; x = x->next, i++) {
		char p[256], q[256];
		jr_path_idx(p, sizeof p, path, i);
		if (i >= MAX_MAPPINGS) {
			jr_error(L->jr, x, p, "at most %d mappings", MAX_MAPPINGS);
			return -1;
		}
		if (jr_expect_object(L->jr, x, p)) {
			rc = -1;
			continue;
		}
		const char *keys[] = {vakey, pakey, "size", "page", "perm", NULL};
		int r = jr_check_keys(L->jr, x, p, keys);
		struct mapping_desc *mp = &out[i];
		mp->size = 4 * KiB;
		mp->psize = 4 * KiB;
		const cJSON *va = jr_require(L->jr, x, p, vakey), *pa = jr_require(L->jr, x, p, pakey);
		if (!va || !pa) {
			rc = -1;
			continue;
		}
		jr_path_key(q, sizeof q, p, vakey);
		r |= jr_u64(L->jr, va, q, UINT64_MAX, &mp->va);
		if (!r && !va_canonical(mp->va, levels)) {
			jr_error(L->jr, va, q, "expected a canonical %d-bit address, got \"0x%" PRIx64 "\"",
			         levels == 5 ? 57 : 48, mp->va);
			r = -1;
		}
		jr_path_key(q, sizeof q, p, pakey);
		r |= jr_u64(L->jr, pa, q, MAX_ADDR - 1, &mp->pa);
		r |= page_size(L, x, p, "page", &mp->psize);
		r |= get_size(L, x, p, "size", 1ull << 40, &mp->size);
		if (!opt(x, "size"))
			mp->size = mp->psize;
		mp->perm = PERM_R | PERM_W | ((mp->va >> 63) ? 0 : PERM_U);
		const cJSON *pm = opt(x, "perm");
		if (pm) {
			jr_path_key(q, sizeof q, p, "perm");
			r |= parse_perm(L, pm, q, &mp->perm, (int)(mp->va >> 63));
		}
		if (!r) {
			if (!mp->size || mp->size % mp->psize) {
				jr_error(L->jr, opt(x, "size"), p,
				         "size 0x%" PRIx64 " is not a multiple of the page size 0x%" PRIx64,
				         mp->size, mp->psize);
				r = -1;
			} else if (check_range(L, va, p, vakey, mp->va, mp->size, mp->psize, 0) ||
			           check_range(L, pa, p, pakey, mp->pa, mp->size, mp->psize, MAX_ADDR)) {
				r = -1;
			} else if (!va_canonical(mp->va + mp->size - 1, levels)) {
				jr_error(L->jr, va, p, "mapping runs past the canonical range");
				r = -1;
			} else if (mp->size / mp->psize > 262144) {
				jr_error(L->jr, opt(x, "size"), p,
				         "maps %" PRIu64
				         " pages; at most 262144 per mapping (use larger pages)",
				         mp->size / mp->psize);
				r = -1;
			}
		}
		if (!r && vm >= 0) {
			/* every page's GPA must be guest RAM or an MMIO window */
			const struct vm_desc *d = &L->md->vms[vm];
			for (uint64_t off = 0; !r && off < mp->size; off += mp->psize) {
				uint64_t g = mp->pa + off;
				int ok = 0;
				for (int k = 0; k < d->nram && !ok; k++)
					ok = g >= d->ram[k].gpa &&
					     g + mp->psize <= d->ram[k].gpa + d->ram[k].size;
				for (int k = 0; k < d->nmmio && !ok; k++)
					ok = g >= d->mmio[k].gpa &&
					     g + mp->psize <= d->mmio[k].gpa + d->mmio[k].size;
				if (!ok) {
					jr_error(L->jr, pa, p,
					         "GPA page 0x%" PRIx64
					         " is not inside a RAM range or MMIO window of %s",
					         g, d->name);
					r = -1;
				}
			}
		}
		/* overlaps in VA space */
		for (int k = 0; !r && k < i; k++)
			if (mp->va <= out[k].va + (out[k].size - 1) && out[k].va <= mp->va + (mp->size - 1)) {
				jr_error(L->jr, va, p, "overlaps %s[%d] in virtual address space", path, k);
				r = -1;
			}
		rc |= r;
		*n = i + 1;
	}
	return rc;
}

static int vm_name_taken(struct ld *L, const char *name, int upto)
{
	for (int i = 0; i < upto; i++)
		if (!strcmp(L->md->vms[i].name, name))
			return 1;
	return !strcmp(name, "host");
}

static int parse_vms(struct ld *L, const cJSON *arr)
{
	if (!cJSON_IsArray(arr)) {
		jr_error(L->jr, arr, "vms", "expected an array of VMs");
		return -1;
	}
	int rc = 0, i = 0;
	for (const cJSON *x = arr->child; x; x = x->next, i++) {
		char p[256], q[256];
		jr_path_idx(p, sizeof p, "vms", i);
		if (i >= MAX_VMS) {
			jr_error(L->jr, x, p, "at most %d VMs", MAX_VMS);
			return -1;
		}
		if (jr_expect_object(L->jr, x, p)) {
			rc = -1;
			continue;
		}
		static const char *const keys[] = {"name",           "ram",      "pages",  "paging",
		                                   "ept_levels",     "ept_page", "ept_ad", "mmio",
		                                   "unsafe_noiommu", "vcpus",    "viommu", NULL};
		int r = jr_check_keys(L->jr, x, p, keys);
		struct vm_desc *d = &L->md->vms[i];
		L->md->nvms = i + 1;
		d->levels = 4;
		d->ept_levels = 4;
		d->ept_page = 4 * KiB;
		d->vcpus = 1;
		const cJSON *nm = jr_require(L->jr, x, p, "name");
		jr_path_key(q, sizeof q, p, "name");
		if (!nm || jr_name(L->jr, nm, q, &d->name)) {
			d->name = "?";
			rc = -1;
		} else if (vm_name_taken(L, d->name, i)) {
			jr_error(L->jr, nm, q, "duplicate name \"%s\"", d->name);
			r = -1;
		}
		r |= get_levels(L, x, p, "paging", &d->levels);
		r |= get_levels(L, x, p, "ept_levels", &d->ept_levels);
		r |= page_size(L, x, p, "ept_page", &d->ept_page);
		r |= get_bool(L, x, p, "ept_ad", &d->ept_ad);
		r |= get_bool(L, x, p, "unsafe_noiommu", &d->vfio_unsafe_noiommu);
		r |= get_bool(L, x, p, "viommu", &d->viommu);
		uint64_t vc = 1;
		r |= get_u64(L, x, p, "vcpus", 64, &vc);
		d->vcpus = (int)vc;
		const cJSON *ram = jr_require(L->jr, x, p, "ram");
		jr_path_key(q, sizeof q, p, "ram");
		if (ram && !cJSON_IsArray(ram)) {
			jr_error(L->jr, ram, q, "expected an array of {\"gpa\", \"size\", \"hpa\"} ranges");
			r = -1;
		} else if (ram) {
			int k = 0;
			for (const cJSON *rr = ram->child; rr; rr = rr->next, k++) {
				char s[256], t[256];
				jr_path_idx(s, sizeof s, q, k);
				if (k >= MAX_RAM_RANGES) {
					jr_error(L->jr, rr, s, "at most %d RAM ranges", MAX_RAM_RANGES);
					r = -1;
					break;
				}
				static const char *const rk[] = {"gpa", "size", "hpa", NULL};
				if (jr_expect_object(L->jr, rr, s) || jr_check_keys(L->jr, rr, s, rk)) {
					r = -1;
					continue;
				}
				struct ram_range_desc *R = &d->ram[k];
				d->nram = k + 1;
				const cJSON *g = jr_require(L->jr, rr, s, "gpa"),
				            *z = jr_require(L->jr, rr, s, "size"),
				            *h = jr_require(L->jr, rr, s, "hpa");
				if (!g || !z || !h) {
					r = -1;
					continue;
				}
				int e = 0;
				jr_path_key(t, sizeof t, s, "gpa");
				e |= jr_u64(L->jr, g, t, MAX_ADDR - 1, &R->gpa);
				jr_path_key(t, sizeof t, s, "size");
				e |= jr_size(L->jr, z, t, 1ull << 40, &R->size);
				jr_path_key(t, sizeof t, s, "hpa");
				e |= jr_u64(L->jr, h, t, MAX_ADDR - 1, &R->hpa);
				if (!e && !R->size) {
					jr_error(L->jr, z, s, "size must not be 0");
					e = -1;
				}
				if (!e) {
					uint64_t al = d->ept_page;
					if (check_range(L, g, s, "gpa", R->gpa, R->size, al, MAX_ADDR) ||
					    check_range(L, h, s, "hpa", R->hpa, R->size, al, 0) ||
					    (R->size % al &&
					     (jr_error(
					          L->jr, z, s,
					          "size is not a multiple of the EPT page size 0x%" PRIx64,
					          al),
					      1)))
						e = -1;
				}
				if (!e && R->hpa + R->size > L->md->ram) {
					jr_error(L->jr, h, s,
					         "HPA range 0x%" PRIx64 "–0x%" PRIx64
					         " is outside host RAM (machine.ram = 0x%" PRIx64 ")",
					         R->hpa, R->hpa + R->size - 1, L->md->ram);
					e = -1;
				}
				if (!e && R->size / d->ept_page > (1u << 21)) {
					jr_error(L->jr, z, s,
					         "%" PRIu64 " EPT pages is more than the cap of 2097152: use "
					         "\"ept_page\": \"2MiB\"",
					         R->size / d->ept_page);
					e = -1;
				}
				for (int o = 0; !e && o < k; o++) {
					const struct ram_range_desc *O = &d->ram[o];
					if (R->gpa < O->gpa + O->size && O->gpa < R->gpa + R->size) {
						jr_error(L->jr, g, s, "overlaps %s[%d] in GPA space", q, o);
						e = -1;
					}
				}
				/* HPA overlap with any earlier VM range (this or other VMs) */
				for (int v = 0; !e && v <= i; v++)
					for (int o = 0; !e && o < (v == i ? k : L->md->vms[v].nram); o++) {
						const struct ram_range_desc *O = &L->md->vms[v].ram[o];
						if (R->hpa < O->hpa + O->size && O->hpa < R->hpa + R->size) {
							jr_error(L->jr, h, s,
							         "HPA range overlaps vms[%d].ram[%d] (host "
							         "memory belongs to one owner)",
							         v, o);
							e = -1;
						}
					}
				r |= e;
			}
			if (!d->nram && !r) {
				jr_error(L->jr, ram, q, "a VM needs at least one RAM range");
				r = -1;
			}
		}
		const cJSON *mm = opt(x, "mmio");
		if (mm) {
			jr_path_key(q, sizeof q, p, "mmio");
			if (!cJSON_IsArray(mm)) {
				jr_error(L->jr, mm, q, "expected an array of {\"gpa\", \"size\", \"label\"}");
				r = -1;
			} else {
				int k = 0;
				for (const cJSON *w = mm->child; w; w = w->next, k++) {
					char s[256];
					jr_path_idx(s, sizeof s, q, k);
					static const char *const wk[] = {"gpa", "size", "label", NULL};
					if (k >= 4 || jr_expect_object(L->jr, w, s) ||
					    jr_check_keys(L->jr, w, s, wk)) {
						if (k >= 4)
							jr_error(L->jr, w, s, "at most 4 MMIO windows");
						r = -1;
						break;
					}
					d->nmmio = k + 1;
					d->mmio[k].size = 4 * KiB;
					const cJSON *g = jr_require(L->jr, w, s, "gpa");
					char t[256];
					jr_path_key(t, sizeof t, s, "gpa");
					if (!g || jr_u64(L->jr, g, t, MAX_ADDR - 1, &d->mmio[k].gpa))
						r = -1;
					r |= get_size(L, w, s, "size", 1ull << 32, &d->mmio[k].size);
					const cJSON *lb = opt(w, "label");
					d->mmio[k].label = "emulated MMIO";
					if (lb) {
						jr_path_key(t, sizeof t, s, "label");
						r |= jr_str(L->jr, lb, t, &d->mmio[k].label);
					}
					if (!r)
						r |= check_range(L, g, s, "gpa", d->mmio[k].gpa,
						                 d->mmio[k].size, PAGE_SIZE, MAX_ADDR);
					for (int o = 0; !r && o < d->nram; o++)
						if (d->mmio[k].gpa < d->ram[o].gpa + d->ram[o].size &&
						    d->ram[o].gpa < d->mmio[k].gpa + d->mmio[k].size) {
							jr_error(L->jr, g, s, "overlaps guest RAM (ram[%d])",
							         o);
							r = -1;
						}
				}
			}
		}
		const cJSON *pg = opt(x, "pages");
		if (pg && !r) {
			jr_path_key(q, sizeof q, p, "pages");
			r |= parse_mappings(L, pg, q, d->pages, &d->npages, d->levels, "gva", "gpa", i);
		}
		rc |= r;
	}
	return rc;
}

static int parse_bdf(const char *s, uint16_t *out)
{
	unsigned b, d, f;
	char tail;
	if (sscanf(s, "%2x:%2x.%1x%c", &b, &d, &f, &tail) != 3 || b > 255 || d > 31 || f > 7)
		return -1;
	*out = (uint16_t)(b << 8 | d << 3 | f);
	return 0;
}

static int parse_devices(struct ld *L, const cJSON *arr)
{
	if (!cJSON_IsArray(arr)) {
		jr_error(L->jr, arr, "devices", "expected an array of devices");
		return -1;
	}
	int rc = 0, i = 0;
	uint64_t next_bar = L->md->ram <= 0xC0000000ull ? 0xFD000000ull : (L->md->ram + GiB - 1) & ~(GiB - 1);
	for (const cJSON *x = arr->child; x; x = x->next, i++) {
		char p[256], q[256];
		jr_path_idx(p, sizeof p, "devices", i);
		if (i >= MAX_DEVICES) {
			jr_error(L->jr, x, p, "at most %d devices", MAX_DEVICES);
			return -1;
		}
		if (jr_expect_object(L->jr, x, p)) {
			rc = -1;
			continue;
		}
		struct device_desc *d = &L->md->devs[i];
		L->md->ndevs = i + 1;
		d->name = "?";
		d->trusted = 1;
		d->dma_mask_bits = 64;
		d->owner = "host";
		int r = 0;
		const cJSON *ty = jr_require(L->jr, x, p, "type");
		const struct device_type *dt = NULL;
		jr_path_key(q, sizeof q, p, "type");
		if (ty && !jr_str(L->jr, ty, q, &d->type)) {
			dt = device_type_find(d->type);
			if (!dt) {
				jr_error(L->jr, ty, q,
				         "unknown device type \"%.40s\"; expected one of \"dma-device\", "
				         "\"e1000\", \"pl330\", \"uart\"",
				         d->type);
				r = -1;
			} else
				d->type_id = dt->type_id;
		} else
			r = -1;
		const char *common[] = {"name",     "type", "bdf",       "owner",     "trusted",
		                        "dma_mask", "bar0", "bar0_size", "guest_bar0"};
		const char *allowed[48];
		int na = 0;
		for (size_t k = 0; k < sizeof common / sizeof *common; k++)
			allowed[na++] = common[k];
		if (dt && dt->keys)
			for (int k = 0; dt->keys[k] && na < 46; k++)
				allowed[na++] = dt->keys[k];
		allowed[na] = NULL;
		r |= jr_check_keys(L->jr, x, p, allowed);
		const cJSON *nm = jr_require(L->jr, x, p, "name");
		jr_path_key(q, sizeof q, p, "name");
		if (!nm || jr_name(L->jr, nm, q, &d->name)) {
			d->name = "?";
			r = -1;
		} else {
			for (int k = 0; k < i; k++)
				if (!strcmp(L->md->devs[k].name, d->name)) {
					jr_error(L->jr, nm, q, "duplicate name \"%s\"", d->name);
					r = -1;
				}
			if (vm_name_taken(L, d->name, L->md->nvms)) {
				jr_error(L->jr, nm, q, "\"%s\" is already the name of a VM (or \"host\")",
				         d->name);
				r = -1;
			}
		}
		const cJSON *bdf = jr_require(L->jr, x, p, "bdf");
		jr_path_key(q, sizeof q, p, "bdf");
		const char *bs;
		if (!bdf || jr_str(L->jr, bdf, q, &bs))
			r = -1;
		else if (parse_bdf(bs, &d->bdf)) {
			jr_error(L->jr, bdf, q,
			         "expected a PCI address \"BB:DD.F\" (hex bus, device 00–1f, function 0–7), "
			         "got \"%.20s\"",
			         bs);
			r = -1;
		} else
			for (int k = 0; k < i; k++)
				if (L->md->devs[k].bdf == d->bdf && L->md->devs[k].name) {
					jr_error(L->jr, bdf, q, "%s is already used by %s", bs,
					         L->md->devs[k].name);
					r = -1;
				}
		const cJSON *ow = opt(x, "owner");
		d->owner_entity = 0;
		if (ow) {
			jr_path_key(q, sizeof q, p, "owner");
			if (jr_str(L->jr, ow, q, &d->owner))
				r = -1;
			else if (strcmp(d->owner, "host")) {
				int f = -1;
				for (int k = 0; k < L->md->nvms; k++)
					if (!strcmp(L->md->vms[k].name, d->owner))
						f = k;
				if (f < 0) {
					jr_error(L->jr, ow, q,
					         "owner must be \"host\" or a VM name, got \"%.40s\"",
					         d->owner);
					r = -1;
				} else
					d->owner_entity = 1 + f;
			}
		}
		r |= get_bool(L, x, p, "trusted", &d->trusted);
		uint64_t mb = 64;
		r |= get_u64(L, x, p, "dma_mask", 64, &mb);
		if (!r && mb < 24) {
			jr_error(L->jr, opt(x, "dma_mask"), p, "dma_mask: between 24 and 64 bits");
			r = -1;
		}
		d->dma_mask_bits = (int)mb;
		d->bar0_size = dt ? dt->default_bar_size : 0;
		r |= get_size(L, x, p, "bar0_size", 1ull << 32, &d->bar0_size);
		if (!r && d->bar0_size && (!is_pow2(d->bar0_size) || d->bar0_size < PAGE_SIZE)) {
			jr_error(L->jr, opt(x, "bar0_size"), p,
			         "a BAR size is a power of two, at least 4KiB");
			r = -1;
		}
		if (opt(x, "bar0")) {
			r |= get_u64(L, x, p, "bar0", MAX_ADDR - 1, &d->bar0);
			if (!r && d->bar0_size && (d->bar0 & (d->bar0_size - 1))) {
				jr_error(L->jr, opt(x, "bar0"), p,
				         "BAR0 0x%" PRIx64 " must be aligned to its size 0x%" PRIx64, d->bar0,
				         d->bar0_size);
				r = -1;
			}
			if (!r && d->bar0 < L->md->ram) {
				jr_error(L->jr, opt(x, "bar0"), p,
				         "BAR0 0x%" PRIx64 " is inside host RAM (0–0x%" PRIx64 ")", d->bar0,
				         L->md->ram - 1);
				r = -1;
			}
		} else if (d->bar0_size) {
			next_bar = (next_bar + d->bar0_size - 1) & ~(d->bar0_size - 1);
			d->bar0 = next_bar;
			next_bar += d->bar0_size;
		}
		if (!r && d->bar0_size && d->bar0 < 0xFEF00000ull && d->bar0 + d->bar0_size > 0xFEE00000ull) {
			jr_error(L->jr, x, p, "BAR0 overlaps the MSI window 0xFEE00000–0xFEEFFFFF");
			r = -1;
		}
		r |= get_u64(L, x, p, "guest_bar0", MAX_ADDR - 1, &d->guest_bar0);
		if (!r && d->owner_entity > 0 && d->bar0_size && !d->guest_bar0)
			d->guest_bar0 = 0xC0000000ull + (uint64_t)i * 0x100000ull;
		if (dt && dt->opts_size) {
			d->opts = scenario_alloc(L->sc, dt->opts_size);
			if (dt->parse_opts && dt->parse_opts(L->jr, x, p, d->opts))
				r = -1;
		}
		rc |= r;
	}
	/* BAR overlaps */
	for (int a = 0; a < L->md->ndevs; a++)
		for (int b = 0; b < a; b++) {
			struct device_desc *A = &L->md->devs[a], *B = &L->md->devs[b];
			if (A->bar0_size && B->bar0_size && A->bar0 < B->bar0 + B->bar0_size &&
			    B->bar0 < A->bar0 + A->bar0_size) {
				char p[64];
				jr_path_idx(p, sizeof p, "devices", a);
				jr_error(L->jr, jr_member(arr, "x"), p, "BAR0 overlaps the BAR0 of %s",
				         B->name);
				rc = -1;
			}
		}
	return rc;
}

/* ---------- steps ---------- */

static const char *const step_common[] = {"do", "say", "expect", "repeat", "comment"};

static int parse_step(struct ld *L, const cJSON *x, int idx, struct step *st, uint64_t *total)
{
	char p[64];
	jr_path_idx(p, sizeof p, "steps", idx);
	if (jr_expect_object(L->jr, x, p))
		return -1;
	st->line = jr_line(L->jr, x, &st->col);
	st->repeat = 1;
	const cJSON *d = jr_require(L->jr, x, p, "do");
	if (!d)
		return -1;
	char q[96];
	jr_path_key(q, sizeof q, p, "do");
	const char *name;
	if (jr_str(L->jr, d, q, &name))
		return -1;
	st->act = action_find(name);
	if (!st->act) {
		const char *names[256];
		int n = action_names(names, 256);
		const char *best = NULL;
		int bd = 99;
		for (int i = 0; i < n; i++) {
			int e = edit_distance(names[i], name);
			if (e < bd) {
				bd = e;
				best = names[i];
			}
		}
		if (best && bd <= 3)
			jr_error(L->jr, d, q, "unknown action \"%.40s\" (did you mean \"%s\"?)", name, best);
		else
			jr_error(L->jr, d, q,
			         "unknown action \"%.40s\"; see scenarios/README.md for the list", name);
		return -1;
	}
	const char *allowed[64];
	int na = 0;
	for (size_t k = 0; k < sizeof step_common / sizeof *step_common; k++)
		allowed[na++] = step_common[k];
	for (int k = 0; st->act->keys && st->act->keys[k] && na < 62; k++)
		allowed[na++] = st->act->keys[k];
	allowed[na] = NULL;
	int rc = jr_check_keys(L->jr, x, p, allowed);
	const cJSON *say = opt(x, "say");
	if (say) {
		jr_path_key(q, sizeof q, p, "say");
		rc |= jr_text(L->jr, say, q, &st->say_en, &st->say_zh);
	}
	uint64_t rep = 1;
	rc |= get_u64(L, x, p, "repeat", 10000000, &rep);
	if (!rc && rep < 1) {
		jr_error(L->jr, opt(x, "repeat"), p, "repeat: at least 1");
		rc = -1;
	}
	st->repeat = (int)rep;
	*total += rep;
	struct parse_ctx pc = {L->jr, L->sc, L->md, x, p, idx};
	st->args = scenario_alloc(L->sc, st->act->args_size);
	if (st->act->parse && st->act->parse(&pc, st->args))
		rc = -1;
	const cJSON *ex = opt(x, "expect");
	if (ex) {
		jr_path_key(q, sizeof q, p, "expect");
		if (jr_expect_object(L->jr, ex, q))
			return -1;
		int n = cJSON_GetArraySize(ex);
		st->expects = scenario_alloc(L->sc, (size_t)(n ? n : 1) * sizeof *st->expects);
		for (const cJSON *e = ex->child; e; e = e->next) {
			char r[160];
			jr_path_key(r, sizeof r, q, e->string);
			const struct expect_def *def = expect_find(e->string);
			if (!def) {
				const char *keys[256];
				int nk = expect_keys(keys, 256);
				const char *best = NULL;
				int bd = 99;
				for (int i = 0; i < nk; i++) {
					int dd = edit_distance(keys[i], e->string);
					if (dd < bd) {
						bd = dd;
						best = keys[i];
					}
				}
				if (best && bd <= 2)
					jr_error_key(L->jr, e, q,
					             "unknown expect key \"%.40s\" (did you mean \"%s\"?)",
					             e->string, best);
				else
					jr_error_key(L->jr, e, q, "unknown expect key \"%.40s\"", e->string);
				rc = -1;
				continue;
			}
			struct expect_item *it = &st->expects[st->nexpects++];
			it->def = def;
			it->args = scenario_alloc(L->sc, def->args_size);
			it->line = jr_line(L->jr, e, &it->col);
			snprintf(it->path, sizeof it->path, "%s", e->string);
			if (def->parse(&pc, e, r, it->args))
				rc = -1;
		}
	}
	return rc;
}

static int parse_lesson(struct ld *L, const cJSON *ls)
{
	const char *path = "lesson";
	if (jr_expect_object(L->jr, ls, path))
		return -1;
	static const char *const keys[] = {"goals", "questions", "try", "references", NULL};
	int rc = jr_check_keys(L->jr, ls, path, keys);
	const cJSON *g = opt(ls, "goals"), *t = opt(ls, "try"), *r = opt(ls, "references"),
	            *q = opt(ls, "questions");
	if (g)
		rc |= jr_text(L->jr, g, "lesson.goals", &L->sc->goals_en, &L->sc->goals_zh);
	if (t)
		rc |= jr_text(L->jr, t, "lesson.try", &L->sc->try_en, &L->sc->try_zh);
	if (r)
		rc |= jr_str(L->jr, r, "lesson.references", &L->sc->refs);
	if (q) {
		if (!cJSON_IsArray(q)) {
			jr_error(L->jr, q, "lesson.questions", "expected an array");
			return -1;
		}
		int i = 0;
		for (const cJSON *x = q->child; x; x = x->next, i++) {
			char p[64], s[96];
			jr_path_idx(p, sizeof p, "lesson.questions", i);
			if (i >= 8) {
				jr_error(L->jr, x, p, "at most 8 questions");
				return -1;
			}
			static const char *const qk[] = {"before_step", "q", "a", NULL};
			if (jr_expect_object(L->jr, x, p) || jr_check_keys(L->jr, x, p, qk)) {
				rc = -1;
				continue;
			}
			struct question *Q = &L->sc->questions[i];
			L->sc->nquestions = i + 1;
			uint64_t b = 0;
			Q->after_step = -1;
			if (opt(x, "before_step")) {
				rc |= get_u64(L, x, p, "before_step", 1000000, &b);
				Q->after_step = (int)b - 1;
			}
			const cJSON *qq = jr_require(L->jr, x, p, "q"), *aa = jr_require(L->jr, x, p, "a");
			jr_path_key(s, sizeof s, p, "q");
			if (!qq || jr_text(L->jr, qq, s, &Q->q_en, &Q->q_zh))
				rc = -1;
			jr_path_key(s, sizeof s, p, "a");
			if (!aa || jr_text(L->jr, aa, s, &Q->a_en, &Q->a_zh))
				rc = -1;
		}
	}
	return rc;
}

int scenario_load(struct scenario *sc, const char *file, const char *buf, size_t len,
                  const struct load_limits *lim, char **errors)
{
	memset(sc, 0, sizeof *sc);
	*errors = NULL;
	sc->file = strdup(file ? file : "<input>");
	struct jr jr;
	jr_init(&jr, sc->file);
	struct ld L = {&jr, sc, &sc->md, lim};
	machine_desc_default(&sc->md);
	int rc = 0;
	cJSON *root = jr_parse(&jr, buf, len);
	if (!root) {
		rc = -1;
		goto out;
	}
	sc->tree = root;
	if (jr_expect_object(&jr, root, "")) {
		rc = -1;
		goto out;
	}
	static const char *const keys[] = {"format",  "title", "description", "machine", "host", "vms",
	                                   "devices", "steps", "lesson",      "comment", NULL};
	rc |= jr_check_keys(&jr, root, "", keys);
	const cJSON *fmt = jr_require(&jr, root, "", "format");
	if (fmt && (!cJSON_IsString(fmt) || strcmp(fmt->valuestring, SCENARIO_FORMAT))) {
		char b[64];
		jr_brief(fmt, b, sizeof b);
		jr_error(&jr, fmt, "format", "expected \"%s\", got %s", SCENARIO_FORMAT, b);
		rc = -1;
	} else if (!fmt)
		rc = -1;
	const cJSON *t = opt(root, "title");
	if (t)
		rc |= jr_text(&jr, t, "title", &sc->md.title_en, &sc->md.title_zh);
	const cJSON *m = opt(root, "machine");
	if (m)
		rc |= parse_machine(&L, m);
	if (lim && lim->max_frames)
		sc->md.max_frames = lim->max_frames;
	if (lim && lim->max_events)
		sc->md.max_events = lim->max_events;
	const cJSON *h = opt(root, "host");
	if (h) {
		static const char *const hk[] = {"pages", NULL};
		if (jr_expect_object(&jr, h, "host") || jr_check_keys(&jr, h, "host", hk))
			rc = -1;
		else if (opt(h, "pages"))
			rc |= parse_mappings(&L, opt(h, "pages"), "host.pages", sc->md.host_pages,
			                     &sc->md.nhost_pages, sc->md.host_levels, "va", "pa", -1);
	}
	const cJSON *v = opt(root, "vms");
	if (v)
		rc |= parse_vms(&L, v);
	const cJSON *d = opt(root, "devices");
	if (d)
		rc |= parse_devices(&L, d);
	const cJSON *ls = opt(root, "lesson");
	if (ls)
		rc |= parse_lesson(&L, ls);
	const cJSON *st = jr_require(&jr, root, "", "steps");
	if (!st) {
		rc = -1;
		goto out;
	}
	if (!cJSON_IsArray(st)) {
		jr_error(&jr, st, "steps", "expected an array of steps");
		rc = -1;
		goto out;
	}
	if (rc && jr.nerr)
		goto out; /* machine errors would cascade into step errors */
	int n = cJSON_GetArraySize(st);
	uint64_t max_steps = lim && lim->max_steps ? lim->max_steps : SCENARIO_MAX_STEPS_DEFAULT;
	if ((uint64_t)n > max_steps) {
		jr_error(&jr, st, "steps",
		         "%d steps exceed the cap of %" PRIu64 " (raise it with --max-steps)", n, max_steps);
		rc = -1;
		goto out;
	}
	sc->steps = scenario_alloc(sc, (size_t)(n ? n : 1) * sizeof *sc->steps);
	sc->nsteps = n;
	uint64_t total = 0;
	int i = 0;
	for (const cJSON *x = st->child; x; x = x->next, i++)
		rc |= parse_step(&L, x, i, &sc->steps[i], &total);
	if (!rc && total > max_steps) {
		jr_error(&jr, st, "steps",
		         "the steps repeat to %" PRIu64 " actions, over the cap of %" PRIu64
		         " (raise it with --max-steps)",
		         total, max_steps);
		rc = -1;
	}
	/* question anchors */
	for (int q = 0; q < sc->nquestions; q++)
		if (sc->questions[q].after_step >= n) {
			jr_error(&jr, opt(root, "lesson"), "lesson.questions",
			         "question %d is anchored before step %d, but there are %d steps", q,
			         sc->questions[q].after_step + 1, n);
			rc = -1;
		}
out:
	if (rc || jr.nerr) {
		if (!jr.nerr)
			jr_error_at(&jr, 1, 1, "invalid scenario");
		*errors = jr.err;
		jr.err = NULL;
		rc = -1;
	}
	jr_free(&jr);
	return rc;
}
