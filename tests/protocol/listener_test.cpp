// Listening: address parsing, loopback by default, ephemeral ports, Unix
// sockets (mode 0600), one client at a time (a second one is turned away
// with a message), and the final reply when ebb dies of an assertion.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <thread>

#include "engine/base/assert.h"
#include "gdbstub/server/last_words.h"
#include "protocol_client.h"

namespace ebb::rsp::testing {
namespace {

TEST(ListenAddress, Parsing) {
  auto a = parse_listen_address("1234");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->kind, RspListenAddress::Kind::kTcp);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 1234);
  a = parse_listen_address("0.0.0.0:99");
  EXPECT_EQ(a->host, "0.0.0.0");
  a = parse_listen_address("[::1]:7");
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(a->port, 7);
  a = parse_listen_address("unix:/tmp/x.sock");
  EXPECT_EQ(a->kind, RspListenAddress::Kind::kUnix);
  EXPECT_EQ(a->path, "/tmp/x.sock");
  EXPECT_EQ(parse_listen_address("./rel.sock")->path, "./rel.sock");
  for (const char* bad : {"", "x", "65536", "host:", ":1", "1:2:x", "unix:"}) {
    auto r = parse_listen_address(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().kind, ErrorKind::kBadInput) << bad;
    }
  }
}

TEST(Listener, EphemeralLoopbackPort) {
  auto l = RspListener::open(*parse_listen_address("127.0.0.1:0"), false);
  ASSERT_TRUE(l.ok()) << l.error().message;
  EXPECT_GT(l->port(), 0);
  EXPECT_EQ(l->description(), "127.0.0.1:" + std::to_string(l->port()));
}

TEST(Listener, NonLoopbackNeedsPermission) {
  auto l = RspListener::open(*parse_listen_address("0.0.0.0:0"), false);
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().kind, ErrorKind::kBadInput);
  EXPECT_NE(l.error().message.find("arbitrary code"), std::string::npos);
  ::testing::internal::CaptureStderr();
  auto allowed = RspListener::open(*parse_listen_address("0.0.0.0:0"), true);
  std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(allowed.ok()) << allowed.error().message;
  EXPECT_NE(err.find("warning"), std::string::npos);
  EXPECT_NE(err.find("arbitrary code as this user"), std::string::npos);
}

TEST(Listener, UnixSocketIsPrivateAndRemoved) {
  std::string path = "/tmp/ebb-protocol-test-" + std::to_string(getpid()) + ".sock";
  {
    auto l = RspListener::open(*parse_listen_address("unix:" + path), false);
    ASSERT_TRUE(l.ok()) << l.error().message;
    struct stat st;
    ASSERT_EQ(stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    // An existing path is never taken over.
    auto again = RspListener::open(*parse_listen_address("unix:" + path), false);
    EXPECT_FALSE(again.ok());
  }
  EXPECT_NE(access(path.c_str(), F_OK), 0);
}

int connect_tcp(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

std::string recv_all(int fd, int timeout_ms) {
  std::string out;
  while (true) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) return out;
    char buf[512];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return out;
    out.append(buf, static_cast<size_t>(n));
  }
}

TEST(Listener, SecondClientIsTurnedAway) {
  auto l = RspListener::open(*parse_listen_address("127.0.0.1:0"), false);
  ASSERT_TRUE(l.ok());
  FakeTarget target;
  RspServer server(target);
  Result<RspServeEnd> end = RspServeEnd::kDisconnected;
  std::thread t([&] { end = server.serve_one(*l); });

  int first = connect_tcp(l->port());
  ASSERT_GE(first, 0);
  std::string qc = framed("qC");
  ASSERT_EQ(send(first, qc.data(), qc.size(), 0), static_cast<ssize_t>(qc.size()));
  EXPECT_EQ(recv_all(first, 200), "+" + framed("QC4d2"));

  ::testing::internal::CaptureStderr();
  int second = connect_tcp(l->port());
  ASSERT_GE(second, 0);
  std::string hello = "+" + framed("qSupported:multiprocess+");
  send(second, hello.data(), hello.size(), 0);
  std::string refusal = recv_all(second, 3000);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(refusal,
            "+" + framed("E.ebb: another debugger is already connected to this replay"));
  EXPECT_NE(err.find("refused a second debugger connection"), std::string::npos);
  close(second);

  // The first client is unaffected.
  ASSERT_EQ(send(first, qc.data(), qc.size(), 0), static_cast<ssize_t>(qc.size()));
  EXPECT_EQ(recv_all(first, 200), "+" + framed("QC4d2"));
  close(first);
  t.join();
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(*end, RspServeEnd::kDisconnected);
}

TEST(LastWords, FormsOfTheFinalReply) {
  RspLastWords::activate(-1);
  RspLastWords::set_process(0x4d2, true);
  EXPECT_EQ(RspLastWords::final_words("boom"), "");  // nobody is waiting
  RspLastWords::set_awaiting_reply(true);
  EXPECT_EQ(RspLastWords::final_words("bad $state# at x.cpp:1"),
            framed("E.bad ?state? at x.cpp:1"));
  RspLastWords::set_resuming(true);
  EXPECT_EQ(RspLastWords::final_words("boom"),
            framed("O" + to_hex(std::string_view("ebb: boom\n"))) + framed("X06;process:4d2"));
  RspLastWords::deactivate();
}

// A failed assertion while the client waits for a stop reply: it gets the
// message and an exit reply before the connection closes.
TEST(LastWordsDeathTest, AssertionDuringResumeSendsAFinalReply) {
  GTEST_FLAG_SET(death_test_style, "fast");
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  EXPECT_DEATH(
      {
        RspLastWords::activate(fds[1]);
        RspLastWords::set_process(0x4d2, true);
        RspLastWords::set_awaiting_reply(true);
        RspLastWords::set_resuming(true);
        EBB_ASSERT_MSG(1 + 1 == 3, "arithmetic is broken");
      },
      "arithmetic is broken");
  close(fds[1]);
  std::string got = recv_all(fds[0], 1000);
  EXPECT_NE(got.find(framed("X06;process:4d2")), std::string::npos) << got;
  EXPECT_EQ(got.rfind("$O", 0), 0u) << got;
  close(fds[0]);
}

}  // namespace
}  // namespace ebb::rsp::testing
