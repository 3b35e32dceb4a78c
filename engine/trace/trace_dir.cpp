#include "engine/trace/trace_dir.h"

#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

#include "engine/base/log.h"
#include "engine/trace/format.h"

namespace ebb::trace {

namespace {

constexpr const char* kLatestLink = "latest-trace";

std::string home_dir() {
  const char* home = getenv("HOME");
  if (home != nullptr && home[0] != '\0') return home;
  if (struct passwd* pw = getpwuid(getuid()); pw != nullptr && pw->pw_dir != nullptr) {
    return pw->pw_dir;
  }
  return "/tmp";
}

std::string base_name(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

std::string parent_dir(const std::string& path) {
  std::string p = path;
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  const size_t slash = p.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : p.substr(0, slash);
}

bool exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

bool is_dir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_trace_dir(const std::string& path) {
  return is_dir(path) && exists(path + "/" + kHeaderFile);
}

std::optional<std::string> real_path(const std::string& path) {
  char buf[PATH_MAX];
  if (realpath(path.c_str(), buf) == nullptr) return std::nullopt;
  return std::string(buf);
}

// mkdir -p.
Status make_dirs(const std::string& path) {
  if (is_dir(path)) return ok_status();
  const std::string parent = parent_dir(path);
  if (parent != path) EBB_TRY(make_dirs(parent));
  if (mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    return os_error("cannot create trace folder " + path);
  }
  return ok_status();
}

}  // namespace

std::string default_trace_root() {
  const char* env = getenv("EBB_TRACE_DIR");
  if (env != nullptr && env[0] != '\0') return env;
  return home_dir() + "/.local/share/ebb";
}

Result<std::string> choose_trace_dir(const std::string& prog) {
  const std::string root = default_trace_root();
  EBB_TRY(make_dirs(root));
  std::string name = base_name(prog);
  if (name.empty() || name == "/" || name == "." || name == "..") name = "trace";
  for (unsigned n = 0;; ++n) {
    std::string candidate = root + "/" + name + "-" + std::to_string(n);
    if (!exists(candidate)) return candidate;
  }
}

void update_latest_link(const std::string& dir) {
  const std::string root = default_trace_root();
  std::optional<std::string> real_root = real_path(root);
  std::optional<std::string> real_parent = real_path(parent_dir(dir));
  if (!real_root || !real_parent || *real_root != *real_parent) return;
  // A relative target keeps the link valid if the whole folder moves. Replace
  // the link atomically: make it under a temporary name, then rename.
  const std::string link = root + "/" + kLatestLink;
  const std::string tmp = link + ".tmp." + std::to_string(getpid());
  unlink(tmp.c_str());
  if (symlink(base_name(dir).c_str(), tmp.c_str()) != 0 || rename(tmp.c_str(), link.c_str()) != 0) {
    log_warn("cannot update %s: %s", link.c_str(), strerror(errno));
    unlink(tmp.c_str());
  }
}

Result<std::string> resolve_trace_dir(const std::string& arg) {
  const std::string root = default_trace_root();
  if (arg.empty()) {
    const std::string link = root + "/" + kLatestLink;
    if (!exists(link)) {
      return make_error(ErrorKind::kBadInput, "no traces recorded yet in " + root);
    }
    std::optional<std::string> target = real_path(link);
    if (!target) {
      return make_error(ErrorKind::kBadInput,
                        link + " points to a trace that no longer exists");
    }
    return *target;
  }
  if (is_trace_dir(arg)) return arg;
  if (arg.find('/') == std::string::npos && is_trace_dir(root + "/" + arg)) {
    return root + "/" + arg;
  }
  if (is_dir(arg)) {
    return make_error(ErrorKind::kBadInput, arg + " is not an ebb trace (it has no header file)");
  }
  return make_error(ErrorKind::kBadInput,
                    "no trace " + arg + ": not a trace directory, nor a trace in " + root);
}

}  // namespace ebb::trace
