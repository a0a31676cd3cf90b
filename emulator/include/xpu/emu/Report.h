// Report figures drawn by our own code (no plotting runtime): SVG heat maps
// of per-link utilisation and per-core values on the mesh, and line charts
// (latency-throughput curves, sweep plots). docs/tutorial-perf.md shows them.
#pragma once

#include "xpu/Packet.h"

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace xpu::emu {

/// values[router][port] for the router's output ports (Local, East, West,
/// North, South as xpu::Port).
using LinkValues = std::vector<std::array<double, kNumPorts>>;

/// Per-link utilisation (flits per cycle) from a statistics JSON
/// (`network.link_flits` / `cycles`) or a traffic result JSON
/// (`link_utilisation`). Empty if the JSON has neither.
LinkValues linkUtilisationFromJson(const nlohmann::json &stats);

/// A W x H mesh with one cell per directed router-to-router link (class
/// "link", a tooltip with the value), coloured by value on a scale from 0 to
/// the maximum (or `scaleMax` if > 0), with a colour bar.
std::string linkHeatMap(uint32_t width, uint32_t height, const LinkValues &values,
                        const std::string &title, const std::string &unit,
                        double scaleMax = 0);

struct CorePanel {
  std::string title;
  std::string unit;
  std::vector<double> values; // [core id]
};
/// Panels side by side, each a W x H grid with one cell per core (class
/// "core"), coloured by value, with a colour bar.
std::string coreHeatMaps(uint32_t width, uint32_t height,
                         const std::vector<CorePanel> &panels, const std::string &title);
/// The busy fraction and energy (core + router, pJ) of every core from a
/// statistics JSON.
std::vector<CorePanel> corePanelsFromStats(const nlohmann::json &stats);

struct Series {
  std::string name;
  std::vector<std::pair<double, double>> points; // drawn in this order
};
struct ChartOptions {
  std::string title, xLabel, yLabel;
  double width = 560, height = 360;
  /// Clip the y axis at this value (0: automatic); saturated latencies
  /// otherwise flatten the interesting part of a curve.
  double yMax = 0;
};
/// A line chart with markers (tooltips with the values), axes, grid and
/// legend.
std::string lineChart(const std::vector<Series> &series, const ChartOptions &options);

/// Writes `text` to `path`; false on failure.
bool writeTextFile(const std::string &path, const std::string &text);

} // namespace xpu::emu
