// The mixed mesh (stage 1) moved into the RTL-side library XpuRtlSim
// (rtl/sim/include/xpu/rtl/MixedMesh.h), where xpu-sim --rtl-tiles uses it.
#pragma once

#include "../RtlRouterPorts.h"

#include "xpu/rtl/MixedMesh.h"
