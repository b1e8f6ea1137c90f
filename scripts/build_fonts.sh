#!/usr/bin/env bash
# Rebuild handout/fonts/ from Debian's packages and verify the files match the committed ones.
# Usage: scripts/build_fonts.sh   (needs root for apt-get, or the packages already installed)
#
# Every font is copied unmodified (no subsetting, no conversion; ReportLab subsets each font per PDF).
# NanumGothic must stay unmodified: its OFL licence reserves the font names, so a subset would have
# to be renamed. The licence texts next to the fonts are committed; see handout/fonts/README.md.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/handout/fonts"
packages=(fonts-noto-core fonts-droid-fallback fonts-nanum)
missing=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ((${#missing[@]})); then
  apt-get update -qq && apt-get install -y -qq "${missing[@]}"
fi
copy() {  # copy SOURCE_DIR FILE...
  local src="$1"
  shift
  for f in "$@"; do
    cp "$src/$f" "$dest/$f"
  done
}
copy /usr/share/fonts/truetype/noto \
  NotoSans-Regular.ttf NotoSans-Bold.ttf NotoSans-Italic.ttf NotoSans-BoldItalic.ttf \
  NotoSansArabic-Regular.ttf NotoSansArabic-Bold.ttf \
  NotoSansDevanagari-Regular.ttf NotoSansDevanagari-Bold.ttf
copy /usr/share/fonts/truetype/droid DroidSansFallbackFull.ttf
copy /usr/share/fonts/truetype/nanum NanumGothic.ttf NanumGothicBold.ttf
cd "$dest"
# The README records the checksums of the files we ship; a different Debian release may differ.
sed -n '/^```$/,/^```$/p' README.md | grep -E '^[0-9a-f]{64} ' | sha256sum --check
