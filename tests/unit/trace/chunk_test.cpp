// The chunk encoding of the `events` file: header layout, checks, and the zstd
// payload (engine/trace/chunk.h).
#include "engine/trace/chunk.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

namespace ebb::trace {
namespace {

std::vector<uint8_t> sample_payload(size_t size) {
  std::vector<uint8_t> raw(size);
  for (size_t i = 0; i < size; ++i) raw[i] = static_cast<uint8_t>((i * 7) ^ (i >> 9));
  return raw;
}

TEST(ChunkHeader, LayoutIsLittleEndianAndFixed) {
  ChunkHeader h;
  h.flags = kChunkFlagTrailer;
  h.first_event = 0x0102030405060708;
  h.event_count = 0;
  h.raw_size = 0x100;
  h.compressed_size = 0x20;
  uint8_t out[kChunkHeaderSize];
  encode_chunk_header(h, out);
  EXPECT_EQ(0, std::memcmp(out, "EBC1", 4));
  EXPECT_EQ(out[4], 1);
  EXPECT_EQ(out[8], 0x08);
  EXPECT_EQ(out[15], 0x01);
  EXPECT_EQ(out[21], 0x01);  // raw_size 0x100
  EXPECT_EQ(out[24], 0x20);
  EXPECT_EQ(get_u32(out + 28), fnv1a32(out, 28));
}

TEST(ChunkHeader, RoundTrips) {
  ChunkHeader h;
  h.first_event = 12345;
  h.event_count = 3;
  h.raw_size = 4096;
  h.compressed_size = 100;
  uint8_t out[kChunkHeaderSize];
  encode_chunk_header(h, out);
  Result<ChunkHeader> back = decode_chunk_header(out);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->flags, 0u);
  EXPECT_FALSE(back->is_trailer());
  EXPECT_EQ(back->first_event, 12345u);
  EXPECT_EQ(back->event_count, 3u);
  EXPECT_EQ(back->raw_size, 4096u);
  EXPECT_EQ(back->compressed_size, 100u);
}

TEST(ChunkHeader, Fnv1aKnownValues) {
  EXPECT_EQ(fnv1a32(nullptr, 0), 0x811c9dc5u);
  const uint8_t a = 'a';
  EXPECT_EQ(fnv1a32(&a, 1), 0xe40c292cu);
}

TEST(ChunkHeader, EveryFlippedBitIsRejected) {
  ChunkHeader h;
  h.event_count = 2;
  h.raw_size = 64;
  h.compressed_size = 40;
  uint8_t good[kChunkHeaderSize];
  encode_chunk_header(h, good);
  for (size_t bit = 0; bit < kChunkHeaderSize * 8; ++bit) {
    uint8_t bad[kChunkHeaderSize];
    std::memcpy(bad, good, sizeof bad);
    bad[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
    Result<ChunkHeader> r = decode_chunk_header(bad);
    ASSERT_FALSE(r) << "bit " << bit;
    EXPECT_EQ(r.error().kind, ErrorKind::kTraceCorrupt);
  }
}

// Headers with a valid checksum but impossible contents (what a crafted file
// could hold) are rejected before the reader allocates anything.
TEST(ChunkHeader, RejectsAbsurdSizes) {
  struct Case {
    uint32_t flags, count, raw, compressed;
    const char* what;
  } cases[] = {
      {0, 1, kMaxChunkRawSize + 8, 100, "exceeds the limit"},
      {0, 1, 0xfffffff8u, 100, "exceeds the limit"},
      {0, 1, 100, 50, "whole number"},
      {0, 1, 8, 50, "whole number"},
      {0, 1, 64, 0, "compressed size"},
      {0, 1, 64, 100000, "compressed size"},
      {0, 0, 64, 40, "event count"},
      {0, 5, 64, 40, "event count"},
      {kChunkFlagTrailer, 1, 64, 40, "event count"},
      {2, 1, 64, 40, "unknown chunk flags"},
  };
  for (const Case& c : cases) {
    ChunkHeader h;
    h.flags = c.flags;
    h.event_count = c.count;
    h.raw_size = c.raw;
    h.compressed_size = c.compressed;
    uint8_t out[kChunkHeaderSize];
    encode_chunk_header(h, out);
    Result<ChunkHeader> r = decode_chunk_header(out);
    ASSERT_FALSE(r) << c.what;
    EXPECT_NE(r.error().message.find(c.what), std::string::npos) << r.error().message;
  }
}

TEST(ChunkHeader, RejectsFirstEventOverflow) {
  ChunkHeader h;
  h.first_event = ~uint64_t{0};
  h.event_count = 1;
  h.raw_size = 64;
  h.compressed_size = 40;
  uint8_t out[kChunkHeaderSize];
  encode_chunk_header(h, out);
  EXPECT_FALSE(decode_chunk_header(out));
}

TEST(ChunkCodec, CompressesAndDecompresses) {
  ChunkCompressor compressor;
  ChunkDecompressor decompressor;
  for (size_t size : {16u, 4096u, 1u << 20}) {
    std::vector<uint8_t> raw = sample_payload(size);
    ChunkHeader h;
    h.first_event = 7;
    h.event_count = 1;
    Result<std::vector<uint8_t>> chunk = compressor.build(h, raw);
    ASSERT_TRUE(chunk) << chunk.error().message;
    Result<ChunkHeader> back = decode_chunk_header(chunk->data());
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->raw_size, size);
    EXPECT_EQ(chunk->size(), kChunkHeaderSize + back->compressed_size);
    std::vector<uint8_t> out(size);
    Status s = decompressor.decompress(*back, chunk->data() + kChunkHeaderSize, out.data());
    ASSERT_TRUE(s) << s.error().message;
    EXPECT_EQ(out, raw);
  }
}

// The frame checksum (ZSTD_c_checksumFlag) catches damage anywhere in the
// payload that would change the decoded bytes.
TEST(ChunkCodec, DamagedPayloadIsDetected) {
  ChunkCompressor compressor;
  ChunkDecompressor decompressor;
  std::vector<uint8_t> raw = sample_payload(8192);
  ChunkHeader h;
  h.event_count = 1;
  Result<std::vector<uint8_t>> chunk = compressor.build(h, raw);
  ASSERT_TRUE(chunk);
  const ChunkHeader header = *decode_chunk_header(chunk->data());
  std::vector<uint8_t> out(raw.size());
  size_t harmless = 0;
  for (size_t i = kChunkHeaderSize; i < chunk->size(); ++i) {
    std::vector<uint8_t> bad = *chunk;
    bad[i] ^= 0x40;
    std::fill(out.begin(), out.end(), 0);
    Status s = decompressor.decompress(header, bad.data() + kChunkHeaderSize, out.data());
    if (s) {
      // A few bits of a zstd frame do not affect its output (slack in the
      // entropy table descriptions); such a flip must still decode exactly.
      ASSERT_EQ(out, raw) << "byte " << i << " decoded into different data";
      ++harmless;
    } else {
      EXPECT_EQ(s.error().kind, ErrorKind::kTraceCorrupt);
    }
  }
  EXPECT_LT(harmless, 8u);
  // The decompressor is still usable after errors.
  ASSERT_TRUE(decompressor.decompress(header, chunk->data() + kChunkHeaderSize, out.data()));
  EXPECT_EQ(out, raw);
}

TEST(ChunkCodec, SizeMismatchIsDetected) {
  ChunkCompressor compressor;
  ChunkDecompressor decompressor;
  std::vector<uint8_t> raw = sample_payload(1024);
  ChunkHeader h;
  h.event_count = 1;
  Result<std::vector<uint8_t>> chunk = compressor.build(h, raw);
  ASSERT_TRUE(chunk);
  ChunkHeader header = *decode_chunk_header(chunk->data());
  std::vector<uint8_t> out(2048);
  header.raw_size = 2048;
  EXPECT_FALSE(decompressor.decompress(header, chunk->data() + kChunkHeaderSize, out.data()));
  header.raw_size = 1024;
  header.compressed_size -= 1;
  EXPECT_FALSE(decompressor.decompress(header, chunk->data() + kChunkHeaderSize, out.data()));
}

TEST(Preamble, IsMagicThenVersion) {
  uint8_t out[kPreambleSize];
  const char magic[8] = {'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'};
  encode_preamble(magic, 0x01020304, out);
  EXPECT_EQ(0, std::memcmp(out, "ABCDEFGH", 8));
  EXPECT_EQ(get_u32(out + 8), 0x01020304u);
  EXPECT_EQ(out[8], 0x04);
}

}  // namespace
}  // namespace ebb::trace
