#include "protocol_client.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>

namespace ebb::rsp::testing {

std::string framed(std::string_view payload) {
  unsigned sum = 0;
  for (unsigned char c : payload) sum += c;
  char tail[8];
  snprintf(tail, sizeof tail, "#%02x", sum & 0xff);
  return "$" + std::string(payload) + tail;
}

void ProtocolTest::start(RspServerOptions options) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
  client_ = fds[0];
  running_ = true;
  server_thread_ = std::thread([this, options, fd = fds[1]] {
    RspServer server(target_, options);
    end_ = server.serve(ScopedFd(fd));
  });
}

RspServeEnd ProtocolTest::stop() {
  if (!running_) return end_;
  running_ = false;
  ::shutdown(client_, SHUT_RDWR);
  ::close(client_);
  client_ = -1;
  server_thread_.join();
  return end_;
}

void ProtocolTest::send_raw(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::send(client_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    ASSERT_GT(n, 0) << "the server closed the connection";
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

std::string ProtocolTest::read_bytes(size_t n, int timeout_ms) {
  std::string out;
  while (out.size() < n) {
    pollfd p{client_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) {
      ADD_FAILURE() << "timed out waiting for the server; got '" << out << "'";
      return out;
    }
    char buf[4096];
    ssize_t r = ::recv(client_, buf, std::min(sizeof buf, n - out.size()), 0);
    if (r <= 0) {
      ADD_FAILURE() << "the server closed the connection; got '" << out << "'";
      return out;
    }
    out.append(buf, static_cast<size_t>(r));
  }
  return out;
}

void ProtocolTest::expect_raw(const std::string& bytes) {
  EXPECT_EQ(read_bytes(bytes.size()), bytes);
}

std::string ProtocolTest::read_packet() {
  std::string c;
  do {
    c = read_bytes(1);
    if (c.empty()) return "";
  } while (c != "$");
  std::string payload;
  while (true) {
    c = read_bytes(1);
    if (c.empty()) return "";
    if (c == "#") break;
    payload += c;
  }
  std::string sum = read_bytes(2);
  EXPECT_EQ(framed(payload), "$" + payload + "#" + sum) << "bad checksum from the server";
  return payload;
}

std::string ProtocolTest::request(std::string_view payload) {
  send_packet(payload);
  expect_raw("+");
  std::string reply = read_packet();
  send_raw("+");
  return reply;
}

void ProtocolTest::exchange(std::string_view payload, std::string_view reply) {
  send_packet(payload);
  expect_raw("+" + framed(reply));
  send_raw("+");
}

bool ProtocolTest::quiet_for(int ms) {
  pollfd p{client_, POLLIN, 0};
  return ::poll(&p, 1, ms) == 0;
}

void ProtocolTest::handshake_no_ack() {
  send_raw("+");
  request("qSupported:multiprocess+;swbreak+;hwbreak+;qRelocInsn+;fork-events+;vfork-events+;"
          "exec-events+;vContSupported+;QThreadEvents+;no-resumed+;memory-tagging+;"
          "xmlRegisters=i386");
  exchange("QStartNoAckMode", "OK");
}

std::string ProtocolTest::ask(std::string_view payload) {
  send_packet(payload);
  return read_packet();
}

}  // namespace ebb::rsp::testing
