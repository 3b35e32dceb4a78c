// A replay driven by a debugger. The replay engine runs in a context of its
// own (ucontext, same OS thread: ptrace requires it) and switches back to the
// caller whenever it stops for the debugger; resume() switches into it
// again. So the engine's code stays straight-line, and the debugger's
// requests are served while every tracee sits in a ptrace-stop.
#pragma once

#include <sys/user.h>
#include <ucontext.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "engine/base/result.h"
#include "engine/session/checkpoints.h"
#include "engine/session/diversion.h"
#include "engine/session/replay_task.h"
#include "engine/session/time_travel.h"

namespace ebb::session {

// One object in the dynamic loader's list (glibc's struct link_map).
struct LinkMapEntry {
  uint64_t lm = 0;      // the link_map's own address
  uint64_t l_addr = 0;  // load bias
  uint64_t l_ld = 0;    // its dynamic section
  std::string name;
};

struct LinkMap {
  uint64_t main_lm = 0;                  // the executable's link_map; 0: r_debug not filled yet
  std::vector<LinkMapEntry> libraries;   // the entries after it that have a name
};

class DebugSession : public DebugHook {
 public:
  // `pid`: the recorded process to debug (0: the first one).
  // `at_fork`: stop first where the process is created, not at its exec.
  // `anchor`: the process whose end ends the session's checkpoints (0: no
  // checkpoints).
  static Result<std::unique_ptr<DebugSession>> open(const std::string& trace_dir, const std::string& stub_path,
                                                    pid_t pid, bool at_fork = false, uint64_t start_event = 0,
                                                    pid_t anchor = 0);
  ~DebugSession() override;

  Result<DebugStop> start();
  // `step_tid`: the recorded thread to single-step (0: continue).
  Result<DebugStop> resume(pid_t step_tid, std::function<bool()> interrupted);
  // Reverse execution (debug_travel.cpp, docs/reverse.md): back to the last
  // breakpoint or watchpoint hit before now (`step_tid` 0; a watchpoint stops
  // before the instruction or syscall that accessed it), or one instruction
  // back in thread `step_tid`. kHistoryBegin where the replay's history
  // starts. The answer may come from another process of the session (a
  // checkpoint that replayed forward): travelled() then says so, and
  // client_state() is what set_client_state() was given before.
  Result<DebugStop> reverse(pid_t step_tid, std::function<bool()> interrupted);
  void set_client_state(std::string state) { client_state_ = std::move(state); }
  const std::string& client_state() const { return client_state_; }
  bool travelled() const { return travelled_; }
  // goto-event / goto-tick: the next resume or reverse, whichever way it
  // was asked to go, goes to the boundary after event `event` (thread
  // `tid`'s first instruction at tick `ticks`; or the very moment where
  // mark_ticks() was asked for that count) and stops there as a step.
  Status set_goal_event(uint64_t event);
  Status set_goal_tick(pid_t tid, uint64_t ticks);
  // Remembers this moment of thread tid under its tick count (when-ticks).
  Status mark_ticks(pid_t tid);

  pid_t debugged_pid() const { return pid_; }
  std::vector<pid_t> threads();
  Result<user_regs_struct> regs(pid_t tid);
  Result<user_fpregs_struct> fpregs(pid_t tid);
  Result<std::vector<uint8_t>> read_memory(pid_t tid, uint64_t addr, size_t len);
  // Writes start a diversion (diversion.h): the next resume runs the
  // program live from the changed state, until the debugger has put the
  // registers back (a function call returned, or only memory was written);
  // then that resume first puts the program back as recorded.
  Status write_registers(pid_t tid, const user_regs_struct& regs, const user_fpregs_struct& fpregs);
  Status write_memory(pid_t tid, uint64_t addr, const std::vector<uint8_t>& data);
  bool in_diversion() const { return diversion_ != nullptr; }
  // Ends a diversion now (a debugger that leaves): the program as recorded.
  Status end_diversion();
  // Checkpoints (checkpoints.h). checkpoint() returns twice: in this
  // process, and (resumed = true) in the one a later restart resumes.
  Result<CheckpointCreated> checkpoint();
  Status restart_checkpoint(int id);  // does not return on success
  Status delete_checkpoint(int id) {
    if (id >= kFirstAutoId) return make_error(ErrorKind::kBadInput, "no checkpoint " + std::to_string(id));
    return checkpoints_->remove(id);
  }
  Result<std::vector<CheckpointInfo>> checkpoints() const { return checkpoints_->list(); }
  // The soft tick clock (a trace recorded with --ticks=soft): thread tid's
  // count now, and a stop when it reaches `target` (later than now; kept
  // until reached).
  Result<uint64_t> ticks(pid_t tid);
  Status stop_at_tick(pid_t tid, uint64_t target);
  // The number of the trace event the replay is at (ebb dump's numbering).
  uint64_t current_event() const { return replayer_event(); }
  Status insert_breakpoint(uint64_t addr);
  Status remove_breakpoint(uint64_t addr);
  // Hardware watchpoints (debug registers): at most 4, each 1, 2, 4 or 8
  // bytes, aligned. `kind`: 1 write, 2 read, 3 access.
  Status insert_watchpoint(int kind, uint64_t addr, uint64_t len);
  Status remove_watchpoint(int kind, uint64_t addr, uint64_t len);
  std::string exe_path() const { return exe_path_; }
  // The copy of the file `path` saved in the trace when the program mapped
  // it executable; kBadInput when the trace has none.
  Result<std::string> saved_file(const std::string& path) const;
  Result<std::vector<uint8_t>> auxv();
  // The loader's link map, read from the replayed memory: auxv (AT_PHDR,
  // AT_PHNUM) -> PT_PHDR (load bias), PT_DYNAMIC -> DT_DEBUG -> r_debug.r_map
  // -> the l_next chain. Empty (main_lm 0) for a static executable and
  // before the loader filled r_debug. Stops early, as gdbserver does, where
  // an entry's l_prev does not point back (the loader is changing the list).
  Result<LinkMap> link_map();
  // The raw siginfo_t (128 bytes) of `tid`'s signal-delivery-stop: an error
  // unless the last stop was a recorded signal of that thread.
  Result<std::vector<uint8_t>> siginfo(pid_t tid);

  // DebugHook
  bool watches(pid_t tgid) override;
  pid_t stopped(const DebugStop& stop) override;
  bool inserted_at(uint64_t addr) override { return breakpoints_.count(addr) != 0; }
  Status lift(ReplayTask& task, uint64_t addr) override;
  Status relay(ReplayTask& task, uint64_t addr) override;
  bool interrupted() override { return interrupted_ && interrupted_(); }
  bool starts_at_fork() override { return at_fork_; }
  bool first_stop_due(uint64_t event) override {
    return (!first_stop_sent_ && start_event_ && event >= start_event_) || (stop_at_event_ && event >= stop_at_event_);
  }
  bool checkpoint_due(uint64_t event) override;
  bool quiet() override { return travelling_; }
  uint64_t watched(uint64_t addr, uint64_t len) override;
  uint64_t hardware_hit(ReplayTask& task, bool* fired = nullptr) override;
  Status task_created(ReplayTask& task) override;
  Status code_changing(ReplayTask& task, uint64_t start, uint64_t end, bool done) override;
  uint64_t tick_stop(pid_t tid) override {
    auto it = tick_stops_.find(tid);
    return it == tick_stops_.end() ? 0 : it->second;
  }

 private:
  DebugSession() = default;
  static void engine_entry(unsigned hi, unsigned lo);
  void run_engine();
  Result<DebugStop> switch_to_engine();
  ReplayTask* any_task();
  uint64_t replayer_event() const;
  Status apply_watchpoints();
  Status apply_watchpoints(ReplayTask& task);
  Status begin_diversion();
  // Reverse execution (debug_travel.cpp).
  struct AutoCheckpoint {
    int id = 0;
    bool origin = false;   // made at the first stop: the start of the history
    uint64_t event = 0;    // otherwise at the boundary after this event
    std::map<pid_t, uint64_t> ticks;  // the debugged process's threads' counts there
  };
  struct Hit {
    Moment at;
    DebugStop stop;
  };
  struct Goal {
    bool tick = false;
    pid_t tid = 0;
    uint64_t value = 0;
  };
  Result<DebugStop> run_internal(pid_t step_tid);
  Result<DebugStop> settle(Result<DebugStop> out);
  Result<bool> auto_checkpoint(bool origin);
  Result<bool> ensure_origin();
  void thin_checkpoints();
  void place_pending_breakpoints();
  bool auto_due(uint64_t event) const;
  Result<std::vector<AutoCheckpoint>> auto_checkpoints();
  Result<Moment> moment_now(pid_t tid);
  static Moment boundary(uint64_t event);  // the moment right after event `event`
  bool at(const Moment& m);
  Result<DebugStop> run_to(const Moment& m, const std::vector<uint64_t>* user_breakpoints, std::optional<Hit>* last_hit);
  Status set_debugger_state(const std::vector<uint64_t>& breakpoints, const std::vector<TravelWatch>& watches);
  TravelOrder order_here(TravelKind kind);
  Status send_before(TravelOrder order, const pid_t* tick_tid = nullptr);
  Status send_here(TravelOrder order);
  Status history_begins_here(const TravelOrder& from);
  Result<DebugStop> follow(const TravelOrder& order);
  Result<DebugStop> follow_scan(const TravelOrder& order);
  Result<DebugStop> follow_step_back(const TravelOrder& order);
  Result<DebugStop> follow_goto(const TravelOrder& order);
  Result<DebugStop> follow_goto_tick(const TravelOrder& order);
  Result<DebugStop> reach_goal(const Goal& goal);
  Result<DebugStop> run_to_tick(pid_t tid, uint64_t want);
  bool shown_as_program(pid_t tid, const Moment& m);
  Result<std::optional<Moment>> find_mark(pid_t tid, uint64_t ticks);
  pid_t current_tid() const { return last_stop_.tid ? last_stop_.tid : pid_; }
  std::optional<TravelOrder> pending_order_;  // what a checkpoint was resumed to do
  std::optional<Goal> goal_;
  std::string client_state_;
  bool travelled_ = false;
  bool travelling_ = false;  // following an order: output was seen before
  uint64_t stop_at_event_ = 0;  // a boundary stop (kInitial) after this event
  bool boundary_reached_ = false;
  bool origin_made_ = false;
  std::optional<AutoCheckpoint> resumed_from_;  // the checkpoint this process was resumed from
  std::chrono::steady_clock::time_point last_auto_{};
  uint64_t last_auto_event_ = 0;
  int autos_made_ = 0;
  std::vector<uint64_t> pending_breakpoints_;  // not insertable yet at this earlier point
  std::string no_reverse_why_;                 // why the origin could not be made
  std::unique_ptr<Diversion> diversion_;
  std::unique_ptr<CheckpointStore> checkpoints_;
  std::map<pid_t, uint64_t> tick_stops_;  // recorded tid -> the tick to stop it at
  std::map<uint64_t, uint8_t> breakpoints_at_diversion_;
  struct Watch {
    int kind;
    uint64_t addr, len;
    // Read watchpoints (debug registers see reads and writes alike): the
    // bytes after the last access, so that a write (a change) is told apart.
    std::vector<uint8_t> last;
  };
  void remember_value(Watch& w);
  std::vector<Watch> watches_;

  std::unique_ptr<trace::TraceReader> reader_;
  std::unique_ptr<Replayer> replayer_;
  pid_t pid_ = 0;
  bool at_fork_ = false;
  uint64_t start_event_ = 0;      // -g: no stop before this event
  bool first_stop_sent_ = false;
  std::string exe_path_;
  std::string trace_dir_;
  std::map<uint64_t, uint8_t> breakpoints_;  // where the int3 is -> the program's byte there
  std::map<uint64_t, uint64_t> placed_;      // a breakpoint's address -> its int3's, where they differ
  std::vector<uint64_t> moved_breakpoints_;  // out while the tick clock patches code
  ucontext_t caller_{}, engine_{};
  void* stack_ = nullptr;
  size_t stack_size_ = 0;
  bool started_ = false, finished_ = false;
  DebugStop last_stop_{DebugStopKind::kInitial};
  std::optional<Error> engine_error_;
  pid_t next_step_ = 0;
  std::function<bool()> interrupted_;
};

}  // namespace ebb::session
