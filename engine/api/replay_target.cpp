// ReplayTarget over a session::DebugSession.
#include "engine/api/replay_target.h"
#include "engine/api/ebb_api.h"

#include <limits.h>
#include <unistd.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>

#include "engine/arch/regs.h"
#include "engine/session/debug_session.h"
#include "engine/trace/trace_dir.h"

namespace ebb::api {

Result<std::string> find_stub();  // record_replay.cpp

namespace {

StopReason reason_of(session::DebugStopKind kind) {
  switch (kind) {
    case session::DebugStopKind::kInitial: return StopReason::kInitial;
    case session::DebugStopKind::kBreakpoint: return StopReason::kBreakpoint;
    case session::DebugStopKind::kStep: return StopReason::kStep;
    case session::DebugStopKind::kSignal: return StopReason::kSignal;
    case session::DebugStopKind::kExited: return StopReason::kExited;
    case session::DebugStopKind::kKilled: return StopReason::kKilled;
    case session::DebugStopKind::kInterrupted: return StopReason::kInterrupted;
    case session::DebugStopKind::kWatch: return StopReason::kWatch;
    case session::DebugStopKind::kHistoryBegin: return StopReason::kHistoryBegin;
    case session::DebugStopKind::kCheckpoint:
    case session::DebugStopKind::kTravel: break;  // the session's own, never returned
  }
  return StopReason::kInterrupted;
}

std::string hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "0x%" PRIx64, v);
  return buf;
}

// A library path in an XML attribute value.
std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

// The format gdbserver writes (linux-low.cc, qxfer_libraries_svr4) and
// gdb's features/library-list-svr4.dtd describes. gdb 13 requires lmid (the
// link-map namespace; DT_DEBUG's r_debug is the default one, 0); older ones
// ignore it.
std::string library_list_svr4(const session::LinkMap& map) {
  std::string out = "<library-list-svr4 version=\"1.0\"";
  if (map.main_lm) out += " main-lm=\"" + hex(map.main_lm) + "\"";
  if (map.libraries.empty()) return out + "/>";
  out += ">";
  for (const session::LinkMapEntry& e : map.libraries) {
    out += "<library name=\"" + xml_escape(e.name) + "\" lm=\"" + hex(e.lm) + "\" l_addr=\"" + hex(e.l_addr) +
           "\" l_ld=\"" + hex(e.l_ld) + "\" lmid=\"0x0\"/>";
  }
  return out + "</library-list-svr4>";
}

class SessionTarget : public ReplayTarget {
 public:
  explicit SessionTarget(std::unique_ptr<session::DebugSession> s) : s_(std::move(s)) {}

  Result<StopInfo> start() override { return convert(s_->start()); }

  std::vector<ThreadRef> threads() override {
    std::vector<ThreadRef> out;
    for (pid_t tid : s_->threads()) out.push_back({s_->debugged_pid(), tid});
    return out;
  }

  ThreadRef current_thread() override { return current_; }

  Result<RegisterSet> registers(ThreadRef thread) override {
    auto gp = s_->regs(thread.tid);
    if (!gp) return gp.error();
    auto fp = s_->fpregs(thread.tid);
    if (!fp) return fp.error();
    RegisterSet out;
    out.gp = arch::to_array(*gp);
    static_assert(sizeof(user_fpregs_struct) == 512);
    std::memcpy(out.fxsave.data(), &*fp, 512);
    return out;
  }

  Result<std::vector<uint8_t>> read_memory(ThreadRef thread, uint64_t addr, size_t len) override {
    return s_->read_memory(thread.tid, addr, len);
  }
  Status write_registers(ThreadRef thread, const RegisterSet& regs) override {
    user_fpregs_struct fp;
    std::memcpy(&fp, regs.fxsave.data(), sizeof fp);
    return s_->write_registers(thread.tid, arch::from_array(regs.gp), fp);
  }
  Status write_memory(ThreadRef thread, uint64_t addr, const std::vector<uint8_t>& data) override {
    return s_->write_memory(thread.tid, addr, data);
  }
  Status end_diversion() override { return s_->end_diversion(); }
  Status insert_breakpoint(uint64_t addr) override { return s_->insert_breakpoint(addr); }
  Status remove_breakpoint(uint64_t addr) override { return s_->remove_breakpoint(addr); }
  Status insert_watchpoint(WatchKind kind, uint64_t addr, uint64_t len) override {
    return s_->insert_watchpoint(static_cast<int>(kind), addr, len);
  }
  Status remove_watchpoint(WatchKind kind, uint64_t addr, uint64_t len) override {
    return s_->remove_watchpoint(static_cast<int>(kind), addr, len);
  }

  Result<StopInfo> resume(const ResumeAction& action, const std::function<bool()>& interrupted) override {
    bool step = action.kind == ResumeKind::kStep || action.kind == ResumeKind::kReverseStep;
    pid_t tid = step ? (action.thread.tid ? action.thread.tid : current_.tid) : 0;
    s_->set_client_state(action.client_state);
    bool reverse = action.kind == ResumeKind::kReverseContinue || action.kind == ResumeKind::kReverseStep;
    auto out = convert(reverse ? s_->reverse(tid, interrupted) : s_->resume(tid, interrupted));
    if (out && s_->travelled()) {
      out->travelled = true;
      out->client_state = s_->client_state();
    }
    return out;
  }

  Result<CheckpointMade> checkpoint() override {
    auto c = s_->checkpoint();
    if (!c) return c.error();
    return CheckpointMade{c->id, c->resumed};
  }
  Status restart_checkpoint(int id) override { return s_->restart_checkpoint(id); }
  Status delete_checkpoint(int id) override { return s_->delete_checkpoint(id); }
  Result<std::vector<Checkpoint>> checkpoints() override {
    auto list = s_->checkpoints();
    if (!list) return list.error();
    std::vector<Checkpoint> out;
    for (auto& c : *list) out.push_back({c.id, c.where});
    return out;
  }
  uint64_t current_event() override { return s_->current_event(); }
  Result<uint64_t> thread_ticks(ThreadRef thread) override { return s_->ticks(thread.tid); }
  Status stop_at_tick(ThreadRef thread, uint64_t target) override { return s_->stop_at_tick(thread.tid, target); }
  Status goto_event(uint64_t event) override { return s_->set_goal_event(event); }
  Status goto_tick(ThreadRef thread, uint64_t ticks) override { return s_->set_goal_tick(thread.tid, ticks); }
  Status mark_ticks(ThreadRef thread) override { return s_->mark_ticks(thread.tid); }
  std::string exe_path() override { return s_->exe_path(); }
  Result<std::string> saved_file(const std::string& path) override { return s_->saved_file(path); }
  Result<std::vector<uint8_t>> auxv() override { return s_->auxv(); }
  Result<std::string> libraries_svr4() override {
    auto map = s_->link_map();
    if (!map) return map.error();
    return library_list_svr4(*map);
  }
  Result<std::vector<uint8_t>> siginfo(ThreadRef thread) override { return s_->siginfo(thread.tid); }

 private:
  Result<StopInfo> convert(Result<session::DebugStop> stop) {
    if (!stop) return stop.error();
    StopInfo out{reason_of(stop->kind), {s_->debugged_pid(), stop->tid}, stop->signal, stop->exit_code, stop->addr};
    if (out.thread.tid == 0) out.thread.tid = s_->debugged_pid();
    current_ = out.thread;
    return out;
  }

  std::unique_ptr<session::DebugSession> s_;
  ThreadRef current_;
};

}  // namespace

Result<std::unique_ptr<ReplayTarget>> ReplayTarget::open(const ReplayTargetOptions& options) {
  auto dir = trace::resolve_trace_dir(options.trace);
  if (!dir) return dir.error();
  auto stub = find_stub();
  if (!stub) return stub.error();
  bool at_fork = false;
  if (options.pid) {
    auto process = find_process(*dir, options.pid);
    if (!process) return process.error();
    at_fork = options.from_fork || !process->execs;  // a child that never execs is debugged from its fork
  }
  auto s = session::DebugSession::open(*dir, *stub, options.pid, at_fork, options.goto_event, options.anchor);
  if (!s) return s.error();
  return std::unique_ptr<ReplayTarget>(new SessionTarget(std::move(*s)));
}

void end_checkpoints(int anchor) { session::remove_checkpoint_folder(anchor); }

}  // namespace ebb::api
