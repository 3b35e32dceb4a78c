// Assertions that stay on in release builds. A failed assertion runs the
// registered last-words hook (the gdb stub sends a final reply there, so the
// debugger does not hang), prints file:line and the condition, then aborts.
#pragma once

namespace ebb {
using LastWordsHook = void (*)(const char* message);
void set_last_words_hook(LastWordsHook hook);
[[noreturn]] void assertion_failed(const char* file, int line, const char* cond,
                                   const char* message);
}  // namespace ebb

#define EBB_ASSERT(cond)                                                      \
  do {                                                                        \
    if (!(cond)) ::ebb::assertion_failed(__FILE__, __LINE__, #cond, nullptr); \
  } while (0)
#define EBB_ASSERT_MSG(cond, msg)                                         \
  do {                                                                    \
    if (!(cond)) ::ebb::assertion_failed(__FILE__, __LINE__, #cond, msg); \
  } while (0)
