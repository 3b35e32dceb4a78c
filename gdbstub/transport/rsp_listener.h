// Where the server listens, and the one-client-at-a-time policy.
//
// Security: whoever connects controls the debugger side of the protocol, and
// a debugger can make the debugged program run arbitrary code (write memory,
// set registers, call functions) as the user running ebb. So ebb listens on
// the loopback address by default; any other address needs an explicit
// permission (allow_remote) and logs a warning. A Unix socket is created with
// mode 0600.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/base/fd.h"
#include "engine/base/result.h"

namespace ebb::rsp {

struct RspListenAddress {
  enum class Kind { kTcp, kUnix };
  Kind kind = Kind::kTcp;
  std::string host = "127.0.0.1";  // kTcp: a numeric address or "localhost"
  uint16_t port = 0;               // kTcp: 0 picks a free port
  std::string path;                // kUnix
};

// Accepts "PORT", "HOST:PORT", "[V6ADDR]:PORT", "unix:PATH" and a path
// containing '/'. kBadInput for anything else.
Result<RspListenAddress> parse_listen_address(std::string_view text);

class RspListener {
 public:
  // Binds and listens. kBadInput when the address is not a loopback one and
  // `allow_remote` is false; with `allow_remote`, a warning is logged.
  static Result<RspListener> open(const RspListenAddress& address, bool allow_remote);

  RspListener(RspListener&&) = default;
  RspListener& operator=(RspListener&&) = default;
  ~RspListener();

  // Waits for a client. The returned socket is blocking.
  Result<ScopedFd> accept();
  // Accepts a waiting client and turns it away: its first packet is answered
  // with "E.ebb: <message>" (which gdb prints) and the socket closed.
  // Waits at most about a second for that packet; never blocks longer.
  void refuse_pending(const char* message);

  int fd() const { return fd_.get(); }
  // The port actually bound (the chosen one when 0 was asked for).
  uint16_t port() const { return port_; }
  // "127.0.0.1:40123" or "unix:/path", for messages.
  const std::string& description() const { return description_; }

 private:
  RspListener() = default;
  ScopedFd fd_;
  uint16_t port_ = 0;
  std::string description_;
  std::string unix_path_;  // unlinked on destruction
};

}  // namespace ebb::rsp
