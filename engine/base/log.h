// Diagnostics on stderr, prefixed "ebb: ". EBB_LOG=debug turns on debug lines.
#pragma once

#include <cstdarg>

namespace ebb {
void log_error(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
bool debug_enabled();
}  // namespace ebb
