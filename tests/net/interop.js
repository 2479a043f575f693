// interop.js: Seurone transport against the reference JavaScript stack
// (secret-handshake for SHS v1, pull-box-stream for Box Stream).
//
//   node interop.js c-client <interop_peer>   JS server, our client dials it
//   node interop.js c-server <interop_peer>   our server, JS client dials it
//
// Both sides send the same list of message sizes (including > 4096, which Box
// Stream splits), then the goodbye; each checks every byte the other sent and
// that the stream ended with a goodbye. Exit 0 only if both sides agree.
// Requires tests/net/node_modules (tests/net/setup.sh); fails without it.
'use strict'
const net = require('net')
const { spawn } = require('child_process')
const crypto = require('crypto')
const pull = require('pull-stream')
const toPull = require('stream-to-pull-stream')
const boxes = require('pull-box-stream')
const shs = require('secret-handshake')

const NETKEY = Buffer.from('894171733106407826eea36a97fe986070c395a6d2a91e4880f00ac3f60f8d0c', 'hex')
const SIZES = [1, 100, 4096, 4097, 10000, 70000]
const TIMEOUT_MS = 20000

// byte i of message k sent by side dir (0: C, 1: JS); must match interop_peer.c
function pattern (dir, k, len) {
  const b = Buffer.alloc(len)
  for (let i = 0; i < len; i++) b[i] = (i * 31 + k * 7 + dir * 101) & 0xff
  return b
}
const expectedFromC = Buffer.concat(SIZES.map((n, k) => pattern(0, k, n)))
const jsMessages = SIZES.map((n, k) => pattern(1, k, n))

function keypair () {
  const seed = crypto.randomBytes(32)
  const sodium = require('chloride')
  return sodium.crypto_sign_seed_keypair(seed)
}

function fail (msg) {
  console.error('interop: FAIL: ' + msg)
  process.exit(1)
}

// Run box streams over a handshaken plain duplex; cb(err) after both directions end.
function exchange (plain, state, cb) {
  const encNonce = state.remote.app_mac.slice(0, 24)
  const decNonce = state.local.app_mac.slice(0, 24)
  let pending = 1 // the C side checks what JS sent; JS checks what it received
  let failed = false
  function done (err) {
    if (failed) return
    if (err) { failed = true; return cb(err) }
    if (--pending === 0) cb(null)
  }
  pull(pull.values(jsMessages), boxes.createBoxStream(state.encryptKey, encNonce), plain.sink)
  pull(plain.source, boxes.createUnboxStream(state.decryptKey, decNonce), pull.collect((err, bufs) => {
    if (err) return done(new Error('JS unbox stream: ' + (err.message || err)))
    const got = Buffer.concat(bufs)
    if (!got.equals(expectedFromC)) return done(new Error(`JS received ${got.length} bytes, expected ${expectedFromC.length} matching bytes`))
    console.log(`interop: JS received ${got.length} bytes from C in ${bufs.length} chunks, goodbye seen`)
    done(null)
  }))
}

function runChild (bin, args, onLine) {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', d => {
    out += d.toString()
    let i
    while ((i = out.indexOf('\n')) >= 0) { onLine(out.slice(0, i)); out = out.slice(i + 1) }
  })
  return new Promise(resolve => child.on('exit', code => resolve(code)))
}

async function cClient (bin) {
  const server = keypair()
  let jsOk = false
  let socketCount = 0
  const create = shs.createServerStream(server, (id, cb) => cb(null, true), NETKEY, TIMEOUT_MS)
  const srv = net.createServer(socket => {
    socketCount++
    const stream = toPull.duplex(socket)
    pull(stream, create((err, plain, state) => {
      if (err) fail('JS server handshake: ' + err.message)
      exchange(plain, state, err => { if (err) fail(err.message); jsOk = true })
    }), stream)
  })
  await new Promise(resolve => srv.listen(0, '127.0.0.1', resolve))
  const port = srv.address().port
  const code = await runChild(bin, ['client', '127.0.0.1', String(port), server.publicKey.toString('hex')],
    line => console.log('interop: C: ' + line))
  srv.close()
  if (code !== 0) fail('C client exited with ' + code)
  await new Promise(resolve => setTimeout(resolve, 200))
  if (!jsOk) fail('JS server did not complete the exchange')
  if (socketCount !== 1) fail('expected 1 connection, saw ' + socketCount)
}

async function cServer (bin) {
  const client = keypair()
  let jsOk = false
  const create = shs.createClientStream(client, NETKEY, TIMEOUT_MS)
  const code = await runChild(bin, ['server'], line => {
    console.log('interop: C: ' + line)
    const m = /^LISTEN (\d+) ([0-9a-f]{64})$/.exec(line)
    if (!m) return
    const socket = net.connect(Number(m[1]), '127.0.0.1')
    const stream = toPull.duplex(socket)
    pull(stream, create(Buffer.from(m[2], 'hex'), (err, plain, state) => {
      if (err) fail('JS client handshake: ' + err.message)
      exchange(plain, state, err => { if (err) fail(err.message); jsOk = true })
    }), stream)
  })
  if (code !== 0) fail('C server exited with ' + code)
  await new Promise(resolve => setTimeout(resolve, 200))
  if (!jsOk) fail('JS client did not complete the exchange')
}

const [mode, bin] = process.argv.slice(2)
const timer = setTimeout(() => fail('timed out'), TIMEOUT_MS + 5000)
const run = mode === 'c-client' ? cClient : mode === 'c-server' ? cServer : null
if (!run || !bin) fail('usage: node interop.js c-client|c-server <interop_peer>')
run(bin).then(() => { clearTimeout(timer); console.log('interop: OK (' + mode + ')'); process.exit(0) },
  err => fail(err.stack || String(err)))
