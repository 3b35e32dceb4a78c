// ReplayRspTarget (gdbstub/target) against a scripted api::ReplayTarget: the
// adapter's own mappings, without an engine run or a client.
#include "gdbstub/target/replay_rsp_target.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <deque>
#include <map>
#include <set>

#include "gdbstub/target_xml/target_xml.h"

namespace ebb::rsp {
namespace {

constexpr api::ThreadRef kMain{100, 100};
constexpr api::ThreadRef kOther{100, 101};
constexpr uint64_t kPage = 0x7000;  // the one readable page

class FakeReplay : public api::ReplayTarget {
 public:
  Result<api::StopInfo> start() override { return api::StopInfo{}; }
  std::vector<api::ThreadRef> threads() override { return {kMain, kOther}; }
  api::ThreadRef current_thread() override { return current; }
  Result<api::RegisterSet> registers(api::ThreadRef t) override {
    if (!(t == kMain) && !(t == kOther)) return make_error(ErrorKind::kTraceeGone, "no such thread");
    return regs;
  }
  Result<std::vector<uint8_t>> read_memory(api::ThreadRef, uint64_t addr, size_t len) override {
    ++memory_reads;
    if (addr < kPage || addr + len > kPage + 0x1000) return make_error(ErrorKind::kOs, "EFAULT");
    std::vector<uint8_t> out(len);
    for (size_t i = 0; i < len; ++i) out[i] = static_cast<uint8_t>(addr + i);
    return out;
  }
  Status write_registers(api::ThreadRef, const api::RegisterSet& r) override {
    written_regs = r;
    return ok_status();
  }
  Status write_memory(api::ThreadRef, uint64_t addr, const std::vector<uint8_t>& data) override {
    written_memory[addr] = data;
    return ok_status();
  }
  Result<api::CheckpointMade> checkpoint() override { return api::CheckpointMade{++checkpoints_made, false}; }
  Status restart_checkpoint(int id) override {
    return make_error(ErrorKind::kBadInput, "no checkpoint " + std::to_string(id));
  }
  Status delete_checkpoint(int) override { return ok_status(); }
  Result<std::vector<api::Checkpoint>> checkpoints() override {
    std::vector<api::Checkpoint> out;
    for (int i = 1; i <= checkpoints_made; ++i) out.push_back({i, "event " + std::to_string(i)});
    return out;
  }
  uint64_t current_event() override { return 42; }
  Result<uint64_t> thread_ticks(api::ThreadRef) override { return uint64_t{1000}; }
  std::string goal;
  int marks = 0;
  Status stop_at_tick(api::ThreadRef, uint64_t target) override {
    tick_stop = target;
    return ok_status();
  }
  Status goto_event(uint64_t event) override {
    goal = "event " + std::to_string(event);
    return ok_status();
  }
  Status goto_tick(api::ThreadRef t, uint64_t ticks) override {
    goal = "tick " + std::to_string(t.tid) + " " + std::to_string(ticks);
    return ok_status();
  }
  Status mark_ticks(api::ThreadRef) override {
    ++marks;
    return ok_status();
  }
  Status end_diversion() override {
    ++diversions_ended;
    return ok_status();
  }
  Status insert_breakpoint(uint64_t addr) override {
    inserted.push_back(addr);
    live.insert(addr);
    return ok_status();
  }
  Status remove_breakpoint(uint64_t addr) override {
    removed.push_back(addr);
    live.erase(addr);
    return ok_status();
  }
  Status insert_watchpoint(api::WatchKind kind, uint64_t addr, uint64_t len) override {
    if (len != 1 && len != 2 && len != 4 && len != 8) return make_error(ErrorKind::kUnsupported, "bad length");
    if (addr % len != 0) return make_error(ErrorKind::kUnsupported, "misaligned");
    if (watches.size() == 4) return make_error(ErrorKind::kUnsupported, "all 4 debug registers in use");
    watches[addr] = {kind, len};
    return ok_status();
  }
  Status remove_watchpoint(api::WatchKind, uint64_t addr, uint64_t) override {
    watches.erase(addr);
    return ok_status();
  }
  Result<api::StopInfo> resume(const api::ResumeAction& action,
                               const std::function<bool()>& interrupted) override {
    actions.push_back(action);
    saw_interrupt = interrupted();
    if (stops.empty()) return make_error(ErrorKind::kDivergence, "no more stops");
    api::StopInfo s = stops.front();
    stops.pop_front();
    current = s.thread;
    return s;
  }
  std::string exe_path() override { return "/bin/recorded"; }
  Result<std::string> saved_file(const std::string& path) override {
    auto it = saved.find(path);
    if (it == saved.end()) return make_error(ErrorKind::kBadInput, "no saved copy");
    return it->second;
  }
  Result<std::vector<uint8_t>> auxv() override { return std::vector<uint8_t>{6, 0, 0, 0, 0, 0, 0, 0}; }
  Result<std::string> libraries_svr4() override { return libraries; }
  Result<std::vector<uint8_t>> siginfo(api::ThreadRef t) override {
    siginfo_threads.push_back(t);
    if (!signal_stop) return make_error(ErrorKind::kBadInput, "not stopped at a signal");
    return std::vector<uint8_t>(128, 0x5a);
  }

  api::ThreadRef current = kMain;
  api::RegisterSet regs;
  std::vector<uint64_t> inserted, removed;
  std::set<uint64_t> live;
  std::optional<api::RegisterSet> written_regs;
  std::map<uint64_t, std::vector<uint8_t>> written_memory;
  int diversions_ended = 0;
  int checkpoints_made = 0;
  uint64_t tick_stop = 0;
  std::map<uint64_t, std::pair<api::WatchKind, uint64_t>> watches;
  std::vector<api::ResumeAction> actions;
  std::deque<api::StopInfo> stops;
  bool saw_interrupt = false;
  int memory_reads = 0;
  std::string libraries = "<library-list-svr4 version=\"1.0\"/>";
  bool signal_stop = false;
  std::vector<api::ThreadRef> siginfo_threads;
  std::map<std::string, std::string> saved;  // original path -> saved copy
};

class Control final : public RspResumeControl {
 public:
  bool interrupt_requested() override { return interrupt; }
  int wakeup_fd() const override { return -1; }
  bool interrupt = false;
};

uint64_t field(const RspBytes& g, const char* name) {
  const RspRegisterInfo* r = rsp_x86_64_register(name);
  uint64_t v = 0;
  for (uint32_t i = 0; i < r->size && i < 8; ++i) v |= static_cast<uint64_t>(g[r->offset + i]) << (8 * i);
  return v;
}

RspThread rsp(api::ThreadRef t) { return RspThread{t.pid, t.tid}; }

TEST(RegisterMapping, GeneralRegistersInDescriptionOrder) {
  api::RegisterSet regs;
  // user_regs_struct slot i holds 0x1000 + i, with high bits set so that
  // 32-bit registers show truncation.
  for (size_t i = 0; i < regs.gp.size(); ++i) regs.gp[i] = 0xabcd000000000000ull | (0x1000 + i);
  RspBytes g = registers_to_rsp(regs);
  ASSERT_EQ(g.size(), rsp_x86_64_registers_size());
  auto slot = [](size_t i) { return 0xabcd000000000000ull | (0x1000 + i); };
  EXPECT_EQ(field(g, "r15"), slot(0));
  EXPECT_EQ(field(g, "r14"), slot(1));
  EXPECT_EQ(field(g, "r13"), slot(2));
  EXPECT_EQ(field(g, "r12"), slot(3));
  EXPECT_EQ(field(g, "rbp"), slot(4));
  EXPECT_EQ(field(g, "rbx"), slot(5));
  EXPECT_EQ(field(g, "r11"), slot(6));
  EXPECT_EQ(field(g, "r10"), slot(7));
  EXPECT_EQ(field(g, "r9"), slot(8));
  EXPECT_EQ(field(g, "r8"), slot(9));
  EXPECT_EQ(field(g, "rax"), slot(10));
  EXPECT_EQ(field(g, "rcx"), slot(11));
  EXPECT_EQ(field(g, "rdx"), slot(12));
  EXPECT_EQ(field(g, "rsi"), slot(13));
  EXPECT_EQ(field(g, "rdi"), slot(14));
  EXPECT_EQ(field(g, "orig_rax"), slot(15));
  EXPECT_EQ(field(g, "rip"), slot(16));
  EXPECT_EQ(field(g, "cs"), 0x1000u + 17);  // 32 bits in the description
  EXPECT_EQ(field(g, "eflags"), 0x1000u + 18);
  EXPECT_EQ(field(g, "rsp"), slot(19));
  EXPECT_EQ(field(g, "ss"), 0x1000u + 20);
  EXPECT_EQ(field(g, "fs_base"), slot(21));
  EXPECT_EQ(field(g, "gs_base"), slot(22));
  EXPECT_EQ(field(g, "ds"), 0x1000u + 23);
  EXPECT_EQ(field(g, "es"), 0x1000u + 24);
  EXPECT_EQ(field(g, "fs"), 0x1000u + 25);
  EXPECT_EQ(field(g, "gs"), 0x1000u + 26);
}

TEST(RegisterMapping, FxsaveFields) {
  api::RegisterSet regs;
  auto put = [&](size_t off, uint64_t v, size_t n) {
    for (size_t i = 0; i < n; ++i) regs.fxsave[off + i] = static_cast<uint8_t>(v >> (8 * i));
  };
  put(0, 0x037f, 2);                  // fcw
  put(2, 0x3800 | 0x20, 2);           // fsw: top = 7, PE
  regs.fxsave[4] = 0x80;              // abridged tag: physical 7 (= st0) in use
  put(6, 0xf8d9, 2);                  // fop with bits above the 11-bit opcode
  put(8, 0x1122334455667788ull, 8);   // fip
  put(16, 0x99aabbccddeeff00ull, 8);  // fdp
  put(24, 0x1f80, 4);                 // mxcsr
  put(32, 0x8000000000000000ull, 8);  // st0 = 1.0
  put(40, 0x3fff, 2);
  for (size_t i = 0; i < 16; ++i) regs.fxsave[160 + 16 * 15 + i] = static_cast<uint8_t>(0xf0 + i);  // xmm15
  RspBytes g = registers_to_rsp(regs);
  EXPECT_EQ(field(g, "fctrl"), 0x37fu);
  EXPECT_EQ(field(g, "fstat"), 0x3820u);
  // Physical 7 valid (00), the rest empty (11).
  EXPECT_EQ(field(g, "ftag"), 0x3fffu);
  EXPECT_EQ(field(g, "fop"), 0xd9u);  // 0xf8d9 & 0x7ff
  EXPECT_EQ(field(g, "fioff"), 0x55667788u);
  EXPECT_EQ(field(g, "fiseg"), 0x11223344u);
  EXPECT_EQ(field(g, "fooff"), 0xddeeff00u);
  EXPECT_EQ(field(g, "foseg"), 0x99aabbccu);
  EXPECT_EQ(field(g, "mxcsr"), 0x1f80u);
  const RspRegisterInfo* st0 = rsp_x86_64_register("st0");
  EXPECT_EQ(g[st0->offset + 7], 0x80);
  EXPECT_EQ(g[st0->offset + 8], 0xff);
  EXPECT_EQ(g[st0->offset + 9], 0x3f);
  const RspRegisterInfo* xmm15 = rsp_x86_64_register("xmm15");
  for (uint32_t i = 0; i < 16; ++i) EXPECT_EQ(g[xmm15->offset + i], 0xf0 + i);
  const RspRegisterInfo* ymm0h = rsp_x86_64_register("ymm0h");
  for (uint32_t i = ymm0h->offset; i < g.size(); ++i) EXPECT_EQ(g[i], 0) << i;
}

TEST(RegisterMapping, TagWordClassifiesZeroAndSpecial) {
  api::RegisterSet regs;
  regs.fxsave[4] = 0x07;  // physical 0-2 in use; top = 0, so st0-st2
  // st0: zero. st1: NaN (exponent all ones). st2: denormal (exponent 0, mantissa != 0).
  regs.fxsave[48 + 9] = 0x7f;
  regs.fxsave[48 + 8] = 0xff;
  regs.fxsave[48 + 7] = 0xc0;
  regs.fxsave[64] = 1;
  RspBytes g = registers_to_rsp(regs);
  EXPECT_EQ(field(g, "ftag"), 0xffc0u | (2u << 4) | (2u << 2) | 1u);
}

TEST(ReplayRspTarget, ThreadsAndRegistersThroughTheAdapter) {
  FakeReplay replay;
  replay.regs.gp[16] = 0x401000;
  ReplayRspTarget target(replay);
  EXPECT_EQ(target.threads(), (std::vector<RspThread>{rsp(kMain), rsp(kOther)}));
  EXPECT_EQ(target.current_thread(), rsp(kMain));
  auto g = target.read_registers(rsp(kOther));
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(field(*g, "rip"), 0x401000u);
  auto gone = target.read_registers(RspThread{100, 999});
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.error().code, ESRCH);
}

TEST(ReplayRspTarget, WritesRoundTripToTheEngine) {
  FakeReplay replay;
  for (size_t i = 0; i < replay.regs.gp.size(); ++i) replay.regs.gp[i] = 0xabcd000000000000ull | (0x1000 + i);
  replay.regs.fxsave[0] = 0x7f;
  replay.regs.fxsave[1] = 0x03;               // fcw
  replay.regs.fxsave[4] = 0x81;               // abridged tags: physical 0 and 7 in use
  replay.regs.fxsave[8] = 0x44;               // fip low byte
  replay.regs.fxsave[15] = 0x11;              // fip high byte (fiseg)
  replay.regs.fxsave[24] = 0x80;
  replay.regs.fxsave[25] = 0x1f;              // mxcsr
  for (size_t i = 0; i < 16; ++i) replay.regs.fxsave[160 + i] = static_cast<uint8_t>(i + 1);  // xmm0
  ReplayRspTarget target(replay);
  RspBytes g = registers_to_rsp(replay.regs);
  const RspRegisterInfo* rip = rsp_x86_64_register("rip");
  g[rip->offset] = 0x42;  // the client moves the pc
  ASSERT_TRUE(target.write_registers(rsp(kMain), g).ok());
  ASSERT_TRUE(replay.written_regs.has_value());
  api::RegisterSet want = replay.regs;
  want.gp[16] = (want.gp[16] & ~0xffull) | 0x42;
  EXPECT_EQ(replay.written_regs->gp, want.gp);  // 32-bit slots keep their upper halves
  EXPECT_EQ(replay.written_regs->fxsave, want.fxsave);
  ASSERT_TRUE(target.write_memory(rsp(kMain), RspAddress{kPage + 4}, RspBytes{1, 2, 3}).ok());
  EXPECT_EQ(replay.written_memory[kPage + 4], (std::vector<uint8_t>{1, 2, 3}));
  target.detach();
  EXPECT_EQ(replay.diversions_ended, 1);
}

TEST(ReplayRspTarget, MemoryReadStopsWhereTheMappingEnds) {
  FakeReplay replay;
  ReplayRspTarget target(replay);
  auto whole = target.read_memory(rsp(kMain), RspAddress{kPage + 0x10}, 4);
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(*whole, (RspBytes{0x10, 0x11, 0x12, 0x13}));
  auto prefix = target.read_memory(rsp(kMain), RspAddress{kPage + 0xff0}, 0x40);
  ASSERT_TRUE(prefix.ok());
  EXPECT_EQ(prefix->size(), 0x10u);
  auto none = target.read_memory(rsp(kMain), RspAddress{0x10}, 8);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, EFAULT);
}

TEST(ReplayRspTarget, SoftwareAndHardwareBreakpointsShareOneEngineBreakpoint) {
  FakeReplay replay;
  ReplayRspTarget target(replay);
  RspBreakpoint sw{RspBreakpointKind::kSoftware, 100, RspAddress{0x401000}, 1};
  RspBreakpoint hw{RspBreakpointKind::kHardware, 100, RspAddress{0x401000}, 1};
  ASSERT_TRUE(target.insert_breakpoint(sw).ok());
  ASSERT_TRUE(target.insert_breakpoint(sw).ok());  // twice: not an error
  ASSERT_TRUE(target.insert_breakpoint(hw).ok());
  EXPECT_EQ(replay.inserted, (std::vector<uint64_t>{0x401000}));
  ASSERT_TRUE(target.remove_breakpoint(sw).ok());
  EXPECT_TRUE(replay.removed.empty());
  ASSERT_TRUE(target.remove_breakpoint(hw).ok());
  EXPECT_EQ(replay.removed, (std::vector<uint64_t>{0x401000}));
  ASSERT_TRUE(target.remove_breakpoint(hw).ok());  // not there: not an error
  EXPECT_EQ(replay.removed.size(), 1u);
}

TEST(ReplayRspTarget, BreakpointStopKindFollowsWhatTheClientSet) {
  FakeReplay replay;
  replay.regs.gp[16] = 0x402000;
  ReplayRspTarget target(replay);
  ASSERT_TRUE(target.insert_breakpoint({RspBreakpointKind::kHardware, 100, RspAddress{0x402000}, 1}).ok());
  replay.stops.push_back({api::StopReason::kBreakpoint, kOther});
  Control control;
  auto stop = target.resume({{{rsp(kMain), RspResumeKind::kContinue, 0}}}, control);
  ASSERT_TRUE(stop.ok());
  EXPECT_EQ(stop->reason, RspStopReason::kHardwareBreakpoint);
  EXPECT_EQ(stop->thread, rsp(kOther));
  ASSERT_TRUE(target.insert_breakpoint({RspBreakpointKind::kSoftware, 100, RspAddress{0x402000}, 1}).ok());
  replay.stops.push_back({api::StopReason::kBreakpoint, kMain});
  stop = target.resume({{{rsp(kMain), RspResumeKind::kContinue, 0}}}, control);
  ASSERT_TRUE(stop.ok());
  EXPECT_EQ(stop->reason, RspStopReason::kSoftwareBreakpoint);
  EXPECT_EQ(stop->signal, SIGTRAP);
}

TEST(ReplayRspTarget, ResumeRequestBecomesOneEngineAction) {
  FakeReplay replay;
  ReplayRspTarget target(replay);
  Control control;
  replay.stops.push_back({api::StopReason::kStep, kOther});
  // vCont;s:other;c: step the named thread.
  auto stop = target.resume({{{rsp(kOther), RspResumeKind::kStep, 0}, {rsp(kMain), RspResumeKind::kContinue, 0}}},
                            control);
  ASSERT_TRUE(stop.ok());
  ASSERT_EQ(replay.actions.size(), 1u);
  EXPECT_EQ(replay.actions[0].kind, api::ResumeKind::kStep);
  EXPECT_EQ(replay.actions[0].thread, kOther);
  EXPECT_EQ(stop->reason, RspStopReason::kSignal);
  EXPECT_EQ(stop->signal, SIGTRAP);

  control.interrupt = true;
  replay.stops.push_back({api::StopReason::kInterrupted, kMain});
  stop = target.resume({{{rsp(kMain), RspResumeKind::kContinue, SIGSEGV}}}, control);
  ASSERT_TRUE(stop.ok());
  EXPECT_EQ(replay.actions.back().kind, api::ResumeKind::kContinue);
  EXPECT_TRUE(replay.saw_interrupt);
  EXPECT_EQ(stop->reason, RspStopReason::kInterrupted);

  // bc and bs: the engine's reverse actions; bs names its thread.
  EXPECT_TRUE(target.supports_reverse());
  replay.stops.push_back({api::StopReason::kHistoryBegin, kMain});
  auto reverse = target.resume({{{rsp(kMain), RspResumeKind::kReverseContinue, 0}}}, control);
  ASSERT_TRUE(reverse.ok());
  EXPECT_EQ(replay.actions.back().kind, api::ResumeKind::kReverseContinue);
  EXPECT_EQ(reverse->reason, RspStopReason::kHistoryBegin);
  replay.stops.push_back({api::StopReason::kStep, kOther});
  reverse = target.resume({{{rsp(kOther), RspResumeKind::kReverseStep, 0}}}, control);
  ASSERT_TRUE(reverse.ok());
  EXPECT_EQ(replay.actions.back().kind, api::ResumeKind::kReverseStep);
  EXPECT_EQ(replay.actions.back().thread, kOther);
  EXPECT_EQ(reverse->signal, SIGTRAP);
}

// An answer from another process (a checkpoint) comes with the tables the
// adapter handed over: they replace its own, which are older there.
TEST(ReplayRspTarget, TravelledStopsBringTheBreakpointTablesBack) {
  FakeReplay replay;
  ReplayRspTarget target(replay);
  Control control;
  ASSERT_TRUE(target.insert_breakpoint({RspBreakpointKind::kSoftware, kMain.pid, {0x401000}, 1}).ok());
  ASSERT_TRUE(target.insert_breakpoint({RspBreakpointKind::kWriteWatch, kMain.pid, {0x601040}, 8}).ok());
  replay.stops.push_back({api::StopReason::kBreakpoint, kMain});
  ASSERT_TRUE(target.resume({{{rsp(kMain), RspResumeKind::kReverseContinue, 0}}}, control).ok());
  std::string handed = replay.actions.back().client_state;
  EXPECT_NE(handed.find("B 4198400 1 0"), std::string::npos);
  EXPECT_NE(handed.find("W 1 6295616 8"), std::string::npos);

  // As if this adapter were the older copy: it forgot both, then a stop
  // that travelled brings them back.
  ASSERT_TRUE(target.remove_breakpoint({RspBreakpointKind::kSoftware, kMain.pid, {0x401000}, 1}).ok());
  ASSERT_TRUE(target.remove_breakpoint({RspBreakpointKind::kWriteWatch, kMain.pid, {0x601040}, 8}).ok());
  api::StopInfo travelled{api::StopReason::kWatch, kMain};
  travelled.watch_addr = 0x601040;
  travelled.travelled = true;
  travelled.client_state = handed;
  replay.stops.push_back(travelled);
  auto stop = target.resume({{{rsp(kMain), RspResumeKind::kReverseContinue, 0}}}, control);
  ASSERT_TRUE(stop.ok());
  EXPECT_EQ(stop->reason, RspStopReason::kWriteWatch);  // the watchpoint is known again
  replay.removed.clear();
  ASSERT_TRUE(target.remove_breakpoint({RspBreakpointKind::kSoftware, kMain.pid, {0x401000}, 1}).ok());
  EXPECT_EQ(replay.removed, std::vector<uint64_t>{0x401000});
}

TEST(ReplayRspTarget, StopReasons) {
  FakeReplay replay;
  ReplayRspTarget target(replay);
  Control control;
  RspResumeRequest c{{{rsp(kMain), RspResumeKind::kContinue, 0}}};
  replay.stops.push_back({api::StopReason::kSignal, kOther, SIGSEGV});
  auto stop = target.resume(c, control);
  ASSERT_TRUE(stop.ok());
  EXPECT_EQ(stop->reason, RspStopReason::kSignal);
  EXPECT_EQ(stop->signal, SIGSEGV);
  EXPECT_EQ(stop->thread, rsp(kOther));

  replay.stops.push_back({api::StopReason::kKilled, kMain, SIGSEGV});
  stop = target.resume(c, control);
  ASSERT_TRUE(stop.ok());
  EXPECT_EQ(stop->reason, RspStopReason::kKilled);
  EXPECT_EQ(stop->signal, SIGSEGV);
  EXPECT_EQ(stop->thread.pid, 100);
  EXPECT_TRUE(target.threads().empty());
  EXPECT_FALSE(target.resume(c, control).ok());
}

TEST(ReplayRspTarget, ExitCarriesTheStatus) {
  FakeReplay replay;
  ReplayRspTarget target(replay);
  Control control;
  replay.stops.push_back({api::StopReason::kExited, kMain, 0, 3});
  auto stop = target.resume({{{rsp(kMain), RspResumeKind::kContinue, 0}}}, control);
  ASSERT_TRUE(stop.ok());
  EXPECT_EQ(stop->reason, RspStopReason::kExited);
  EXPECT_EQ(stop->exit_code, 3);
  EXPECT_TRUE(target.program_gone());
  EXPECT_TRUE(target.threads().empty());
}

TEST(ReplayRspTarget, EngineFailureIsAnError) {
  FakeReplay replay;  // no stops scripted: resume fails
  ReplayRspTarget target(replay);
  Control control;
  auto stop = target.resume({{{rsp(kMain), RspResumeKind::kContinue, 0}}}, control);
  ASSERT_FALSE(stop.ok());
  EXPECT_EQ(stop.error().message, "no more stops");
}

TEST(ReplayRspTarget, Watchpoints) {
  FakeReplay replay;
  ReplayRspTarget target(replay);
  RspBreakpoint read{RspBreakpointKind::kReadWatch, 100, RspAddress{0x601040}, 4};
  ASSERT_TRUE(target.insert_breakpoint(read).ok());
  ASSERT_EQ(replay.watches.count(0x601040), 1u);
  EXPECT_EQ(replay.watches[0x601040].first, api::WatchKind::kRead);
  EXPECT_EQ(replay.watches[0x601040].second, 4u);
  Control control;
  api::StopInfo hit{api::StopReason::kWatch, kMain};
  hit.watch_addr = 0x601042;
  replay.stops.push_back(hit);
  auto stop = target.resume({{{rsp(kMain), RspResumeKind::kContinue, 0}}}, control);
  ASSERT_TRUE(stop.ok());
  EXPECT_EQ(stop->reason, RspStopReason::kReadWatch);
  EXPECT_EQ(stop->watch_address.value, 0x601042u);
  ASSERT_TRUE(target.remove_breakpoint(read).ok());
  EXPECT_TRUE(replay.watches.empty());
}

TEST(ReplayRspTarget, WatchedRangesBecomeAlignedPieces) {
  FakeReplay replay;
  ReplayRspTarget target(replay);
  // 0x601003..0x60100a: 1 byte, 4 bytes, 2 bytes.
  RspBreakpoint odd{RspBreakpointKind::kWriteWatch, 100, RspAddress{0x601003}, 7};
  ASSERT_TRUE(target.insert_breakpoint(odd).ok());
  ASSERT_EQ(replay.watches.size(), 3u);
  EXPECT_EQ(replay.watches[0x601003].second, 1u);
  EXPECT_EQ(replay.watches[0x601004].second, 4u);
  EXPECT_EQ(replay.watches[0x601008].second, 2u);
  // Two more pieces do not fit in the fourth register: refused whole, with
  // an error (not ENOTSUP, which would mean no watchpoints at all).
  RspBreakpoint wide{RspBreakpointKind::kAccessWatch, 100, RspAddress{0x602000}, 16};
  auto refused = target.insert_breakpoint(wide);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ENOSPC);
  EXPECT_EQ(replay.watches.size(), 3u);
  ASSERT_TRUE(target.remove_breakpoint(odd).ok());
  EXPECT_TRUE(replay.watches.empty());
  ASSERT_TRUE(target.insert_breakpoint(wide).ok());
  EXPECT_EQ(replay.watches.size(), 2u);
  // A hit in the second half is the client's access watchpoint.
  api::StopInfo hit{api::StopReason::kWatch, kMain};
  hit.watch_addr = 0x60200c;
  replay.stops.push_back(hit);
  Control control;
  auto stop = target.resume({{{rsp(kMain), RspResumeKind::kContinue, 0}}}, control);
  ASSERT_TRUE(stop.ok());
  EXPECT_EQ(stop->reason, RspStopReason::kAccessWatch);
}

TEST(ReplayRspTarget, DetachDropsBreakpointsAndWatchpoints) {
  FakeReplay replay;
  ReplayRspTarget target(replay);
  ASSERT_TRUE(target.insert_breakpoint({RspBreakpointKind::kSoftware, 100, RspAddress{0x401000}, 1}).ok());
  ASSERT_TRUE(target.insert_breakpoint({RspBreakpointKind::kAccessWatch, 100, RspAddress{0x601000}, 8}).ok());
  target.detach();
  target.detach();  // idempotent
  EXPECT_TRUE(replay.live.empty());
  EXPECT_TRUE(replay.watches.empty());
  EXPECT_EQ(replay.removed.size(), 1u);
}

TEST(ReplayRspTarget, XferObjectsAndMonitor) {
  FakeReplay replay;
  ReplayRspTarget target(replay);
  auto exe = target.read_xfer(RspXferObject::kExecFile, "64");
  ASSERT_TRUE(exe.ok());
  EXPECT_EQ(*exe, "/bin/recorded");
  auto auxv = target.read_xfer(RspXferObject::kAuxv, "");
  ASSERT_TRUE(auxv.ok());
  EXPECT_EQ(*auxv, std::string("\x06\0\0\0\0\0\0\0", 8));
  auto libs = target.read_xfer(RspXferObject::kLibrariesSvr4, "");
  ASSERT_TRUE(libs.ok());
  EXPECT_EQ(*libs, replay.libraries);
  auto mon = target.monitor("help");
  ASSERT_TRUE(mon.ok());
  EXPECT_NE(mon->find("ebb monitor commands"), std::string::npos);
}

TEST(ReplayRspTarget, SiginfoOfTheStoppedThread) {
  FakeReplay replay;
  ReplayRspTarget target(replay);
  auto none = target.read_xfer(RspXferObject::kSiginfo, "");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, EINVAL);
  replay.signal_stop = true;
  replay.current = kOther;
  auto info = target.read_xfer(RspXferObject::kSiginfo, "");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(*info, std::string(128, '\x5a'));
  ASSERT_EQ(replay.siginfo_threads.size(), 2u);
  EXPECT_EQ(replay.siginfo_threads.back(), kOther);
}

TEST(ReplayFileSystem, ReadsFilesOnDisk) {
  char path[] = "/tmp/ebb-host-fs-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "hello, file", 11), 11);
  ::close(fd);
  FakeReplay replay;
  ReplayRspTarget target(replay);
  RspFileSystem* fs = target.file_system();
  ASSERT_NE(fs, nullptr);
  ASSERT_TRUE(fs->setfs(100).ok());
  auto f = fs->open(RspOpenRequest{path});
  ASSERT_TRUE(f.ok());
  auto data = fs->pread(*f, 5, 7);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(std::string(data->begin(), data->end()), "file");
  auto st = fs->fstat(*f);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->size, 11u);
  ASSERT_TRUE(fs->close(*f).ok());
  EXPECT_EQ(fs->close(*f).error().code, EBADF);
  RspOpenRequest w{path};
  w.write = true;
  EXPECT_EQ(fs->open(w).error().code, EROFS);
  EXPECT_EQ(fs->open(RspOpenRequest{"/nonexistent/ebb"}).error().code, ENOENT);
  // The recorded pids are not this host's.
  EXPECT_EQ(fs->open(RspOpenRequest{"/proc/self/maps"}).error().code, ENOENT);
  unlink(path);
  ASSERT_EQ(symlink("/some/target", path), 0);
  auto link = fs->readlink(path);
  ASSERT_TRUE(link.ok());
  EXPECT_EQ(*link, "/some/target");
  unlink(path);
}

TEST(ReplayFileSystem, PrefersTheCopySavedInTheTrace) {
  char copy[] = "/tmp/ebb-saved-copy-XXXXXX";
  int fd = mkstemp(copy);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, "recorded", 8), 8);
  ::close(fd);
  FakeReplay replay;
  replay.saved["/gone/program"] = copy;  // the original no longer exists
  ReplayRspTarget target(replay);
  RspFileSystem* fs = target.file_system();
  auto f = fs->open(RspOpenRequest{"/gone/program"});
  ASSERT_TRUE(f.ok());
  auto data = fs->pread(*f, 100, 0);
  ASSERT_TRUE(data.ok());
  EXPECT_EQ(std::string(data->begin(), data->end()), "recorded");
  ASSERT_TRUE(fs->close(*f).ok());
  RspOpenRequest w{"/gone/program"};
  w.write = true;
  EXPECT_EQ(fs->open(w).error().code, EROFS);
  unlink(copy);
}

TEST(ReplayRspTarget, MonitorCommands) {
  FakeReplay replay;
  ReplayRspTarget target(replay);
  auto help = target.monitor("help");
  ASSERT_TRUE(help.ok());
  EXPECT_NE(help->find("restart N"), std::string::npos);
  auto made = target.monitor("checkpoint");
  ASSERT_TRUE(made.ok());
  EXPECT_EQ(*made, "Checkpoint 1 at event 42.\n");
  auto list = target.monitor("info checkpoints");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, "1  event 1\n");
  auto bad = target.monitor("restart x");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, EINVAL);
  auto missing = target.monitor("restart 7");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("no checkpoint 7"), std::string::npos);
  auto when = target.monitor("when");
  ASSERT_TRUE(when.ok());
  EXPECT_EQ(*when, "Current event: 42\n");
  auto ticks = target.monitor("when-ticks");
  ASSERT_TRUE(ticks.ok());
  EXPECT_EQ(*ticks, "Current ticks: 1000\n");
  ASSERT_TRUE(target.monitor("stop-at-tick 1234").ok());
  EXPECT_EQ(replay.tick_stop, 1234u);
  EXPECT_FALSE(target.monitor("stop-at-tick x").ok());
  ASSERT_TRUE(target.monitor("goto-event 17").ok());
  EXPECT_EQ(replay.goal, "event 17");
  auto tick = target.monitor("goto-tick 99");
  ASSERT_TRUE(tick.ok());
  EXPECT_EQ(*tick, "The next resume goes to tick 99.\n");
  EXPECT_EQ(replay.goal, "tick " + std::to_string(kMain.tid) + " 99");
  EXPECT_FALSE(target.monitor("goto-event").ok());
  EXPECT_FALSE(target.monitor("goto-tick -1").ok());
  EXPECT_EQ(replay.marks, 1);  // when-ticks marked its moment
  auto tid = target.monitor("when-tid");
  ASSERT_TRUE(tid.ok());
  EXPECT_EQ(*tid, "Current thread: " + std::to_string(kMain.tid) + "\n");
  auto unknown = target.monitor("frobnicate");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown monitor command"), std::string::npos);
}

}  // namespace
}  // namespace ebb::rsp
