#include "engine/session/checkpoints.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <set>

#include "engine/base/fd.h"
#include "engine/base/log.h"
#include "engine/ptrace/tracee.h"
#include "engine/session/process_snapshot.h"
#include "engine/session/replay_task.h"

namespace ebb::session {

namespace {

constexpr int kPollMs = 500;
constexpr int kMaxReaped = 64;  // wait4 calls per copy and restart

Status write_all(int fd, const std::string& text) {
  if (!ebb::write_all(fd, text.data(), text.size())) return os_error("write to a checkpoint");
  return ok_status();
}

// One line, without its newline.
Result<std::string> read_line(int fd) {
  std::string line;
  char c;
  while (true) {
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return os_error("read from a checkpoint");
    if (n == 0 || c == '\n') return line;
    line += c;
  }
}

Result<ScopedFd> connect_to(const std::string& path) {
  ScopedFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return os_error("socket");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return os_error("connect");
  return fd;
}

// Blocks until process `pid` has ended.
void wait_for_end(pid_t pid) {
  ScopedFd fd(static_cast<int>(syscall(SYS_pidfd_open, pid, 0)));
  if (!fd.valid()) return;  // already gone
  pollfd p = {fd.get(), POLLIN, 0};
  while (::poll(&p, 1, -1) < 0 && errno == EINTR) {
  }
}

// The processes a restart forked from this checkpoint's copies are their
// children: once they ended (the resumed replay exited), the copies reap
// them with an injected wait4, or every restart would leave zombies.
void reap_copies_children(Replayer& replayer) {
  std::set<pid_t> done;
  for (auto& [tid, task] : replayer.tasks()) {
    if (!done.insert(task->tgid).second) continue;
    uint64_t insn = ptrace::find_syscall_instruction(task->t);
    auto regs = task->t.regs();
    if (!insn || !regs) continue;
    for (int i = 0; i < kMaxReaped; ++i) {
      auto r = ptrace::remote_syscall(task->t, RemoteAddr(insn), SYS_wait4, -1, 0, WNOHANG | __WALL, 0);
      if (!r || *r <= 0) break;
    }
    (void)task->t.set_regs(*regs);
  }
}

}  // namespace

std::string checkpoint_folder(pid_t anchor) {
  const char* tmp = getenv("TMPDIR");
  return std::string(tmp && *tmp ? tmp : "/tmp") + "/ebb-checkpoints-" + std::to_string(anchor);
}

void remove_checkpoint_folder(pid_t anchor) {
  std::string folder = checkpoint_folder(anchor);
  if (DIR* d = opendir(folder.c_str())) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] != '.') unlink((folder + "/" + e->d_name).c_str());
    closedir(d);
  }
  rmdir(folder.c_str());
}

Result<pid_t> fork_replay(Replayer& replayer) {
  std::set<pid_t> processes;
  for (auto& [tid, t] : replayer.tasks()) processes.insert(t->tgid);
  std::vector<ProcessSnapshot> copies;
  for (pid_t tgid : processes) {
    auto s = ProcessSnapshot::take(replayer, tgid);
    if (!s) return s.error();
    copies.push_back(std::move(*s));
  }
  for (ProcessSnapshot& s : copies) EBB_TRY(s.hand_over());
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) return os_error("fork");
  if (pid > 0) {
    for (ProcessSnapshot& s : copies) s.release();  // the new process's now
    return pid;
  }
  for (ProcessSnapshot& s : copies) {
    Status st = s.adopt(replayer);
    if (!st.ok()) {
      fprintf(stderr, "ebb: a copy of the replay could not take over: %s\n", st.error().message.c_str());
      _exit(125);
    }
  }
  return 0;
}

CheckpointStore::~CheckpointStore() = default;

std::string CheckpointStore::path(int id, const char* suffix) const {
  return folder_ + "/" + std::to_string(id) + suffix;
}

Status CheckpointStore::ensure_folder() {
  if (!folder_.empty()) return ok_status();
  if (anchor_ == 0)
    return make_error(ErrorKind::kUnsupported, "checkpoints need ebb replay's own process (this replay has none)");
  std::string folder = checkpoint_folder(anchor_);
  if (::mkdir(folder.c_str(), 0700) != 0 && errno != EEXIST) return os_error("mkdir " + folder);
  struct stat st;
  if (::lstat(folder.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
    return make_error(ErrorKind::kOs, folder + " is not a private folder of ebb's");
  folder_ = folder;
  return ok_status();
}

// Ids only grow, as gdb's do, whichever process of the session asks; ebb's
// own checkpoints count from kFirstAutoId, so a user's are numbered 1, 2...
Result<int> CheckpointStore::next_id(bool automatic) {
  std::string counter = folder_ + (automatic ? "/next-auto-id" : "/next-id");
  ScopedFd fd(::open(counter.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd.valid()) return os_error("open " + counter);
  char buf[32] = {};
  ssize_t n = ::pread(fd.get(), buf, sizeof buf - 1, 0);
  int first = automatic ? kFirstAutoId : 1;
  int id = n > 0 ? atoi(buf) : first;
  if (id < first) id = first;
  std::string next = std::to_string(id + 1) + "\n";
  if (::pwrite(fd.get(), next.data(), next.size(), 0) != static_cast<ssize_t>(next.size()))
    return os_error("write " + counter);
  return id;
}

Result<CheckpointCreated> CheckpointStore::create(Replayer& replayer, const std::string& where) {
  EBB_TRY(ensure_folder());
  auto id = next_id(where.rfind("auto ", 0) == 0);
  if (!id) return id.error();
  ScopedFd listen_fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!listen_fd.valid()) return os_error("socket");
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string sock = path(*id, ".sock");
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sock.c_str());
  ::unlink(sock.c_str());
  if (::bind(listen_fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listen_fd.get(), 4) != 0)
    return os_error("listen on " + sock);
  auto pid = fork_replay(replayer);
  if (!pid) {
    ::unlink(sock.c_str());
    return pid.error();
  }
  if (*pid > 0) {
    FILE* f = fopen(path(*id, ".info").c_str(), "w");
    if (f) {
      fprintf(f, "%s\n", where.c_str());
      fclose(f);
    }
    return CheckpointCreated{*id, false};
  }
  return sleep(replayer, *id, listen_fd.release());
}

Result<CheckpointCreated> CheckpointStore::sleep(Replayer& replayer, int id, int listen_fd) {
  ScopedFd anchor(static_cast<int>(syscall(SYS_pidfd_open, anchor_, 0)));
  std::vector<pid_t> resumed;  // reaped as they end
  auto end = [&](int code) {
    ::unlink(path(id, ".sock").c_str());
    ::unlink(path(id, ".info").c_str());
    _exit(code);
  };
  if (!anchor.valid()) end(0);
  while (true) {
    pollfd fds[2] = {{listen_fd, POLLIN, 0}, {anchor.get(), POLLIN, 0}};
    int n = ::poll(fds, 2, kPollMs);
    bool ended = false;
    for (auto it = resumed.begin(); it != resumed.end();) {
      bool gone = ptrace::reap_if_ended(*it);
      ended = ended || gone;
      it = gone ? resumed.erase(it) : it + 1;
    }
    if (ended) reap_copies_children(replayer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || fds[1].revents) end(0);
    if (!fds[0].revents) continue;
    ScopedFd conn(::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC));
    if (!conn.valid()) continue;
    auto out = serve(replayer, id, conn.get());
    if (!out) {
      (void)write_all(conn.get(), "error " + out.error().message + "\n");
      continue;
    }
    if (!*out) continue;
    if ((*out)->id < 0) end(0);  // deleted
    if ((*out)->resumed) {
      ::close(listen_fd);
      return **out;
    }
    resumed.push_back((*out)->id);
  }
}

// Requests: "restart PID [ORDER]" (PID: the process that asks, which exits
// once the answer is "ok"; ORDER: handed to the resumed process), "delete".
Result<std::optional<CheckpointCreated>> CheckpointStore::serve(Replayer& replayer, int id, int conn) {
  auto line = read_line(conn);
  if (!line) return line.error();
  if (*line == "delete") {
    (void)write_all(conn, "ok\n");
    return std::optional<CheckpointCreated>(CheckpointCreated{-1, false});
  }
  if (line->rfind("restart ", 0) != 0) return make_error(ErrorKind::kBadInput, "unknown request: " + *line);
  pid_t previous = static_cast<pid_t>(atoi(line->c_str() + 8));
  size_t space = line->find(' ', 8);
  std::string order = space == std::string::npos ? "" : line->substr(space + 1);
  auto pid = fork_replay(replayer);
  if (!pid) return pid.error();
  if (*pid == 0) {
    wait_for_end(previous);  // until then the debugger's connection is the other's
    return std::optional<CheckpointCreated>(CheckpointCreated{id, true, order});
  }
  EBB_TRY(write_all(conn, "ok\n"));
  return std::optional<CheckpointCreated>(CheckpointCreated{*pid, false});  // a child to reap
}

Status CheckpointStore::restart(int id, const std::string& order) {
  EBB_TRY(ensure_folder());
  auto conn = connect_to(path(id, ".sock"));
  if (!conn) return make_error(ErrorKind::kBadInput, "no checkpoint " + std::to_string(id));
  std::string request = "restart " + std::to_string(getpid());
  if (!order.empty()) request += " " + order;
  EBB_TRY(write_all(conn->get(), request + "\n"));
  auto reply = read_line(conn->get());
  if (!reply) return reply.error();
  if (*reply != "ok") {
    std::string why = reply->rfind("error ", 0) == 0 ? reply->substr(6) : *reply;
    return make_error(ErrorKind::kUnsupported, "checkpoint " + std::to_string(id) + " cannot resume: " + why);
  }
  fflush(stdout);
  fflush(stderr);
  _exit(0);  // the replay's tracees end with this process (PTRACE_O_EXITKILL)
}

Status CheckpointStore::remove(int id) {
  EBB_TRY(ensure_folder());
  auto conn = connect_to(path(id, ".sock"));
  if (!conn) return make_error(ErrorKind::kBadInput, "no checkpoint " + std::to_string(id));
  EBB_TRY(write_all(conn->get(), "delete\n"));
  auto reply = read_line(conn->get());
  if (!reply) return reply.error();
  // The checkpoint removes these as it exits; a list right after must not
  // see them any more.
  ::unlink(path(id, ".info").c_str());
  ::unlink(path(id, ".sock").c_str());
  return ok_status();
}

Result<std::vector<CheckpointInfo>> CheckpointStore::list_auto() {
  EBB_TRY(ensure_folder());
  return list(true);
}

Result<std::vector<CheckpointInfo>> CheckpointStore::list(bool automatic) const {
  std::vector<CheckpointInfo> out;
  if (folder_.empty()) return out;
  std::map<int, std::string> found;
  if (DIR* d = opendir(folder_.c_str())) {
    while (dirent* e = readdir(d)) {
      std::string name = e->d_name;
      if (name.size() < 6 || name.substr(name.size() - 5) != ".info") continue;
      int id = atoi(name.c_str());
      FILE* f = fopen((folder_ + "/" + name).c_str(), "r");
      char buf[512] = {};
      if (f) {
        if (!fgets(buf, sizeof buf, f)) buf[0] = 0;
        fclose(f);
      }
      std::string where = buf;
      if (!where.empty() && where.back() == '\n') where.pop_back();
      if ((where.rfind("auto ", 0) == 0) == automatic) found[id] = where;
    }
    closedir(d);
  }
  for (auto& [id, where] : found) out.push_back({id, where});
  return out;
}

}  // namespace ebb::session
