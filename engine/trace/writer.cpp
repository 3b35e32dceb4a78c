#include "engine/trace/writer.h"

#include <capnp/serialize.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
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
// After a huge event, do not keep its buffer around for the rest of the run.
constexpr size_t kKeepBufferCapacity = 4u << 20;

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

struct TraceWriter::Impl {
  std::string dir;
  std::string events_path;
  ScopedFd events_fd;
  uint64_t events_size = kPreambleSize;  // bytes of `events` holding whole chunks
  uint64_t appended = 0;                 // events appended, buffered or written
  uint64_t written = 0;                  // events in chunks on disk
  std::vector<uint8_t> buffer;           // flat messages of the buffered events
  uint32_t buffered = 0;
  ChunkCompressor compressor;
  std::optional<Error> failed;  // the first write error; the writer stops there
  bool finished = false;
  std::unique_ptr<SavedFiles> saved_files;  // created with the directory

  Status usable() const {
    if (failed) return *failed;
    if (finished) {
      return make_error(ErrorKind::kBadInput, "trace " + dir + " is already finished");
    }
    return ok_status();
  }

  Status write_chunk(const ChunkHeader& header, const std::vector<uint8_t>& raw) {
    Result<std::vector<uint8_t>> chunk = compressor.build(header, raw);
    if (!chunk) {
      failed = chunk.error();
      return chunk.error();
    }
    Status written_ok = write_at(events_fd.get(), chunk->data(), chunk->size(), events_size,
                                 events_path);
    if (!written_ok) {
      failed = written_ok.error();
      return written_ok.error();
    }
    events_size += chunk->size();
    return ok_status();
  }
};

TraceWriter::TraceWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TraceWriter::~TraceWriter() {
  // No trailer: the trace reads as ending early, but keeps the buffered events.
  if (impl_ && !impl_->finished && !impl_->failed) (void)flush();
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

Status TraceWriter::append(capnp::MessageBuilder& event) {
  EBB_TRY(impl_->usable());
  std::vector<uint8_t> bytes = flat_bytes(event);
  if (bytes.size() > kMaxChunkRawSize) {
    return make_error(ErrorKind::kUnsupported,
                      "event " + std::to_string(impl_->appended) + " is " +
                          std::to_string(bytes.size()) + " bytes; a trace chunk holds at most " +
                          std::to_string(kMaxChunkRawSize) + " bytes");
  }
  if (impl_->buffer.size() + bytes.size() > kMaxChunkRawSize) EBB_TRY(flush());
  if (impl_->buffer.empty()) {
    impl_->buffer = std::move(bytes);
  } else {
    impl_->buffer.insert(impl_->buffer.end(), bytes.begin(), bytes.end());
  }
  ++impl_->buffered;
  ++impl_->appended;
  if (impl_->buffer.size() > kFlushBytes || impl_->buffered >= kFlushEvents) return flush();
  return ok_status();
}

Status TraceWriter::flush() {
  EBB_TRY(impl_->usable());
  if (impl_->buffered == 0) return ok_status();
  ChunkHeader header;
  header.first_event = impl_->written;
  header.event_count = impl_->buffered;
  EBB_TRY(impl_->write_chunk(header, impl_->buffer));
  impl_->written += impl_->buffered;
  impl_->buffered = 0;
  if (impl_->buffer.capacity() > kKeepBufferCapacity) {
    std::vector<uint8_t>().swap(impl_->buffer);
  } else {
    impl_->buffer.clear();
  }
  return ok_status();
}

Status TraceWriter::finish(const std::string& end_note) {
  EBB_TRY(flush());
  capnp::MallocMessageBuilder message;
  auto trailer = message.initRoot<schema::Trailer>();
  trailer.setEventCount(impl_->written);
  trailer.setEndNote(end_note);
  ChunkHeader header;
  header.flags = kChunkFlagTrailer;
  header.first_event = impl_->written;
  EBB_TRY(impl_->write_chunk(header, flat_bytes(message)));
  impl_->finished = true;
  return ok_status();
}

uint64_t TraceWriter::event_count() const { return impl_->appended; }

const std::string& TraceWriter::dir() const { return impl_->dir; }
SavedFiles& TraceWriter::saved_files() { return *impl_->saved_files; }

}  // namespace ebb::trace
