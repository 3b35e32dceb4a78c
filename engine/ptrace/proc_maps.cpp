#include "engine/ptrace/proc_maps.h"

#include <sched.h>
#include <sys/mman.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ebb::ptrace {

std::vector<MapEntry> parse_maps(const std::string& text) {
  std::vector<MapEntry> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    MapEntry e;
    char perms[8] = {};
    unsigned dev_major = 0, dev_minor = 0;
    int name_pos = 0;
    if (sscanf(line.c_str(), "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64 " %x:%x %" SCNu64 " %n",
               &e.start, &e.end, perms, &e.offset, &dev_major, &dev_minor, &e.inode,
               &name_pos) < 7)
      continue;
    if (perms[0] == 'r') e.prot |= PROT_READ;
    if (perms[1] == 'w') e.prot |= PROT_WRITE;
    if (perms[2] == 'x') e.prot |= PROT_EXEC;
    e.shared = perms[3] == 's';
    if (name_pos > 0 && static_cast<size_t>(name_pos) <= line.size()) e.name = line.substr(name_pos);
    out.push_back(e);
  }
  return out;
}

Result<std::vector<MapEntry>> read_maps(pid_t pid) {
  std::string path = "/proc/" + std::to_string(pid) + "/maps";
  std::ifstream f(path);
  if (!f) return os_error("open " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_maps(ss.str());
}

Result<uint64_t> read_status_mask(pid_t pid, const char* field) {
  std::string path = "/proc/" + std::to_string(pid) + "/status";
  std::ifstream f(path);
  if (!f) return os_error("open " + path);
  std::string line;
  std::string prefix = std::string(field) + ":";
  while (std::getline(f, line)) {
    if (line.rfind(prefix, 0) == 0) return std::stoull(line.substr(prefix.size()), nullptr, 16);
  }
  return make_error(ErrorKind::kOs, "no " + std::string(field) + " in " + path);
}

std::vector<uint64_t> thread_stack_pointers(pid_t pid) {
  std::vector<uint64_t> out;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(entry.path() / "syscall");
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    if (words.size() != 3 && words.size() != 9) continue;
    out.push_back(std::strtoull(words[words.size() - 2].c_str(), nullptr, 16));
  }
  return out;
}

Status wait_until_zombie(pid_t tid) {
  std::string path = "/proc/" + std::to_string(tid) + "/stat";
  for (int i = 0; i < 2000000; ++i) {
    std::ifstream f(path);
    std::string text;
    if (!f || !std::getline(f, text)) return ok_status();  // already gone
    size_t paren = text.rfind(')');
    char state = paren != std::string::npos && paren + 2 < text.size() ? text[paren + 2] : '?';
    if (state == 'Z' || state == 'X') return ok_status();
    sched_yield();
  }
  return make_error(ErrorKind::kTraceeGone, "thread " + std::to_string(tid) + " did not finish exiting");
}

}  // namespace ebb::ptrace
