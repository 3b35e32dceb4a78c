#include "gdbstub/server/last_words.h"

#include <sys/socket.h>

#include <atomic>
#include <csignal>

#include "engine/base/assert.h"
#include "gdbstub/packets/reply.h"
#include "gdbstub/packets/signals.h"
#include "gdbstub/transport/rsp_framer.h"

namespace ebb::rsp {
namespace {

std::atomic<int> g_fd{-1};
std::atomic<bool> g_awaiting_reply{false};
std::atomic<bool> g_resuming{false};
std::atomic<int> g_pid{0};
std::atomic<bool> g_multiprocess{false};

// An "E." message travels unescaped: keep it to printable characters that
// cannot end or confuse a packet.
std::string sanitize(const char* message) {
  std::string out;
  for (const char* p = message; *p && out.size() < 400; ++p) {
    char c = *p;
    bool ok = c >= 0x20 && c < 0x7f && c != '$' && c != '#' && c != '}' && c != '*';
    out.push_back(ok ? c : '?');
  }
  return out;
}

void hook(const char* message) {
  int fd = g_fd.load();
  if (fd < 0) return;
  std::string bytes = RspLastWords::final_words(message);
  if (bytes.empty()) return;
  (void)!::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
}

}  // namespace

void RspLastWords::activate(int fd) {
  g_fd = fd;
  g_awaiting_reply = false;
  g_resuming = false;
  set_last_words_hook(hook);
}

void RspLastWords::deactivate() {
  set_last_words_hook(nullptr);
  g_fd = -1;
}

void RspLastWords::set_awaiting_reply(bool on) { g_awaiting_reply = on; }
void RspLastWords::set_resuming(bool on) { g_resuming = on; }
void RspLastWords::set_process(int pid, bool multiprocess) {
  g_pid = pid;
  g_multiprocess = multiprocess;
}

std::string RspLastWords::final_words(const char* message) {
  std::string text = std::string("ebb: ") + message + "\n";
  if (g_resuming) {
    StopReply stop;
    stop.kind = StopKind::kTerminated;
    stop.signal = rsp_signal_from_host(SIGABRT);
    stop.pid = g_pid;
    stop.multiprocess = g_multiprocess;
    return rsp_frame(reply_console_output(text)) + rsp_frame(reply_stop(stop));
  }
  if (g_awaiting_reply) return rsp_frame("E." + sanitize(message));
  return "";
}

}  // namespace ebb::rsp
