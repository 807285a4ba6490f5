#!/usr/bin/env bash
# Prints every suite's counts and the closing "N passed, M failed" line; fails if
# any suite failed.
set -uo pipefail
file=target/test-logs/summary
[ -f "$file" ] || { echo "no suites ran"; echo "0 passed, 1 failed"; exit 1; }
echo
printf '%-14s %8s %8s %6s %8s\n' suite passed failed exit seconds
awk '{ printf "%-14s %8s %8s %6s %8s\n", $1, $2, $3, $4, $5 }' "$file"
read -r passed failed bad < <(awk '{ p += $2; f += $3; if ($4 != 0) b++ } END { print p + 0, f + 0, b + 0 }' "$file")
echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$bad" -eq 0 ]
