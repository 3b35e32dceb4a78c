#include "engine/session/event_codec.h"

#include <signal.h>
#include <string.h>

namespace ebb::session {

void store_regs(schema::Registers::Builder b, const user_regs_struct& regs) {
  arch::RegArray values = arch::to_array(regs);
  auto list = b.initValues(values.size());
  for (size_t i = 0; i < values.size(); ++i) list.set(i, values[i]);
}

arch::RegArray load_regs(schema::Registers::Reader r) {
  arch::RegArray values{};
  auto list = r.getValues();
  for (size_t i = 0; i < values.size() && i < list.size(); ++i) values[i] = list[i];
  return values;
}

user_regs_struct load_user_regs(schema::Registers::Reader r) {
  return arch::from_array(load_regs(r));
}

std::string signal_name(int sig) {
  const char* abbrev = sigabbrev_np(sig);
  if (abbrev) return std::string("SIG") + abbrev;
  return "signal " + std::to_string(sig);
}

}  // namespace ebb::session
