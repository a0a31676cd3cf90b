// The .xpuexe container: validation, serialisation and a reader that never
// trusts its input (docs/arch.md section 11).
#include "xpu/Executable.h"
#include "xpu/Multicast.h"
#include "xpu/Packet.h"
#include "xpu/FileIO.h"
#include "xpu/Semantics.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

namespace xpu {
namespace {

using json = nlohmann::json;

const char *kPolicyNames[] = {"block", "drop_newest", "drop_oldest", "error"};

uint32_t dtypeBytes(const std::string &dtype) {
  if (dtype == "i8" || dtype == "u8") return 1;
  if (dtype == "i16") return 2;
  if (dtype == "i32") return 4;
  return 0;
}

template <typename T> void putLE(std::vector<uint8_t> &out, size_t at, T v) {
  for (size_t i = 0; i < sizeof(T); ++i)
    out[at + i] = uint8_t(uint64_t(v) >> (8 * i));
}
template <typename T> T getLE(const uint8_t *p) {
  uint64_t v = 0;
  for (size_t i = 0; i < sizeof(T); ++i)
    v |= uint64_t(p[i]) << (8 * i);
  return T(v);
}

size_t align8(size_t n) { return (n + 7) & ~size_t(7); }

std::optional<Error> validateIo(const Executable &exe, const IoBinding &io, const char *what) {
  const std::string where = std::string(what) + " '" + io.name + "'";
  if (io.name.empty())
    return Error{std::string(what) + " with an empty name"};
  if (io.core >= exe.chip.numCores())
    return Error{where + ": core " + std::to_string(io.core) + " is outside the mesh"};
  const uint32_t eb = dtypeBytes(io.dtype);
  if (!eb)
    return Error{where + ": unknown dtype '" + io.dtype + "' (expected i8, u8, i16 or i32)"};
  if (uint64_t(io.address) + io.bytes > exe.chip.sramBytes)
    return Error{where + ": window [" + std::to_string(io.address) + ", " +
                 std::to_string(uint64_t(io.address) + io.bytes) + ") exceeds SRAM of " +
                 std::to_string(exe.chip.sramBytes) + " bytes"};
  if (io.address % eb || io.bytes % eb)
    return Error{where + ": address and size must be multiples of the element size " +
                 std::to_string(eb)};
  if (!io.shape.empty()) {
    int64_t n = 1;
    for (int64_t d : io.shape) {
      if (d <= 0 || d > int64_t(exe.chip.sramBytes))
        return Error{where + ": shape dimensions must be positive"};
      n *= d;
      if (n > int64_t(exe.chip.sramBytes))
        return Error{where + ": shape is larger than SRAM"};
    }
    if (uint64_t(n) * eb != io.bytes)
      return Error{where + ": shape holds " + std::to_string(uint64_t(n) * eb) +
                   " bytes but the window is " + std::to_string(io.bytes)};
  }
  return std::nullopt;
}

} // namespace

const char *policyName(MailboxPolicy p) { return kPolicyNames[static_cast<int>(p)]; }

std::optional<MailboxPolicy> policyFromName(const std::string &name) {
  for (int i = 0; i < 4; ++i)
    if (name == kPolicyNames[i])
      return MailboxPolicy(i);
  return std::nullopt;
}

std::optional<Error> validateExecutable(const Executable &exe) {
  const ChipDescriptor &chip = exe.chip;
  const uint32_t n = chip.numCores();
  if (exe.images.size() > 65535)
    return Error{"more than 65535 program images"};
  for (size_t i = 0; i < exe.images.size(); ++i) {
    const ProgramImage &im = exe.images[i];
    const std::string where = "image " + std::to_string(i) + " '" + im.name + "'";
    if (im.code.empty())
      return Error{where + ": has no code"};
    if (im.code.size() > chip.imemInstructions)
      return Error{where + ": " + std::to_string(im.code.size()) +
                   " instructions exceed IMEM of " + std::to_string(chip.imemInstructions)};
    if (im.entry >= im.code.size())
      return Error{where + ": entry " + std::to_string(im.entry) + " is outside its code"};
    for (const DataSegment &d : im.data)
      if (uint64_t(d.address) + d.bytes.size() > chip.sramBytes)
        return Error{where + ": data segment at " + std::to_string(d.address) + " of " +
                     std::to_string(d.bytes.size()) + " bytes exceeds SRAM of " +
                     std::to_string(chip.sramBytes) + " bytes"};
  }
  std::vector<int> used(n, 0);
  for (const CoreAssignment &a : exe.cores) {
    if (a.core >= n)
      return Error{"core " + std::to_string(a.core) + " is outside the " +
                   std::to_string(chip.width) + "x" + std::to_string(chip.height) + " mesh"};
    if (a.image >= exe.images.size())
      return Error{"core " + std::to_string(a.core) + ": image " + std::to_string(a.image) +
                   " does not exist"};
    if (used[a.core]++)
      return Error{"core " + std::to_string(a.core) + " is assigned more than once"};
  }
  for (uint32_t s : exe.spareCores) {
    if (s >= n)
      return Error{"spare core " + std::to_string(s) + " is outside the mesh"};
    if (used[s]++)
      return Error{"spare core " + std::to_string(s) + " is also assigned or listed twice"};
  }
  std::set<uint32_t> groupIds;
  for (const MulticastGroup &g : exe.multicastGroups) {
    const std::string where = "multicast group " + std::to_string(g.id);
    if (g.id >= chip.multicastGroups)
      return Error{where + ": id must be below the chip's multicast_groups (" +
                   std::to_string(chip.multicastGroups) + ")"};
    if (!groupIds.insert(g.id).second)
      return Error{where + ": defined twice"};
    if (g.source >= n)
      return Error{where + ": source core " + std::to_string(g.source) + " is outside the mesh"};
    if (g.destinations.empty())
      return Error{where + ": has no destinations"};
    for (size_t i = 0; i < g.destinations.size(); ++i) {
      if (g.destinations[i] >= n)
        return Error{where + ": destination core " + std::to_string(g.destinations[i]) +
                     " is outside the mesh"};
      if (i && g.destinations[i] <= g.destinations[i - 1])
        return Error{where + ": destinations must be sorted and unique"};
    }
  }
  // Explicit table entries: every group they name exists, and each group's
  // entries form a tree that reaches exactly its destinations.
  std::map<uint32_t, std::vector<MulticastRoute>> routesOf;
  for (const MulticastRoute &r : exe.multicastRoutes) {
    if (!groupIds.count(r.group))
      return Error{"multicast route at router " + std::to_string(r.router) + ": group " + std::to_string(r.group) +
                   " is not defined"};
    routesOf[r.group].push_back(r);
  }
  for (const MulticastGroup &g : exe.multicastGroups)
    if (auto it = routesOf.find(g.id); it != routesOf.end())
      if (auto err = checkMulticastRoutes(chip, g, it->second)) return err;
  std::set<std::pair<uint32_t, uint32_t>> boxes;
  for (const MailboxConfig &m : exe.mailboxPolicies) {
    if (m.core >= n)
      return Error{"mailbox policy: core " + std::to_string(m.core) + " is outside the mesh"};
    if (m.mailbox >= chip.mailboxes)
      return Error{"mailbox policy: core " + std::to_string(m.core) + " has no mailbox " +
                   std::to_string(m.mailbox) + " (chip has " + std::to_string(chip.mailboxes) + ")"};
    if (m.capacity > chip.mailboxDepth)
      return Error{"mailbox policy: core " + std::to_string(m.core) + " mailbox " + std::to_string(m.mailbox) +
                   " has capacity " + std::to_string(m.capacity) + ", more than the chip's mailbox_depth " +
                   std::to_string(chip.mailboxDepth)};
    if (!boxes.insert({m.core, m.mailbox}).second)
      return Error{"mailbox policy: core " + std::to_string(m.core) + " mailbox " +
                   std::to_string(m.mailbox) + " is configured twice"};
  }
  std::set<std::string> ioNames;
  for (const IoBinding &io : exe.inputs) {
    if (auto e = validateIo(exe, io, "input")) return e;
    if (!ioNames.insert(io.name).second)
      return Error{"input '" + io.name + "' is defined twice"};
  }
  for (const IoBinding &io : exe.outputs) {
    if (auto e = validateIo(exe, io, "output")) return e;
    if (!ioNames.insert(io.name).second)
      return Error{"output '" + io.name + "' reuses the name of another input or output"};
  }
  for (const Symbol &s : exe.symbols)
    if (s.image >= exe.images.size())
      return Error{"symbol '" + s.name + "' refers to image " + std::to_string(s.image) +
                   " which does not exist"};
  return std::nullopt;
}

uint32_t crc32(const uint8_t *data, size_t size) {
  static const auto table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k)
        c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i)
    c = table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::vector<uint8_t> serializeExecutable(const Executable &exe) {
  // Section payloads first (their offsets depend on the manifest's size, so
  // the manifest is laid out with placeholder offsets, then fixed up in a
  // second pass with offsets that no longer change its length).
  std::vector<std::vector<uint8_t>> sections;
  auto addSection = [&](std::vector<uint8_t> bytes) {
    sections.push_back(std::move(bytes));
    return sections.size() - 1;
  };
  struct ImageRefs { size_t code; std::vector<size_t> data; };
  std::vector<ImageRefs> refs;
  for (const ProgramImage &im : exe.images) {
    std::vector<uint8_t> code(im.code.size() * 8);
    for (size_t i = 0; i < im.code.size(); ++i)
      putLE<uint64_t>(code, i * 8, im.code[i]);
    ImageRefs r{addSection(std::move(code)), {}};
    for (const DataSegment &d : im.data)
      r.data.push_back(addSection(d.bytes));
    refs.push_back(std::move(r));
  }

  auto buildManifest = [&](const std::vector<uint64_t> &offsets) {
    auto sec = [&](size_t i) {
      return json{{"offset", offsets[i]}, {"size", sections[i].size()}};
    };
    json m;
    m["chip"] = toJson(exe.chip);
    m["producer"] = exe.producer;
    json images = json::array();
    for (size_t i = 0; i < exe.images.size(); ++i) {
      const ProgramImage &im = exe.images[i];
      json data = json::array();
      for (size_t k = 0; k < im.data.size(); ++k)
        data.push_back({{"address", im.data[k].address}, {"section", sec(refs[i].data[k])}});
      images.push_back({{"name", im.name}, {"entry", im.entry},
                        {"code", sec(refs[i].code)}, {"data", data}});
    }
    m["images"] = images;
    json cores = json::array();
    for (const CoreAssignment &a : exe.cores)
      cores.push_back({{"core", a.core}, {"image", a.image}});
    m["cores"] = cores;
    m["spare_cores"] = exe.spareCores;
    json groups = json::array();
    for (const MulticastGroup &g : exe.multicastGroups)
      groups.push_back({{"id", g.id}, {"source", g.source}, {"destinations", g.destinations}});
    m["multicast_groups"] = groups;
    if (!exe.multicastRoutes.empty()) {
      json routes = json::array();
      for (const MulticastRoute &r : exe.multicastRoutes)
        routes.push_back({{"group", r.group}, {"router", r.router}, {"ports", r.ports}});
      m["multicast_routes"] = routes;
    }
    json policies = json::array();
    for (const MailboxConfig &p : exe.mailboxPolicies)
    {
      json e = {{"core", p.core}, {"mailbox", p.mailbox}, {"policy", policyName(p.policy)}};
      if (p.capacity) e["capacity"] = p.capacity;
      policies.push_back(e);
    }
    m["mailbox_policies"] = policies;
    auto io = [](const std::vector<IoBinding> &v) {
      json a = json::array();
      for (const IoBinding &b : v)
        a.push_back({{"name", b.name}, {"core", b.core}, {"address", b.address},
                     {"bytes", b.bytes}, {"dtype", b.dtype}, {"shape", b.shape}});
      return a;
    };
    m["inputs"] = io(exe.inputs);
    m["outputs"] = io(exe.outputs);
    json symbols = json::array();
    for (const Symbol &s : exe.symbols)
      symbols.push_back({{"name", s.name}, {"image", s.image},
                         {"kind", s.kind == Symbol::Kind::Code ? "code" : "data"},
                         {"value", s.value}});
    m["symbols"] = symbols;
    return m.dump();
  };

  // Offsets are printed as fixed-width-free integers, so iterate until the
  // layout is stable (converges in at most a few rounds).
  std::vector<uint64_t> offsets(sections.size(), 0);
  std::string manifest;
  for (int round = 0; round < 8; ++round) {
    manifest = buildManifest(offsets);
    uint64_t at = align8(kExeHeaderBytes + manifest.size());
    std::vector<uint64_t> next;
    for (const auto &s : sections) {
      next.push_back(at);
      at = align8(at + s.size());
    }
    if (next == offsets)
      break;
    offsets = next;
  }
  uint64_t total = align8(kExeHeaderBytes + manifest.size());
  for (const auto &s : sections)
    total = align8(total + s.size());

  std::vector<uint8_t> out(total, 0);
  std::memcpy(out.data(), kExeMagic, 8);
  putLE<uint16_t>(out, 8, kExeVersionMajor);
  putLE<uint16_t>(out, 10, kExeVersionMinor);
  putLE<uint32_t>(out, 12, kExeHeaderBytes);
  putLE<uint64_t>(out, 16, total);
  putLE<uint32_t>(out, 24, uint32_t(manifest.size()));
  putLE<uint32_t>(out, 28, uint32_t(sections.size()));
  std::memcpy(out.data() + kExeHeaderBytes, manifest.data(), manifest.size());
  for (size_t i = 0; i < sections.size(); ++i)
    if (!sections[i].empty())
      std::memcpy(out.data() + offsets[i], sections[i].data(), sections[i].size());
  putLE<uint32_t>(out, 32, crc32(out.data() + kExeHeaderBytes, total - kExeHeaderBytes));
  return out;
}

namespace {

/// Reads the manifest defensively: every access checks the type and records
/// the JSON pointer of the first problem.
struct ManifestReader {
  std::string source;
  std::optional<std::string> problem;

  void fail(const std::string &ptr, const std::string &msg) {
    if (!problem)
      problem = ptr + ": " + msg;
  }
  const json *field(const json &obj, const std::string &ptr, const char *key) {
    if (!obj.is_object()) { fail(ptr, "expected an object"); return nullptr; }
    auto it = obj.find(key);
    if (it == obj.end()) { fail(ptr + "/" + key, "missing"); return nullptr; }
    return &*it;
  }
  uint64_t u(const json &obj, const std::string &ptr, const char *key, uint64_t max = UINT32_MAX) {
    const json *v = field(obj, ptr, key);
    if (!v) return 0;
    if (!v->is_number_unsigned() || v->get<uint64_t>() > max) {
      fail(ptr + "/" + key, "expected an unsigned integer <= " + std::to_string(max));
      return 0;
    }
    return v->get<uint64_t>();
  }
  std::string s(const json &obj, const std::string &ptr, const char *key) {
    const json *v = field(obj, ptr, key);
    if (!v) return {};
    if (!v->is_string()) { fail(ptr + "/" + key, "expected a string"); return {}; }
    return v->get<std::string>();
  }
  const json &arr(const json &obj, const std::string &ptr, const char *key) {
    static const json empty = json::array();
    const json *v = field(obj, ptr, key);
    if (!v) return empty;
    if (!v->is_array()) { fail(ptr + "/" + key, "expected an array"); return empty; }
    return *v;
  }
};

} // namespace

Expected<Executable> parseExecutable(const uint8_t *data, size_t size, const std::string &source) {
  auto err = [&](const std::string &msg) { return Error{source + ": error: " + msg}; };
  if (size < kExeHeaderBytes)
    return err("file too short for an XPU executable (" + std::to_string(size) + " bytes)");
  if (std::memcmp(data, kExeMagic, 8) != 0)
    return err("not an XPU executable (bad magic)");
  const uint16_t major = getLE<uint16_t>(data + 8);
  if (major != kExeVersionMajor)
    return err("unsupported format version " + std::to_string(major) + "." +
               std::to_string(getLE<uint16_t>(data + 10)) + " (this reader supports " +
               std::to_string(kExeVersionMajor) + ".x)");
  if (getLE<uint32_t>(data + 12) != kExeHeaderBytes)
    return err("bad header size");
  const uint64_t fileBytes = getLE<uint64_t>(data + 16);
  if (fileBytes != size)
    return err("header says " + std::to_string(fileBytes) + " bytes but the file has " +
               std::to_string(size) + " (truncated or padded)");
  const uint32_t manifestBytes = getLE<uint32_t>(data + 24);
  const uint32_t sectionCount = getLE<uint32_t>(data + 28);
  if (uint64_t(kExeHeaderBytes) + manifestBytes > size)
    return err("manifest extends past the end of the file");
  if (getLE<uint32_t>(data + 32) != crc32(data + kExeHeaderBytes, size - kExeHeaderBytes))
    return err("checksum mismatch (file is corrupted)");
  if (getLE<uint32_t>(data + 36) != 0)
    return err("reserved header field is not zero");

  json m = json::parse(data + kExeHeaderBytes, data + kExeHeaderBytes + manifestBytes,
                       nullptr, /*allow_exceptions=*/false);
  if (m.is_discarded() || !m.is_object())
    return err("manifest is not a valid JSON object");

  ManifestReader r{source, {}};
  Executable exe;
  const uint64_t sectionStart = align8(kExeHeaderBytes + manifestBytes);
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  auto section = [&](const json &obj, const std::string &ptr, const char *key)
      -> std::pair<const uint8_t *, uint64_t> {
    const json *s = r.field(obj, ptr, key);
    if (!s) return {nullptr, 0};
    const std::string p = ptr + "/" + key;
    uint64_t off = r.u(*s, p, "offset", UINT64_MAX), sz = r.u(*s, p, "size", UINT64_MAX);
    if (r.problem) return {nullptr, 0};
    if (off < sectionStart || off % 8 || off > size || sz > size - off) {
      r.fail(p, "section out of bounds or misaligned");
      return {nullptr, 0};
    }
    ranges.push_back({off, off + sz});
    return {data + off, sz};
  };

  if (const json *c = r.field(m, "", "chip")) {
    auto chip = parseChipDescriptor(*c, source + ": /chip");
    if (!chip)
      return Error{chip.error().message};
    exe.chip = *chip;
  }
  exe.producer = r.s(m, "", "producer");
  const json &images = r.arr(m, "", "images");
  for (size_t i = 0; i < images.size() && !r.problem; ++i) {
    const std::string p = "/images/" + std::to_string(i);
    ProgramImage im;
    im.name = r.s(images[i], p, "name");
    im.entry = uint32_t(r.u(images[i], p, "entry"));
    auto [code, codeBytes] = section(images[i], p, "code");
    if (code) {
      if (codeBytes % 8) { r.fail(p + "/code", "size is not a multiple of 8"); break; }
      for (uint64_t k = 0; k < codeBytes; k += 8)
        im.code.push_back(getLE<uint64_t>(code + k));
    }
    const json &segs = r.arr(images[i], p, "data");
    for (size_t k = 0; k < segs.size() && !r.problem; ++k) {
      const std::string sp = p + "/data/" + std::to_string(k);
      DataSegment d;
      d.address = uint32_t(r.u(segs[k], sp, "address"));
      auto [bytes, n] = section(segs[k], sp, "section");
      if (bytes) d.bytes.assign(bytes, bytes + n);
      im.data.push_back(std::move(d));
    }
    exe.images.push_back(std::move(im));
  }
  const json &cores = r.arr(m, "", "cores");
  for (size_t i = 0; i < cores.size(); ++i) {
    const std::string p = "/cores/" + std::to_string(i);
    exe.cores.push_back({uint32_t(r.u(cores[i], p, "core")), uint32_t(r.u(cores[i], p, "image"))});
  }
  const json &spares = r.arr(m, "", "spare_cores");
  for (size_t i = 0; i < spares.size(); ++i) {
    if (!spares[i].is_number_unsigned() || spares[i].get<uint64_t>() > UINT32_MAX)
      r.fail("/spare_cores/" + std::to_string(i), "expected a core id");
    else
      exe.spareCores.push_back(spares[i].get<uint32_t>());
  }
  const json &groups = r.arr(m, "", "multicast_groups");
  for (size_t i = 0; i < groups.size(); ++i) {
    const std::string p = "/multicast_groups/" + std::to_string(i);
    MulticastGroup g;
    g.id = uint32_t(r.u(groups[i], p, "id"));
    g.source = uint32_t(r.u(groups[i], p, "source"));
    const json &d = r.arr(groups[i], p, "destinations");
    for (size_t k = 0; k < d.size(); ++k) {
      if (!d[k].is_number_unsigned() || d[k].get<uint64_t>() > UINT32_MAX)
        r.fail(p + "/destinations/" + std::to_string(k), "expected a core id");
      else
        g.destinations.push_back(d[k].get<uint32_t>());
    }
    exe.multicastGroups.push_back(std::move(g));
  }
  if (m.contains("multicast_routes")) {
    const json &routes = r.arr(m, "", "multicast_routes");
    for (size_t i = 0; i < routes.size(); ++i) {
      const std::string p = "/multicast_routes/" + std::to_string(i);
      MulticastRoute mr;
      mr.group = uint32_t(r.u(routes[i], p, "group"));
      mr.router = uint32_t(r.u(routes[i], p, "router"));
      mr.ports = uint8_t(r.u(routes[i], p, "ports", (1u << kNumPorts) - 1));
      exe.multicastRoutes.push_back(mr);
    }
  }
  const json &policies = r.arr(m, "", "mailbox_policies");
  for (size_t i = 0; i < policies.size(); ++i) {
    const std::string p = "/mailbox_policies/" + std::to_string(i);
    MailboxConfig mc;
    mc.core = uint32_t(r.u(policies[i], p, "core"));
    mc.mailbox = uint32_t(r.u(policies[i], p, "mailbox"));
    if (policies[i].is_object() && policies[i].contains("capacity")) {
      mc.capacity = uint32_t(r.u(policies[i], p, "capacity"));
      if (mc.capacity == 0 && !r.problem) r.fail(p + "/capacity", "must be at least 1 (omit it for mailbox_depth)");
    }
    const std::string name = r.s(policies[i], p, "policy");
    if (auto pol = policyFromName(name))
      mc.policy = *pol;
    else if (!r.problem)
      r.fail(p + "/policy", "unknown policy '" + name + "'");
    exe.mailboxPolicies.push_back(mc);
  }
  auto readIo = [&](const char *key, std::vector<IoBinding> &out) {
    const json &a = r.arr(m, "", key);
    for (size_t i = 0; i < a.size(); ++i) {
      const std::string p = std::string("/") + key + "/" + std::to_string(i);
      IoBinding b;
      b.name = r.s(a[i], p, "name");
      b.core = uint32_t(r.u(a[i], p, "core"));
      b.address = uint32_t(r.u(a[i], p, "address"));
      b.bytes = uint32_t(r.u(a[i], p, "bytes"));
      b.dtype = r.s(a[i], p, "dtype");
      const json &shape = r.arr(a[i], p, "shape");
      for (size_t k = 0; k < shape.size(); ++k) {
        if (!shape[k].is_number_integer())
          r.fail(p + "/shape/" + std::to_string(k), "expected an integer");
        else
          b.shape.push_back(shape[k].get<int64_t>());
      }
      out.push_back(std::move(b));
    }
  };
  readIo("inputs", exe.inputs);
  readIo("outputs", exe.outputs);
  const json &symbols = r.arr(m, "", "symbols");
  for (size_t i = 0; i < symbols.size(); ++i) {
    const std::string p = "/symbols/" + std::to_string(i);
    Symbol s;
    s.name = r.s(symbols[i], p, "name");
    s.image = uint32_t(r.u(symbols[i], p, "image"));
    const std::string kind = r.s(symbols[i], p, "kind");
    if (kind == "code") s.kind = Symbol::Kind::Code;
    else if (kind == "data") s.kind = Symbol::Kind::Data;
    else if (!r.problem) r.fail(p + "/kind", "expected \"code\" or \"data\"");
    s.value = uint32_t(r.u(symbols[i], p, "value"));
    exe.symbols.push_back(std::move(s));
  }
  if (r.problem)
    return err("malformed manifest: " + *r.problem);

  if (ranges.size() != sectionCount)
    return err("header lists " + std::to_string(sectionCount) + " sections but the manifest refers to " +
               std::to_string(ranges.size()));
  std::sort(ranges.begin(), ranges.end());
  for (size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].first < ranges[i - 1].second)
      return err("sections overlap");

  if (auto e = validateExecutable(exe))
    return err("inconsistent executable: " + e->message);
  return exe;
}

Expected<Executable> loadExecutable(const std::string &path) {
  auto bytes = readFileBytes(path);
  if (!bytes)
    return bytes.error();
  return parseExecutable(bytes->data(), bytes->size(), path);
}

std::optional<Error> saveExecutable(const Executable &exe, const std::string &path) {
  if (auto e = validateExecutable(exe))
    return Error{path + ": error: refusing to write an inconsistent executable: " + e->message};
  std::vector<uint8_t> bytes = serializeExecutable(exe);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out)
    return Error{path + ": error: cannot open for writing"};
  out.write(reinterpret_cast<const char *>(bytes.data()), std::streamsize(bytes.size()));
  if (!out)
    return Error{path + ": error: write failed"};
  return std::nullopt;
}

} // namespace xpu
