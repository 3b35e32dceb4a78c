// Conversions between tracee state and the trace schema, shared by the
// recorder and the replayer.
#pragma once

#include <sys/user.h>

#include <span>
#include <string>

#include "engine/arch/regs.h"
#include "engine/trace/ebb_trace.capnp.h"

namespace ebb::session {

void store_regs(schema::Registers::Builder b, const user_regs_struct& regs);
arch::RegArray load_regs(schema::Registers::Reader r);
user_regs_struct load_user_regs(schema::Registers::Reader r);

inline std::span<const uint8_t> bytes_of(capnp::Data::Reader d) {
  return {d.begin(), d.size()};
}

// "SIGSEGV", or "signal 42".
std::string signal_name(int sig);

}  // namespace ebb::session
