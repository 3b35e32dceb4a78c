#include "cli/replay_debug.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "cli/common.h"
#include "engine/api/replay_target.h"
#include "engine/base/fd.h"
#include "gdbstub/server/rsp_server.h"
#include "gdbstub/target/replay_rsp_target.h"
#include "gdbstub/transport/rsp_listener.h"

namespace ebb::cli {

namespace {

constexpr int kEngineEndWaitMs = 5000;

// The front process (ebb replay itself: the parent of gdb) and the engine
// processes (the replay, and its checkpoints, each of which may take over)
// talk through pipes: the engine says when the replay is ready, the front
// passes gdb's pid, and the engine that ends the session says with what.
struct FrontPipes {
  int ready[2] = {-1, -1};
  int gdb_pid[2] = {-1, -1};
  int done[2] = {-1, -1};
};

// gdb commands of ebb's (python/ebb_gdb.py), installed next to `ebb`.
std::string gdb_extensions() {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return "";
  std::string path(self, static_cast<size_t>(n));
  path = path.substr(0, path.rfind('/') + 1) + "ebb_gdb.py";
  return access(path.c_str(), R_OK) == 0 ? path : "";
}

// Starts the debugger, connected to `address`; its pid, or -1.
pid_t launch_debugger(const std::string& debugger, const std::string& address, const std::vector<std::string>& extra) {
  // The program and its libraries are read through the connection
  // (sysroot target:), so gdb gets the copies saved in the trace even when
  // the files on disk were rebuilt or deleted.
  std::vector<std::string> argv = {debugger, "-q", "-ex", "set sysroot target:"};
  std::string extensions = gdb_extensions();
  if (!extensions.empty()) argv.insert(argv.end(), {"-ex", "source " + extensions});
  argv.insert(argv.end(), {"-ex", "target extended-remote " + address});
  argv.insert(argv.end(), extra.begin(), extra.end());
  std::vector<char*> cargv;
  for (std::string& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid == 0) {
    execvp(cargv[0], cargv.data());
    fprintf(stderr, "ebb replay: cannot run %s: %s\n", debugger.c_str(), strerror(errno));
    _exit(kExitCannotRun);
  }
  return pid;
}

void send_line(int fd, const std::string& line) {
  std::string text = line + "\n";
  ssize_t n;
  do n = ::write(fd, text.data(), text.size());
  while (n < 0 && errno == EINTR);
}

// One line from `fd`; "" at its end or after `timeout_ms` (-1: none).
std::string receive_line(int fd, int timeout_ms = -1) {
  std::string line;
  char c;
  while (true) {
    pollfd p = {fd, POLLIN, 0};
    int r = poll(&p, 1, timeout_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return line;
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') return line;
    line += c;
  }
}

// Serves the debugger `gdb` until it exits; a debugger that disconnects may
// connect again. gdb is the front's child: its end is seen through a pidfd.
void serve_debugger(pid_t gdb, const std::string& debugger, rsp::RspListener& listener, rsp::RspServer& server) {
  ScopedFd gdb_fd(static_cast<int>(syscall(SYS_pidfd_open, gdb, 0)));
  bool connected_once = false;
  while (gdb_fd.valid()) {
    pollfd fds[2] = {{listener.fd(), POLLIN, 0}, {gdb_fd.get(), POLLIN, 0}};
    int n = poll(fds, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || fds[1].revents) break;  // the debugger exited
    if (!fds[0].revents) continue;
    Result<ScopedFd> client = listener.accept();
    if (!client.ok()) {
      fprintf(stderr, "ebb replay: %s\n", client.error().message.c_str());
      break;
    }
    connected_once = true;
    server.serve(std::move(*client), &listener);
  }
  if (!connected_once) fprintf(stderr, "ebb replay: %s exited without connecting\n", debugger.c_str());
}

// The first engine process: replays to the program's start, then serves.
// Checkpoints are forks of it; one that is restarted goes on from here.
int run_engine(const ReplayDebugConfig& config, rsp::RspListener& listener, const FrontPipes& pipes, pid_t front) {
  // The terminal's Ctrl-C is for gdb, which turns it into an interrupt packet.
  if (!config.server_only) signal(SIGINT, SIG_IGN);
  api::ReplayTargetOptions options{config.trace, config.pid, config.from_fork, config.goto_event, front};
  auto replay = api::ReplayTarget::open(options);
  if (!replay) return die("replay", replay.error().message, kExitEbbFailed);
  auto first_stop = (*replay)->start();
  if (!first_stop) return die("replay", first_stop.error().message, kExitEbbFailed);
  fprintf(stderr, "ebb: listening on %s\n", listener.description().c_str());
  send_line(pipes.ready[1], "ready");
  rsp::ReplayRspTarget target(**replay);
  rsp::RspServer server(target);
  int code = 0;
  if (config.server_only) {
    auto end = server.serve_one(listener);
    if (!end) code = die("replay", end.error().message, kExitEbbFailed);
  } else {
    pid_t gdb = static_cast<pid_t>(atoi(receive_line(pipes.gdb_pid[0]).c_str()));
    if (gdb > 0) serve_debugger(gdb, config.debugger, listener, server);
  }
  send_line(pipes.done[1], std::to_string(code));
  return code;
}

// Waits for `child` while reaping every other process that ends (this
// process is the session's subreaper); its wait status.
int wait_reaping(pid_t child) {
  while (true) {
    int status = 0;
    pid_t r = waitpid(-1, &status, 0);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return 0;
    if (r == child) return status;
  }
}

}  // namespace

int replay_debug(const ReplayDebugConfig& config) {
  auto address = rsp::parse_listen_address(config.address);
  if (!address) return die("replay", address.error().message, kExitUsage);
  // The address is checked before the (slow) replay to the program's start.
  auto listener = rsp::RspListener::open(*address, config.listen_any);
  if (!listener) {
    bool refused = listener.error().kind == ErrorKind::kBadInput;
    std::string hint = refused && !config.listen_any ? " (--listen-any allows it)" : "";
    return die("replay", listener.error().message + hint, refused ? kExitUsage : kExitEbbFailed);
  }
  FrontPipes pipes;
  if (pipe2(pipes.ready, O_CLOEXEC) || pipe2(pipes.gdb_pid, O_CLOEXEC) || pipe2(pipes.done, O_CLOEXEC))
    return die("replay", std::string("pipe: ") + strerror(errno), kExitEbbFailed);
  // Engines that a restart orphans become this process's children.
  prctl(PR_SET_CHILD_SUBREAPER, 1);
  pid_t front = getpid();
  fflush(stdout);
  fflush(stderr);
  pid_t engine = fork();
  if (engine < 0) return die("replay", std::string("fork: ") + strerror(errno), kExitEbbFailed);
  if (engine == 0) {
    close(pipes.ready[0]);
    close(pipes.gdb_pid[1]);
    close(pipes.done[0]);
    int code = run_engine(config, *listener, pipes, front);
    fflush(stdout);
    fflush(stderr);
    _exit(code);
  }
  close(pipes.ready[1]);
  close(pipes.gdb_pid[0]);
  close(pipes.done[1]);
  int code = 0;
  if (receive_line(pipes.ready[0]) != "ready") {
    code = exit_status_of(wait_reaping(engine));  // it said why
  } else if (config.server_only) {
    std::string done = receive_line(pipes.done[0]);
    code = done.empty() ? kExitEbbFailed : atoi(done.c_str());
  } else {
    pid_t gdb = launch_debugger(config.debugger, listener->description(), config.gdb_args);
    if (gdb < 0) return die("replay", std::string("fork: ") + strerror(errno), kExitEbbFailed);
    signal(SIGINT, SIG_IGN);
    send_line(pipes.gdb_pid[1], std::to_string(gdb));
    code = exit_status_of(wait_reaping(gdb));
    receive_line(pipes.done[0], kEngineEndWaitMs);  // the engine's last words first
  }
  api::end_checkpoints(front);
  return code;
}

}  // namespace ebb::cli
