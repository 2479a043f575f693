#!/bin/sh
# netns6.sh COMMAND...: runs COMMAND in a new network namespace whose loopback
# also holds fd5e:0:0:1::2 to ::11 (16 addresses of one IPv6 /64), for the
# handshake limits' IPv6 case (test_net_drops prefix_flood_ipv6_64): the host's
# own loopback has only ::1. The namespace is removed after. Exits 77 (skipped)
# where namespaces cannot be made (not root, no iproute2, a kernel that refuses).
ns="sr6-$$"
command -v ip >/dev/null 2>&1 || { echo "skip: no ip command (Debian: iproute2)"; exit 77; }
ip netns add "$ns" 2>/dev/null || { echo "skip: cannot make a network namespace here (needs root)"; exit 77; }
trap 'ip netns del "$ns" 2>/dev/null' EXIT INT TERM
# Entering a namespace remounts /sys inside it, which fails where / is not a
# mount point (a chroot): the namespace exists but cannot be used. Skipped there.
ip -n "$ns" link show >/dev/null 2>&1 ||
  { echo "skip: network namespaces cannot be entered here (a chroot whose / is not a mount point?)"; exit 77; }
ip -n "$ns" link set lo up || exit 1
i=2
while [ $i -le 17 ]; do
  ip -n "$ns" -6 addr add "fd5e:0:0:1::$(printf %x $i)/64" dev lo nodad || { echo "skip: no IPv6 in the namespace"; exit 77; }
  i=$((i + 1))
done
ip netns exec "$ns" "$@"
