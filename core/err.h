/* err.h: Seurone's error convention.
 *
 * Every function that can fail returns int: 0 (or a count) on success, one of the
 * negative SR_E* codes below on failure. sr_strerror() turns a code into a sentence
 * for people; sr_errname() into a stable token for programs and logs.
 * Codes are grouped by module; never renumber one, only append.
 */
#ifndef SR_ERR_H
#define SR_ERR_H

#define SR_ERR_LIST(X)                                                                                                                             \
  /* generic */                                                                                                                                    \
  X(SR_ENOMEM, -1, "out of memory")                                                                                                                \
  X(SR_EINVAL, -2, "invalid argument")                                                                                                             \
  X(SR_EIO, -3, "input/output error")                                                                                                              \
  X(SR_ENOTFOUND, -4, "not found")                                                                                                                 \
  X(SR_EEXIST, -5, "already exists")                                                                                                               \
  X(SR_ECRYPTO, -6, "cryptographic operation failed")                                                                                              \
  X(SR_EPERM, -7, "file permissions are too open")                                                                                                 \
  X(SR_ETOOBIG, -8, "value too large")                                                                                                             \
  /* canonical msgpack (core/canon) */                                                                                                             \
  X(SR_ETRUNC, -20, "msgpack: truncated input")                                                                                                    \
  X(SR_ETRAILING, -21, "msgpack: trailing bytes after the value")                                                                                  \
  X(SR_ENONSHORT, -22, "msgpack: integer or length not in its shortest encoding")                                                                  \
  X(SR_EKEYORDER, -23, "msgpack: map keys not sorted bytewise")                                                                                    \
  X(SR_EKEYDUP, -24, "msgpack: duplicate map key")                                                                                                 \
  X(SR_EKEYTYPE, -25, "msgpack: map key is not a string")                                                                                          \
  X(SR_EUTF8, -26, "msgpack: string is not valid UTF-8")                                                                                           \
  X(SR_EFLOAT, -27, "msgpack: floats are not allowed")                                                                                             \
  X(SR_EEXT, -28, "msgpack: ext types are not allowed")                                                                                            \
  X(SR_EDEPTH, -29, "msgpack: nesting deeper than 8")                                                                                              \
  X(SR_ENEVERUSED, -30, "msgpack: reserved type byte 0xc1")                                                                                        \
  X(SR_ESIGNED, -31, "msgpack: non-negative integer in a signed encoding")                                                                         \
  /* entries (core/entry.c, core/rules.c, core/content.c) */                                                                                       \
  X(SR_EENTRYSIZE, -40, "entry larger than 16 KiB")                                                                                                \
  X(SR_ESHAPE, -41, "entry does not have the shape [body, sig]")                                                                                   \
  X(SR_EBODYSHAPE, -42, "entry body does not have the shape [1, author, seq, prev, ts, type, content]")                                            \
  X(SR_EVERSION, -43, "unknown entry version")                                                                                                     \
  X(SR_ESIG, -44, "bad signature")                                                                                                                 \
  X(SR_ESEQ, -45, "seq does not follow the author's head")                                                                                         \
  X(SR_EPREV, -46, "prev does not match the id of the author's previous entry")                                                                    \
  X(SR_EFUTURE, -47, "timestamp more than 10 minutes in the future")                                                                               \
  X(SR_ETYPE, -48, "type is empty or longer than 32 bytes")                                                                                        \
  X(SR_ECONTENT, -49, "content does not match its type's schema")                                                                                  \
  X(SR_EFORK, -50, "fork: another entry with the same author and seq exists")                                                                      \
  X(SR_EGAP, -51, "an earlier entry of this author is missing")                                                                                    \
  X(SR_EFORKED, -52, "author is forked; its log is no longer replicated")                                                                          \
  X(SR_EDUP, -53, "duplicate entry")                                                                                                               \
  X(SR_EBLOCKED, -54, "author is blocked")                                                                                                         \
  X(SR_ESELFFORK, -55, "another copy of this identity published: this node stopped publishing (see `seurone fork`)")                               \
  X(SR_EBADPROOF, -56, "fork proof: the two entries are not two entries of one author with one seq")                                               \
  X(SR_EREVOKED, -57, "this device was revoked by its person; its later entries are not accepted")                                                 \
  /* store (store/) */                                                                                                                             \
  X(SR_ESTORE, -70, "store: LMDB error")                                                                                                           \
  X(SR_ESTOREVER, -71, "store: unknown store format version")                                                                                      \
  X(SR_ENOSTORE, -72, "store: no store in this home directory")                                                                                    \
  X(SR_ENOKEY, -73, "no identity in this home directory")                                                                                          \
  X(SR_EKEYFILE, -74, "secret key file is malformed")                                                                                              \
  X(SR_EIDENTITY, -75, "the key file and the store belong to different identities")                                                                \
  X(SR_EPASSPHRASE, -76, "wrong passphrase for the secret key file")                                                                               \
  X(SR_ENEEDPASS, -77, "the secret key file is sealed with a passphrase, and none was given")                                                      \
  X(SR_ECOPIED, -78,                                                                                                                               \
    "this home is a copy (another machine or directory): it publishes nothing until `seurone device claim`")                                       \
  X(SR_ERESTORING, -79,                                                                                                                            \
    "this home was restored from a backup: it publishes nothing until it has fetched its own latest entry from a peer (see `seurone status`)")     \
  X(SR_EBACKUP, -80, "backup file is damaged, truncated or not a seurone backup")                                                                  \
  X(SR_EPAPER, -81, "paper key does not check: a character is wrong, missing or swapped")                                                          \
  /* BEGIN net codes (owned by the net/ handshake work) */                                                                                         \
  X(SR_EHSNETKEY, -100,                                                                                                                            \
    "handshake: first message not made with our network key (wrong network or not SHS); closed silently")                                          \
  X(SR_EHSSERVERKEY, -101, "handshake: server reply not made with our network key")                                                                \
  X(SR_EHSCLIENTAUTH, -102,                                                                                                                        \
    "handshake: client failed to authenticate (it dialled another server key, or forged msg3)")                                                    \
  X(SR_EHSSERVERAUTH, -103, "handshake: server failed to prove it holds the expected key")                                                         \
  X(SR_EHSWEAKKEY, -104, "handshake: peer sent a weak (low-order) public key")                                                                     \
  X(SR_EHSSTATE, -105, "handshake: message of the wrong size or at the wrong time")                                                                \
  X(SR_EHSCLOSED, -106, "handshake: peer closed the connection during the handshake")                                                              \
  X(SR_ETIMEOUT, -107, "timed out")                                                                                                                \
  X(SR_EHSLIMIT, -108,                                                                                                                             \
    "handshake: too many handshakes in progress from this address or its network (or in all); refused at once")                                    \
  X(SR_EHSWRONGKEY, -109,                                                                                                                          \
    "handshake: the node at this address did not prove it holds the key in the address (the key may be wrong, or another node now listens there)") \
  X(SR_EBOXAUTH, -110, "box stream: box failed authentication (corrupted or forged)")                                                              \
  X(SR_EBOXTRUNC, -111, "box stream: stream ended in the middle of a box")                                                                         \
  X(SR_EBOXNOBYE, -112, "box stream: stream ended without a goodbye")                                                                              \
  X(SR_EBOXAFTERBYE, -113, "box stream: data after the goodbye")                                                                                   \
  X(SR_EBOXLEN, -114, "box stream: header announces an empty or over-long body")                                                                   \
  X(SR_EBOXCLOSED, -115, "box stream: write after the goodbye")                                                                                    \
  X(SR_EHSSILENT, -116, "handshake: the peer sent no first handshake message in time")                                                             \
  X(SR_ENETKEY, -120, "network key must be 64 hex characters")                                                                                     \
  X(SR_EADDRSCHEME, -121, "address: must start with seurone://")                                                                                   \
  X(SR_EADDRHOST, -122, "address: missing or malformed host (IPv6 goes in brackets)")                                                              \
  X(SR_EADDRPORT, -123, "address: port must be a number from 1 to 65535")                                                                          \
  X(SR_EADDRKEY, -124, "address: key must be 64 lowercase hex characters after the last /")                                                        \
  X(SR_ENETIO, -130, "network: connection error")                                                                                                  \
  X(SR_ENETCONNECT, -131, "network: could not connect to the peer")                                                                                \
  X(SR_ENETRESOLVE, -132, "network: could not resolve the host name")                                                                              \
  X(SR_ENETLISTEN, -133, "network: could not listen on the address")                                                                               \
  X(SR_ENETEOF, -134, "network: peer closed the connection")                                                                                       \
  X(SR_ENETSHUTDOWN, -135, "network: closed because this node is shutting down")                                                                   \
  X(SR_ENETQUEUE, -136, "network: connection is closing; write refused")                                                                           \
  X(SR_ENETINUSE, -137, "network: the port is already in use on that address")                                                                     \
  X(SR_ENETNOTAVAIL, -138, "network: that IP address is not one of this machine's")                                                                \
  X(SR_ENETACCES, -139, "network: not allowed to listen on that port (ports below 1024 need privileges)")                                          \
  /* END net codes */                                                                                                                              \
  /* gossip, daemon, control socket (net/gossip, node/) */                                                                                         \
  X(SR_EFRAME, -140, "gossip: malformed frame")                                                                                                    \
  X(SR_EFRAMESIZE, -141, "gossip: frame larger than the limit")                                                                                    \
  X(SR_EPROTO, -142, "gossip: protocol violation")                                                                                                 \
  X(SR_EPROTOVER, -143, "gossip: unsupported protocol version")                                                                                    \
  X(SR_ERATE, -144, "gossip: peer exceeded its rate limit")                                                                                        \
  X(SR_EIDLE, -145, "gossip: peer idle for too long")                                                                                              \
  X(SR_EBADENTRY, -146, "gossip: peer sent an invalid entry")                                                                                      \
  X(SR_ECONNCAP, -147, "gossip: connection limit reached")                                                                                         \
  X(SR_ESLOWPEER, -148, "gossip: peer reads too slowly; its queue is full")                                                                        \
  X(SR_EINVITE, -149, "invite: unknown invite code")                                                                                               \
  X(SR_EINVITEUSED, -150, "invite: this invite code has been used up")                                                                             \
  X(SR_EINVITECODE, -151, "invite: malformed invite code")                                                                                         \
  X(SR_ENONODE, -152, "no node is running in this home")                                                                                           \
  X(SR_ECONTROL, -153, "control socket: malformed request or reply")                                                                               \
  X(SR_ERUNNING, -154, "a node is already running in this home")                                                                                   \
  X(SR_EEVICTED, -171, "gossip: session ended to make room for a peer this node knows (connection limit)")                                         \
  X(SR_ENETKEYCONFLICT, -160, "invite: this node is set up for another network (network_key in HOME/config)")                                      \
  /* device keys: pairing with a one-time code (node/device_code.c, store/device_codes.c) */                                                       \
  X(SR_EDEVCODE, -161, "device: unknown device code")                                                                                              \
  X(SR_EDEVCODEUSED, -162, "device: this device code has been used already")                                                                       \
  X(SR_EDEVCODEOLD, -163, "device: this device code has expired (a code lasts one hour)")                                                          \
  X(SR_EDEVCODEFORMAT, -164, "device: malformed device code")                                                                                      \
  X(SR_EISDEVICE, -165, "device: this node is itself a device; only the person's first device adds devices")                                       \
  X(SR_EAMBIGUOUS, -180, "more than one person, project or entry matches what was typed")                                                          \
  X(SR_EAUTH, -181, "web: not signed in (open the link `seurone ui` prints)")                                                                      \
  /* friends nearby: LAN announcements (core/lanpacket, net/lan) */                                                                                \
  X(SR_ELANSIZE, -190, "lan: datagram is not the size of an announcement")                                                                         \
  X(SR_ELANAUTH, -191, "lan: announcement not sealed with this network's key, or tampered with")                                                   \
  X(SR_ELANFORMAT, -192, "lan: announcement of an unknown version or with bad fields")                                                             \
  X(SR_ELANSTALE, -193, "lan: announcement timestamp too far from this node's clock")                                                              \
  X(SR_ELANREPLAY, -194, "lan: announcement already received (a replay)")                                                                          \
  X(SR_ELANFULL, -195, "lan: too many recent announcements to check for replays; refused")                                                         \
  X(SR_ERELOAD, -200, "reload: the config was refused; the node keeps running with the one it had")                                                \
  /* relay members and invites (node/members.c) */                                                                                                 \
  X(SR_EINVITEEXPIRED, -210, "invite: this invite code has expired")                                                                               \
  X(SR_EINVITEREVOKED, -211, "invite: this invite code was revoked by the relay")                                                                  \
  X(SR_ENOTMEMBER, -212, "relay: no member of this relay has that key")                                                                            \
  X(SR_EMEMBERREMOVED, -213, "relay: this key was removed from the relay's members")                                                               \
  X(SR_EINVITEID, -214, "invite: no invite of this relay has that id")                                                                             \
  /* relays: quotas, purge, new-connection rate, write policy (docs/config.md, "Quotas") */                                                        \
  X(SR_EQUOTA, -220, "quota: the author is over this relay's quota (entries or bytes a day, or bytes in all)")                                     \
  X(SR_EPURGED, -221, "purge: the operator removed this author from this node; its entries are refused")                                           \
  X(SR_EPOLICY, -222, "policy: the relay's write-policy program refused this entry")                                                               \
  X(SR_ECONNRATE, -223, "net: too many new connections from one address; refused before the handshake")                                            \
  X(SR_EPOLICYDOWN, -224, "policy: the write-policy program did not answer (it exited, stalled or answered badly)")                                \
  X(SR_ESTOREBUSY, -230, "store: another process has the store open (stop it and try again)")

enum {
#define SR_ERR_ENUM(name, code, msg) name = code,
  SR_ERR_LIST(SR_ERR_ENUM)
#undef SR_ERR_ENUM
      SR_OK = 0
};

/* On a function that returns an error code: ignoring the result is a compile error
 * under -Werror (warn_unused_result). tools/dev/must_use.py (ctest must_use) checks
 * that public headers use it; a call that may really ignore the code says so: (void)!f(). */
#if defined(__GNUC__) || defined(__clang__)
#define SR_MUST_USE __attribute__((warn_unused_result))
#else
#define SR_MUST_USE
#endif

/* A sentence describing code; never NULL. Unknown codes give "unknown error". */
const char *sr_strerror(int code);
/* 1 when code is 0 or one of the SR_E* codes above (a table lookup, not a
 * range: the store uses it to tell its own codes from LMDB's). */
int sr_err_known(int code);
/* The symbolic name ("SR_ESIG"); never NULL. */
const char *sr_errname(int code);

#endif
