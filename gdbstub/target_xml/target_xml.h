// The x86-64 GNU/Linux target description the server hands to clients
// (qXfer:features:read:target.xml), and the register numbering it defines.
// Register numbers in p/P packets and the layout of g/G data follow this
// table; an adapter maps the engine's registers onto it with
// rsp_x86_64_registers(). Features: org.gnu.gdb.i386.core, .sse, .linux,
// .segments and .avx (upper halves of ymm0-15), in that order.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace ebb::rsp {

struct RspRegisterInfo {
  uint32_t regno;      // the index in this table; p/P numbers
  const char* name;    // "rax", "st0", "ymm15h"
  uint32_t size;       // bytes (st0-7: 10)
  uint32_t offset;     // byte offset in g/G data
  const char* type;    // description type ("int64", "i387_ext", "vec128")
  const char* group;   // "" or a register group ("float", "vector", "system")
  const char* feature; // "org.gnu.gdb.i386.core", ...
};

// Every register, in number order.
std::span<const RspRegisterInfo> rsp_x86_64_registers();
// Total bytes of g/G data (the sum of all sizes).
uint32_t rsp_x86_64_registers_size();
// The register's entry, or nullptr.
const RspRegisterInfo* rsp_x86_64_register(std::string_view name);
const RspRegisterInfo* rsp_x86_64_register(uint32_t regno);

// The document for `annex`: "target.xml" (the whole description inline);
// nullopt for any other annex.
std::optional<std::string> rsp_target_description(std::string_view annex);

}  // namespace ebb::rsp
