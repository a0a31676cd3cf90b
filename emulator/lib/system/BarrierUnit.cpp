// Timestep barrier: arrival counting and the release condition.
#include "xpu/emu/BarrierUnit.h"

namespace xpu::emu {

void BarrierUnit::reset(uint32_t numCores, uint32_t latency) {
  waiting_.assign(numCores, 0);
  count_ = 0;
  latency_ = latency ? latency : 1;
  timestep_ = 0;
  lastRelease_ = 0;
}

void BarrierUnit::arrive(uint32_t core) {
  if (!waiting_[core]) {
    waiting_[core] = 1;
    ++count_;
  }
}

void BarrierUnit::leave(uint32_t core) {
  if (waiting_[core]) {
    waiting_[core] = 0;
    --count_;
  }
}

std::optional<BarrierUnit::Release>
BarrierUnit::endOfCycle(uint64_t now, uint32_t liveCores,
                        const std::function<bool()> &quiescent) {
  if (count_ == 0 || count_ != liveCores || !quiescent())
    return std::nullopt;
  Release r;
  r.cycle = now + latency_;
  for (uint32_t c = 0; c < waiting_.size(); ++c)
    if (waiting_[c]) {
      r.cores.push_back(c);
      waiting_[c] = 0;
    }
  count_ = 0;
  ++timestep_;
  lastRelease_ = r.cycle;
  return r;
}

} // namespace xpu::emu
