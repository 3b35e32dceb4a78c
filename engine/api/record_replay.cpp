#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "engine/api/ebb_api.h"
#include "engine/base/log.h"
#include "engine/session/record_session.h"
#include "engine/session/replay_session.h"
#include "engine/ticks/tick_source.h"
#include "engine/trace/trace_dir.h"

namespace ebb::api {

namespace {

bool is_runnable(const std::string& path, int* err) {
  struct stat st;
  if (stat(path.c_str(), &st) < 0) {
    *err = errno;
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    *err = EISDIR;
    return false;
  }
  if (access(path.c_str(), X_OK) < 0) {
    *err = errno;
    return false;
  }
  return true;
}

Result<std::string> resolve_program(const std::string& prog) {
  int err = ENOENT;
  if (prog.find('/') != std::string::npos) {
    if (is_runnable(prog, &err)) {
      char* real = realpath(prog.c_str(), nullptr);
      std::string out = real ? real : prog;
      free(real);
      return out;
    }
  } else {
    const char* path_env = getenv("PATH");
    std::stringstream ss(path_env ? path_env : "/usr/local/bin:/usr/bin:/bin");
    std::string dir;
    while (std::getline(ss, dir, ':')) {
      std::string candidate = (dir.empty() ? "." : dir) + "/" + prog;
      int e = 0;
      if (is_runnable(candidate, &e)) return candidate;
    }
  }
  return make_error(ErrorKind::kBadInput, "cannot run '" + prog + "': " + std::strerror(err));
}

}  // namespace

// ebb-stub is installed next to the ebb executable.
Result<std::string> find_stub() {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return os_error("readlink /proc/self/exe");
  std::string path(self, static_cast<size_t>(n));
  path = path.substr(0, path.rfind('/') + 1) + "ebb-stub";
  if (access(path.c_str(), X_OK) == 0) return path;
  // Programs linked with the engine inside the build tree (unit tests).
  if (access(EBB_BUILD_STUB_PATH, X_OK) == 0) return std::string(EBB_BUILD_STUB_PATH);
  return make_error(ErrorKind::kBadInput, "cannot find " + path + " (it is built and installed with ebb)");
}


Result<RecordResult> record(const RecordRequest& request) {
  if (request.argv.empty()) return make_error(ErrorKind::kBadInput, "no program to record");
  auto exe = resolve_program(request.argv[0]);
  if (!exe) return exe.error();
  std::string dir = request.output_dir;
  if (dir.empty()) {
    auto chosen = trace::choose_trace_dir(request.argv[0]);
    if (!chosen) return chosen.error();
    dir = *chosen;
  }
  session::RecordConfig config{dir, *exe, request.argv};
  if (request.ticks != "none") {
    auto wanted = ticks::parse_tick_source_request(request.ticks);
    if (!wanted) return make_error(ErrorKind::kUnsupported, wanted.error().message);
    auto chosen = ticks::choose_tick_source(*wanted, ticks::probe_pmu());
    if (!chosen) return make_error(ErrorKind::kUnsupported, chosen.error().message);
    log_debug("tick clock: %s (%s)", ticks::tick_source_kind_name(chosen->kind), chosen->reason.c_str());
    config.soft_ticks = chosen->kind == ticks::TickSourceKind::kSoft;
    if (*wanted == ticks::TickSourceRequest::kAuto) config.tick_reason = chosen->reason;
  }
  auto out = session::record(config);
  if (!out) return out.error();
  trace::update_latest_link(dir);
  return RecordResult{out->program, dir, out->stopped_early, out->end_note, out->events};
}

Result<ProgramOutcome> replay_autopilot(const std::string& trace_arg, int pid) {
  auto dir = trace::resolve_trace_dir(trace_arg);
  if (!dir) return dir.error();
  if (pid) {
    auto process = find_process(*dir, pid);
    if (!process) return process.error();
  }
  auto stub = find_stub();
  if (!stub) return stub.error();
  return session::replay_autopilot({*dir, *stub});
}

}  // namespace ebb::api
