/* control.h: the node's control socket, HOME/control.sock (mode 0600).
 *
 * Other `seurone` processes on this machine ask the running node to act. One
 * request per connection: the client sends one JSON object and a newline (at most
 * SR_CONTROL_MAX bytes), the node answers one JSON object and a newline, then
 * closes. Requests:
 *   {"cmd":"status"} {"cmd":"peers"} {"cmd":"peer_add","address":str}
 *   {"cmd":"publish","type":str,"content":base64 canonical map} {"cmd":"stop"}
 * Replies: {"ok":true, ...} or {"ok":false,"error":str,"code":"SR_E..."}.
 * A client that sends garbage gets an error reply; one that sends too much or
 * too slowly is dropped. Nothing a client does can stop the node except "stop".
 */
#ifndef SR_CONTROL_H
#define SR_CONTROL_H
#include <jansson.h>
#include <uv.h>

#define SR_CONTROL_MAX 65536
#define SR_CONTROL_TIMEOUT_MS 5000

struct sr_node;
typedef struct sr_control sr_control_t;

/* Listens on HOME/control.sock. SR_ERUNNING (err says so) when a node already
 * answers there; a stale socket file is replaced. */
int sr_control_start(uv_loop_t *loop, const char *home, struct sr_node *node, sr_control_t **out, char *err,
                     size_t errlen);
/* Closes the socket and its clients and removes the file; run the loop after. */
void sr_control_stop(sr_control_t *c);

/* Client side, blocking: sends request, waits for the reply (caller owns it).
 * SR_ENONODE when no node listens in home, SR_ECONTROL on a bad reply. */
int sr_control_call(const char *home, json_t *request, json_t **reply, int timeout_ms);

#endif
