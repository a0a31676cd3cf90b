// Heat maps of the mesh and line charts as SVG.
#include "xpu/emu/Report.h"

#include "xpu/emu/Svg.h"

#include <algorithm>
#include <cmath>
#include <fstream>

namespace xpu::emu {

namespace {

const char *kPortNames[] = {"local", "east", "west", "north", "south"};

int portIndex(const std::string &name) {
  for (int p = 0; p < int(kNumPorts); ++p)
    if (name == kPortNames[p])
      return p;
  return -1;
}

// A vertical colour bar from 0 to `max` at (x, y), `h` tall.
void colorBar(svg::Document &doc, const std::string &id, double x, double y, double h,
              double max, const std::string &unit) {
  std::string grad = "<linearGradient id=\"" + id + "\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">\n";
  for (int i = 0; i <= 8; ++i)
    grad += "<stop offset=\"" + svg::number(i / 8.0) + "\" stop-color=\"" +
            svg::heatColor(i / 8.0) + "\"/>\n";
  grad += "</linearGradient>\n";
  doc.def(grad);
  doc.rect(x, y, 12, h, "url(#" + id + ")", "colorbar", "", "#444");
  for (double t : {0.0, 0.5, 1.0})
    doc.text(x + 16, y + h - t * h + 4, svg::number(t * max, 3), 10);
  doc.text(x, y - 6, unit, 10);
}

} // namespace

LinkValues linkUtilisationFromJson(const nlohmann::json &j) {
  LinkValues v;
  if (j.contains("link_utilisation") && j["link_utilisation"].is_array()) {
    for (const auto &row : j["link_utilisation"]) {
      std::array<double, kNumPorts> a{};
      for (unsigned p = 0; p < kNumPorts; ++p)
        a[p] = row.value(kPortNames[p], 0.0);
      v.push_back(a);
    }
    return v;
  }
  if (!j.contains("network") || !j.contains("mesh") || !j.contains("cycles"))
    return v;
  const uint64_t n = j["mesh"].value("width", 0u) * j["mesh"].value("height", 0u);
  const double cycles = std::max<double>(1, j["cycles"].get<double>());
  v.assign(n, {});
  for (const auto &l : j["network"].value("link_flits", nlohmann::json::array())) {
    const uint64_t r = l.value("router", uint64_t(0));
    const int p = portIndex(l.value("port", std::string()));
    if (r < n && p >= 0)
      v[r][size_t(p)] = l.value("flits", 0.0) / cycles;
  }
  return v;
}

std::string linkHeatMap(uint32_t width, uint32_t height, const LinkValues &values,
                        const std::string &title, const std::string &unit, double scaleMax) {
  // Cells: core squares of side C, gaps G between them holding the two
  // directed links (east-going above west-going, south-going left of
  // north-going).
  const double C = width * height > 64 ? 22 : 34, G = C * 0.7, M = 30, top = 40;
  const double gridW = width * C + (width - 1) * G, gridH = height * C + (height - 1) * G;
  svg::Document doc(M + gridW + 90, top + gridH + M);
  double max = scaleMax;
  if (max <= 0)
    for (const auto &r : values)
      for (unsigned p = 1; p < kNumPorts; ++p)
        max = std::max(max, r[p]);
  if (max <= 0)
    max = 1;
  doc.text(M, 22, title, 14, "start", "font-weight=\"bold\"");
  auto cx = [&](uint32_t x) { return M + x * (C + G); };
  auto cy = [&](uint32_t y) { return top + y * (C + G); };
  auto value = [&](uint32_t r, Port p) {
    return r < values.size() ? values[r][size_t(p)] : 0.0;
  };
  auto label = [&](uint32_t x, uint32_t y, const char *dir, uint32_t nx, uint32_t ny, double v) {
    return "(" + std::to_string(x) + "," + std::to_string(y) + ") " + dir + " -> (" +
           std::to_string(nx) + "," + std::to_string(ny) + "): " + svg::number(v) + " " + unit;
  };
  const double t = G * 0.32; // link cell thickness
  for (uint32_t y = 0; y < height; ++y)
    for (uint32_t x = 0; x < width; ++x) {
      const uint32_t r = y * width + x;
      doc.rect(cx(x), cy(y), C, C, "#e8e8e8", "core",
               "core " + std::to_string(r) + " (" + std::to_string(x) + "," +
                   std::to_string(y) + ")",
               "#999");
      if (C >= 30)
        doc.text(cx(x) + C / 2, cy(y) + C / 2 + 4, std::to_string(r), 10, "middle",
                 "fill=\"#666\"");
      if (x + 1 < width) {
        const double vE = value(r, Port::East), vW = value(r + 1, Port::West);
        const double lx = cx(x) + C + G * 0.1, lw = G * 0.8;
        doc.rect(lx, cy(y) + C / 2 - t - 1, lw, t, svg::heatColor(vE / max), "link",
                 label(x, y, "east", x + 1, y, vE));
        doc.rect(lx, cy(y) + C / 2 + 1, lw, t, svg::heatColor(vW / max), "link",
                 label(x + 1, y, "west", x, y, vW));
      }
      if (y + 1 < height) {
        const double vS = value(r, Port::South), vN = value(r + width, Port::North);
        const double ly = cy(y) + C + G * 0.1, lh = G * 0.8;
        doc.rect(cx(x) + C / 2 - t - 1, ly, t, lh, svg::heatColor(vS / max), "link",
                 label(x, y, "south", x, y + 1, vS));
        doc.rect(cx(x) + C / 2 + 1, ly, t, lh, svg::heatColor(vN / max), "link",
                 label(x, y + 1, "north", x, y, vN));
      }
    }
  colorBar(doc, "linkscale", M + gridW + 24, top + 12, std::min(gridH - 12, 200.0), max, unit);
  return doc.str();
}

std::string coreHeatMaps(uint32_t width, uint32_t height,
                         const std::vector<CorePanel> &panels, const std::string &title) {
  const double C = width * height > 64 ? 16 : 28, M = 20, top = 56, barW = 70;
  const double panelW = width * C + barW + M, gridH = height * C;
  svg::Document doc(M + panels.size() * panelW, top + gridH + M);
  doc.text(M, 22, title, 14, "start", "font-weight=\"bold\"");
  for (size_t i = 0; i < panels.size(); ++i) {
    const CorePanel &p = panels[i];
    const double ox = M + i * panelW;
    double max = 0;
    for (double v : p.values)
      max = std::max(max, v);
    if (max <= 0)
      max = 1;
    doc.text(ox, top - 10, p.title, 12);
    for (uint32_t y = 0; y < height; ++y)
      for (uint32_t x = 0; x < width; ++x) {
        const uint32_t c = y * width + x;
        const double v = c < p.values.size() ? p.values[c] : 0.0;
        doc.rect(ox + x * C, top + y * C, C - 1, C - 1, svg::heatColor(v / max), "core",
                 "core " + std::to_string(c) + " (" + std::to_string(x) + "," +
                     std::to_string(y) + "): " + svg::number(v) + " " + p.unit);
      }
    colorBar(doc, "corescale" + std::to_string(i), ox + width * C + 10, top + 12,
             std::min(gridH - 12, 160.0), max, p.unit);
  }
  return doc.str();
}

std::vector<CorePanel> corePanelsFromStats(const nlohmann::json &stats) {
  CorePanel busy{"busy fraction", "of cycles", {}};
  CorePanel energy{"energy (core + router)", "pJ", {}};
  const double cycles = std::max<double>(1, stats.value("cycles", 1.0));
  for (const auto &c : stats.value("cores", nlohmann::json::array())) {
    busy.values.push_back(c.value("busy_cycles", 0.0) / cycles);
    energy.values.push_back(c.value("tile_energy_pj", c.value("energy_pj", 0.0)));
  }
  return {busy, energy};
}

std::string lineChart(const std::vector<Series> &series, const ChartOptions &o) {
  const double L = 64, R = 150, T = 36, B = 46;
  svg::Document doc(o.width, o.height);
  const double pw = o.width - L - R, ph = o.height - T - B;
  double xmin = INFINITY, xmax = -INFINITY, ymin = 0, ymax = -INFINITY;
  for (const Series &s : series)
    for (auto [x, y] : s.points) {
      xmin = std::min(xmin, x);
      xmax = std::max(xmax, x);
      ymin = std::min(ymin, y);
      ymax = std::max(ymax, y);
    }
  if (!std::isfinite(xmin)) {
    xmin = 0;
    xmax = 1;
    ymax = 1;
  }
  if (o.yMax > 0)
    ymax = std::min(ymax, o.yMax);
  if (xmax <= xmin)
    xmax = xmin + 1;
  if (ymax <= ymin)
    ymax = ymin + 1;
  const std::vector<double> xt = svg::niceTicks(xmin, xmax, 6);
  const std::vector<double> yt = svg::niceTicks(ymin, ymax, 6);
  xmin = std::min(xmin, xt.front());
  xmax = std::max(xmax, xt.back());
  ymin = std::min(ymin, yt.front());
  ymax = std::max(ymax, yt.back());
  auto X = [&](double x) { return L + (x - xmin) / (xmax - xmin) * pw; };
  auto Y = [&](double y) { return T + ph - (std::min(y, ymax) - ymin) / (ymax - ymin) * ph; };

  doc.text(L, 22, o.title, 14, "start", "font-weight=\"bold\"");
  for (double v : xt) {
    doc.line(X(v), T, X(v), T + ph, "#e4e4e4");
    doc.text(X(v), T + ph + 16, svg::number(v), 10, "middle");
  }
  for (double v : yt) {
    doc.line(L, Y(v), L + pw, Y(v), "#e4e4e4");
    doc.text(L - 6, Y(v) + 4, svg::number(v), 10, "end");
  }
  doc.line(L, T + ph, L + pw, T + ph, "#333");
  doc.line(L, T, L, T + ph, "#333");
  doc.text(L + pw / 2, o.height - 8, o.xLabel, 12, "middle");
  doc.text(16, T + ph / 2, o.yLabel, 12, "middle",
           "transform=\"rotate(-90 16 " + svg::number(T + ph / 2, 6) + ")\"");
  for (size_t i = 0; i < series.size(); ++i) {
    const Series &s = series[i];
    const std::string color = svg::seriesColor(i);
    std::vector<std::pair<double, double>> pts;
    for (auto [x, y] : s.points)
      pts.push_back({X(x), Y(y)});
    if (pts.size() > 1)
      doc.polyline(pts, color);
    for (size_t k = 0; k < pts.size(); ++k)
      doc.circle(pts[k].first, pts[k].second, 3, color,
                 s.name + ": (" + svg::number(s.points[k].first) + ", " +
                     svg::number(s.points[k].second) + ")" +
                     (o.yMax > 0 && s.points[k].second > ymax ? " (clipped)" : ""));
    const double ly = T + 10 + i * 18;
    doc.line(L + pw + 14, ly, L + pw + 34, ly, color, 2);
    doc.text(L + pw + 40, ly + 4, s.name, 11);
  }
  return doc.str();
}

bool writeTextFile(const std::string &path, const std::string &text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  return bool(out);
}

} // namespace xpu::emu
