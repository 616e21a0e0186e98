#!/usr/bin/env bash
# Fails when a tracked C++ file differs from clang-format's Google style
# (.clang-format at the root). Fix with: clang-format -i <files>
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mapfile -t files < <(git ls-files '*.cc' '*.h' 2>/dev/null || find common services tools tests -name '*.cc' -o -name '*.h')
clang-format --dry-run --Werror "${files[@]}"
echo "clang-format: ${#files[@]} files clean"
