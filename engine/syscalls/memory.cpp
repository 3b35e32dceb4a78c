// Memory-family handlers. mmap, mremap and brk have no out-buffers: the
// session places their memory (ReplayPolicy::kMemory).
#include "engine/syscalls/handlers.h"

namespace ebb::syscalls {

// mincore(addr, length, vec): one byte per page of `length`, rounded up.
Status mincore_out(const SyscallCall& call, const ReadMem&, std::vector<MemRange>& out) {
  if (is_error(call.result)) return ok_status();
  uint64_t pages = (call.args[1] + abi::kPageSize - 1) / abi::kPageSize;
  add_range(out, call.args[2], pages);
  return ok_status();
}

}  // namespace ebb::syscalls
