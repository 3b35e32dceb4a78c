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

#include "engine/api/ebb_api.h"
#include "engine/api/replay_target.h"
#include "gdbstub/server/rsp_server.h"
#include "gdbstub/target/replay_rsp_target.h"
#include "gdbstub/transport/rsp_listener.h"

namespace po = boost::program_options;
using ebb::Result;

namespace {

constexpr int kExitUsage = 2;
constexpr int kExitEbbFailed = 125;    // ebb itself could not do the job
constexpr int kExitCannotRun = 127;    // like a shell: the program cannot be run

const char* kTopUsage =
    "usage: ebb <command> [options] [args]\n"
    "\n"
    "Record a Linux x86-64 program once, then replay it exactly.\n"
    "\n"
    "commands:\n"
    "  record [-o DIR] [--] PROG [ARGS...]  run PROG under ebb and write a trace\n"
    "  replay [TRACE] [-- GDB-ARGS...]     debug a replay in gdb (forward execution)\n"
    "  replay --server ADDR [TRACE]        serve a replay to a debugger that connects\n"
    "  replay --autopilot [TRACE]          re-execute a trace to its end, alone\n"
    "  ps [TRACE]                          list the recorded processes\n"
    "  dump [TRACE]                        print the trace's events, one a line\n"
    "  info [TRACE]                        print the trace's header and event count\n"
    "\n"
    "TRACE is a trace directory or a name in the trace folder; without it, the\n"
    "latest trace. The trace folder is $EBB_TRACE_DIR, else ~/.local/share/ebb.\n"
    "Run `ebb <command> --help` for a command's options.\n"
    "Threads and child processes are recorded; a thread that spins without\n"
    "syscalls keeps the others waiting (no preemption yet). Under gdb the\n"
    "replay runs forward only (no reverse execution or checkpoints yet).\n";

int die(const char* cmd, const std::string& msg, int code) {
  fprintf(stderr, "ebb %s: %s\n", cmd, msg.c_str());
  return code;
}

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
    if ((args[i] == "-o" || args[i] == "--output") && i + 1 < args.size()) opts.push_back(args[++i]);
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
      "$EBB_TRACE_DIR/<prog>-<n>, else ~/.local/share/ebb/<prog>-<n>, with a latest-trace link");
  po::variables_map vm;
  int code = 0;
  if (!parse("record", desc, {}, opts, vm, &code)) return code;
  if (vm.count("help")) {
    std::cout << desc << "\n";
    return 0;
  }
  if (program.empty()) return die("record", "no program given (see ebb record --help)", kExitUsage);
  ebb::api::RecordRequest req{vm.count("output") ? vm["output"].as<std::string>() : "", program};
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

int exit_status_of(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return kExitEbbFailed;
}

// Starts the debugger, connected to `listener`; its pid, or -1.
pid_t launch_debugger(const std::string& debugger, const std::string& exe, const std::string& address,
                      const std::vector<std::string>& extra) {
  // The program and its libraries are read through the connection
  // (sysroot target:), so gdb gets the copies saved in the trace even when
  // the files on disk were rebuilt or deleted. `exe` is unused: the stub
  // names the program (qXfer:exec-file).
  (void)exe;
  std::vector<std::string> argv = {debugger, "-q", "-ex", "set sysroot target:"};
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

// Serves the debugger `gdb` until it exits; a debugger that disconnects may
// connect again. Returns the debugger's exit status as ebb's.
int serve_debugger(pid_t gdb, const std::string& debugger, ebb::rsp::RspListener& listener,
                   ebb::rsp::RspServer& server) {
  // The terminal's Ctrl-C is for the debugger, which turns it into an
  // interrupt packet; ebb must survive it.
  signal(SIGINT, SIG_IGN);
  ebb::ScopedFd gdb_fd(static_cast<int>(syscall(SYS_pidfd_open, gdb, 0)));
  bool connected_once = false;
  while (true) {
    pollfd fds[2] = {{listener.fd(), POLLIN, 0}, {gdb_fd.get(), POLLIN, 0}};
    int n = poll(fds, gdb_fd.valid() ? 2 : 1, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    if (fds[1].revents) break;  // the debugger exited
    if (!fds[0].revents) continue;
    Result<ebb::ScopedFd> client = listener.accept();
    if (!client.ok()) {
      fprintf(stderr, "ebb replay: %s\n", client.error().message.c_str());
      break;
    }
    connected_once = true;
    server.serve(std::move(*client), &listener);
    if (!gdb_fd.valid()) break;  // no way to wait for a reconnection without blocking
  }
  int status = 0;
  while (waitpid(gdb, &status, 0) < 0 && errno == EINTR) {
  }
  if (!connected_once) fprintf(stderr, "ebb replay: %s exited without connecting\n", debugger.c_str());
  return exit_status_of(status);
}

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
    "The replay runs forward only: breakpoints (break, hbreak), watchpoints\n"
    "(watch, rwatch, awatch: up to 4, of 1, 2, 4 or 8 aligned bytes), continue,\n"
    "step, next, finish, stepi, Ctrl-C, registers, memory, backtraces, threads.\n"
    "Not yet: reverse execution, checkpoints, writing registers or memory,\n"
    "calling functions.\n"
    "ebb listens on 127.0.0.1 only, unless --listen-any: whoever connects to a\n"
    "debugger server can run arbitrary code as you.\n\n"
    "With --autopilot, re-executes the recorded program from the trace alone,\n"
    "without a debugger: the same output on stdout/stderr and the same exit\n"
    "status or fatal signal, whatever happened to the files, environment or\n"
    "clock since. Every recorded process and thread is replayed. Stops with\n"
    "the event number at the first difference from the recording (status 125).\n\noptions";

int cmd_replay_debug(const po::variables_map& vm, const std::vector<std::string>& gdb_args) {
  bool server_only = vm.count("server") > 0;
  if (server_only && (vm.count("debugger") || !gdb_args.empty()))
    return die("replay", "--server serves a debugger you start: no --debugger or gdb arguments", kExitUsage);
  if (vm.count("listen-any") && !server_only)
    return die("replay", "--listen-any goes with --server", kExitUsage);
  auto address = ebb::rsp::parse_listen_address(server_only ? vm["server"].as<std::string>() : "127.0.0.1:0");
  if (!address) return die("replay", address.error().message, kExitUsage);

  // The address is checked before the (slow) replay to the program's start.
  auto listener = ebb::rsp::RspListener::open(*address, vm.count("listen-any") > 0);
  if (!listener) {
    bool refused = listener.error().kind == ebb::ErrorKind::kBadInput;
    std::string hint = refused && !vm.count("listen-any") ? " (--listen-any allows it)" : "";
    return die("replay", listener.error().message + hint, refused ? kExitUsage : kExitEbbFailed);
  }
  if (vm.count("pid") && vm.count("onfork")) return die("replay", "give -p or -f, not both", kExitUsage);
  int pid = vm.count("pid") ? vm["pid"].as<int>() : vm.count("onfork") ? vm["onfork"].as<int>() : 0;
  ebb::api::ReplayTargetOptions options{vm["trace"].as<std::string>(), pid, vm.count("onfork") != 0,
                                        vm.count("goto") ? vm["goto"].as<uint64_t>() : 0};
  auto replay = ebb::api::ReplayTarget::open(options);
  if (!replay) return die("replay", replay.error().message, kExitEbbFailed);
  auto first_stop = (*replay)->start();
  if (!first_stop) return die("replay", first_stop.error().message, kExitEbbFailed);
  fprintf(stderr, "ebb: listening on %s\n", listener->description().c_str());

  ebb::rsp::ReplayRspTarget target(**replay);
  ebb::rsp::RspServer server(target);
  if (server_only) {
    auto end = server.serve_one(*listener);
    if (!end) return die("replay", end.error().message, kExitEbbFailed);
    return 0;
  }
  std::string debugger = vm.count("debugger") ? vm["debugger"].as<std::string>() : "gdb";
  pid_t gdb = launch_debugger(debugger, (*replay)->exe_path(), listener->description(), gdb_args);
  if (gdb < 0) return die("replay", std::string("fork: ") + strerror(errno), kExitEbbFailed);
  return serve_debugger(gdb, debugger, *listener, server);
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
