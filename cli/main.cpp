// The `ebb` command line: record, replay (under gdb, or --autopilot), ps,
// dump, info.
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include "cli/common.h"
#include "cli/replay_debug.h"
#include "engine/api/ebb_api.h"

namespace po = boost::program_options;
using ebb::Result;
using ebb::cli::die;
using ebb::cli::kExitCannotRun;
using ebb::cli::kExitEbbFailed;
using ebb::cli::kExitUsage;

namespace {

const char* kTopUsage =
    "usage: ebb <command> [options] [args]\n"
    "\n"
    "Record a Linux x86-64 program once, then replay it exactly.\n"
    "\n"
    "commands:\n"
    "  record [-o DIR] [--] PROG [ARGS...]  run PROG under ebb and write a trace\n"
    "  replay [TRACE] [-- GDB-ARGS...]     debug a replay in gdb, forwards and backwards\n"
    "  replay --server ADDR [TRACE]        serve a replay to a debugger that connects\n"
    "  replay --autopilot [TRACE]          re-execute a trace to its end, alone\n"
    "  ps [TRACE]                          list the recorded processes\n"
    "  dump [TRACE]                        print the trace's events, one a line\n"
    "  info [TRACE]                        print the trace's header and event count\n"
    "\n"
    "TRACE is a trace directory or a name in the trace folder; without it, the\n"
    "latest trace. The trace folder is $EBB_TRACE_DIR, else ~/.local/share/ebb.\n"
    "Run `ebb <command> --help` for a command's options.\n"
    "Threads and child processes are recorded. With the tick clock (on by\n"
    "default: `ebb record --help`, --ticks) a thread that spins without\n"
    "syscalls is preempted and signals land mid-loop, at the same points in\n"
    "replay. Under gdb the replay runs forwards and backwards (reverse-continue,\n"
    "reverse-step, checkpoints): `ebb replay --help`.\n";

// Ends ebb the way the program ended: same exit status, or death by the same
// signal (without a core file of ebb's own).
int pass_through(const ebb::api::ProgramOutcome& o) {
  fflush(stdout);
  fflush(stderr);
  if (o.exited) return o.status;
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  signal(o.status, SIG_DFL);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, o.status);
  sigprocmask(SIG_UNBLOCK, &set, nullptr);
  raise(o.status);
  return 128 + o.status;
}

bool parse(const char* cmd, const po::options_description& desc, const po::positional_options_description& pos,
           const std::vector<std::string>& args, po::variables_map& vm, int* code) {
  try {
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    *code = die(cmd, std::string(e.what()) + " (see ebb " + cmd + " --help)", kExitUsage);
    return false;
  }
  return true;
}

int cmd_record(const std::vector<std::string>& args) {
  // Options end at the first argument that is not one: that is the program.
  std::vector<std::string> opts, program;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--") {
      program.assign(args.begin() + i + 1, args.end());
      break;
    }
    if (args[i].empty() || args[i][0] != '-') {
      program.assign(args.begin() + i, args.end());
      break;
    }
    opts.push_back(args[i]);
    bool takes_value = args[i] == "-o" || args[i] == "--output" || args[i] == "--ticks";
    if (takes_value && i + 1 < args.size()) opts.push_back(args[++i]);
  }
  po::options_description desc(
      "usage: ebb record [-o DIR] [--] PROG [ARGS...]\n\n"
      "Runs PROG under ebb (stdin, stdout and stderr pass through) and writes a\n"
      "trace. ebb exits as PROG did: same status, or death by the same signal.\n"
      "If PROG makes a syscall ebb does not handle yet, recording stops there\n"
      "with a message naming it, and ebb exits with status 125.\n\noptions");
  desc.add_options()("help,h", "show this help")(
      "output,o", po::value<std::string>(),
      "write the trace to DIR (must not exist or be empty); default: "
      "$EBB_TRACE_DIR/<prog>-<n>, else ~/.local/share/ebb/<prog>-<n>, with a latest-trace link")(
      "ticks", po::value<std::string>()->default_value("auto"),
      "the tick clock: auto (the default: pmu where a PMU passes its checks, else soft; soft "
      "until pmu is built), soft (patched code counts loop back-edges, loop heads and function "
      "entries; checked at every event in replay), pmu (not built yet), none (no clock: a signal "
      "waits for a syscall, preemption and reverse steps in syscall-free code are refused in "
      "replay). The scans of code, one copy of each mapped library that traces hard-link, and "
      "the digests of those copies are kept in $EBB_CACHE_DIR, else ~/.cache/ebb "
      "(EBB_CACHE_DIR=off: none)");
  po::variables_map vm;
  int code = 0;
  if (!parse("record", desc, {}, opts, vm, &code)) return code;
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return 0;
  }
  if (program.empty()) return die("record", "no program given (see ebb record --help)", kExitUsage);
  std::string ticks = vm["ticks"].as<std::string>();
  if (ticks != "none" && ticks != "soft" && ticks != "auto" && ticks != "pmu")
    return die("record", "--ticks takes none, soft, auto or pmu, not '" + ticks + "'", kExitUsage);
  ebb::api::RecordRequest req{vm.count("output") ? vm["output"].as<std::string>() : "", program, ticks};
  auto out = ebb::api::record(req);
  if (!out) {
    bool cannot_run = out.error().kind == ebb::ErrorKind::kBadInput;
    return die("record", out.error().message, cannot_run ? kExitCannotRun : kExitEbbFailed);
  }
  if (out->stopped_early) {
    return die("record",
               "recording stopped: " + out->end_note + "; the trace " + out->trace_dir + " holds the " +
                   std::to_string(out->events) + " events before it",
               kExitEbbFailed);
  }
  return pass_through(out->program);
}

// Quotes `text` for one argument of a gdb command that splits its
// arguments like a shell (gdb_buildargv: a backslash escapes any character).

const char* kReplayUsage =
    "usage: ebb replay [TRACE] [-p PID|-f PID] [--debugger PATH] [-- GDB-ARGS...]\n"
    "       ebb replay [TRACE] [-p PID] --server ADDR:PORT|unix:PATH [--listen-any]\n"
    "       ebb replay --autopilot [-p PID|-f PID] [TRACE]\n\n"
    "Debugs a replay of the recorded program with gdb. ebb replays up to the\n"
    "program's first instruction after its exec (-p: the process PID, from\n"
    "ebb ps; default: the first process recorded), then starts gdb connected to\n"
    "it (`-q -ex 'set sysroot target:' -ex 'target extended-remote ADDR'`,\n"
    "then GDB-ARGS; gdb reads the program and its libraries from the copies\n"
    "saved in the trace) and exits with gdb's status. With --server, ebb\n"
    "only listens (`target extended-remote ADDR` in any gdb) and exits 0 when\n"
    "the debugger detaches or disconnects.\n"
    "Forwards: breakpoints (break, hbreak), watchpoints (watch, rwatch,\n"
    "awatch: up to 4, of 1, 2, 4 or 8 aligned bytes), continue, step, next,\n"
    "finish, stepi, Ctrl-C, registers, memory, backtraces, threads.\n"
    "Backwards: reverse-continue, reverse-step, reverse-next, reverse-finish,\n"
    "reverse-stepi, and watchpoints in reverse (from the program's exit: not\n"
    "yet; over a long stretch without syscalls, reverse-stepi needs the tick\n"
    "clock, which traces have unless recorded with --ticks=none). ebb\n"
    "checkpoints the replay by itself as it goes (EBB_CHECKPOINT_INTERVAL_MS,\n"
    "default 250) and goes back from there.\n"
    "Writing a variable or a register, or calling a function (print f(x)),\n"
    "runs the program live in a diversion that ebb undoes when you resume.\n"
    "ebb's gdb commands, loaded for you: when, when-ticks, when-tid,\n"
    "goto-event N, goto-tick N (either way), ebb-checkpoint, ebb-restart N,\n"
    "ebb-checkpoints (or `monitor help`). docs/reverse.md tells more.\n"
    "ebb listens on 127.0.0.1 only, unless --listen-any: whoever connects to a\n"
    "debugger server can run arbitrary code as you.\n\n"
    "With --autopilot, re-executes the recorded program from the trace alone,\n"
    "without a debugger: the same output on stdout/stderr and the same exit\n"
    "status or fatal signal, whatever happened to the files, environment or\n"
    "clock since. Every recorded process and thread is replayed. Stops with\n"
    "the event number at the first difference from the recording (status 125).\n\noptions";

int cmd_replay_debug(const po::variables_map& vm, const std::vector<std::string>& gdb_args) {
  ebb::cli::ReplayDebugConfig config;
  config.server_only = vm.count("server") > 0;
  if (config.server_only && (vm.count("debugger") || !gdb_args.empty()))
    return die("replay", "--server serves a debugger you start: no --debugger or gdb arguments", kExitUsage);
  if (vm.count("listen-any") && !config.server_only)
    return die("replay", "--listen-any goes with --server", kExitUsage);
  if (vm.count("pid") && vm.count("onfork")) return die("replay", "give -p or -f, not both", kExitUsage);
  config.address = config.server_only ? vm["server"].as<std::string>() : "127.0.0.1:0";
  config.listen_any = vm.count("listen-any") > 0;
  config.trace = vm["trace"].as<std::string>();
  config.pid = vm.count("pid") ? vm["pid"].as<int>() : vm.count("onfork") ? vm["onfork"].as<int>() : 0;
  config.from_fork = vm.count("onfork") != 0;
  config.goto_event = vm.count("goto") ? vm["goto"].as<uint64_t>() : 0;
  if (vm.count("debugger")) config.debugger = vm["debugger"].as<std::string>();
  config.gdb_args = gdb_args;
  return ebb::cli::replay_debug(config);
}

int cmd_replay(const std::vector<std::string>& all_args) {
  // Everything after "--" goes to the debugger.
  auto dashes = std::find(all_args.begin(), all_args.end(), "--");
  std::vector<std::string> args(all_args.begin(), dashes);
  std::vector<std::string> gdb_args(dashes == all_args.end() ? dashes : dashes + 1, all_args.end());
  po::options_description desc(kReplayUsage);
  desc.add_options()("help,h", "show this help")("autopilot,a", "run to the end without a debugger")(
      "pid,p", po::value<int>(), "the process to debug, once it has exec'd (checked against ebb ps)")(
      "onfork,f", po::value<int>(), "the same, stopping first at the fork that created it")(
      "goto,g", po::value<uint64_t>(), "debugger: replay on autopilot up to event N (ebb dump numbers), then stop")(
      "server", po::value<std::string>(),
      "listen on ADDR:PORT (port 0: any free one) or unix:PATH and wait for a debugger")(
      "listen-any", "allow --server on an address other than loopback (prints a warning)")(
      "debugger", po::value<std::string>(), "the gdb to start (default: gdb, from PATH)")(
      "trace", po::value<std::string>()->default_value(""), "trace directory (default: the latest)");
  po::positional_options_description pos;
  pos.add("trace", 1);
  po::variables_map vm;
  int code = 0;
  if (!parse("replay", desc, pos, args, vm, &code)) return code;
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return 0;
  }
  if (!vm.count("autopilot")) return cmd_replay_debug(vm, gdb_args);
  if (vm.count("server") || vm.count("debugger") || vm.count("listen-any") || dashes != all_args.end())
    return die("replay", "--autopilot runs without a debugger: no --server, --debugger or gdb arguments",
               kExitUsage);
  int pid = vm.count("pid") ? vm["pid"].as<int>() : vm.count("onfork") ? vm["onfork"].as<int>() : 0;
  if (vm.count("pid") && vm.count("onfork")) return die("replay", "give -p or -f, not both", kExitUsage);
  auto out = ebb::api::replay_autopilot(vm["trace"].as<std::string>(), pid);
  if (!out) return die("replay", out.error().message, kExitEbbFailed);
  return pass_through(*out);
}

const char* describe_help(const std::string& cmd) {
  if (cmd == "dump")
    return "Prints every event of the trace, one a line: number, thread, kind,\n"
           "syscall with arguments and result, memory written, signals.\n";
  if (cmd == "ps")
    return "Lists the recorded processes: pid, parent pid, exit status (or the\n"
           "fatal signal, or - if it did not end), command line after its last exec.\n";
  return "Prints the trace header (format and ebb versions, command line,\n"
         "CPU and XSAVE layout, tick source) and the event count.\n";
}

int cmd_describe(const char* cmd, const std::vector<std::string>& args) {
  std::string name = cmd;
  po::options_description desc(std::string("usage: ebb ") + cmd + " [TRACE]\n\n" + describe_help(name) + "\noptions");
  desc.add_options()("help,h", "show this help")(
      "trace", po::value<std::string>()->default_value(""), "trace directory (default: the latest)");
  po::positional_options_description pos;
  pos.add("trace", 1);
  po::variables_map vm;
  int code = 0;
  if (!parse(cmd, desc, pos, args, vm, &code)) return code;
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return 0;
  }
  const std::string& t = vm["trace"].as<std::string>();
  auto st = name == "dump" ? ebb::api::dump(t, stdout) : name == "ps" ? ebb::api::ps(t, stdout) : ebb::api::info(t, stdout);
  if (!st) return die(cmd, st.error().message, kExitEbbFailed);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fputs(kTopUsage, stderr);
    return kExitUsage;
  }
  std::string cmd = argv[1];
  std::vector<std::string> rest(argv + 2, argv + argc);
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    fputs(kTopUsage, stdout);
    return 0;
  }
  if (cmd == "--version") {
    printf("ebb %s\n", EBB_VERSION_STRING);
    return 0;
  }
  if (cmd == "record") return cmd_record(rest);
  if (cmd == "replay") return cmd_replay(rest);
  if (cmd == "dump" || cmd == "info" || cmd == "ps") return cmd_describe(cmd.c_str(), rest);
  fprintf(stderr, "ebb: unknown command '%s'\n\n%s", cmd.c_str(), kTopUsage);
  return kExitUsage;
}
