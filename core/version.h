/* version.h: the version this build reports (`seurone --version`, the agent
 * string of the hello frame, run.json's log line). */
#ifndef SR_VERSION_H
#define SR_VERSION_H
#define SR_VERSION "0.1.0"
#endif
