/*
 * test_mmu.c — facts invariants 1–7: walk counts, fault precedence, exit
 * qualification bit 8, A/D bits, permission accumulation; the TLB.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ept.h"
#include "paging.h"
#include "testutil.h"

#define VM(extra, pages)                                                                                     \
	"{\"format\":\"iommulab/1\",\"machine\":{\"ram\":\"8GiB\"},\"vms\":[{\"name\":\"vm1\"," extra        \
	"\"ram\":[{\"gpa\":\"0x0\",\"size\":\"2GiB\",\"hpa\":\"0x80000000\"}],\"pages\":[" pages "]}],"

static struct step_report *run1(struct scenario *sc, struct engine *e, const char *json)
{
	tu_start(sc, e, json);
	engine_forward(e);
	return &e->reports[0];
}

static void done(struct scenario *sc, struct engine *e)
{
	engine_free(e);
	scenario_free(sc);
}

Test(walk, cold_native_walk_reads_4_entries_then_data)
{
	struct scenario sc;
	struct engine e;
	struct step_report *r =
	    run1(&sc, &e,
	         "{\"format\":\"iommulab/"
	         "1\",\"host\":{\"pages\":[{\"va\":\"0xffff888000200000\",\"pa\":\"0x200000\"}]},"
	         "\"steps\":[{\"do\":\"cpu.read\",\"va\":\"0xffff888000200008\"}]}");
	cr_assert_eq(r->r.walk_refs, 4);
	cr_assert_eq(tu_count(&e, r->r.first_seq, r->r.last_seq, EV_WALK_REF), 4);
	cr_assert_eq(tu_count(&e, r->r.first_seq, r->r.last_seq, EV_MEM_READ), 1);
	cr_assert_eq(r->r.hpa, 0x200008);
	done(&sc, &e);
}

Test(walk, cold_native_5_level_walk_reads_5_entries)
{
	struct scenario sc;
	struct engine e;
	struct step_report *r = run1(&sc, &e,
	                             "{\"format\":\"iommulab/"
	                             "1\",\"machine\":{\"paging\":5},\"host\":{\"pages\":[{\"va\":"
	                             "\"0xff11000000200000\",\"pa\":\"0x200000\"}]},"
	                             "\"steps\":[{\"do\":\"cpu.read\",\"va\":\"0xff11000000200008\"}]}");
	cr_assert_eq(r->r.walk_refs, 5);
	done(&sc, &e);
}

Test(ept, cold_nested_walk_reads_24_entries_in_hardware_order)
{
	struct scenario sc;
	struct engine e;
	struct step_report *r = run1(
	    &sc, &e,
	    VM("",
	       "{\"gva\":\"0x7f0000400000\",\"gpa\":\"0x2200000\"}") "\"steps\":[{\"do\":\"cpu.read\",\"vm\":"
	                                                             "\"vm1\",\"gva\":\"0x7f0000400010\"}]}");
	cr_assert_eq(r->r.walk_refs, 24);
	/* order: (4 EPT, 1 guest) x 4, then 4 EPT for the final GPA, then the data */
	int k = 0;
	const struct ev *ev = e.m.trace.ev;
	for (uint64_t i = r->r.first_seq; i < r->r.last_seq; i++) {
		if (ev[i].kind != EV_WALK_REF)
			continue;
		int expect_guest = (k % 5 == 4) && k < 20;
		cr_assert_eq(ev[i].walker, expect_guest ? WALKER_GUEST : WALKER_EPT, "ref %d", k + 1);
		if (!expect_guest)
			cr_assert_eq(ev[i].level, 4 - (k % 5), "ref %d level", k + 1);
		if (k >= 20)
			cr_assert(ev[i].flags & EVF_FINAL);
		k++;
	}
	cr_assert_eq(k, 24);
	cr_assert_eq(tu_count(&e, r->r.first_seq, r->r.last_seq, EV_MEM_READ), 1,
	             "24 references + 1 data access = 25");
	done(&sc, &e);
}

Test(ept, five_plus_five_reads_35_and_mixed_reads_29)
{
	struct scenario sc;
	struct engine e;
	struct step_report *r =
	    run1(&sc, &e,
	         VM("\"paging\":5,\"ept_levels\":5,",
	            "{\"gva\":\"0x1000\",\"gpa\":\"0x1000\"}") "\"steps\":[{\"do\":\"cpu.read\",\"vm\":"
	                                                       "\"vm1\",\"gva\":\"0x1000\"}]}");
	cr_assert_eq(r->r.walk_refs, 35);
	done(&sc, &e);
	r = run1(&sc, &e,
	         VM("\"paging\":5,",
	            "{\"gva\":\"0x1000\",\"gpa\":\"0x1000\"}") "\"steps\":[{\"do\":\"cpu.read\",\"vm\":"
	                                                       "\"vm1\",\"gva\":\"0x1000\"}]}");
	cr_assert_eq(r->r.walk_refs, 29, "5-level guest on 4-level EPT");
	done(&sc, &e);
	r = run1(&sc, &e,
	         VM("\"ept_levels\":5,",
	            "{\"gva\":\"0x1000\",\"gpa\":\"0x1000\"}") "\"steps\":[{\"do\":\"cpu.read\",\"vm\":"
	                                                       "\"vm1\",\"gva\":\"0x1000\"}]}");
	cr_assert_eq(r->r.walk_refs, 29, "4-level guest on 5-level EPT");
	done(&sc, &e);
}

Test(ept, large_pages_give_19_19_15_and_8)
{
	struct scenario sc;
	struct engine e;
	struct step_report *r = run1(
	    &sc, &e,
	    VM("",
	       "{\"gva\":\"0x200000\",\"gpa\":\"0x200000\",\"page\":\"2MiB\"}") "\"steps\":[{\"do\":\"cpu."
	                                                                        "read\",\"vm\":\"vm1\","
	                                                                        "\"gva\":\"0x200000\"}]}");
	cr_assert_eq(r->r.walk_refs, 19, "2 MiB guest leaf on 4-level EPT");
	done(&sc, &e);
	r = run1(&sc, &e,
	         VM("\"ept_page\":\"2MiB\",",
	            "{\"gva\":\"0x200000\",\"gpa\":\"0x200000\"}") "\"steps\":[{\"do\":\"cpu.read\",\"vm\":"
	                                                           "\"vm1\",\"gva\":\"0x200000\"}]}");
	cr_assert_eq(r->r.walk_refs, 19, "4-level guest on 2 MiB EPT leaves");
	done(&sc, &e);
	r = run1(&sc, &e,
	         VM("\"ept_page\":\"2MiB\",", "{\"gva\":\"0x200000\",\"gpa\":\"0x200000\",\"page\":"
	                                      "\"2MiB\"}") "\"steps\":[{\"do\":\"cpu.read\",\"vm\":\"vm1\","
	                                                   "\"gva\":\"0x200000\"}]}");
	cr_assert_eq(r->r.walk_refs, 15);
	done(&sc, &e);
	r = run1(&sc, &e,
	         VM("\"ept_page\":\"1GiB\",", "{\"gva\":\"0x40000000\",\"gpa\":\"0x40000000\",\"page\":"
	                                      "\"1GiB\"}") "\"steps\":[{\"do\":\"cpu.read\",\"vm\":\"vm1\","
	                                                   "\"gva\":\"0x40000000\"}]}");
	cr_assert_eq(r->r.walk_refs, 8);
	done(&sc, &e);
}

Test(faults, guest_pte_not_present_is_a_guest_pf_without_vm_exit)
{
	struct scenario sc;
	struct engine e;
	tu_start(&sc, &e,
	         VM("", "{\"gva\":\"0x1000\",\"gpa\":\"0x1000\"}") "\"steps\":[{\"do\":\"set\",\"table\":"
	                                                           "\"guest\",\"vm\":\"vm1\",\"gva\":"
	                                                           "\"0x1000\",\"field\":\"P\",\"value\":0},"
	                                                           "{\"do\":\"cpu.read\",\"vm\":\"vm1\","
	                                                           "\"gva\":\"0x1000\"}]}");
	engine_forward(&e);
	engine_forward(&e);
	struct step_report *r = &e.reports[1];
	cr_assert(r->r.fault.valid);
	cr_assert_eq(r->r.fault.unit, FU_MMU);
	cr_assert_eq(r->r.fault.error_code & PFEC_P, 0, "not present: error-code bit 0 = 0");
	cr_assert_eq(tu_count(&e, r->r.first_seq, r->r.last_seq, EV_VMEXIT), 0);
	done(&sc, &e);
}

static struct step_report *ept_leaf_then_read(struct scenario *sc, struct engine *e, const char *field,
                                              int value, const char *acc)
{
	char json[2048];
	snprintf(
	    json, sizeof json,
	    VM("", "{\"gva\":\"0x1000\",\"gpa\":\"0x5000\"}") "\"steps\":[{\"do\":\"set\",\"table\":\"ept\","
	                                                      "\"vm\":\"vm1\",\"gpa\":\"0x5000\",\"field\":"
	                                                      "\"%s\",\"value\":%d},"
	                                                      "{\"do\":\"%s\",\"vm\":\"vm1\",\"gva\":"
	                                                      "\"0x1000\"%s}]}",
	    field, value, acc, strcmp(acc, "cpu.write") ? "" : ",\"value\":1");
	tu_start(sc, e, json);
	engine_forward(e);
	engine_forward(e);
	return &e->reports[1];
}

Test(faults, ept_xwr_000_is_exit_48_and_010_110_or_bad_type_are_exit_49)
{
	struct scenario sc;
	struct engine e;
	struct step_report *r = ept_leaf_then_read(&sc, &e, "entry", 0, "cpu.read");
	cr_assert_eq(r->r.fault.exit_reason, EXIT_EPT_VIOLATION);
	done(&sc, &e);
	/* XWR = 110: clear R */
	r = ept_leaf_then_read(&sc, &e, "R", 0, "cpu.read");
	cr_assert_eq(r->r.fault.exit_reason, EXIT_EPT_MISCONFIG);
	done(&sc, &e);
	/* memory type 2, 3, 7 */
	for (int mt = 2; mt <= 7; mt += (mt == 3 ? 4 : 1)) {
		r = ept_leaf_then_read(&sc, &e, "MT", mt, "cpu.read");
		cr_assert_eq(r->r.fault.exit_reason, EXIT_EPT_MISCONFIG, "MT %d", mt);
		done(&sc, &e);
	}
	r = ept_leaf_then_read(&sc, &e, "MT", 0, "cpu.read");
	cr_assert_not(r->r.fault.valid, "UC (0) is a legal memory type");
	done(&sc, &e);
}

Test(faults, qualification_bit_8_tells_paging_entry_from_final_gpa)
{
	struct scenario sc;
	struct engine e;
	struct step_report *r = ept_leaf_then_read(&sc, &e, "entry", 0, "cpu.read");
	cr_assert(r->r.fault.qualification & EPTQ_FINAL, "data GPA: bit 8 = 1");
	cr_assert(r->r.fault.qualification & EPTQ_GLA);
	done(&sc, &e);
	tu_start(
	    &sc, &e,
	    VM("",
	       "{\"gva\":\"0x1000\",\"gpa\":\"0x5000\"}") "\"steps\":[{\"do\":\"set\",\"table\":\"ept\","
	                                                  "\"vm\":\"vm1\",\"gva\":\"0x1000\",\"guest_table_"
	                                                  "level\":2,\"field\":\"entry\",\"value\":0},"
	                                                  "{\"do\":\"cpu.read\",\"vm\":\"vm1\",\"gva\":"
	                                                  "\"0x1000\"}]}");
	engine_forward(&e);
	engine_forward(&e);
	r = &e.reports[1];
	cr_assert_eq(r->r.fault.exit_reason, EXIT_EPT_VIOLATION);
	cr_assert_eq(r->r.fault.qualification & EPTQ_FINAL, 0, "guest paging entry: bit 8 = 0");
	cr_assert_eq(r->r.fault.qualification & 7, EPTQ_READ);
	done(&sc, &e);
}

Test(ad, guest_write_sets_a_everywhere_and_d_on_the_leaf)
{
	struct scenario sc;
	struct engine e;
	tu_start(&sc, &e,
	         VM("", "{\"gva\":\"0x7f0000001000\",\"gpa\":\"0x5000\"}") "\"steps\":[{\"do\":\"cpu.write\","
	                                                                   "\"vm\":\"vm1\",\"gva\":"
	                                                                   "\"0x7f0000001000\",\"value\":7,"
	                                                                   "\"expect\":{\"entry\":{\"table\":"
	                                                                   "\"guest\",\"vm\":\"vm1\",\"gva\":"
	                                                                   "\"0x7f0000001000\",\"level\":1,"
	                                                                   "\"set\":[\"A\",\"D\"]}}}]}");
	cr_assert_eq(engine_forward(&e), 0, "%s", e.reports[0].diff);
	/* upper levels: A set, D untouched */
	for (int lvl = 2; lvl <= 4; lvl++) {
		uint64_t t = e.m.vms[0].cr3, ent = 0;
		for (int l = 4; l >= lvl; l--) {
			ent = mem_read64(&e.m.mem,
			                 vm_gpa_to_hpa(&e.m, 0, t + 8 * PX(l, 0x7f0000001000ull), NULL));
			t = ent & PTE_ADDR;
		}
		cr_assert(ent & PTE_A, "level %d A", lvl);
		cr_assert_not(ent & PTE_D, "level %d D is for leaves", lvl);
	}
	done(&sc, &e);
}

Test(ad, ept_ad_marks_data_leaf_and_guest_table_pages_dirty)
{
	struct scenario sc;
	struct engine e;
	tu_start(&sc, &e,
	         VM("\"ept_ad\":true,",
	            "{\"gva\":\"0x1000\",\"gpa\":\"0x5000\"}") "\"steps\":[{\"do\":\"cpu.write\",\"vm\":"
	                                                       "\"vm1\",\"gva\":\"0x1000\",\"value\":7,"
	                                                       "\"expect\":{\"entry\":{\"table\":\"ept\","
	                                                       "\"vm\":\"vm1\",\"gpa\":\"0x5000\",\"set\":["
	                                                       "\"A\",\"D\"]}}}]}");
	cr_assert_eq(engine_forward(&e), 0, "%s", e.reports[0].diff);
	cr_assert(e.m.vms[0].eptp & EPTP_AD);
	for (int gl = 1; gl <= 4; gl++) {
		/* the EPT leaf of each guest page-table page */
		uint64_t gpa = e.m.vms[0].cr3, t;
		for (int l = 4; l > gl; l--) {
			uint64_t ent =
			    mem_read64(&e.m.mem, vm_gpa_to_hpa(&e.m, 0, gpa + 8 * PX(l, 0x1000ull), NULL));
			gpa = ent & PTE_ADDR;
		}
		t = e.m.vms[0].ept_root;
		uint64_t ent = 0;
		for (int l = 4; l >= 1; l--) {
			ent = mem_read64(&e.m.mem, t + 8 * PX(l, gpa));
			t = ent & EPT_ADDR;
		}
		cr_assert(ent & EPT_D,
		          "EPT leaf of the guest level-%d table page: paging accesses count as writes", gl);
	}
	done(&sc, &e);
}

Test(perm, write_through_a_read_only_upper_level_faults_with_p_and_w)
{
	struct scenario sc;
	struct engine e;
	tu_start(
	    &sc, &e,
	    VM("", "{\"gva\":\"0x1000\",\"gpa\":\"0x5000\"}") "\"steps\":[{\"do\":\"set\",\"table\":"
	                                                      "\"guest\",\"vm\":\"vm1\",\"gva\":\"0x1000\","
	                                                      "\"level\":3,\"field\":\"RW\",\"value\":0},"
	                                                      "{\"do\":\"cpu.write\",\"vm\":\"vm1\",\"gva\":"
	                                                      "\"0x1000\",\"value\":1,\"mode\":"
	                                                      "\"supervisor\"}]}");
	engine_forward(&e);
	engine_forward(&e);
	struct step_report *r = &e.reports[1];
	cr_assert_eq(r->r.fault.unit, FU_MMU);
	cr_assert_eq(r->r.fault.error_code, PFEC_P | PFEC_W, "CR0.WP = 1: supervisor writes obey R/W too");
	done(&sc, &e);
}

Test(perm, ept_w0_at_an_upper_level_gives_exit_48_with_write_bit)
{
	struct scenario sc;
	struct engine e;
	tu_start(
	    &sc, &e,
	    VM("", "{\"gva\":\"0x1000\",\"gpa\":\"0x5000\"}") "\"steps\":[{\"do\":\"set\",\"table\":\"ept\","
	                                                      "\"vm\":\"vm1\",\"gpa\":\"0x5000\",\"level\":3,"
	                                                      "\"field\":\"W\",\"value\":0},"
	                                                      "{\"do\":\"cpu.write\",\"vm\":\"vm1\",\"gva\":"
	                                                      "\"0x1000\",\"value\":1}]}");
	engine_forward(&e);
	engine_forward(&e);
	struct step_report *r = &e.reports[1];
	cr_assert_eq(r->r.fault.exit_reason, EXIT_EPT_VIOLATION);
	cr_assert(r->r.fault.qualification & EPTQ_WRITE);
	cr_assert_eq((r->r.fault.qualification >> 3) & 7, 5, "allowed = R|X (W cleared at level 3)");
	done(&sc, &e);
}

Test(tlb, hit_reads_nothing_and_invept_drops_the_vms_entries)
{
	struct scenario sc;
	struct engine e;
	tu_start(
	    &sc, &e,
	    VM("", "{\"gva\":\"0x1000\",\"gpa\":\"0x5000\"}") "\"steps\":[{\"do\":\"cpu.read\",\"vm\":"
	                                                      "\"vm1\",\"gva\":\"0x1000\"},{\"do\":\"cpu."
	                                                      "read\",\"vm\":\"vm1\",\"gva\":\"0x1008\"},"
	                                                      "{\"do\":\"tlb.flush\",\"kind\":\"invept\","
	                                                      "\"vm\":\"vm1\"},{\"do\":\"cpu.read\",\"vm\":"
	                                                      "\"vm1\",\"gva\":\"0x1010\"}]}");
	for (int i = 0; i < 4; i++)
		engine_forward(&e);
	cr_assert_eq(e.reports[0].r.tlb, 2);
	cr_assert_eq(e.reports[1].r.tlb, 1);
	cr_assert_eq(e.reports[1].r.walk_refs, 0);
	cr_assert_eq(e.reports[3].r.tlb, 2);
	cr_assert_eq(e.reports[3].r.walk_refs, 24);
	done(&sc, &e);
}

Test(memory, one_tib_declared_touches_only_what_is_used)
{
	struct scenario sc;
	struct engine e;
	tu_start(&sc, &e,
	         "{\"format\":\"iommulab/1\",\"machine\":{\"ram\":\"1TiB\"},"
	         "\"host\":{\"pages\":[{\"va\":\"0xffff888000000000\",\"pa\":\"0xff00000000\"}]},"
	         "\"steps\":[{\"do\":\"cpu.write\",\"va\":\"0xffff888000000000\",\"value\":1}]}");
	engine_forward(&e);
	cr_assert_eq(e.reports[0].r.hpa, 0xff00000000ull);
	cr_assert_lt(e.m.mem.used, 16, "a handful of frames: page tables + one data page (%llu)",
	             (unsigned long long)e.m.mem.used);
	done(&sc, &e);
}

Test(expect, addresses_in_expectations_may_name_bound_values)
{
	struct scenario sc;
	struct engine e;
	tu_start(&sc, &e,
	         "{\"format\":\"iommulab/"
	         "1\",\"host\":{\"pages\":[{\"va\":\"0xffff888000100000\",\"pa\":\"0x100000\"}]},"
	         "\"steps\":[{\"do\":\"cpu.write\",\"va\":\"0xffff888000100000\",\"value\":\"0x100040\"},"
	         "{\"do\":\"cpu.read\",\"va\":\"0xffff888000100000\",\"as\":\"p\"},"
	         "{\"do\":\"cpu.read\",\"va\":\"0xffff888000100000\",\"expect\":{\"value\":\"$p\",\"hpa\":\"$"
	         "p+0xffffffffffffffc0\","
	         "\"memory\":{\"hpa\":\"$p+0xffffffffffffffc0\",\"bytes\":\"40 00 10\"}}},"
	         "{\"do\":\"cpu.read\",\"va\":\"0xffff888000100000\",\"expect\":{\"value\":\"$p+1\"}}]}");
	cr_assert_eq(engine_forward(&e), 0);
	cr_assert_eq(engine_forward(&e), 0);
	cr_assert_eq(engine_forward(&e), 0, "%s", e.reports[2].diff);
	cr_assert_eq(engine_forward(&e), 1, "value $p+1 does not hold");
	cr_assert(strstr(e.reports[3].diff, "expected value 0x100041, got 0x100040"), "%s",
	          e.reports[3].diff);
	engine_free(&e);
	scenario_free(&sc);
}

Test(expect, a_cpu_load_of_a_device_owned_streaming_buffer_is_flagged)
{
	struct scenario sc;
	struct engine e;
	/* the host kernel's direct map (as Linux's 0xffff888000000000) covers host RAM */
	tu_start(&sc, &e,
	         "{\"format\":\"iommulab/"
	         "1\",\"host\":{\"pages\":[{\"va\":\"0xffff888000000000\",\"pa\":\"0x0\",\"size\":\"256MiB\","
	         "\"page\":\"2MiB\"}]},"
	         "\"devices\":[{\"name\":\"dev0\",\"type\":\"dma-device\",\"bdf\":\"01:00.0\"}],"
	         "\"steps\":[{\"do\":\"kmem.alloc\",\"device\":\"dev0\",\"size\":4096,\"as\":\"buf\"},"
	         "{\"do\":\"dma.map\",\"device\":\"dev0\",\"addr\":\"$buf\",\"size\":4096,\"dir\":\"from_"
	         "device\",\"as\":\"h\"},"
	         "{\"do\":\"cpu.read\",\"va\":\"$buf+0xffff888000000000\",\"expect\":{\"events\":{\"dma."
	         "misuse\":1}}},"
	         "{\"do\":\"dma.unmap\",\"device\":\"dev0\",\"handle\":\"$h\",\"size\":4096,\"dir\":\"from_"
	         "device\"},"
	         "{\"do\":\"cpu.read\",\"va\":\"$buf+0xffff888000000000\",\"expect\":{\"events\":{\"dma."
	         "misuse\":0}}}]}");
	for (int i = 0; i < 5; i++)
		cr_assert_eq(engine_forward(&e), 0, "step %d: %s", i + 1, e.reports[i].diff);
	engine_free(&e);
	scenario_free(&sc);
}

Test(tlb, invept_drops_one_vms_entries_and_counts_them)
{
	struct scenario sc;
	struct engine e;
	tu_start(&sc, &e,
	         "{\"format\":\"iommulab/1\",\"machine\":{\"ram\":\"512MiB\"},\"vms\":["
	         "{\"name\":\"a\",\"ram\":[{\"gpa\":\"0x0\",\"size\":\"32MiB\",\"hpa\":\"0x4000000\"}],"
	         "\"pages\":[{\"gva\":\"0x10000\",\"gpa\":\"0x10000\",\"size\":\"12KiB\"}]},"
	         "{\"name\":\"b\",\"ram\":[{\"gpa\":\"0x0\",\"size\":\"32MiB\",\"hpa\":\"0x8000000\"}],"
	         "\"pages\":[{\"gva\":\"0x10000\",\"gpa\":\"0x10000\"}]}],"
	         "\"steps\":[{\"do\":\"cpu.read\",\"vm\":\"a\",\"gva\":\"0x10000\"},{\"do\":\"cpu.read\","
	         "\"vm\":\"a\",\"gva\":\"0x11000\"},"
	         "{\"do\":\"cpu.read\",\"vm\":\"a\",\"gva\":\"0x12000\"},{\"do\":\"cpu.read\",\"vm\":\"b\","
	         "\"gva\":\"0x10000\"},"
	         "{\"do\":\"tlb.flush\",\"kind\":\"invept\",\"vm\":\"a\"},"
	         "{\"do\":\"cpu.read\",\"vm\":\"b\",\"gva\":\"0x10008\",\"expect\":{\"tlb\":\"hit\",\"hpa\":"
	         "\"0x8010008\"}},"
	         "{\"do\":\"cpu.read\",\"vm\":\"a\",\"gva\":\"0x11008\",\"expect\":{\"tlb\":\"miss\",\"walk_"
	         "refs\":24,\"hpa\":\"0x4011008\"}},"
	         "{\"do\":\"tlb.flush\",\"kind\":\"all\"}]}");
	for (int i = 0; i < 8; i++)
		cr_assert_eq(engine_forward(&e), 0, "step %d: %s", i + 1, e.reports[i].diff);
	const struct ev *fl = NULL;
	for (uint64_t i = e.reports[4].r.first_seq; i < e.reports[4].r.last_seq; i++)
		if (e.m.trace.ev[i].kind == EV_TLB_FLUSH)
			fl = &e.m.trace.ev[i];
	cr_assert(fl);
	cr_assert_eq(fl->len, 3, "vm a had 3 pages cached");
	for (uint64_t i = e.reports[7].r.first_seq; i < e.reports[7].r.last_seq; i++)
		if (e.m.trace.ev[i].kind == EV_TLB_FLUSH)
			fl = &e.m.trace.ev[i];
	cr_assert_eq(fl->len, 2, "b's page and a's refilled page");
	engine_free(&e);
	scenario_free(&sc);
}
