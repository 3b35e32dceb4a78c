// Error values for expected failures (a tracee that died, a file that vanished)
// and bad input (a corrupt trace, a wrong argument). Broken invariants use
// EBB_ASSERT instead (assert.h).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace ebb {

enum class ErrorKind {
  kOs,            // a system call failed; message carries strerror
  kTraceCorrupt,  // the trace is damaged or truncated
  kTraceVersion,  // the trace was written by an incompatible format version
  kBadInput,      // a wrong argument or malformed request
  kUnsupported,   // something ebb does not handle yet
  kDivergence,    // replay no longer matches the recording
  kTraceeGone,    // the tracee died or vanished
};

struct Error {
  ErrorKind kind;
  std::string message;
};

Error os_error(const std::string& what);  // what + ": " + strerror(errno)
Error make_error(ErrorKind kind, std::string message);

// A value or an Error, in the spirit of std::expected (C++23).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  T* operator->() { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Ok {};
using Status = Result<Ok>;
inline Status ok_status() { return Ok{}; }

}  // namespace ebb

// Propagate an error from an expression returning Result<...>.
#define EBB_TRY(expr)                                   \
  do {                                                  \
    auto ebb_try_result_ = (expr);                      \
    if (!ebb_try_result_.ok()) return ebb_try_result_.error(); \
  } while (0)
