#include "gdbstub/transport/rsp_listener.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>

#include "engine/base/log.h"
#include "gdbstub/transport/rsp_framer.h"

namespace ebb::rsp {
namespace {

constexpr int kRefuseWaitMs = 1000;

Result<uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value > 65535) {
    return make_error(ErrorKind::kBadInput, "not a port number: '" + std::string(text) + "'");
  }
  return static_cast<uint16_t>(value);
}

bool is_loopback(const sockaddr* sa) {
  if (sa->sa_family == AF_INET) {
    auto* in = reinterpret_cast<const sockaddr_in*>(sa);
    return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
  }
  if (sa->sa_family == AF_INET6) {
    auto* in6 = reinterpret_cast<const sockaddr_in6*>(sa);
    return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
  }
  return false;
}

std::string tcp_description(const std::string& host, uint16_t port) {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace

Result<RspListenAddress> parse_listen_address(std::string_view text) {
  RspListenAddress a;
  if (text.substr(0, 5) == "unix:" || text.find('/') != std::string_view::npos) {
    a.kind = RspListenAddress::Kind::kUnix;
    a.path = std::string(text.substr(0, 5) == "unix:" ? text.substr(5) : text);
    if (a.path.empty()) return make_error(ErrorKind::kBadInput, "empty Unix socket path");
    if (a.path.size() >= sizeof(sockaddr_un::sun_path)) {
      return make_error(ErrorKind::kBadInput, "Unix socket path too long: " + a.path);
    }
    return a;
  }
  size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    auto port = parse_port(text);
    if (!port.ok()) return port.error();
    a.port = *port;
    return a;
  }
  std::string_view host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) return make_error(ErrorKind::kBadInput, "empty host in '" + std::string(text) + "'");
  auto port = parse_port(text.substr(colon + 1));
  if (!port.ok()) return port.error();
  a.host = std::string(host);
  a.port = *port;
  return a;
}

namespace {

// Binds `fd` to the TCP address; returns the port bound.
Result<uint16_t> bind_tcp(ScopedFd& fd, const RspListenAddress& a, bool allow_remote) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string service = std::to_string(a.port);
  int rc = getaddrinfo(a.host.c_str(), service.c_str(), &hints, &res);
  if (rc != 0) {
    return make_error(ErrorKind::kBadInput, "cannot resolve '" + a.host + "': " + gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(res, freeaddrinfo);
  if (!is_loopback(res->ai_addr)) {
    if (!allow_remote) {
      return make_error(ErrorKind::kBadInput,
                        "refusing to listen on " + a.host +
                            ": not a loopback address (a debugger connection can run "
                            "arbitrary code as this user; allow it explicitly)");
    }
    log_warn("listening on %s: anyone who can connect can run arbitrary code as this user",
             tcp_description(a.host, a.port).c_str());
  }
  fd.reset(::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return os_error("socket");
  int one = 1;
  setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd.get(), res->ai_addr, res->ai_addrlen) != 0) {
    return os_error("bind " + tcp_description(a.host, a.port));
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &len);
  return static_cast<uint16_t>(ntohs(bound.ss_family == AF_INET6
                                         ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                         : reinterpret_cast<sockaddr_in*>(&bound)->sin_port));
}

Status bind_unix(ScopedFd& fd, const std::string& path) {
  fd.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return os_error("socket");
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  memcpy(sun.sun_path, path.c_str(), path.size() + 1);
  // An existing file is never removed here: it may not be ours.
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sun), sizeof sun) != 0) {
    return os_error("bind " + path);
  }
  // Only this user may connect (the connection can run code as this user).
  if (::chmod(path.c_str(), 0600) != 0) return os_error("chmod " + path);
  return ok_status();
}

}  // namespace

Result<RspListener> RspListener::open(const RspListenAddress& address, bool allow_remote) {
  RspListener l;
  if (address.kind == RspListenAddress::Kind::kUnix) {
    Status s = bind_unix(l.fd_, address.path);
    if (!s.ok()) return s.error();
    l.unix_path_ = address.path;
    l.description_ = "unix:" + address.path;
  } else {
    auto port = bind_tcp(l.fd_, address, allow_remote);
    if (!port.ok()) return port.error();
    l.port_ = *port;
    l.description_ = tcp_description(address.host, l.port_);
  }
  if (::listen(l.fd_.get(), 4) != 0) return os_error("listen " + l.description_);
  return l;
}

RspListener::~RspListener() {
  if (!unix_path_.empty() && fd_.valid()) ::unlink(unix_path_.c_str());
}

Result<ScopedFd> RspListener::accept() {
  int c;
  do {
    c = ::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC);
  } while (c < 0 && errno == EINTR);
  if (c < 0) return os_error("accept on " + description_);
  int one = 1;
  // Packets are small and answered one by one: do not wait to coalesce them.
  setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return ScopedFd(c);
}

void RspListener::refuse_pending(const char* message) {
  int c = ::accept4(fd_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (c < 0) return;
  ScopedFd client(c);
  log_warn("refused a second debugger connection on %s: %s", description_.c_str(), message);
  // Wait briefly for the client's first packet so the refusal arrives as its
  // reply (a reply sent before the client asks may be swallowed).
  RspFramer framer;
  std::vector<FrameEvent> events;
  bool got_packet = false;
  for (int waited = 0; !got_packet && waited < kRefuseWaitMs; waited += 50) {
    pollfd p{c, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    char buf[1024];
    ssize_t n = ::recv(c, buf, sizeof buf, 0);
    if (n <= 0) return;
    framer.feed(std::string_view(buf, static_cast<size_t>(n)), events);
    for (const auto& e : events) got_packet |= e.kind == FrameEventKind::kPacket;
  }
  std::string reply = "+" + rsp_frame(std::string("E.ebb: ") + message);
  (void)!::send(c, reply.data(), reply.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::shutdown(c, SHUT_RDWR);
}

}  // namespace ebb::rsp
