#include "engine/trace/writer.h"

#include <capnp/serialize.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pthread.h>
#include <sched.h>
#include <signal.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "engine/base/fd.h"
#include "engine/trace/chunk.h"
#include "engine/trace/format.h"
#include "engine/trace/saved_files.h"

namespace ebb::trace {

namespace {

// A chunk is written once the buffer passes either threshold: small enough that
// a killed recorder loses little, large enough that zstd compresses well.
constexpr size_t kFlushBytes = 1u << 20;
constexpr uint32_t kFlushEvents = 256;
// A chunk this small is copied out of the buffer, which keeps its capacity for the next one; a
// larger one (an exec snapshot, a library's mapping) takes the buffer with it, uncopied.
constexpr size_t kCopyChunkAtMost = 256u << 10;
// Raw bytes waiting for the writing thread before append waits for it.
constexpr size_t kMaxQueuedBytes = 64u << 20;

std::string join(const std::string& dir, const char* name) { return dir + "/" + name; }

Result<bool> dir_is_empty(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return os_error("cannot read trace directory " + dir);
  bool empty = true;
  while (struct dirent* e = readdir(d)) {
    if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
      empty = false;
      break;
    }
  }
  closedir(d);
  return empty;
}

Status make_trace_dir(const std::string& dir) {
  if (mkdir(dir.c_str(), 0755) == 0) return ok_status();
  if (errno != EEXIST) return os_error("cannot create trace directory " + dir);
  struct stat st;
  if (stat(dir.c_str(), &st) != 0) return os_error("cannot create trace directory " + dir);
  if (!S_ISDIR(st.st_mode)) {
    return make_error(ErrorKind::kBadInput,
                      "cannot create trace directory " + dir + ": it exists and is not a directory");
  }
  Result<bool> empty = dir_is_empty(dir);
  if (!empty) return empty.error();
  if (!*empty) {
    return make_error(ErrorKind::kBadInput,
                      "cannot create trace directory " + dir + ": it exists and is not empty");
  }
  return ok_status();
}

// Writes all of data at `offset`. On failure the file is cut back to `offset`,
// so a reader never sees a partial chunk followed by later ones.
Status write_at(int fd, const uint8_t* data, size_t size, uint64_t offset,
                const std::string& path) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = pwrite(fd, data + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      Error err = os_error("cannot write " + path);
      if (ftruncate(fd, static_cast<off_t>(offset)) != 0) {
        // Nothing more to do: the reader will report the torn chunk.
      }
      return err;
    }
    done += static_cast<size_t>(n);
  }
  return ok_status();
}

Result<ScopedFd> create_file(const std::string& path, const std::vector<uint8_t>& contents) {
  ScopedFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
  if (!fd.valid()) return os_error("cannot create " + path);
  EBB_TRY(write_at(fd.get(), contents.data(), contents.size(), 0, path));
  return fd;
}

std::vector<uint8_t> flat_bytes(capnp::MessageBuilder& message) {
  kj::Array<capnp::word> words = capnp::messageToFlatArray(message);
  kj::ArrayPtr<const kj::byte> bytes = words.asBytes();
  return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

}  // namespace

// Chunks are compressed and written by a thread of their own, started with the first chunk
// (after the recorder forked its program), with every signal blocked (the recorder's SIGALRM
// must reach the thread that waits for the tracees) and allowed on every CPU: ebb and its
// tracees are pinned to one (session/cpu_pin.h), and zstd on the other took ~60 ms off the
// start-up of a recorded python3. Chunks go to disk in the order they were queued; the first
// error stops the writer and is returned by the next call.
struct TraceWriter::Impl {
  struct Job {
    ChunkHeader header;
    std::vector<uint8_t> raw;
  };
  std::string dir;
  std::string events_path;
  ScopedFd events_fd;
  uint64_t appended = 0;                 // events appended, buffered or queued
  uint64_t written = 0;                  // events in chunks queued for the disk
  std::vector<uint8_t> buffer;           // flat messages of the buffered events
  uint32_t buffered = 0;
  bool finished = false;
  std::unique_ptr<SavedFiles> saved_files;  // created with the directory

  // Shared with the writing thread, under `mu`.
  std::mutex mu;
  std::condition_variable changed;      // a job queued or done, or stopping
  std::deque<Job> jobs;
  size_t queued_bytes = 0;
  bool busy = false;                    // the thread holds a job
  bool stopping = false;
  std::optional<Error> failed;          // the first write error; the writer stops there
  uint64_t events_size = kPreambleSize;  // bytes of `events` holding whole chunks (the thread's)
  std::thread thread;

  ~Impl() { stop(); }

  Status usable() {
    std::lock_guard<std::mutex> lock(mu);
    if (failed) return *failed;
    if (finished) {
      return make_error(ErrorKind::kBadInput, "trace " + dir + " is already finished");
    }
    return ok_status();
  }

  Status write_chunk(const ChunkHeader& header, std::vector<uint8_t> raw) {
    if (!thread.joinable()) start();
    std::unique_lock<std::mutex> lock(mu);
    changed.wait(lock, [&] { return failed || queued_bytes < kMaxQueuedBytes; });
    if (failed) return *failed;
    queued_bytes += raw.size();
    jobs.push_back({header, std::move(raw)});
    changed.notify_all();
    return ok_status();
  }

  // Waits until every queued chunk is on disk (or the writer failed).
  Status drain() {
    std::unique_lock<std::mutex> lock(mu);
    changed.wait(lock, [&] { return failed || (jobs.empty() && !busy); });
    if (failed) return *failed;
    return ok_status();
  }

  void start() {
    sigset_t all, old;
    sigfillset(&all);
    // Faults stay deliverable: blocked, one kills ebb without running its handler (the CPUID
    // of a library's feature check faults in ebb too, see arch/cpu.h).
    for (int fault : {SIGSEGV, SIGBUS, SIGILL, SIGFPE}) sigdelset(&all, fault);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    thread = std::thread([this] { run(); });
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu);
      stopping = true;
    }
    changed.notify_all();
    if (thread.joinable()) thread.join();
  }

  void run() {
    cpu_set_t any;
    CPU_ZERO(&any);
    for (int i = 0; i < CPU_SETSIZE; ++i) CPU_SET(i, &any);
    (void)sched_setaffinity(0, sizeof any, &any);  // the kernel keeps the allowed ones
    ChunkCompressor compressor;
    std::unique_lock<std::mutex> lock(mu);
    while (true) {
      changed.wait(lock, [&] { return stopping || !jobs.empty(); });
      if (jobs.empty()) return;  // stopping, and nothing left to write
      Job job = std::move(jobs.front());
      jobs.pop_front();
      busy = true;
      const uint64_t at = events_size;
      lock.unlock();
      Result<uint64_t> size = write(compressor, job, at);
      lock.lock();
      busy = false;
      queued_bytes -= job.raw.size();
      if (size) {
        events_size = at + *size;
      } else {
        failed = size.error();
        for (const Job& dropped : jobs) queued_bytes -= dropped.raw.size();
        jobs.clear();
      }
      changed.notify_all();
    }
  }

  // Returns the chunk's size on disk.
  Result<uint64_t> write(ChunkCompressor& compressor, const Job& job, uint64_t at) {
    Result<std::vector<uint8_t>> chunk = compressor.build(job.header, job.raw);
    if (!chunk) return chunk.error();
    EBB_TRY(write_at(events_fd.get(), chunk->data(), chunk->size(), at, events_path));
    return uint64_t{chunk->size()};
  }
};

TraceWriter::TraceWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TraceWriter::~TraceWriter() {
  // No trailer: the trace reads as ending early, but keeps the buffered events.
  if (impl_ && !impl_->finished && impl_->usable().ok()) {
    (void)flush();
    (void)impl_->drain();
  }
}

Result<std::unique_ptr<TraceWriter>> TraceWriter::create(const std::string& dir,
                                                         capnp::MessageBuilder& header) {
  EBB_TRY(make_trace_dir(dir));
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->saved_files = std::make_unique<SavedFiles>(dir);
  impl->events_path = join(dir, kEventsFile);

  // `events` first, `header` last: a directory with a header always has a
  // whole events preamble.
  std::vector<uint8_t> preamble(kPreambleSize);
  encode_preamble(kEventsMagic, kFormatVersion, preamble.data());
  Result<ScopedFd> events = create_file(impl->events_path, preamble);
  if (!events) return events.error();
  impl->events_fd = std::move(*events);

  std::vector<uint8_t> header_bytes(kPreambleSize);
  encode_preamble(kHeaderMagic, kFormatVersion, header_bytes.data());
  std::vector<uint8_t> message = flat_bytes(header);
  header_bytes.insert(header_bytes.end(), message.begin(), message.end());
  Result<ScopedFd> header_fd = create_file(join(dir, kHeaderFile), header_bytes);
  if (!header_fd) return header_fd.error();
  return std::unique_ptr<TraceWriter>(new TraceWriter(std::move(impl)));
}

// The event's segments are serialized straight into the chunk's buffer: one copy (an exec
// snapshot or a library's mapping is megabytes).
Status TraceWriter::append(capnp::MessageBuilder& event) {
  EBB_TRY(impl_->usable());
  auto segments = event.getSegmentsForOutput();
  const size_t size = capnp::computeSerializedSizeInWords(segments) * sizeof(capnp::word);
  if (size > kMaxChunkRawSize) {
    return make_error(ErrorKind::kUnsupported,
                      "event " + std::to_string(impl_->appended) + " is " + std::to_string(size) +
                          " bytes; a trace chunk holds at most " + std::to_string(kMaxChunkRawSize) + " bytes");
  }
  if (impl_->buffer.size() + size > kMaxChunkRawSize) EBB_TRY(hand_over());
  const size_t at = impl_->buffer.size();
  impl_->buffer.resize(at + size);
  kj::ArrayOutputStream out(kj::arrayPtr(impl_->buffer.data() + at, size));
  capnp::writeMessage(out, segments);
  ++impl_->buffered;
  ++impl_->appended;
  if (impl_->buffer.size() > kFlushBytes || impl_->buffered >= kFlushEvents) return hand_over();
  return ok_status();
}

Status TraceWriter::flush() {
  EBB_TRY(hand_over());
  return impl_->drain();
}

Status TraceWriter::hand_over() {
  EBB_TRY(impl_->usable());
  if (impl_->buffered == 0) return ok_status();
  ChunkHeader header;
  header.first_event = impl_->written;
  header.event_count = impl_->buffered;
  std::vector<uint8_t> raw;
  if (impl_->buffer.size() > kCopyChunkAtMost) {
    raw = std::move(impl_->buffer);
    impl_->buffer = {};
  } else {
    raw = impl_->buffer;
    impl_->buffer.clear();
  }
  EBB_TRY(impl_->write_chunk(header, std::move(raw)));
  impl_->written += impl_->buffered;
  impl_->buffered = 0;
  return ok_status();
}

Status TraceWriter::finish(const std::string& end_note) {
  EBB_TRY(hand_over());
  capnp::MallocMessageBuilder message;
  auto trailer = message.initRoot<schema::Trailer>();
  trailer.setEventCount(impl_->written);
  trailer.setEndNote(end_note);
  ChunkHeader header;
  header.flags = kChunkFlagTrailer;
  header.first_event = impl_->written;
  EBB_TRY(impl_->write_chunk(header, flat_bytes(message)));
  EBB_TRY(impl_->drain());
  impl_->finished = true;
  impl_->stop();
  return ok_status();
}

uint64_t TraceWriter::event_count() const { return impl_->appended; }

const std::string& TraceWriter::dir() const { return impl_->dir; }
SavedFiles& TraceWriter::saved_files() { return *impl_->saved_files; }

}  // namespace ebb::trace
