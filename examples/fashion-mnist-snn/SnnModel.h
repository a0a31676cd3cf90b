// The interface shared by fmnist-snn-convert and fmnist-snn-classify: the
// names in the SNN actor graph, the deterministic rate encoder that turns a
// Fashion-MNIST image into T steps of input spikes, and the ANN of
// ../fashion-mnist (fmnist-train's model.json) read back for conversion and
// for the float-ANN baseline. Both programs must feed the network the same
// spikes and compare with the same ANN, so these are defined once, here.
#pragma once

#include "../fashion-mnist/FashionMnist.h"

#include "xpu/compiler/ActorGraph.h"
#include "xpu/compiler/ReferenceExecutor.h"

#include <cstdint>
#include <string>
#include <vector>

namespace fmnist::snn {

// Actor-graph names (fmnist-snn-convert writes them, fmnist-snn-classify
// looks them up).
inline constexpr const char *kInput = "spikes";           // input i8[784 + priming lines], 0/1
inline constexpr const char *kHidden = "hidden";          // IF population, 128
inline constexpr const char *kHiddenOutput = "hidden_spikes"; // graph output of `hidden`
inline constexpr const char *kMembraneOutput = "membrane";    // graph output: LI i32[10]
inline constexpr uint32_t kHiddenSize = 128;

/// The encoder's threshold: a pixel's input integer q = pixel >> 1 (0..127,
/// the same integer the int8 ANN sees) fires at rate q / 127 spikes per step.
inline constexpr int32_t kEncoderThreshold = 127;

/// A deterministic integrate-and-fire ("sigma-delta") rate encoder: every
/// pixel accumulates q each step and emits a spike when its accumulator
/// reaches 127, subtracting 127. The accumulator starts at half the
/// threshold, so after t steps a pixel has fired floor((64 + t q) / 127)
/// times, the count nearest the ideal rate, with no sampling noise and no
/// seed. A white pixel (q = 127) fires every step, a black one never.
///
/// After the 784 pixels come `primeLines` priming lines (fmnist-snn-convert
/// adds them, see README.md): they fire once, at step 0, and put half a
/// threshold into every hidden neuron, as if its membrane started at
/// threshold / 2 (nstep state starts at zero).
class RateEncoder {
public:
  RateEncoder(const uint8_t *pixels, uint32_t primeLines)
      : q_(kPixels), phase_(kPixels, kEncoderThreshold / 2 + 1), primeLines_(primeLines) {
    for (uint32_t i = 0; i < kPixels; ++i) q_[i] = quantisePixel(pixels[i]);
  }
  /// The next step's input vector (0/1 per line); returns how many fired.
  uint32_t step(std::vector<int32_t> &spikes) {
    spikes.assign(kPixels + primeLines_, 0);
    uint32_t fired = 0;
    for (uint32_t i = 0; i < kPixels; ++i) {
      phase_[i] += q_[i];
      bool spike = phase_[i] >= kEncoderThreshold;
      if (spike) phase_[i] -= kEncoderThreshold;
      spikes[i] = spike;
      fired += spike;
    }
    if (step_++ == 0) {
      for (uint32_t i = 0; i < primeLines_; ++i) spikes[kPixels + i] = 1;
      fired += primeLines_;
    }
    return fired;
  }

private:
  std::vector<int32_t> q_, phase_;
  uint32_t primeLines_;
  uint32_t step_ = 0;
};

/// The `steps` input vectors of one image (each a Values map with kInput),
/// and the number of input spikes among them.
inline std::vector<xpu::graph::Values> encodeImage(const uint8_t *pixels, uint32_t primeLines, uint32_t steps,
                                                   uint64_t &inputSpikes) {
  RateEncoder encoder(pixels, primeLines);
  std::vector<xpu::graph::Values> out(steps);
  inputSpikes = 0;
  for (auto &s : out) inputSpikes += encoder.step(s[kInput]);
  return out;
}

/// fmnist-train's quantised MLP: int8 weights, int32 biases at the
/// accumulator scale, fc1's requantisation shift.
struct Ann {
  std::vector<int8_t> w1, w2;   // [128][784], [10][128]
  std::vector<int32_t> b1, b2;  // [128], [10]
  uint32_t shift = 0;
};

/// The ANN of fmnist-train's actor graph (linear fc1 784->128 requantised,
/// linear fc2 128->10).
inline xpu::Expected<Ann> annFromGraph(const xpu::graph::ActorGraph &g, const std::string &source) {
  using xpu::graph::ActorKind;
  auto fc1 = g.find("fc1"), fc2 = g.find("fc2");
  if (!fc1 || !fc2 || g.actors[*fc1].kind != ActorKind::Linear || g.actors[*fc1].inSize != kPixels ||
      g.actors[*fc1].outSize != kHiddenSize || !g.actors[*fc1].requantize ||
      g.actors[*fc2].kind != ActorKind::Linear || g.actors[*fc2].inSize != kHiddenSize ||
      g.actors[*fc2].outSize != kClasses)
    return xpu::Error{source + ": error: expected fmnist-train's model: linear fc1 784->128 (requantised) and "
                               "linear fc2 128->10"};
  const auto &l1 = g.actors[*fc1], &l2 = g.actors[*fc2];
  Ann ann;
  ann.w1 = l1.weight;
  ann.w2 = l2.weight;
  ann.b1 = l1.bias.empty() ? std::vector<int32_t>(kHiddenSize) : l1.bias;
  ann.b2 = l2.bias.empty() ? std::vector<int32_t>(kClasses) : l2.bias;
  ann.shift = l1.requantize->shift;
  return ann;
}

/// The ANN's hidden accumulators (fc1 before requantisation) for one image.
inline void hiddenAccumulators(const Ann &ann, const uint8_t *pixels, int64_t *acc) {
  int32_t x[kPixels];
  for (uint32_t i = 0; i < kPixels; ++i) x[i] = quantisePixel(pixels[i]);
  for (uint32_t o = 0; o < kHiddenSize; ++o) {
    const int8_t *w = ann.w1.data() + size_t(o) * kPixels;
    int64_t a = ann.b1[o];
    for (uint32_t i = 0; i < kPixels; ++i) a += int32_t(w[i]) * x[i];
    acc[o] = a;
  }
}

/// The class of the float ANN: the dequantised int8 weights (fmnist-train
/// keeps no float weights), float ReLU, no hidden rounding or clamp; in the
/// scale of fc2's accumulators, z = b2 + sum w2 * relu(a1) / 2^shift.
inline uint32_t floatClass(const Ann &ann, const uint8_t *pixels) {
  int64_t a1[kHiddenSize];
  hiddenAccumulators(ann, pixels, a1);
  double z[kClasses];
  for (uint32_t o = 0; o < kClasses; ++o) {
    double s = ann.b2[o];
    for (uint32_t i = 0; i < kHiddenSize; ++i)
      if (a1[i] > 0) s += double(ann.w2[size_t(o) * kHiddenSize + i]) * double(a1[i]) / double(1u << ann.shift);
    z[o] = s;
  }
  return argmax(z, kClasses);
}

} // namespace fmnist::snn
