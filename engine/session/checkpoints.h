// Checkpoints of a debugged replay: each is a process of its own, a fork of
// ebb's engine (the replay's state, its stack included) that traces copies
// of every replayed process (ProcessSnapshot) and sleeps. Restarting one
// makes it fork again: the new process takes over the debugger's
// connection, and the process that asked exits. So going back costs a fork
// per process, never a replay from the start.
//
// Checkpoint processes find each other through Unix sockets in a private
// folder, and end when the session's anchor process (ebb replay's front)
// ends.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "engine/base/result.h"

namespace ebb::session {

class Replayer;

// Forks the whole replay: this process and a copy of every replayed
// process. Returns 0 in the new process, which traces the copies, and the
// new process's pid in this one, which keeps the originals. Refuses
// (kUnsupported, saying why) where a process cannot be copied.
Result<pid_t> fork_replay(Replayer& replayer);

struct CheckpointInfo {
  int id = 0;
  std::string where;  // e.g. "event 42, main () at fib.c:12"
};

struct CheckpointCreated {
  int id = 0;
  // False in the process that asked for the checkpoint; true in a process
  // that a later restart resumed from it (it then owns the session).
  bool resumed = false;
  // In a resumed process: what the restart asked it to do (a TravelOrder's
  // line, time_travel.h), or "" for a plain restart.
  std::string order;
};

// The ids of the checkpoints ebb makes for reverse execution start here.
constexpr int kFirstAutoId = 1000000;

class CheckpointStore {
 public:
  // `anchor`: the process whose end ends every checkpoint (0: none, and
  // checkpoints cannot be restarted, since the process that restarts one
  // exits).
  explicit CheckpointStore(pid_t anchor) : anchor_(anchor) {}
  ~CheckpointStore();

  // Returns twice, as fork does: see CheckpointCreated.
  Result<CheckpointCreated> create(Replayer& replayer, const std::string& where);
  // Asks checkpoint `id` to resume. On success this process exits at once,
  // without a word to the debugger: the resumed process answers it.
  // `order` (one line, no newline) is handed to the resumed process.
  Status restart(int id, const std::string& order = "");
  Status remove(int id);
  // The checkpoints a user made (not those ebb makes for reverse
  // execution, whose `where` starts with "auto "), and ebb's own.
  Result<std::vector<CheckpointInfo>> list() const { return list(false); }
  Result<std::vector<CheckpointInfo>> list_auto();
  // A file of the session's own, shared by all its processes.
  Result<std::string> shared_path(const std::string& name) {
    EBB_TRY(ensure_folder());
    return folder_ + "/" + name;
  }
  // Whether checkpoints can be made here (ebb replay's front process is known).
  bool available() const { return anchor_ != 0; }

 private:
  Status ensure_folder();
  Result<std::vector<CheckpointInfo>> list(bool automatic) const;
  std::string path(int id, const char* suffix) const;
  Result<int> next_id(bool automatic);
  // The life of a checkpoint process: answers restart and delete requests
  // until the anchor ends. Returns only in a process resumed from it.
  Result<CheckpointCreated> sleep(Replayer& replayer, int id, int listen_fd);
  // One request on `conn`; returns the resumed process's answer in it, and
  // nullopt in the checkpoint.
  Result<std::optional<CheckpointCreated>> serve(Replayer& replayer, int id, int conn);
  pid_t anchor_;
  std::string folder_;
};

// The folder of the checkpoints of the session anchored at `anchor`, and
// its removal (by the anchor, at the end).
std::string checkpoint_folder(pid_t anchor);
void remove_checkpoint_folder(pid_t anchor);

}  // namespace ebb::session
