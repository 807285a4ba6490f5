#!/usr/bin/env bash
# Size regression check for pkg/: gzip -9 sizes of the wasm and the JS glue must stay
# within the budgets below (the achieved sizes plus a small margin). Lower the budgets
# when a change makes the package smaller; raise them only with a reason in the commit.
set -euo pipefail
cd "$(dirname "$0")/../.."
WASM_GZIP_BUDGET=66000   # achieved 65,103 B (2026-11-25, std rebuilt for size)
GLUE_GZIP_BUDGET=7500    # achieved ~7,000 B
wasm=$(gzip -9c pkg/sp_live_bg.wasm | wc -c)
glue=$(gzip -9c pkg/sp_live.js | wc -c)
passed=0 failed=0
check() { # name actual budget
  if [ "$2" -le "$3" ]; then echo "ok - $1: $2 B gzip -9 (budget $3)"; passed=$((passed + 1))
  else echo "not ok - $1: $2 B gzip -9 exceeds the budget of $3"; failed=$((failed + 1)); fi
}
check "pkg/sp_live_bg.wasm" "$wasm" "$WASM_GZIP_BUDGET"
check "pkg/sp_live.js" "$glue" "$GLUE_GZIP_BUDGET"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
