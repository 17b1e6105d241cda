#!/usr/bin/env bash
# valgrind.sh — every shipped scenario and lesson under valgrind (memcheck):
# zero errors and zero definite leaks, or the script fails.
#
#   tests/valgrind.sh [BUILD_DIR]          (default: build; needs BUILD_DIR/iommulab)
#   JOBS=2 tests/valgrind.sh build         (files in parallel)
#
# Not in CI: ~20–50x slower than a normal run (a few minutes for the
# NIC workloads). Uses the dummy SDL video driver like the tests do.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
BIN=$BUILD/iommulab
JOBS=${JOBS:-2}
[ -x "$BIN" ] || { echo "valgrind.sh: $BIN not found (build first: make build)" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
export SDL_VIDEODRIVER=dummy
LOGDIR=$(mktemp -d /tmp/iommulab-valgrind.XXXXXX)
one() {
	f=$1
	log=$LOGDIR/$(basename "$(dirname "$f")")-$(basename "$f" .json).log
	start=$(date +%s)
	valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
		--show-leak-kinds=definite --trace-children=yes --log-file="$log" \
		"$BIN" run --quiet "$f" >/dev/null 2>>"$log.stderr"
	rc=$?
	errs=$(grep -Eo 'ERROR SUMMARY: [0-9]+' "$log" | tail -1 | grep -Eo '[0-9]+$')
	def=$(grep -Eo 'definitely lost: [0-9,]+ bytes' "$log" | tail -1 | grep -Eo '[0-9,]+' | head -1)
	printf '%-50s exit %-3s errors %-3s definitely lost %-8s %4ss\n' "$f" "$rc" "${errs:-?}" "${def:-0}" $(( $(date +%s) - start ))
	# exit 0/1 are the program's own results; 99 = valgrind found errors
	[ "$rc" != 99 ] && [ "${errs:-1}" = 0 ]
}
export -f one
export BIN LOGDIR
files=$(ls scenarios/*.json lessons/*.json 2>/dev/null | grep -v -e '/schema.json$' -e '/registry.json$')
printf '%s\n' $files | xargs -P "$JOBS" -I{} bash -c 'one {}' > "$LOGDIR/summary.txt"
status=$?
sort "$LOGDIR/summary.txt"
bad=$(grep -cv ' errors 0 ' "$LOGDIR/summary.txt")
echo "valgrind: $(wc -l < "$LOGDIR/summary.txt") files, $bad with errors; logs in $LOGDIR"
[ $status = 0 ] && [ "$bad" = 0 ]
