/*
 * lsan_check.h — make leaks fail a Criterion test.
 *
 * Criterion runs each test in a child process; LeakSanitizer's report at
 * exit does not fail the test by itself (toolchain.md). LSAN_CHECK()
 * asks LeakSanitizer for a recoverable check right now, inside the test
 * body: it returns non-zero when leaks were found (and prints them), and
 * the test then fails with cr_assert. Without ASan it does nothing.
 *
 *   Test(hostile, x) { ...; scenario_free(&sc); LSAN_CHECK(); }
 *
 * Leaks inside Graphviz, fontconfig, pango and SDL drivers are ignored
 * through tests/lsan.supp (LSAN_OPTIONS=suppressions=…, set by `make asan`).
 *
 * The __has_feature test is nested: `defined(__has_feature) &&
 * __has_feature(x)` on one line breaks gcc's preprocessor.
 */
#ifndef IOMMULAB_LSAN_CHECK_H
#define IOMMULAB_LSAN_CHECK_H

#if defined(__SANITIZE_ADDRESS__)
#define IOMMULAB_HAVE_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define IOMMULAB_HAVE_LSAN 1
#endif
#endif

#ifdef IOMMULAB_HAVE_LSAN
#include <sanitizer/lsan_interface.h>
#define lsan_leaks_now() __lsan_do_recoverable_leak_check()
#else
#define lsan_leaks_now() 0
#endif

#define LSAN_CHECK() cr_assert_eq(lsan_leaks_now(), 0, "LeakSanitizer found leaks (see the report above)")

#endif
