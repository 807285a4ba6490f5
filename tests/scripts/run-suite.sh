#!/usr/bin/env bash
# run-suite.sh NAME COMMAND...: runs one test suite, keeps its log in
# target/test-logs/NAME.log and records "NAME passed failed exit" for summary.sh.
set -uo pipefail
name=$1; shift
logs=target/test-logs
mkdir -p "$logs"
printf '\n==> suite %s: %s\n' "$name" "$*"
start=$(date +%s)
"$@" 2>&1 | tee "$logs/$name.log"
code=${PIPESTATUS[0]}
# cargo/libtest and wasm-bindgen-test: "test result: ok. 13 passed; 0 failed; ..."
# anything else: a final "N passed, M failed" line.
read -r passed failed < <(
  sed 's/\x1b\[[0-9;]*m//g' "$logs/$name.log" | awk '
    /test result:/ { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed;?$/) p += $(i-1); if ($(i) ~ /^failed;?$/) f += $(i-1) } found = 1; next }
    /^[A-Za-z]*:? *[0-9]+ passed, [0-9]+ failed/ { sub(/^[A-Za-z]*: */, ""); lp = $1; lf = $3; last = 1 }
    END { if (!found && last) { p = lp; f = lf } print p + 0, f + 0 }'
)
if [ "$code" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$name $passed $failed $code $(( $(date +%s) - start ))" >> "$logs/summary"
printf '==> suite %s: %s passed, %s failed (exit %s)\n' "$name" "$passed" "$failed" "$code"
exit "$code"
