/* cmd_flownet.c: `seurone flow network` — network-wide flow distributions
 * combined from the flow-report entries this node holds. */
#include "tools/cli/cli.h"

int cmd_flow_network(sr_cli_t *cli, int argc, char **argv) {
  (void)cli;
  (void)argc;
  (void)argv;
  return cli_fail(SR_EXIT_PROBLEM, "flow network: not built yet");
}
