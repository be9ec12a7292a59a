#!/usr/bin/env bash
# Builds PlintoMFAFFI.xcframework next to Package.swift: the Rust core as a static library for
# iOS devices, the iOS simulator (arm64 + x86_64) and macOS (arm64 + x86_64), with the C
# header and module map that uniffi generated (include/). Then `swift build` works on the
# package, and apps add it with Xcode's "Add Package Dependencies…" (local path).
#
# Needs macOS with Xcode (xcodebuild, lipo) and rustup. Usage:
#   bindings-swift/build-xcframework.sh            # release build (what an app ships)
#   PROFILE=dev bindings-swift/build-xcframework.sh
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
profile="${PROFILE:-release}"
out_profile="$([ "$profile" = dev ] && echo debug || echo "$profile")"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
lib=libplinto_mfa.a
work="$target_dir/xcframework"

if [ "$(uname -s)" != Darwin ]; then
  echo "build-xcframework.sh needs macOS with Xcode" >&2
  exit 1
fi

ios=(aarch64-apple-ios)
sim=(aarch64-apple-ios-sim x86_64-apple-ios)
mac=(aarch64-apple-darwin x86_64-apple-darwin)
rustup target add "${ios[@]}" "${sim[@]}" "${mac[@]}"

# The crate builds a cdylib by default (for the JVM and the generator); Apple platforms link
# a static library, asked for here.
for t in "${ios[@]}" "${sim[@]}" "${mac[@]}"; do
  echo "== $t"
  cargo rustc --manifest-path "$root/Cargo.toml" -p plinto-mfa-uniffi --lib --no-default-features \
    --profile "$profile" --target "$t" --crate-type staticlib
done

rm -rf "$work" "$here/PlintoMFAFFI.xcframework"
mkdir -p "$work/headers" "$work/ios" "$work/sim" "$work/mac"
# Both FFI modules (the engine's and core's types') in one framework: their headers, and one
# module map declaring both.
cp "$here"/include/*.h "$work/headers/"
cat "$here"/include/*.modulemap > "$work/headers/module.modulemap"

fat() { # fat OUT_DIR TARGET...
  local dir="$1"; shift
  local inputs=()
  for t in "$@"; do inputs+=("$target_dir/$t/$out_profile/$lib"); done
  lipo -create "${inputs[@]}" -output "$dir/$lib"
}
fat "$work/ios" "${ios[@]}"
fat "$work/sim" "${sim[@]}"
fat "$work/mac" "${mac[@]}"

xcodebuild -create-xcframework \
  -library "$work/ios/$lib" -headers "$work/headers" \
  -library "$work/sim/$lib" -headers "$work/headers" \
  -library "$work/mac/$lib" -headers "$work/headers" \
  -output "$here/PlintoMFAFFI.xcframework"

echo "built $here/PlintoMFAFFI.xcframework"
echo "check it: (cd '$here' && swift build)"
