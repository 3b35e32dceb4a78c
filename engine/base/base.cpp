#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

#include "assert.h"
#include "fd.h"
#include "log.h"
#include "result.h"

namespace ebb {

Error os_error(const std::string& what) {
  return Error{ErrorKind::kOs, what + ": " + std::strerror(errno)};
}

Error make_error(ErrorKind kind, std::string message) {
  return Error{kind, std::move(message)};
}

bool write_all(int fd, const void* data, size_t size) {
  const auto* p = static_cast<const char*>(data);
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::write(fd, p + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) errno = EIO;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

void ScopedFd::reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

namespace {
LastWordsHook g_last_words = nullptr;

void vlog(const char* level, const char* fmt, va_list ap) {
  char buf[4096];
  vsnprintf(buf, sizeof buf, fmt, ap);
  fprintf(stderr, "ebb: %s%s\n", level, buf);
}
}  // namespace

void set_last_words_hook(LastWordsHook hook) { g_last_words = hook; }

void assertion_failed(const char* file, int line, const char* cond,
                      const char* message) {
  char buf[1024];
  snprintf(buf, sizeof buf, "internal error at %s:%d: assertion '%s' failed%s%s",
           file, line, cond, message ? ": " : "", message ? message : "");
  if (g_last_words) g_last_words(buf);
  fprintf(stderr, "ebb: %s\n", buf);
  abort();
}

bool debug_enabled() {
  static const bool enabled = [] {
    const char* v = getenv("EBB_LOG");
    return v && strcmp(v, "debug") == 0;
  }();
  return enabled;
}

void log_error(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog("", fmt, ap);
  va_end(ap);
}

void log_warn(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vlog("warning: ", fmt, ap);
  va_end(ap);
}

void log_debug(const char* fmt, ...) {
  if (!debug_enabled()) return;
  va_list ap;
  va_start(ap, fmt);
  vlog("debug: ", fmt, ap);
  va_end(ap);
}

}  // namespace ebb
