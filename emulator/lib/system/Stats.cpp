// Statistics JSON: per-core cycle accounting and instruction mix, messages,
// network link counters, packet latency and energy.
#include "xpu/emu/Stats.h"

#include "xpu/emu/Mesh.h"

#include <algorithm>

namespace xpu::emu {

LatencySummary summariseLatencies(std::vector<uint32_t> samples) {
  LatencySummary s;
  if (samples.empty())
    return s;
  std::sort(samples.begin(), samples.end());
  s.count = samples.size();
  uint64_t sum = 0;
  for (uint32_t v : samples)
    sum += v;
  s.avg = double(sum) / double(s.count);
  auto rank = [&](double q) {
    uint64_t r = uint64_t(q * double(s.count) + 0.999999999);
    r = std::clamp<uint64_t>(r, 1, s.count);
    return uint64_t(samples[r - 1]);
  };
  s.p50 = rank(0.50);
  s.p99 = rank(0.99);
  s.max = samples.back();
  return s;
}

namespace {

const char *portName(unsigned p) {
  static const char *names[] = {"local", "east", "west", "north", "south"};
  return p < kNumPorts ? names[p] : "?";
}

// Rounded to 1e-6 pJ so the printed JSON does not depend on the last bits of
// a floating-point sum's formatting.
double round6(double v) { return double(int64_t(v * 1e6 + (v >= 0 ? 0.5 : -0.5))) / 1e6; }

} // namespace

nlohmann::json collectStats(const Mesh &mesh) {
  using nlohmann::json;
  const ChipDescriptor &chip = mesh.chip();
  const EnergyModel &e = chip.energy;
  const uint64_t cycles = mesh.cyclesDone();
  const BarrierUnit &barrier = mesh.barrier();

  json j;
  j["cycles"] = cycles;
  j["clock_mhz"] = chip.clockMhz;
  j["time_us"] = round6(double(cycles) / chip.clockMhz);
  j["timesteps"] = barrier.timestep();
  j["mesh"] = {{"width", chip.width}, {"height", chip.height}};

  json cores = json::array();
  std::array<uint64_t, kNumInstrClasses> classTotals{};
  uint64_t instrTotal = 0, sent = 0, received = 0, delivered = 0;
  uint64_t spawnRejected = 0, spawnsBooted = 0;
  std::array<uint64_t, 4> dropped{};
  double coreEnergyTotal = 0;
  json breakdown = {{"alu", 0.0}, {"mul", 0.0}, {"sram_read", 0.0},
                    {"sram_write", 0.0}, {"vector_mac", 0.0}, {"neuron", 0.0},
                    {"leakage", 0.0}};
  double bAlu = 0, bMul = 0, bRead = 0, bWrite = 0, bMac = 0, bNeuron = 0, bLeak = 0;
  std::vector<uint32_t> latencies;
  json partial = json::array(); // cores whose unavailable counters the totals lack ("partial_totals")

  for (uint32_t i = 0; i < mesh.numTiles(); ++i) {
    const MeshTile &t = mesh.tile(i);
    const TileCounters tc = t.counters();
    const CoreStats &s = *tc.core;
    const NiStats &n = *tc.ni;
    const CoreState state = t.state();
    // Clip what lies beyond the last simulated cycle: the rest of an
    // instruction still executing, or a pending barrier release's wait.
    uint64_t busy = s.busyCycles, stall = s.stallCycles;
    if (tc.busyEnd > cycles)
      busy -= std::min(busy, tc.busyEnd - cycles);
    if (state == CoreState::Running && barrier.timestep() > 0 &&
        barrier.lastRelease() > cycles && tc.nextIssueCycle == barrier.lastRelease())
      stall -= std::min(stall, barrier.lastRelease() - cycles);
    busy = std::min(busy, cycles);
    stall = std::min(stall, cycles - busy);
    const uint64_t idle = cycles - busy - stall;

    const uint64_t aluOps = s.byClass[size_t(InstrClass::Control)] +
                            s.byClass[size_t(InstrClass::Alu)] +
                            s.byClass[size_t(InstrClass::Branch)];
    const double eAlu = double(aluOps) * e.aluOp;
    const double eMul = double(s.byClass[size_t(InstrClass::Mul)]) * e.mulOp;
    const double eRead = double(s.sramReadBytes) * e.sramReadByte;
    const double eWrite = double(s.sramWriteBytes) * e.sramWriteByte;
    const double eMac = double(s.vectorMacs) * e.vectorMac;
    const double eNeuron = double(s.neuronUpdates) * e.neuronUpdate;
    const double eLeak = double(cycles) * e.coreIdleCycle;
    const double eCore = eAlu + eMul + eRead + eWrite + eMac + eNeuron + eLeak;
    bAlu += eAlu; bMul += eMul; bRead += eRead; bWrite += eWrite;
    bMac += eMac; bNeuron += eNeuron; bLeak += eLeak;
    coreEnergyTotal += eCore;

    json byClass = json::object();
    for (unsigned c = 0; c < kNumInstrClasses; ++c) {
      byClass[std::string(className(InstrClass(c)))] = s.byClass[c];
      classTotals[c] += s.byClass[c];
    }
    instrTotal += s.instructions;
    sent += s.messagesSent;
    received += s.messagesReceived;
    delivered += n.messagesDelivered;
    spawnRejected += n.spawnRejected;
    spawnsBooted += n.spawnsBooted;
    for (size_t p = 0; p < 4; ++p)
      dropped[p] += n.dropped[p];
    latencies.insert(latencies.end(), n.packetLatencies.begin(), n.packetLatencies.end());

    json c = {
        {"id", i},
        {"x", chip.coreX(i)},
        {"y", chip.coreY(i)},
        {"state", coreStateName(state)},
        {"pc", t.pc()},
        {"busy_cycles", busy},
        {"stall_cycles", stall},
        {"idle_cycles", idle},
        {"instructions", s.instructions},
        {"by_class", byClass},
        {"sram_read_bytes", s.sramReadBytes},
        {"sram_write_bytes", s.sramWriteBytes},
        {"vector_macs", s.vectorMacs},
        {"neuron_updates", s.neuronUpdates},
        {"messages_sent", s.messagesSent},
        {"messages_received", s.messagesReceived},
        {"messages_delivered", n.messagesDelivered},
        {"spawn_rejected", n.spawnRejected},
        {"energy_pj", round6(eCore)},
    };
    if (state == CoreState::Faulted)
      c["fault"] = sem::faultName(t.faultCode());
    if (t.implementation() != "model") {
      // Counters this implementation cannot measure: left out, not zero.
      c["tile"] = std::string(t.implementation());
      json missing = json::array();
      for (std::string_view key : tc.unavailable) {
        c.erase(std::string(key));
        missing.push_back(std::string(key));
      }
      if (!missing.empty())
        partial.push_back(i);
      c["unavailable"] = std::move(missing);
    }
    cores.push_back(std::move(c));
  }
  j["cores"] = std::move(cores);
  if (!partial.empty())
    j["partial_totals"] = std::move(partial);

  json classes = json::object();
  for (unsigned c = 0; c < kNumInstrClasses; ++c)
    classes[std::string(className(InstrClass(c)))] = classTotals[c];
  j["instructions"] = {{"total", instrTotal}, {"by_class", classes}};

  j["messages"] = {
      {"sent", sent},
      {"delivered", delivered},
      {"received", received},
      {"dropped",
       {{"drop_newest", dropped[size_t(MailboxPolicy::DropNewest)]},
        {"drop_oldest", dropped[size_t(MailboxPolicy::DropOldest)]},
        {"error", dropped[size_t(MailboxPolicy::Error)]},
        {"total", dropped[1] + dropped[2] + dropped[3]}}},
      {"spawn_rejected", spawnRejected},
      {"spawns_booted", spawnsBooted},
  };

  const NetworkStats &ns = mesh.network().stats();
  json links = json::array();
  uint64_t linkSum = 0;
  for (uint32_t r = 0; r < ns.linkFlits.size(); ++r)
    for (unsigned p = 0; p < kNumPorts; ++p) {
      const uint64_t f = ns.linkFlits[r][p];
      if (!f)
        continue;
      if (p != unsigned(Port::Local))
        linkSum += f;
      links.push_back({{"router", r}, {"x", chip.coreX(r)}, {"y", chip.coreY(r)},
                       {"port", portName(p)}, {"flits", f}});
    }
  j["network"] = {
      {"flits_injected", ns.flitsInjected},
      {"flits_ejected", ns.flitsEjected},
      {"flit_hops", ns.flitHops},
      {"buffer_writes", ns.bufferWrites},
      {"link_flits_total", linkSum},
      {"link_flits", links},
  };

  const LatencySummary lat = summariseLatencies(std::move(latencies));
  j["packet_latency"] = {{"count", lat.count}, {"avg", round6(lat.avg)},
                         {"p50", lat.p50}, {"p99", lat.p99}, {"max", lat.max}};

  const double eHops = double(ns.flitHops) * e.flitHop;
  const double eBuf = double(ns.bufferWrites) * e.routerBufferWrite;

  // Network energy per router (added to each core's entry as
  // router_energy_pj) and per link class. A flit hop is charged to the
  // router whose output port it leaves; a buffer write to the router whose
  // input buffer it enters: flits its NI injected (Local input) plus flits
  // its neighbours sent it (bufferWrites = injected + hops).
  const uint32_t numRouters = uint32_t(ns.linkFlits.size());
  std::vector<uint64_t> routerWrites(numRouters, 0);
  uint64_t horizontal = 0, vertical = 0;
  for (uint32_t r = 0; r < numRouters; ++r) {
    routerWrites[r] += mesh.tile(r).counters().ni->flitsSent;
    const uint32_t x = chip.coreX(r), y = chip.coreY(r);
    for (unsigned p = 1; p < kNumPorts; ++p) {
      const uint64_t f = ns.linkFlits[r][p];
      if (!f)
        continue;
      uint32_t nx = x, ny = y;
      switch (Port(p)) {
      case Port::East: ++nx; horizontal += f; break;
      case Port::West: --nx; horizontal += f; break;
      case Port::North: --ny; vertical += f; break;
      case Port::South: ++ny; vertical += f; break;
      default: break;
      }
      if (nx < chip.width && ny < chip.height)
        routerWrites[chip.coreId(nx, ny)] += f;
    }
  }
  json &coreList = j["cores"];
  for (uint32_t r = 0; r < numRouters && r < coreList.size(); ++r) {
    uint64_t out = 0;
    for (unsigned p = 1; p < kNumPorts; ++p)
      out += ns.linkFlits[r][p];
    const double eRouter = double(out) * e.flitHop + double(routerWrites[r]) * e.routerBufferWrite;
    coreList[r]["router_energy_pj"] = round6(eRouter);
    if (coreList[r].contains("energy_pj")) // absent where the tile cannot measure it
      coreList[r]["tile_energy_pj"] = round6(double(coreList[r]["energy_pj"]) + eRouter);
    // A tile whose router the network does not model (an RTL router).
    for (std::string_view key : mesh.tile(r).counters().unavailable)
      coreList[r].erase(std::string(key));
  }
  const json linkClasses = {
      {"horizontal", {{"flits", horizontal}, {"energy_pj", round6(double(horizontal) * e.flitHop)}}},
      {"vertical", {{"flits", vertical}, {"energy_pj", round6(double(vertical) * e.flitHop)}}},
  };
  breakdown = {{"alu", round6(bAlu)}, {"mul", round6(bMul)},
               {"sram_read", round6(bRead)}, {"sram_write", round6(bWrite)},
               {"vector_mac", round6(bMac)}, {"neuron", round6(bNeuron)},
               {"leakage", round6(bLeak)}, {"flit_hop", round6(eHops)},
               {"router_buffer_write", round6(eBuf)}};
  const double total = coreEnergyTotal + eHops + eBuf;
  j["energy_pj"] = {{"total", round6(total)},
                    {"cores", round6(coreEnergyTotal)},
                    {"network", round6(eHops + eBuf)},
                    {"breakdown", breakdown},
                    {"by_link_class", linkClasses}};
  // Per timestep (barrier release) when the program uses barriers; the
  // average power over the run (pJ per us = uW, reported in mW).
  if (barrier.timestep() > 0)
    j["energy_pj"]["per_timestep"] = round6(total / double(barrier.timestep()));
  if (cycles > 0)
    j["energy_pj"]["average_power_mw"] =
        round6(total / (double(cycles) / chip.clockMhz) / 1000.0);
  return j;
}

} // namespace xpu::emu
