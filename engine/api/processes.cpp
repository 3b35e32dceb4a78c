// `ebb ps`: the process tree of a recording, from its clone, exec and exit
// events.
#include <map>

#include "engine/api/ebb_api.h"
#include "engine/session/event_codec.h"
#include "engine/trace/reader.h"
#include "engine/trace/trace_dir.h"

namespace ebb::api {

Result<std::vector<RecordedProcess>> processes(const std::string& trace_arg) {
  auto dir = trace::resolve_trace_dir(trace_arg);
  if (!dir) return dir.error();
  auto reader = trace::TraceReader::open(*dir);
  if (!reader) return reader.error();
  std::vector<RecordedProcess> out;
  std::map<int, size_t> by_pid;   // recorded pid -> index in out
  std::map<int, int> tgid_of;     // recorded tid -> pid
  while (true) {
    auto more = (*reader)->next();
    if (!more) return more.error();
    if (!*more) break;
    auto ev = (*reader)->event();
    int tid = ev.getTid();
    int pid = tgid_of.count(tid) ? tgid_of[tid] : tid;
    if (ev.isExec()) {
      if (!by_pid.count(pid)) {
        by_pid[pid] = out.size();
        out.push_back(RecordedProcess{pid, 0, {}, true, false, true, 0});
        tgid_of[tid] = pid;
      }
      auto& p = out[by_pid[pid]];
      p.execs = true;
      p.argv.clear();
      for (auto a : ev.getExec().getArgv()) p.argv.push_back(a.cStr());
    } else if (ev.isClone()) {
      auto c = ev.getClone();
      if (c.getThread()) {
        tgid_of[c.getChildTid()] = pid;
      } else {
        tgid_of[c.getChildTid()] = c.getChildTid();
        by_pid[c.getChildTid()] = out.size();
        RecordedProcess child{c.getChildTid(), pid, {}, false, false, true, 0};
        if (by_pid.count(pid)) child.argv = out[by_pid[pid]].argv;
        out.push_back(child);
      }
    } else if (ev.isExit() && tid == pid && by_pid.count(pid)) {
      auto& p = out[by_pid[pid]];
      p.ended = true;
      p.exited = ev.getExit().getExited();
      p.status = ev.getExit().getStatus();
    }
  }
  return out;
}

Result<RecordedProcess> find_process(const std::string& trace_arg, int pid) {
  auto procs = processes(trace_arg);
  if (!procs) return procs.error();
  for (const auto& p : *procs)
    if (p.pid == pid) return p;
  return make_error(ErrorKind::kBadInput, "process " + std::to_string(pid) + " is not in the recording (see ebb ps)");
}

Status ps(const std::string& trace_arg, FILE* out) {
  auto procs = processes(trace_arg);
  if (!procs) return procs.error();
  fprintf(out, "%-8s %-8s %-10s %s\n", "PID", "PPID", "EXIT", "CMD");
  for (const auto& p : *procs) {
    std::string exit = !p.ended ? "-" : p.exited ? std::to_string(p.status) : session::signal_name(p.status);
    std::string cmd;
    for (const auto& a : p.argv) cmd += (cmd.empty() ? "" : " ") + a;
    fprintf(out, "%-8d %-8s %-10s %s\n", p.pid, p.ppid ? std::to_string(p.ppid).c_str() : "-", exit.c_str(),
            cmd.c_str());
  }
  return ok_status();
}

}  // namespace ebb::api
