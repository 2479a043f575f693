#!/usr/bin/env bash
# The dependency direction of docs/architecture.md, checked: tools -> node -> net -> store -> core.
# A folder may include only itself and the folders to its right; core/ and store/
# never include libuv, core/ never LMDB.
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
bad=0
allowed() { # folder -> allowed include prefixes
  case $1 in
    core) echo "core" ;;
    store) echo "core store" ;;
    net) echo "core store net" ;;
    node) echo "core store net node" ;;
    tools) echo "core store net node tools" ;;
  esac
}
for dir in core store net node tools; do
  ok=$(allowed $dir)
  while IFS= read -r line; do
    file=${line%%:*}
    inc=$(sed -E 's/.*#include *"([a-z]+)\/.*/\1/' <<<"$line")
    case " $ok " in *" $inc "*) ;; *) echo "layering: $file includes $inc/ (not allowed from $dir/)"; bad=1 ;; esac
  done < <(grep -rHE '#include *"[a-z]+/' "$root/$dir" --include='*.[ch]')
done
if grep -rlE '#include *<(uv|lmdb)\.h>' "$root/core" --include='*.[ch]'; then echo "layering: core/ includes uv.h or lmdb.h"; bad=1; fi
if grep -rlE '#include *<uv\.h>' "$root/store" --include='*.[ch]'; then echo "layering: store/ includes uv.h"; bad=1; fi
# Every transaction passes the store's gate (store/store_internal.h): only
# store/store.c may begin, commit or abort an LMDB transaction, or resize the map.
if grep -rnE '(mdb_txn_(begin|commit|abort|reset|renew)|mdb_env_set_mapsize) *\(' "$root/core" "$root/store" "$root/net" \
     "$root/node" "$root/tools" --include='*.[ch]' | grep -v "^$root/store/store\.c:"; then
  echo "layering: an LMDB transaction or resize outside store/store.c bypasses the gate (use sr_store_txn_begin/_commit/_abort)"
  bad=1
fi
[ $bad -eq 0 ] && echo "layering ok"
exit $bad
