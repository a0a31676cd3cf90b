// Chip descriptor JSON schema: parsing, validation and printing.
//
// The field table below is the single list of descriptor fields, their JSON
// pointers and valid ranges (docs/arch.md section 2 documents the same table).
#include "xpu/ChipDescriptor.h"
#include "xpu/FileIO.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <sstream>
#include <vector>

namespace xpu {
namespace {

using json = nlohmann::json;

struct UIntField {
  const char *group; // JSON object ("" for top level)
  const char *key;
  uint32_t ChipDescriptor::*member;
  uint32_t min, max;
  enum Extra { None, PowerOfTwo, MultipleOf8, FlitWidth } extra;
};

const UIntField kUIntFields[] = {
    {"mesh", "width", &ChipDescriptor::width, 1, 256, UIntField::None},
    {"mesh", "height", &ChipDescriptor::height, 1, 256, UIntField::None},
    {"core", "sram_bytes", &ChipDescriptor::sramBytes, 1024, 16777216, UIntField::MultipleOf8},
    {"core", "imem_instructions", &ChipDescriptor::imemInstructions, 16, 65536, UIntField::None},
    {"core", "vector_lanes", &ChipDescriptor::vectorLanes, 1, 256, UIntField::PowerOfTwo},
    {"core", "mailboxes", &ChipDescriptor::mailboxes, 1, 256, UIntField::None},
    {"core", "mailbox_depth", &ChipDescriptor::mailboxDepth, 1, 1024, UIntField::None},
    {"core", "max_message_bytes", &ChipDescriptor::maxMessageBytes, 4, 65535, UIntField::None},
    {"noc", "virtual_channels", &ChipDescriptor::virtualChannels, 1, 8, UIntField::None},
    {"noc", "buffer_depth", &ChipDescriptor::bufferDepth, 1, 64, UIntField::None},
    {"noc", "flit_bytes", &ChipDescriptor::flitBytes, 8, 32, UIntField::FlitWidth},
    {"noc", "router_latency", &ChipDescriptor::routerLatency, 1, 8, UIntField::None},
    {"noc", "link_latency", &ChipDescriptor::linkLatency, 1, 16, UIntField::None},
    {"noc", "multicast_groups", &ChipDescriptor::multicastGroups, 0, 4096, UIntField::None},
    {"noc", "barrier_latency", &ChipDescriptor::barrierLatency, 0, 65536, UIntField::None},
};

struct EnergyField {
  const char *key;
  double EnergyModel::*member;
};

const EnergyField kEnergyFields[] = {
    {"alu_op", &EnergyModel::aluOp},
    {"mul_op", &EnergyModel::mulOp},
    {"sram_read_byte", &EnergyModel::sramReadByte},
    {"sram_write_byte", &EnergyModel::sramWriteByte},
    {"vector_mac", &EnergyModel::vectorMac},
    {"neuron_update", &EnergyModel::neuronUpdate},
    {"flit_hop", &EnergyModel::flitHop},
    {"router_buffer_write", &EnergyModel::routerBufferWrite},
    {"core_idle_cycle", &EnergyModel::coreIdleCycle},
};

std::string typeName(const json &j) { return j.type_name(); }

/// Collects every problem, so a user fixes a descriptor in one pass.
struct Checker {
  std::string source;
  std::vector<std::string> errors;
  void error(const std::string &pointer, const std::string &msg) {
    errors.push_back(source + ": " + pointer + ": " + msg);
  }
};

void checkKnownKeys(Checker &c, const json &obj, const std::string &pointer,
                    const std::vector<std::string> &known) {
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    bool ok = false;
    for (const std::string &k : known)
      ok |= k == it.key();
    if (!ok) {
      std::string list;
      for (const std::string &k : known)
        list += (list.empty() ? "" : ", ") + k;
      c.error(pointer + "/" + it.key(), "unknown field (expected one of: " + list + ")");
    }
  }
}

} // namespace

Expected<ChipDescriptor> parseChipDescriptor(const json &j, const std::string &source) {
  Checker c{source, {}};
  ChipDescriptor chip;
  if (!j.is_object())
    return Error{source + ": /: expected a JSON object, got " + typeName(j)};

  checkKnownKeys(c, j, "", {"name", "mesh", "core", "noc", "clock_mhz", "energy_pj"});
  if (j.contains("name")) {
    if (j["name"].is_string())
      chip.name = j["name"].get<std::string>();
    else
      c.error("/name", "expected a string, got " + typeName(j["name"]));
  }

  for (const char *group : {"mesh", "core", "noc"}) {
    if (!j.contains(group))
      continue;
    const json &g = j[group];
    const std::string gp = std::string("/") + group;
    if (!g.is_object()) {
      c.error(gp, "expected an object, got " + typeName(g));
      continue;
    }
    std::vector<std::string> known;
    for (const UIntField &f : kUIntFields)
      if (std::string(f.group) == group)
        known.push_back(f.key);
    checkKnownKeys(c, g, gp, known);
    for (const UIntField &f : kUIntFields) {
      if (std::string(f.group) != group || !g.contains(f.key))
        continue;
      const json &v = g[f.key];
      const std::string p = gp + "/" + f.key;
      if (!v.is_number_integer()) {
        c.error(p, "expected an integer, got " + typeName(v));
        continue;
      }
      const int64_t x = v.get<int64_t>();
      if (x < int64_t(f.min) || x > int64_t(f.max)) {
        c.error(p, "must be in " + std::to_string(f.min) + ".." + std::to_string(f.max) +
                       ", got " + std::to_string(x));
        continue;
      }
      const uint32_t u = uint32_t(x);
      if (f.extra == UIntField::PowerOfTwo && (u & (u - 1))) {
        c.error(p, "must be a power of two, got " + std::to_string(u));
        continue;
      }
      if (f.extra == UIntField::MultipleOf8 && u % 8) {
        c.error(p, "must be a multiple of 8, got " + std::to_string(u));
        continue;
      }
      if (f.extra == UIntField::FlitWidth && u != 8 && u != 16 && u != 32) {
        c.error(p, "must be 8, 16 or 32, got " + std::to_string(u));
        continue;
      }
      chip.*(f.member) = u;
    }
  }

  if (j.contains("clock_mhz")) {
    const json &v = j["clock_mhz"];
    if (!v.is_number())
      c.error("/clock_mhz", "expected a number, got " + typeName(v));
    else if (!(v.get<double>() >= 1 && v.get<double>() <= 10000))
      c.error("/clock_mhz", "must be in 1..10000, got " + v.dump());
    else
      chip.clockMhz = v.get<double>();
  }

  if (j.contains("energy_pj")) {
    const json &e = j["energy_pj"];
    if (!e.is_object()) {
      c.error("/energy_pj", "expected an object, got " + typeName(e));
    } else {
      std::vector<std::string> known;
      for (const EnergyField &f : kEnergyFields)
        known.push_back(f.key);
      checkKnownKeys(c, e, "/energy_pj", known);
      for (const EnergyField &f : kEnergyFields) {
        if (!e.contains(f.key))
          continue;
        const json &v = e[f.key];
        const std::string p = std::string("/energy_pj/") + f.key;
        if (!v.is_number())
          c.error(p, "expected a number, got " + typeName(v));
        else if (!(v.get<double>() >= 0) || !std::isfinite(v.get<double>()))
          c.error(p, "must be >= 0, got " + v.dump());
        else
          chip.energy.*(f.member) = v.get<double>();
      }
    }
  }

  // Cross-field rules.
  if (c.errors.empty()) {
    if (chip.numCores() > 65536)
      c.error("/mesh", "width * height must be at most 65536 (16-bit core ids), got " +
                           std::to_string(chip.numCores()));
  }

  if (!c.errors.empty()) {
    std::string all;
    for (const std::string &e : c.errors)
      all += (all.empty() ? "" : "\n") + e;
    return Error{all};
  }
  return chip;
}

Expected<ChipDescriptor> loadChipDescriptor(const std::string &path) {
  auto text = readFileText(path);
  if (!text)
    return Error{text.error().message + " (chip descriptor)"};
  json j = json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded())
    return Error{path + ": error: not valid JSON"};
  return parseChipDescriptor(j, path);
}

std::optional<Error> validateChipDescriptor(const ChipDescriptor &chip, const std::string &source) {
  auto checked = parseChipDescriptor(toJson(chip), source);
  if (!checked)
    return checked.error();
  return std::nullopt;
}

json toJson(const ChipDescriptor &chip) {
  json j;
  j["name"] = chip.name;
  for (const UIntField &f : kUIntFields)
    j[f.group][f.key] = chip.*(f.member);
  j["clock_mhz"] = chip.clockMhz;
  for (const EnergyField &f : kEnergyFields)
    j["energy_pj"][f.key] = chip.energy.*(f.member);
  return j;
}

} // namespace xpu
