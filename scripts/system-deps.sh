#!/usr/bin/env bash
# Installs the Debian packages the portal needs, only those missing.
#   scripts/system-deps.sh run   -> CJK font and the libraries WeasyPrint renders with
#   scripts/system-deps.sh test  -> the above, plus chromium (browser tests) and poppler-utils
# As root it installs with apt-get; otherwise it says what to install and fails.
set -euo pipefail
mode=${1:-run}

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# CJK fonts: without one, Chinese shows as boxes in PDFs and screenshots. The official
# documents (GB/T 9704-2012, portal/documents) use the nearest free faces: Noto Serif CJK
# SC for 宋体/小标宋 (title, mark, and the body in place of 仿宋, which no Debian package
# has for simplified Chinese), Noto Sans CJK SC for 黑体, AR PL UKai for 楷体; WenQuanYi
# Micro Hei stays the fallback. PORTAL_PDF_FONT_* name other installed faces.
have_pkg fonts-wqy-microhei || need+=(fonts-wqy-microhei)
have_pkg fonts-noto-cjk || need+=(fonts-noto-cjk)
have_pkg fonts-arphic-ukai || need+=(fonts-arphic-ukai)
command -v fc-list >/dev/null 2>&1 || need+=(fontconfig)
for pkg in libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0; do
  have_pkg "$pkg" || need+=("$pkg")
done
if [ "$mode" = test ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
  command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
fi

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${need[*]}" >&2
  echo "Install them with:  sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fc-cache -f >/dev/null 2>&1 || true
