#!/usr/bin/env bash
# Installs the Debian packages the portal needs, only those missing.
#   scripts/system-deps.sh run   -> CJK font and the libraries WeasyPrint renders with
#   scripts/system-deps.sh test  -> the above, plus chromium (browser tests) and poppler-utils
# As root it installs with apt-get; otherwise it says what to install and fails.
set -euo pipefail
mode=${1:-run}

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# A CJK font: without one, Chinese shows as boxes in PDFs and screenshots.
if ! fc-list 2>/dev/null | grep -qiE 'WenQuanYi|Noto Sans CJK|Noto Serif CJK'; then
  need+=(fonts-wqy-microhei fontconfig)
fi
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
