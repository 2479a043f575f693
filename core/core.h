/* core.h: the public face of core/ — pure logic, no I/O. */
#ifndef SR_CORE_H
#define SR_CORE_H
#include "core/err.h"
#include "core/hex.h"
#include "core/canon.h"
#include "core/entry.h"
#include "core/content.h"
#include "core/rules.h"
#include "core/text.h"
#endif
