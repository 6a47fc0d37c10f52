#!/usr/bin/env bash
# Set up a fresh machine for development and tests: Debian packages (LibreOffice, CJK fonts,
# poppler, Chromium) when missing, then a virtualenv in .venv with the package and its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
command -v soffice >/dev/null 2>&1 || packages+=(libreoffice-calc libreoffice-writer)
command -v pdftoppm >/dev/null 2>&1 || packages+=(poppler-utils)
command -v chromium >/dev/null 2>&1 || packages+=(chromium)  # browser tests of `xxgk serve`
# PostgreSQL for the report library's tests (a throwaway server each run; the Debian package's
# `postgres` user runs it, since PostgreSQL refuses to run as root).
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || packages+=(postgresql)
if ! { command -v fc-list >/dev/null 2>&1 && fc-list :lang=zh | grep -q .; }; then
  packages+=(fontconfig fonts-noto-cjk fonts-arphic-ukai fonts-arphic-uming fonts-wqy-zenhei)
fi
if [ ${#packages[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "安装系统软件包：${packages[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi

# Font stand-ins for previews (仿宋/楷体/黑体/小标宋 → free CJK fonts); harmless elsewhere.
mkdir -p "$HOME/.config/fontconfig/conf.d"
cp scripts/fonts.conf "$HOME/.config/fontconfig/conf.d/60-xxgk-gongwen.conf"

python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
