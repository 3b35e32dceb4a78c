// The test side of a connection: a socketpair with RspServer serving a
// FakeTarget on a thread, and helpers to send exact bytes and expect exact
// bytes back.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>

#include "fake_target.h"
#include "gdbstub/server/rsp_server.h"

namespace ebb::rsp::testing {

// "$payload#cs", computed independently of the code under test.
std::string framed(std::string_view payload);

class ProtocolTest : public ::testing::Test {
 protected:
  void TearDown() override { stop(); }

  // Starts serving target_ on one end of a socketpair.
  void start(RspServerOptions options = {});
  // Closes the client end and waits for the server to finish.
  RspServeEnd stop();

  void send_raw(std::string_view bytes);
  void send_packet(std::string_view payload) { send_raw(framed(payload)); }
  // Reads exactly `n` bytes (fails the test after a timeout).
  std::string read_bytes(size_t n, int timeout_ms = 5000);
  // Expects exactly `bytes` next from the server.
  void expect_raw(const std::string& bytes);
  // Reads one packet "$...#cs" (skipping acks), checks its checksum and
  // returns the payload.
  std::string read_packet();
  // Sends `payload` in ack mode: expects "+", then the reply, which it acks.
  std::string request(std::string_view payload);
  // Ack mode: expects "+" and exactly `reply` framed.
  void exchange(std::string_view payload, std::string_view reply);
  // True when no byte arrives within `ms`.
  bool quiet_for(int ms);
  // Negotiates as gdb 13 does and switches to no-ack mode.
  void handshake_no_ack();
  // No-ack mode: the reply to `payload`.
  std::string ask(std::string_view payload);

  FakeTarget target_;
  int client_ = -1;
  std::thread server_thread_;
  RspServeEnd end_ = RspServeEnd::kDisconnected;
  bool running_ = false;
};

}  // namespace ebb::rsp::testing
