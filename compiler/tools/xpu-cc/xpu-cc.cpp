// xpu-cc: the XPU compiler driver. Actor graph (JSON) or nact IR in; the IR
// of any phase, an executable, or a run on the emulator out.
#include "compiler/lib/Driver/Driver.h"

#include "xpu/ChipDescriptor.h"
#include "xpu/Device.h"
#include "xpu/FileIO.h"
#include "xpu/emu/EmulatorBackend.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>

namespace {

const char *kUsage = R"(usage: xpu-cc MODEL.json|MODEL.mlir --chip CHIP.json [options]

Compiles a neural actor graph (docs/actor-graph.md) or nact IR for an XPU
chip (docs/arch.md section 2): infer shapes, quantise float (NIR-style)
parameters, partition, place, route, check that the programs cannot deadlock,
lower to one program per core, emit an executable (docs/compiler.md).

  --chip CHIP.json          target chip descriptor (required)
  -o FILE.xpuexe            write the executable (default: MODEL with .xpuexe)
  --compile-to=PHASE        stop after PHASE and print its IR to stdout:
                            nact | partitioned | placed | routed | xpu | exe
  --max-elements-per-core=N compute budget: at most N rows/neurons of an
                            actor per core (default 0: limited by SRAM only)
  --no-multicast            use unicast messages for fan-out
  --place=greedy|anneal     placement: greedy, or simulated annealing from
                            the greedy placement (default anneal)
  --seed N                  annealing seed (default 1; same seed, same result)
  --place-iterations N      annealing moves (default 0: automatic)
  --mapping-report          print per-core SRAM use, placement cost, a lower
                            bound on it and the gap, and the expected
                            traffic on every link
  --run                     run the compiled model on the SystemC emulator
  --steps N                 timesteps to run (default 1)
  --inputs SPEC             input values, repeatable:
                              name=v1,v2,...        the same vector every step
                              FILE.json             {"name": [[step 0], [step 1], ...]}
  --print-outputs           print every output vector of every step
  --check                   also run the reference executor and require
                            bit-exact equality (exit 1 otherwise)
  --stats FILE.json         write the emulator's statistics after the run
  -h, --help                show this help

Diagnostics name the JSON pointer (JSON input) or file:line:col (IR input);
the exit code is 1 on any error, 2 on bad usage.
)";

int usageError(const std::string &msg) {
  std::cerr << "xpu-cc: error: " << msg << " (see --help)\n";
  return 2;
}

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

} // namespace

int main(int argc, char **argv) {
  std::string input, chipPath, output, statsPath;
  xpu::driver::CompileOptions opts;
  bool run = false, printOutputs = false, check = false;
  uint64_t steps = 1;
  std::vector<std::string> inputSpecs;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const std::string &flag) -> std::optional<std::string> {
      if (a.rfind(flag + "=", 0) == 0) return a.substr(flag.size() + 1);
      if (a == flag) {
        if (i + 1 >= argc) return std::nullopt;
        return std::string(argv[++i]);
      }
      return std::nullopt;
    };
    auto is = [&](const std::string &flag) { return a == flag || a.rfind(flag + "=", 0) == 0; };
    auto number = [&](const std::string &flag, uint64_t &out) -> bool {
      auto v = value(flag);
      if (!v || v->empty() || v->find_first_not_of("0123456789") != std::string::npos) return false;
      out = std::stoull(*v);
      return true;
    };
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (is("--chip")) {
      auto v = value("--chip");
      if (!v) return usageError("--chip needs a file");
      chipPath = *v;
    } else if (a == "-o") {
      if (i + 1 >= argc) return usageError("-o needs a file");
      output = argv[++i];
    } else if (is("--compile-to")) {
      auto v = value("--compile-to");
      auto phase = v ? xpu::driver::phaseFromName(*v) : std::nullopt;
      if (!phase) return usageError("--compile-to expects nact, partitioned, placed, routed, xpu or exe");
      opts.stopAfter = *phase;
    } else if (is("--max-elements-per-core")) {
      uint64_t n;
      if (!number("--max-elements-per-core", n)) return usageError("--max-elements-per-core needs a number");
      opts.maxElementsPerCore = unsigned(n);
    } else if (is("--place")) {
      auto v = value("--place");
      auto s = v ? xpu::graph::placeStrategyFromName(*v) : std::nullopt;
      if (!s) return usageError("--place expects greedy or anneal");
      opts.place = *s;
    } else if (is("--seed")) {
      if (!number("--seed", opts.seed) || opts.seed > 0xffffffffull)
        return usageError("--seed needs a number below 2^32");
    } else if (is("--place-iterations")) {
      if (!number("--place-iterations", opts.iterations) || opts.iterations > 0xffffffffull)
        return usageError("--place-iterations needs a number below 2^32");
    } else if (a == "--no-multicast") {
      opts.multicast = false;
    } else if (a == "--mapping-report") {
      opts.mappingReport = true;
    } else if (a == "--run") {
      run = true;
    } else if (is("--steps")) {
      if (!number("--steps", steps) || steps == 0) return usageError("--steps needs a positive number");
    } else if (is("--inputs")) {
      auto v = value("--inputs");
      if (!v) return usageError("--inputs needs a value");
      inputSpecs.push_back(*v);
    } else if (a == "--print-outputs") {
      printOutputs = true;
    } else if (a == "--check") {
      check = true;
    } else if (is("--stats")) {
      auto v = value("--stats");
      if (!v) return usageError("--stats needs a file");
      statsPath = *v;
    } else if (a.size() > 1 && a[0] == '-') {
      return usageError("unknown option '" + a + "'");
    } else if (input.empty()) {
      input = a;
    } else {
      return usageError("more than one input ('" + input + "' and '" + a + "')");
    }
  }
  if (input.empty()) return usageError("no input model");
  if (chipPath.empty()) return usageError("--chip is required");
  if ((printOutputs || check || !inputSpecs.empty() || !statsPath.empty()) && !run)
    run = true; // asking for outputs implies running
  if (run && opts.stopAfter != xpu::driver::Phase::Exe)
    return usageError("--run needs the whole compilation (no --compile-to)");

  auto chip = xpu::loadChipDescriptor(chipPath);
  if (!chip) {
    std::cerr << chip.error().message << "\n";
    return 1;
  }
  opts.sourceName = input;
  const bool isMlir = endsWith(input, ".mlir");
  xpu::graph::ActorGraph graph;
  xpu::Expected<xpu::driver::CompileResult> result = xpu::Error{""};
  if (isMlir) {
    auto text = xpu::readFileText(input);
    if (!text) {
      std::cerr << text.error().message << "\n";
      return 1;
    }
    if (run) {
      auto g = xpu::driver::graphFromMlir(*text, input);
      if (!g) {
        std::cerr << g.error().message << "\n";
        return 1;
      }
      graph = std::move(*g);
    }
    result = xpu::driver::compileMlir(*text, *chip, opts);
  } else {
    auto g = xpu::graph::loadActorGraph(input);
    if (!g) {
      std::cerr << g.error().message << "\n";
      return 1;
    }
    graph = std::move(*g);
    result = xpu::driver::compileGraph(graph, *chip, opts);
  }
  if (!result) {
    std::cerr << result.error().message << "\n";
    return 1;
  }
  if (!result->mappingReport.empty()) std::cout << result->mappingReport;
  if (opts.stopAfter != xpu::driver::Phase::Exe) {
    std::cout << result->ir;
    return 0;
  }
  if (output.empty() && !run) {
    output = input;
    size_t dot = output.rfind('.');
    if (dot != std::string::npos && output.find('/', dot) == std::string::npos) output.resize(dot);
    output += ".xpuexe";
  }
  if (!output.empty())
    if (auto err = xpu::saveExecutable(*result->exe, output)) {
      std::cerr << err->message << "\n";
      return 1;
    }
  if (!run) return 0;

  // Inputs per step.
  std::vector<xpu::graph::Values> inputs(steps);
  for (const std::string &spec : inputSpecs) {
    size_t eq = spec.find('=');
    if (eq != std::string::npos) {
      auto values = xpu::parseValueList(spec.substr(eq + 1));
      if (!values) {
        std::cerr << "xpu-cc: error: --inputs " << spec << ": " << values.error().message << "\n";
        return 1;
      }
      for (auto &step : inputs) step[spec.substr(0, eq)].assign(values->begin(), values->end());
      continue;
    }
    auto text = xpu::readFileText(spec);
    if (!text) {
      std::cerr << text.error().message << "\n";
      return 1;
    }
    nlohmann::json j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      std::cerr << spec << ": error: expected a JSON object {\"input\": [[step 0 values], ...]}\n";
      return 1;
    }
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (!it->is_array() || it->size() < steps) {
        std::cerr << spec << ": /" << it.key() << ": error: expected an array of at least " << steps
                  << " per-step vectors\n";
        return 1;
      }
      for (uint64_t t = 0; t < steps; ++t) {
        const auto &v = (*it)[t];
        if (!v.is_array()) {
          std::cerr << spec << ": /" << it.key() << "/" << t << ": error: expected an array of integers\n";
          return 1;
        }
        for (const auto &x : v) {
          if (!x.is_number_integer()) {
            std::cerr << spec << ": /" << it.key() << "/" << t << ": error: expected integers\n";
            return 1;
          }
          inputs[t][it.key()].push_back(int32_t(x.get<int64_t>()));
        }
      }
    }
  }
  for (const auto &a : graph.actors)
    if (a.kind == xpu::graph::ActorKind::Input && !inputs[0].count(a.name)) {
      std::cerr << "xpu-cc: error: no value for input '" << a.name << "' (use --inputs " << a.name << "=...)\n";
      return 1;
    }

  xpu::emu::registerEmulatorBackend();
  auto device = xpu::Device::open("emulator");
  if (!device) {
    std::cerr << device.error().message << "\n";
    return 1;
  }
  if (auto err = device->load(*result->exe)) {
    std::cerr << err->message << "\n";
    return 1;
  }
  auto outputs = xpu::driver::runSteps(*device, graph, inputs);
  if (!outputs) {
    std::cerr << "xpu-cc: error: " << outputs.error().message << "\n";
    return 1;
  }
  if (printOutputs)
    for (size_t t = 0; t < outputs->size(); ++t)
      for (const auto &[name, v] : (*outputs)[t]) {
        std::cout << "step " << t << " " << name << ":";
        for (int32_t x : v) std::cout << " " << x;
        std::cout << "\n";
      }
  std::cout << "ran " << steps << " step" << (steps == 1 ? "" : "s") << " in " << device->cycle() << " cycles on "
            << graph.actors.size() << " actors\n";
  if (!statsPath.empty()) {
    FILE *f = std::fopen(statsPath.c_str(), "w");
    if (!f) {
      std::cerr << statsPath << ": error: cannot write\n";
      return 1;
    }
    std::string s = device->stats().dump(2);
    std::fwrite(s.data(), 1, s.size(), f);
    std::fclose(f);
  }
  if (check) {
    auto expected = xpu::driver::runReference(graph, inputs);
    if (!expected) {
      std::cerr << "xpu-cc: error: reference executor: " << expected.error().message << "\n";
      return 1;
    }
    std::string diff = xpu::driver::compareOutputs(*expected, *outputs);
    if (!diff.empty()) {
      std::cerr << "xpu-cc: error: emulator and reference executor differ: " << diff << "\n";
      return 1;
    }
    std::cout << "outputs equal the reference executor bit for bit\n";
  }
  return 0;
}

// libsystemc references sc_main; this program has its own main.
int sc_main(int, char *[]) { return 1; }
