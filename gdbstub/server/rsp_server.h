// RspServer: serves one client connection at a time over the remote serial
// protocol, for any RspTarget. It reads packets (RspConnection), hands them
// to the protocol state (RspSession), and writes the replies. While the
// target runs, the client's interrupt byte reaches the target through
// RspResumeControl. While a client is connected, a failed assertion sends it
// a final reply (last_words.h).
//
// Typical use (the front end):
//   auto listener = RspListener::open(*parse_listen_address("127.0.0.1:0"), false);
//   printf("listening on %s\n", listener->description().c_str());
//   RspServer server(target);
//   server.serve_one(*listener);
#pragma once

#include "engine/base/fd.h"
#include "engine/base/result.h"
#include "gdbstub/server/rsp_target.h"
#include "gdbstub/transport/rsp_framer.h"
#include "gdbstub/transport/rsp_listener.h"

namespace ebb::rsp {

struct RspServerOptions {
  size_t max_packet_size = kRspMaxPacketSize;
  bool run_length_encode = false;  // of replies
};

enum class RspServeEnd {
  kDetached,      // the client detached (D) outside extended mode
  kKilled,        // the client killed the program (k) outside extended mode
  kDisconnected,  // the client hung up (the target was told to detach)
};

class RspServer {
 public:
  explicit RspServer(RspTarget& target, RspServerOptions options = {});

  // Serves the client on `client` (a connected stream socket) until it
  // detaches, kills the program or hangs up. When `listener` is given, a
  // second client connecting meanwhile is turned away with a message.
  RspServeEnd serve(ScopedFd client, RspListener* listener = nullptr);
  // Waits for one client on `listener`, then serves it.
  Result<RspServeEnd> serve_one(RspListener& listener);

 private:
  RspTarget& target_;
  RspServerOptions options_;
};

}  // namespace ebb::rsp
