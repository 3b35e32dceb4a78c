#include "engine/trace/reader.h"

#include <capnp/dynamic.h>
#include <capnp/serialize.h>
#include <fcntl.h>
#include <kj/exception.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

#include "engine/base/assert.h"
#include "engine/base/fd.h"
#include "engine/trace/chunk.h"
#include "engine/trace/format.h"

namespace ebb::trace {

namespace {

// A header is a few KB; anything this large is not one.
constexpr uint64_t kMaxHeaderBytes = 64u << 20;

capnp::ReaderOptions reader_options() {
  capnp::ReaderOptions options;
  // Events carry memory contents (tens of MB); the default limit (64 MB) is
  // too small. This still bounds what a crafted message can make us traverse.
  options.traversalLimitInWords = uint64_t{1} << 31;
  return options;
}

// Word-aligned storage for flat messages: FlatArrayMessageReader needs
// 8-byte alignment. (std::vector<capnp::word> does not build with clang,
// where capnp::word is not copyable.)
class AlignedBuffer {
 public:
  void resize(size_t bytes) {
    const size_t words = (bytes + 7) / 8;
    if (words > capacity_) {
      words_ = std::make_unique_for_overwrite<capnp::word[]>(words);
      capacity_ = words;
    }
    size_ = bytes;
  }
  uint8_t* bytes() { return reinterpret_cast<uint8_t*>(words_.get()); }
  const capnp::word* words() const { return words_.get(); }
  size_t size_words() const { return size_ / 8; }

 private:
  std::unique_ptr<capnp::word[]> words_;
  size_t capacity_ = 0;
  size_t size_ = 0;
};

// Reads up to `size` bytes at `offset`; fewer only at end of file.
Result<size_t> read_at(int fd, uint8_t* out, size_t size, uint64_t offset,
                       const std::string& path) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = pread(fd, out + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return os_error("cannot read " + path);
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

Result<uint64_t> file_size(int fd, const std::string& path) {
  struct stat st;
  if (fstat(fd, &st) != 0) return os_error("cannot stat " + path);
  return static_cast<uint64_t>(st.st_size);
}

// Touches every field the schema defines, so that a malformed pointer throws
// here (inside next()'s try) and not later in a caller reading the event.
void validate_value(const capnp::DynamicValue::Reader& value);

void validate_struct(const capnp::DynamicStruct::Reader& s) {
  for (auto field : s.getSchema().getNonUnionFields()) validate_value(s.get(field));
  KJ_IF_MAYBE(field, s.which()) { validate_value(s.get(*field)); }
}

void validate_value(const capnp::DynamicValue::Reader& value) {
  switch (value.getType()) {
    case capnp::DynamicValue::STRUCT:
      validate_struct(value.as<capnp::DynamicStruct>());
      break;
    case capnp::DynamicValue::LIST:
      for (auto element : value.as<capnp::DynamicList>()) validate_value(element);
      break;
    default:
      break;  // scalars, and Text/Data, which get() has already bounds-checked
  }
}

template <typename T>
typename T::Reader validated_root(capnp::FlatArrayMessageReader& message) {
  typename T::Reader root = message.getRoot<T>();
  validate_struct(capnp::toDynamic(root));
  return root;
}

// capnp's descriptions read "expected <condition> [<values>]; <message>.",
// and the values may hold raw bytes (even NUL). Keep the message, printable.
std::string describe(const kj::Exception& e) {
  kj::StringPtr raw = e.getDescription();
  std::string text(raw.begin(), raw.size());
  const size_t semi = text.rfind("; ");
  if (text.rfind("expected ", 0) == 0 && semi != std::string::npos) text = text.substr(semi + 2);
  for (char& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  while (!text.empty() && (text.back() == '.' || text.back() == ' ')) text.pop_back();
  return text.empty() ? "malformed message" : text;
}

Error version_error(const std::string& dir, uint32_t version) {
  return make_error(ErrorKind::kTraceVersion,
                    "trace " + dir + " was written in trace format version " +
                        std::to_string(version) + "; this ebb reads versions " +
                        std::to_string(kOldestReadableVersion) + " to " + std::to_string(kFormatVersion));
}

Error corrupt_header(const std::string& dir, const std::string& what) {
  return make_error(ErrorKind::kTraceCorrupt, "trace " + dir + " has a corrupt header: " + what);
}

}  // namespace

struct TraceReader::Impl {
  enum class State { kReading, kEndedEarly, kComplete };

  std::string dir;
  std::string events_path;
  uint32_t version = 0;

  AlignedBuffer header_buffer;
  std::optional<capnp::FlatArrayMessageReader> header_message;
  schema::TraceHeader::Reader header;

  ScopedFd events_fd;
  uint64_t next_offset = kPreambleSize;  // where the next chunk starts
  ChunkDecompressor decompressor;
  std::vector<uint8_t> compressed;
  AlignedBuffer chunk;
  uint64_t chunk_offset = 0;
  std::vector<size_t> message_ends;  // in words, one per message of the chunk
  size_t chunk_index = 0;            // next message of the chunk to return

  uint64_t next_event = 0;
  uint64_t current_event = 0;
  bool have_event = false;
  std::optional<capnp::FlatArrayMessageReader> event_message;
  schema::Event::Reader event;

  State state = State::kReading;
  std::optional<Error> failed;
  std::string end_note;

  Status open_header();
  Status open_events();
  Status parse_header(const uint8_t* data, size_t size);
  Result<bool> load_chunk();
  Status split_messages(const ChunkHeader& header);
  Status read_trailer();
  Status read_event();
  Error corrupt_at(uint64_t event_number, const std::string& what) const;
};

Error TraceReader::Impl::corrupt_at(uint64_t event_number, const std::string& what) const {
  return make_error(ErrorKind::kTraceCorrupt,
                    "trace " + dir + " is corrupt at event " + std::to_string(event_number) +
                        " (chunk at byte offset " + std::to_string(chunk_offset) + "): " + what);
}

Status TraceReader::Impl::open_header() {
  const std::string path = dir + "/" + kHeaderFile;
  ScopedFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) {
      return make_error(ErrorKind::kBadInput, dir + " is not an ebb trace (it has no header file)");
    }
    return os_error("cannot open " + path);
  }
  Result<uint64_t> size = file_size(fd.get(), path);
  if (!size) return size.error();
  if (*size > kMaxHeaderBytes) {
    return corrupt_header(dir, "it is " + std::to_string(*size) + " bytes long");
  }
  std::vector<uint8_t> bytes(*size);
  Result<size_t> n = read_at(fd.get(), bytes.data(), bytes.size(), 0, path);
  if (!n) return n.error();
  bytes.resize(*n);
  if (bytes.size() < sizeof kHeaderMagic ||
      std::memcmp(bytes.data(), kHeaderMagic, sizeof kHeaderMagic) != 0) {
    return make_error(ErrorKind::kBadInput, dir + " is not an ebb trace");
  }
  if (bytes.size() < kPreambleSize) return corrupt_header(dir, "it ends inside the version");
  version = get_u32(bytes.data() + sizeof kHeaderMagic);
  if (version < kOldestReadableVersion || version > kFormatVersion) return version_error(dir, version);
  return parse_header(bytes.data() + kPreambleSize, bytes.size() - kPreambleSize);
}

Status TraceReader::Impl::parse_header(const uint8_t* data, size_t size) {
  if (size == 0 || size % 8 != 0) {
    return corrupt_header(dir, "the message is " + std::to_string(size) +
                                   " bytes, not a whole number of words");
  }
  header_buffer.resize(size);
  std::memcpy(header_buffer.bytes(), data, size);
  kj::ArrayPtr<const capnp::word> words(header_buffer.words(), header_buffer.size_words());
  try {
    header_message.emplace(words, reader_options());
    if (header_message->getEnd() != words.end()) {
      return corrupt_header(dir, "the message does not fill the file");
    }
    header = validated_root<schema::TraceHeader>(*header_message);
  } catch (const kj::Exception& e) {
    header_message.reset();
    return corrupt_header(dir, describe(e));
  }
  return ok_status();
}

Status TraceReader::Impl::open_events() {
  events_path = dir + "/" + kEventsFile;
  events_fd = ScopedFd(::open(events_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!events_fd.valid()) {
    if (errno == ENOENT) {
      return make_error(ErrorKind::kTraceCorrupt, "trace " + dir + " has no events file");
    }
    return os_error("cannot open " + events_path);
  }
  uint8_t preamble[kPreambleSize];
  Result<size_t> n = read_at(events_fd.get(), preamble, sizeof preamble, 0, events_path);
  if (!n) return n.error();
  // The writer creates `events` whole before `header`, so even a recorder
  // killed at once leaves a full preamble.
  if (*n < kPreambleSize) {
    return make_error(ErrorKind::kTraceCorrupt,
                      "trace " + dir + " is corrupt: its events file is truncated");
  }
  if (std::memcmp(preamble, kEventsMagic, sizeof kEventsMagic) != 0) {
    return make_error(ErrorKind::kTraceCorrupt,
                      "trace " + dir + " is corrupt: its events file has a bad magic");
  }
  const uint32_t events_version = get_u32(preamble + sizeof kEventsMagic);
  if (events_version < kOldestReadableVersion || events_version > kFormatVersion)
    return version_error(dir, events_version);
  return ok_status();
}

// Reads the chunk at next_offset. Returns false when there is no further
// events chunk: at a trailer (state kComplete) or at a cut-short end of file
// (state kEndedEarly, what a killed recorder leaves).
Result<bool> TraceReader::Impl::load_chunk() {
  chunk_offset = next_offset;
  uint8_t raw_header[kChunkHeaderSize];
  Result<size_t> n = read_at(events_fd.get(), raw_header, sizeof raw_header, chunk_offset,
                             events_path);
  if (!n) return n.error();
  if (*n < kChunkHeaderSize) {
    state = State::kEndedEarly;
    return false;
  }
  Result<ChunkHeader> header = decode_chunk_header(raw_header);
  if (!header) return corrupt_at(next_event, header.error().message);
  if (header->first_event != next_event) {
    return corrupt_at(next_event, "the chunk starts at event " +
                                      std::to_string(header->first_event));
  }
  // Check against the file size before allocating for the payload.
  Result<uint64_t> size = file_size(events_fd.get(), events_path);
  if (!size) return size.error();
  const uint64_t payload_offset = chunk_offset + kChunkHeaderSize;
  if (*size < payload_offset + header->compressed_size) {
    state = State::kEndedEarly;
    return false;
  }
  compressed.resize(header->compressed_size);
  n = read_at(events_fd.get(), compressed.data(), compressed.size(), payload_offset, events_path);
  if (!n) return n.error();
  if (*n < compressed.size()) {
    state = State::kEndedEarly;
    return false;
  }
  chunk.resize(header->raw_size);
  Status unpacked = decompressor.decompress(*header, compressed.data(), chunk.bytes());
  if (!unpacked) return corrupt_at(next_event, unpacked.error().message);
  next_offset = payload_offset + header->compressed_size;
  EBB_TRY(split_messages(*header));
  if (!header->is_trailer()) return true;
  EBB_TRY(read_trailer());
  return false;
}

// Finds where each flat message of the chunk ends (reading segment tables
// only), and checks that they are as many as announced and fill the chunk.
Status TraceReader::Impl::split_messages(const ChunkHeader& header) {
  const uint32_t expected = header.is_trailer() ? 1 : header.event_count;
  const capnp::word* begin = chunk.words();
  const capnp::word* end = begin + chunk.size_words();
  message_ends.clear();
  chunk_index = 0;
  try {
    for (const capnp::word* pos = begin; pos != end;) {
      if (message_ends.size() == expected) {
        return corrupt_at(next_event, "the chunk has bytes after its last message");
      }
      capnp::FlatArrayMessageReader message(kj::arrayPtr(pos, end), reader_options());
      pos = message.getEnd();
      message_ends.push_back(static_cast<size_t>(pos - begin));
    }
  } catch (const kj::Exception& e) {
    return corrupt_at(next_event + message_ends.size(), describe(e));
  }
  if (message_ends.size() != expected) {
    return corrupt_at(next_event, "the chunk holds " + std::to_string(message_ends.size()) +
                                      " messages, its header says " + std::to_string(expected));
  }
  return ok_status();
}

Status TraceReader::Impl::read_trailer() {
  try {
    capnp::FlatArrayMessageReader message(kj::arrayPtr(chunk.words(), chunk.size_words()),
                                          reader_options());
    auto trailer = validated_root<schema::Trailer>(message);
    if (trailer.getEventCount() != next_event) {
      return corrupt_at(next_event, "the trailer counts " +
                                        std::to_string(trailer.getEventCount()) + " events");
    }
    end_note = trailer.getEndNote().cStr();
  } catch (const kj::Exception& e) {
    return corrupt_at(next_event, "bad trailer: " + describe(e));
  }
  Result<uint64_t> size = file_size(events_fd.get(), events_path);
  if (!size) return size.error();
  if (*size != next_offset) return corrupt_at(next_event, "bytes follow the trailer");
  state = State::kComplete;
  return ok_status();
}

Status TraceReader::Impl::read_event() {
  const size_t begin = chunk_index == 0 ? 0 : message_ends[chunk_index - 1];
  const size_t end = message_ends[chunk_index];
  event_message.reset();
  have_event = false;
  try {
    event_message.emplace(kj::arrayPtr(chunk.words() + begin, chunk.words() + end),
                          reader_options());
    event = validated_root<schema::Event>(*event_message);
  } catch (const kj::Exception& e) {
    event_message.reset();
    return corrupt_at(next_event, describe(e));
  }
  ++chunk_index;
  current_event = next_event++;
  have_event = true;
  return ok_status();
}

TraceReader::TraceReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

TraceReader::~TraceReader() = default;

Result<std::unique_ptr<TraceReader>> TraceReader::open(const std::string& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return make_error(ErrorKind::kBadInput, "trace directory " + dir + " does not exist");
    }
    return os_error("cannot open trace directory " + dir);
  }
  if (!S_ISDIR(st.st_mode)) {
    return make_error(ErrorKind::kBadInput, dir + " is not an ebb trace (not a directory)");
  }
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  EBB_TRY(impl->open_header());
  EBB_TRY(impl->open_events());
  return std::unique_ptr<TraceReader>(new TraceReader(std::move(impl)));
}

const std::string& TraceReader::dir() const { return impl_->dir; }

schema::TraceHeader::Reader TraceReader::header() const { return impl_->header; }

uint32_t TraceReader::format_version() const { return impl_->version; }

Result<bool> TraceReader::next() {
  Impl& d = *impl_;
  if (d.failed) return *d.failed;
  d.event_message.reset();
  d.have_event = false;
  while (d.state == Impl::State::kReading && d.chunk_index == d.message_ends.size()) {
    Result<bool> loaded = d.load_chunk();
    if (!loaded) {
      d.failed = loaded.error();
      return loaded.error();
    }
    if (!*loaded) break;
  }
  if (d.state != Impl::State::kReading) return false;
  Status read = d.read_event();
  if (!read) {
    d.failed = read.error();
    return read.error();
  }
  return true;
}

schema::Event::Reader TraceReader::event() const {
  EBB_ASSERT_MSG(impl_->have_event, "TraceReader::event() without a current event");
  return impl_->event;
}

uint64_t TraceReader::event_number() const { return impl_->current_event; }

bool TraceReader::complete() const { return impl_->state == Impl::State::kComplete; }

std::string TraceReader::end_note() const { return impl_->end_note; }

}  // namespace ebb::trace
