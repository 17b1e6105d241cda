/*
 * test_boot.c — the boot decision table (facts 2.2, invariant 23) row by
 * row, the command-line parsers, and the Linux log lines of facts section 0.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "boot.h"
#include "dma.h"
#include "testutil.h"

static struct boot_desc desc(const char *cmdline)
{
	struct machine_desc md;
	machine_desc_default(&md);
	md.boot.cmdline = cmdline;
	return md.boot;
}

static struct device_desc trusted = {.name = "nic0", .trusted = 1};
static struct device_desc untrusted = {.name = "tb0", .trusted = 0};

static enum dom_type decide(const struct boot_desc *b, const struct device_desc *dd, struct boot_state *bs)
{
	enum boot_reason why;
	boot_decide(b, bs);
	return boot_device_domain(bs, b, dd, &why);
}

static int has_line(const struct boot_state *bs, const char *s)
{
	for (int i = 0; i < bs->nlines; i++)
		if (!strcmp(bs->lines[i], s))
			return 1;
	return 0;
}

static int has_note(const struct boot_state *bs, enum boot_reason r)
{
	for (int i = 0; i < bs->nnotes; i++)
		if (bs->note_code[i] == r)
			return 1;
	return 0;
}

/* ---- invariant 23, row by row ---- */

Test(boot, row_iommu_off_by_intel_iommu_off_gives_none)
{
	struct boot_desc b = desc("intel_iommu=off");
	struct boot_state bs;
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_NONE);
	cr_assert_eq(bs.enabled, 0);
	cr_assert_eq(bs.why, BR_INTEL_OFF);
	cr_assert(has_line(&bs, "DMAR: IOMMU disabled"));
}

Test(boot, row_iommu_off_by_iommu_off_gives_none)
{
	struct boot_desc b = desc("iommu=off");
	struct boot_state bs;
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_NONE);
	cr_assert_eq(bs.why, BR_IOMMU_OFF);
}

Test(boot, row_iommu_off_by_default_on_unset_gives_none)
{
	struct boot_desc b = desc("");
	b.kconfig_default_on = 0;
	struct boot_state bs;
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_NONE);
	cr_assert_eq(bs.why, BR_DEFAULT_OFF);
}

Test(boot, row_no_dmar_table_gives_none)
{
	struct boot_desc b = desc("intel_iommu=on");
	b.firmware_vtd = 0;
	struct boot_state bs;
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_NONE);
	cr_assert_eq(bs.why, BR_NO_DMAR);
}

Test(boot, row_pt_gives_identity)
{
	struct boot_desc b = desc("iommu=pt");
	struct boot_state bs;
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_IDENTITY);
	cr_assert(has_line(&bs, "iommu: Default domain type: Passthrough (set via kernel command line)"));
	cr_assert_not(has_line(&bs, "iommu: DMA domain TLB invalidation policy: lazy mode"),
	              "no policy line for an identity default");
}

Test(boot, row_iommu_passthrough_1_is_the_same_as_pt)
{
	struct boot_desc b = desc("iommu.passthrough=1");
	struct boot_state bs;
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_IDENTITY);
}

Test(boot, row_no_options_gives_dma_fq)
{
	struct boot_desc b = desc("");
	struct boot_state bs;
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_DMA_FQ);
	cr_assert_eq(bs.enabled, 1);
	cr_assert_eq(bs.why, BR_DEFAULT_ON);
	cr_assert(has_line(&bs, "iommu: Default domain type: Translated"));
	cr_assert(has_line(&bs, "iommu: DMA domain TLB invalidation policy: lazy mode"));
	cr_assert_not(has_line(&bs, "DMAR: IOMMU enabled"), "printed only when intel_iommu=on is parsed");
}

Test(boot, row_strict_gives_dma)
{
	struct boot_desc b = desc("iommu.strict=1");
	struct boot_state bs;
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_DMA);
	cr_assert(has_line(
	    &bs, "iommu: DMA domain TLB invalidation policy: strict mode (set via kernel command line)"));
}

Test(boot, row_pt_plus_strict_gives_identity)
{
	struct boot_desc b = desc("iommu=pt iommu.strict=1");
	struct boot_state bs;
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_IDENTITY);
}

Test(boot, row_caching_mode_gives_strict_dma)
{
	struct boot_desc b = desc("");
	b.cap_cm = 1;
	struct boot_state bs;
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_DMA);
	cr_assert(has_line(&bs, "DMAR: IOMMU batching disallowed due to virtualization"));
}

/* ---- exceptions ---- */

Test(boot, untrusted_device_stays_translated_under_pt)
{
	struct boot_desc b = desc("intel_iommu=on iommu=pt");
	struct boot_state bs;
	cr_assert_eq(decide(&b, &untrusted, &bs), DOM_DMA);
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_IDENTITY);
}

Test(boot, pt_alone_does_not_enable_the_iommu_when_default_on_is_n)
{
	struct boot_desc b = desc("iommu=pt");
	b.kconfig_default_on = 0;
	struct boot_state bs;
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_NONE);
	cr_assert_eq(bs.enabled, 0);
	cr_assert(has_note(&bs, BR_PT_WITHOUT_IOMMU));
	b = desc("intel_iommu=on iommu=pt");
	b.kconfig_default_on = 0;
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_IDENTITY);
	cr_assert(has_line(&bs, "DMAR: IOMMU enabled"));
}

Test(boot, no_hardware_pass_through_gives_a_dma_domain)
{
	struct boot_desc b = desc("iommu=pt");
	b.ecap_pt = 0;
	struct boot_state bs;
	enum boot_reason why;
	boot_decide(&b, &bs);
	cr_assert_eq(boot_device_domain(&bs, &b, &trusted, &why), DOM_DMA_FQ);
	cr_assert_eq(why, BR_DEV_NO_HW_PT);
}

Test(boot, kconfig_passthrough_and_strict_are_the_defaults_the_cmdline_overrides)
{
	struct boot_desc b = desc("");
	b.kconfig_passthrough = 1;
	struct boot_state bs;
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_IDENTITY);
	cr_assert(has_line(&bs, "iommu: Default domain type: Passthrough"));
	b = desc("iommu=nopt");
	b.kconfig_passthrough = 1;
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_DMA_FQ);
	b = desc("");
	b.kconfig_lazy = 0;
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_DMA);
	cr_assert(has_line(&bs, "iommu: DMA domain TLB invalidation policy: strict mode"));
	b = desc("iommu.strict=0");
	b.kconfig_lazy = 0;
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_DMA_FQ);
}

/* ---- the parsers ---- */

Test(boot, iommu_eq_on_is_not_an_option_and_gets_a_warning)
{
	struct boot_desc b = desc("iommu=on");
	b.kconfig_default_on = 0;
	struct boot_state bs;
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_NONE, "iommu=on switches nothing on");
	cr_assert(bs.p.iommu_eq_on);
	cr_assert(has_note(&bs, BR_IOMMU_EQ_ON));
}

Test(boot, unknown_iommu_values_are_ignored_and_reported)
{
	struct boot_desc b = desc("iommu=debug");
	struct boot_state bs;
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_DMA_FQ);
	cr_assert(has_note(&bs, BR_UNKNOWN_IOMMU_OPT));
	b = desc("iommu=nomerge,usedac");
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_DMA_FQ);
	cr_assert_eq(bs.nnotes, 0, "known x86 values are not complained about");
}

Test(boot, iommu_strict_is_not_an_iommu_eq_value)
{
	struct boot_desc b = desc("iommu=strict");
	struct boot_state bs;
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_DMA_FQ, "E6: iommu=strict does nothing");
	cr_assert(has_note(&bs, BR_UNKNOWN_IOMMU_OPT));
}

Test(boot, intel_iommu_takes_a_comma_list_and_warns_about_strict)
{
	struct boot_desc b = desc("intel_iommu=on,strict,bogus");
	struct boot_state bs;
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_DMA);
	cr_assert(has_line(&bs, "DMAR: IOMMU enabled"));
	cr_assert(has_line(&bs, "DMAR: intel_iommu=strict deprecated; use iommu.strict=1 instead"));
	cr_assert(has_line(&bs, "DMAR: Unknown option - 'bogus'"));
}

Test(boot, kstrtobool_accepts_y_n_on_off_and_rejects_garbage)
{
	struct boot_desc b = desc("iommu.passthrough=y");
	struct boot_state bs;
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_IDENTITY);
	b = desc("iommu.passthrough=on iommu.passthrough=off");
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_DMA_FQ, "the last one wins");
	b = desc("iommu.strict=maybe");
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_DMA_FQ);
	cr_assert(has_line(&bs, "Malformed early option 'iommu.strict'"));
}

Test(boot, later_iommu_pt_and_passthrough_override_each_other)
{
	struct boot_desc b = desc("iommu=pt iommu.passthrough=0");
	struct boot_state bs;
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_DMA_FQ);
	b = desc("iommu.passthrough=0 iommu=pt");
	cr_assert_eq(decide(&b, &trusted, &bs), DOM_IDENTITY);
}

/* ---- on a machine ---- */

Test(boot, machine_boot_builds_tables_and_prints_the_lines)
{
	struct scenario sc;
	struct engine e;
	tu_start(&sc, &e,
	         "{\"format\":\"iommulab/1\",\"machine\":{\"cmdline\":\"intel_iommu=on iommu=pt\"},"
	         "\"devices\":[{\"name\":\"d0\",\"type\":\"dma-device\",\"bdf\":\"01:00.0\"},"
	         "{\"name\":\"tb\",\"type\":\"dma-device\",\"bdf\":\"02:00.0\",\"trusted\":false}],"
	         "\"steps\":[{\"do\":\"note\",\"say\":\"x\"}]}");
	cr_assert_not_null(e.m.iommu);
	cr_assert_eq(dma_dev_domain(&e.m, 0), DOM_IDENTITY);
	cr_assert_eq(dma_dev_domain(&e.m, 1), DOM_DMA);
	int boots = 0, lines = 0;
	for (uint64_t i = 0; i < e.m.trace.n; i++) {
		const struct ev *ev = &e.m.trace.ev[i];
		boots += ev->kind == EV_BOOT;
		if (ev->kind == EV_LOG) {
			const char *s = trace_get_str(&e.m.trace, ev->str);
			lines +=
			    !strcmp(s, "DMAR: IOMMU enabled") ||
			    !strcmp(
			        s, "iommu: Default domain type: Passthrough (set via kernel command line)") ||
			    !strcmp(s, "pci 0000:02:00.0: Adding to iommu group 1");
		}
	}
	cr_assert_geq(boots, 3, "the on/off decision and one per device");
	cr_assert_eq(lines, 3);
	engine_free(&e);
	scenario_free(&sc);
}

Test(boot, vfio_assignment_without_an_iommu_is_refused_with_the_reason)
{
	struct scenario sc;
	struct engine e;
	char *err = NULL;
	cr_assert_eq(
	    tu_load(&sc,
	            "{\"format\":\"iommulab/1\",\"machine\":{\"ram\":\"1GiB\",\"firmware\":{\"vtd\":false}},"
	            "\"vms\":[{\"name\":\"vm1\",\"ram\":[{\"gpa\":\"0x0\",\"size\":\"64MiB\",\"hpa\":"
	            "\"0x10000000\"}]}],"
	            "\"devices\":[{\"name\":\"d0\",\"type\":\"dma-device\",\"bdf\":\"01:00.0\",\"owner\":"
	            "\"vm1\"}],"
	            "\"steps\":[{\"do\":\"note\",\"say\":\"x\"}]}",
	            &err),
	    0, "%s", err ? err : "");
	cr_assert_neq(engine_init(&e, &sc, 1), 0);
	cr_assert(strstr(e.err, "no iommu_group found"), "%s", e.err);
	cr_assert(strstr(e.err, "no ACPI DMAR table"), "%s", e.err);
	engine_free(&e);
	scenario_free(&sc);
}
