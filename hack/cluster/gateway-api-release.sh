#!/usr/bin/env bash
# Writes the Gateway API release's standard-install.yaml under DIR, at the path of its
# GitHub download, rebuilt from the checksummed Go module with upstream's recipe
# (hack/build-install-yaml.sh: the boilerplate with the release's year, a header, then each
# standard CRD). CI cannot reach GitHub; scripts/ingress.py then checks these bytes against
# the SHA-256 that versions.env pins for the real download.
set -euo pipefail
dir=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../versions.env"
# v1.4.0 was released in 2025: the year its boilerplate carries.
year=2025
out="$dir/kubernetes-sigs/gateway-api/releases/download/v$GATEWAY_API_VERSION/standard-install.yaml"
[ -f "$out" ] && exit 0
module=$(cd "$here/../tools/traefik" && go mod download -json "sigs.k8s.io/gateway-api@v$GATEWAY_API_VERSION" |
         python3 -c 'import json, sys; print(json.load(sys.stdin)["Dir"])')
mkdir -p "$(dirname "$out")"
{
  sed "s/YEAR/$year/g" "$module/hack/boilerplate/boilerplate.sh.txt"
  printf '#\n# Gateway API Standard channel install\n#\n'
  for file in "$module"/config/crd/standard/gateway*.yaml; do
    printf -- '---\n#\n# %s\n#\n' "config/crd/standard/${file##*/}"
    cat "$file"
  done
} >"$out"
