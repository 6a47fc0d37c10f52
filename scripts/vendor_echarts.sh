#!/usr/bin/env bash
# Vendor Apache ECharts for the dashboard (converter/web/static/vendor/): the built file from the npm
# package, with its licence and notice. The page loads nothing from another host, so the chart library
# is served from the package itself. Run by hand to move to another version: scripts/vendor_echarts.sh 6.1.0
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-6.1.0}"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
(cd "$scratch" && npm pack --silent "echarts@$version" >/dev/null && tar xzf echarts-*.tgz)
target=converter/web/static/vendor
cp "$scratch/package/dist/echarts.min.js" "$target/echarts.min.js"
cp "$scratch/package/LICENSE" "$target/echarts-LICENSE.txt"
cp "$scratch/package/NOTICE" "$target/echarts-NOTICE.txt"
cp "$scratch/package/licenses/LICENSE-d3" "$target/echarts-LICENSE-d3.txt"
echo "echarts@$version" > "$target/echarts-VERSION.txt"
