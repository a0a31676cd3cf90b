// The .xpuexe container: round trip, validation and a reader that rejects
// every kind of damaged file without crashing (runtime/lib/Executable.cpp).
#include "xpu/Executable.h"
#include "xpu/Isa.h"

#include <gtest/gtest.h>

#include <cctype>
#include <cstring>
#include <random>

using namespace xpu;

namespace {

Executable sample() {
  Executable e;
  e.chip.width = 2;
  e.chip.height = 2;
  e.producer = "test";
  ProgramImage a;
  a.name = "main";
  a.code = {encode({Opcode::Li, 1, 0, 0, 0, 42}), encode({Opcode::Halt, 0, 0, 0, 0, 0})};
  a.data = {{16, {1, 2, 3}}, {64, {9}}};
  a.entry = 1;
  ProgramImage b;
  b.name = "worker";
  b.code = {encode({Opcode::Halt, 0, 0, 0, 0, 0})};
  e.images = {a, b};
  e.cores = {{0, 0}, {3, 0}};
  e.spareCores = {1};
  e.multicastGroups = {{2, 0, {1, 2, 3}}};
  e.mailboxPolicies = {{3, 1, MailboxPolicy::DropOldest}};
  e.inputs = {{"x", 0, 128, 8, "i8", {8}}};
  e.outputs = {{"y", 3, 256, 16, "i32", {2, 2}}};
  e.symbols = {{"start", 0, Symbol::Kind::Code, 1}, {"buf", 0, Symbol::Kind::Data, 16}};
  return e;
}

void expectSame(const Executable &a, const Executable &b) {
  EXPECT_EQ(serializeExecutable(a), serializeExecutable(b));
  ASSERT_EQ(a.images.size(), b.images.size());
  for (size_t i = 0; i < a.images.size(); ++i) {
    EXPECT_EQ(a.images[i].code, b.images[i].code);
    EXPECT_EQ(a.images[i].entry, b.images[i].entry);
    ASSERT_EQ(a.images[i].data.size(), b.images[i].data.size());
    for (size_t k = 0; k < a.images[i].data.size(); ++k) {
      EXPECT_EQ(a.images[i].data[k].address, b.images[i].data[k].address);
      EXPECT_EQ(a.images[i].data[k].bytes, b.images[i].data[k].bytes);
    }
  }
}

} // namespace

TEST(Executable, Crc32KnownValue) {
  const char *s = "123456789";
  EXPECT_EQ(crc32(reinterpret_cast<const uint8_t *>(s), 9), 0xCBF43926u);
}

TEST(Executable, RoundTrip) {
  Executable e = sample();
  ASSERT_FALSE(validateExecutable(e));
  auto bytes = serializeExecutable(e);
  EXPECT_EQ(bytes.size() % 8, 0u);
  EXPECT_EQ(std::memcmp(bytes.data(), "XPUEXE\0\0", 8), 0);
  auto back = parseExecutable(bytes.data(), bytes.size(), "mem");
  ASSERT_TRUE(back) << back.error().message;
  expectSame(e, *back);
  EXPECT_EQ(back->producer, "test");
  EXPECT_EQ(back->spareCores, std::vector<uint32_t>{1});
  EXPECT_EQ(back->multicastGroups[0].destinations, (std::vector<uint32_t>{1, 2, 3}));
  EXPECT_EQ(back->mailboxPolicies[0].policy, MailboxPolicy::DropOldest);
  EXPECT_EQ(back->outputs[0].shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(back->symbols[1].kind, Symbol::Kind::Data);
}

TEST(Executable, SaveAndLoad) {
  std::string path = testing::TempDir() + "sample.xpuexe";
  ASSERT_FALSE(saveExecutable(sample(), path));
  auto back = loadExecutable(path);
  ASSERT_TRUE(back) << back.error().message;
  expectSame(sample(), *back);
  EXPECT_FALSE(loadExecutable("/nonexistent.xpuexe"));
}

TEST(Executable, ValidationRejectsInconsistentContents) {
  struct Case {
    void (*mutate)(Executable &);
    const char *expected;
  };
  const Case cases[] = {
      {[](Executable &e) { e.cores.push_back({4, 0}); }, "core 4 is outside the 2x2 mesh"},
      {[](Executable &e) { e.cores.push_back({0, 1}); }, "core 0 is assigned more than once"},
      {[](Executable &e) { e.cores[0].image = 7; }, "image 7 does not exist"},
      {[](Executable &e) { e.spareCores.push_back(3); }, "spare core 3 is also assigned"},
      {[](Executable &e) { e.images[0].code.clear(); }, "has no code"},
      {[](Executable &e) { e.images[0].code.resize(5000); }, "exceed IMEM"},
      {[](Executable &e) { e.images[0].entry = 9; }, "entry 9 is outside its code"},
      {[](Executable &e) { e.images[0].data[0].address = 65535; }, "exceeds SRAM"},
      {[](Executable &e) { e.multicastGroups[0].id = 64; }, "below the chip's multicast_groups"},
      {[](Executable &e) { e.multicastGroups[0].destinations = {2, 1}; }, "sorted and unique"},
      {[](Executable &e) { e.multicastGroups[0].destinations = {}; }, "no destinations"},
      {[](Executable &e) { e.multicastGroups.push_back(e.multicastGroups[0]); }, "defined twice"},
      {[](Executable &e) { e.mailboxPolicies[0].mailbox = 8; }, "has no mailbox 8"},
      {[](Executable &e) { e.inputs[0].dtype = "f32"; }, "unknown dtype 'f32'"},
      {[](Executable &e) { e.inputs[0].address = 65530; }, "exceeds SRAM"},
      {[](Executable &e) { e.outputs[0].shape = {3}; }, "shape holds 12 bytes but the window is 16"},
      {[](Executable &e) { e.outputs[0].address = 2; }, "multiples of the element size 4"},
      {[](Executable &e) { e.outputs[0].name = "x"; }, "reuses the name"},
      {[](Executable &e) { e.symbols[0].image = 5; }, "refers to image 5"},
  };
  for (const Case &c : cases) {
    Executable e = sample();
    c.mutate(e);
    auto err = validateExecutable(e);
    ASSERT_TRUE(err) << c.expected;
    EXPECT_NE(err->message.find(c.expected), std::string::npos)
        << "got: " << err->message << "\nexpected: " << c.expected;
    std::string path = testing::TempDir() + "bad.xpuexe";
    EXPECT_TRUE(saveExecutable(e, path)) << "saveExecutable must refuse: " << c.expected;
  }
}

TEST(Executable, ReaderRejectsDamagedHeaders) {
  auto good = serializeExecutable(sample());
  auto parse = [](const std::vector<uint8_t> &b) { return parseExecutable(b.data(), b.size(), "f"); };
  auto expectError = [&](std::vector<uint8_t> b, const char *what) {
    auto r = parse(b);
    ASSERT_FALSE(r) << what;
    EXPECT_NE(r.error().message.find(what), std::string::npos) << r.error().message;
  };
  expectError({good.begin(), good.begin() + 10}, "file too short");
  auto b = good; b[0] = 'Y'; expectError(b, "bad magic");
  b = good; b[8] = 2; expectError(b, "unsupported format version 2.0");
  b = good; b.resize(b.size() - 8); expectError(b, "truncated");
  b = good; b.back() ^= 1; expectError(b, "checksum mismatch");
  b = good; b[36] = 1; expectError(b, "reserved header field");
  // A newer minor version is accepted.
  b = good; b[10] = 7;
  EXPECT_TRUE(parse(b));
}

namespace {
/// Rewrites the manifest of a serialized file and fixes sizes and checksum,
/// so that the reader's manifest checks (not the CRC) must catch the damage.
std::vector<uint8_t> withManifest(const std::vector<uint8_t> &good, const std::string &manifest) {
  uint32_t oldLen = uint32_t(good[24]) | uint32_t(good[25]) << 8 | uint32_t(good[26]) << 16 | uint32_t(good[27]) << 24;
  EXPECT_LE(manifest.size(), oldLen) << "a replacement must not grow the manifest";
  std::string padded = manifest;
  padded.resize(oldLen, ' ');
  std::vector<uint8_t> b = good;
  std::memcpy(b.data() + kExeHeaderBytes, padded.data(), oldLen);
  uint32_t crc = crc32(b.data() + kExeHeaderBytes, b.size() - kExeHeaderBytes);
  for (int i = 0; i < 4; ++i) b[32 + i] = uint8_t(crc >> (8 * i));
  return b;
}
std::string manifestOf(const std::vector<uint8_t> &good) {
  uint32_t len = uint32_t(good[24]) | uint32_t(good[25]) << 8;
  return std::string(good.begin() + kExeHeaderBytes, good.begin() + kExeHeaderBytes + len);
}
void replace(std::string &s, const std::string &from, const std::string &to) {
  size_t p = s.find(from);
  ASSERT_NE(p, std::string::npos) << from;
  s.replace(p, from.size(), to);
}
} // namespace

TEST(Executable, ReaderRejectsMalformedManifests) {
  auto good = serializeExecutable(sample());
  const std::string m = manifestOf(good);
  struct Case { std::string from, to, expected; };
  const Case cases[] = {
      {"\"images\"", "\"imagez\"", "/images: missing"},
      {"\"policy\":\"drop_oldest\"", "\"policy\":\"drop_often\"", "unknown policy 'drop_often'"},
      {"\"kind\":\"code\"", "\"kind\":\"cide\"", "expected \"code\" or \"data\""},
      {"\"address\":16", "\"address\":-1", "/images/0/data/0/address: expected an unsigned integer"},
      {"\"name\":\"main\"", "\"name\":5", "/images/0/name: expected a string"},
      {"\"width\":2", "\"width\":0", "/chip: /mesh/width: must be in 1..256"},
      {"\"spare_cores\":[1]", "\"spare_cores\":[9]", "spare core 9 is outside the mesh"},
      {"{", "[", "not a valid JSON object"},
  };
  for (const Case &c : cases) {
    std::string mm = m;
    replace(mm, c.from, c.to);
    auto b = withManifest(good, mm);
    auto r = parseExecutable(b.data(), b.size(), "f");
    ASSERT_FALSE(r) << c.expected;
    EXPECT_NE(r.error().message.find(c.expected), std::string::npos) << r.error().message;
  }
  // A section pointing outside the file (digits replaced by as many 9s, so
  // the manifest keeps its length: beyond the file, or odd hence misaligned).
  std::string mm = m;
  size_t p = mm.find("\"offset\":");
  ASSERT_NE(p, std::string::npos);
  for (size_t k = p + 9; std::isdigit(static_cast<unsigned char>(mm[k])); ++k)
    mm[k] = '9';
  auto b = withManifest(good, mm);
  auto r = parseExecutable(b.data(), b.size(), "f");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("out of bounds"), std::string::npos) << r.error().message;
}

TEST(Executable, ReaderNeverCrashesOnRandomCorruption) {
  // Flip random bytes (fixing the checksum half the time so the manifest and
  // section checks are exercised too): every result is a value or an error.
  auto good = serializeExecutable(sample());
  std::mt19937 rng(7);
  int accepted = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    auto b = good;
    int flips = 1 + int(rng() % 4);
    for (int k = 0; k < flips; ++k)
      b[rng() % b.size()] ^= uint8_t(1 + rng() % 255);
    if (rng() & 1) {
      uint32_t crc = crc32(b.data() + kExeHeaderBytes, b.size() - kExeHeaderBytes);
      for (int i = 0; i < 4; ++i) b[32 + i] = uint8_t(crc >> (8 * i));
    }
    if (rng() % 8 == 0)
      b.resize(rng() % b.size());
    auto r = parseExecutable(b.data(), b.size(), "fuzz");
    if (r) {
      ++accepted;
      EXPECT_FALSE(validateExecutable(*r));
    } else {
      EXPECT_FALSE(r.error().message.empty());
    }
  }
  EXPECT_LT(accepted, 3000);
}

TEST(Executable, TruncationAtEverySectionBoundaryIsRejected) {
  Executable e = sample();
  auto good = serializeExecutable(e);
  auto back = parseExecutable(good.data(), good.size(), "f");
  ASSERT_TRUE(back);
  // Boundaries: end of header, end of manifest, start and end of every section.
  uint32_t manifestBytes = uint32_t(good[24]) | uint32_t(good[25]) << 8;
  std::vector<size_t> cuts = {0, 8, kExeHeaderBytes - 1, kExeHeaderBytes,
                              kExeHeaderBytes + manifestBytes / 2, kExeHeaderBytes + manifestBytes};
  std::string m(good.begin() + kExeHeaderBytes, good.begin() + kExeHeaderBytes + manifestBytes);
  for (size_t p = 0; (p = m.find("\"offset\":", p)) != std::string::npos; ++p) {
    size_t off = std::stoull(m.substr(p + 9));
    size_t q = m.find("\"size\":", p);
    size_t size = std::stoull(m.substr(q + 7));
    cuts.push_back(off);
    cuts.push_back(off + size);
    if (size > 1) cuts.push_back(off + size / 2);
  }
  EXPECT_GE(cuts.size(), 6u + 2 * 4);  // four sections in the sample
  for (size_t cut : cuts) {
    if (cut >= good.size()) continue;
    auto r = parseExecutable(good.data(), cut, "f");
    ASSERT_FALSE(r) << "truncated at " << cut;
    EXPECT_NE(r.error().message.find(cut < kExeHeaderBytes ? "too short" : "truncated"), std::string::npos)
        << "cut " << cut << ": " << r.error().message;
  }
}

TEST(Executable, MailboxCapacityRoundTripsAndIsValidated) {
  Executable e = sample();
  e.chip.mailboxDepth = 8;
  e.mailboxPolicies = {{3, 1, MailboxPolicy::DropOldest, 3}, {0, 2, MailboxPolicy::Error}};
  ASSERT_FALSE(validateExecutable(e));
  auto bytes = serializeExecutable(e);
  const std::string m = manifestOf(bytes);
  EXPECT_NE(m.find("\"capacity\":3"), std::string::npos) << m;
  auto back = parseExecutable(bytes.data(), bytes.size(), "mem");
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->mailboxPolicies.size(), 2u);
  EXPECT_EQ(back->mailboxPolicies[0].capacity, 3u);
  EXPECT_EQ(back->mailboxPolicies[0].policy, MailboxPolicy::DropOldest);
  EXPECT_EQ(back->mailboxPolicies[1].capacity, 0u); // absent: the chip's depth
  expectSame(e, *back);

  // Above the chip's depth: rejected by validation and by the reader.
  e.mailboxPolicies[0].capacity = 9;
  auto err = validateExecutable(e);
  ASSERT_TRUE(err);
  EXPECT_NE(err->message.find("capacity 9, more than the chip's mailbox_depth 8"), std::string::npos) << err->message;
  std::string mm = m;
  replace(mm, "\"capacity\":3", "\"capacity\":9");
  auto b = withManifest(bytes, mm);
  auto r = parseExecutable(b.data(), b.size(), "f");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("mailbox_depth 8"), std::string::npos) << r.error().message;
  mm = m;
  replace(mm, "\"capacity\":3", "\"capacity\":0");
  b = withManifest(bytes, mm);
  r = parseExecutable(b.data(), b.size(), "f");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("/mailbox_policies/0/capacity: must be at least 1"), std::string::npos)
      << r.error().message;
}
