// Lowering of events channels (docs/compiler.md "Event channels"): the
// producer's spike scan and dynamic-length sends, the consumer linear's
// transposed weights and per-event column accumulation, and the xpu.channel
// ops that give the receiving mailboxes their capacity and policy. Called by
// nact-lower-to-xpu (LowerToXpu.cpp).
#pragma once

#include "xpu/ChipDescriptor.h"
#include "xpu/compiler/Mapping.h"

#include "mlir/IR/Builders.h"

#include <vector>

namespace xpu::transforms {

/// One xpu.channel per receiving (core, mailbox) of every events stream,
/// with the channel's policy and a `capacity` attribute (the executable's
/// per-mailbox capacity). Inserted at `b` (the xpu.module body).
void emitEventMailboxes(mlir::OpBuilder &b, mlir::Location loc, const graph::ActorGraph &g,
                        const std::vector<graph::Partition> &parts, const graph::Routing &routing,
                        const ChipDescriptor &chip);

/// The producer's event buffer `_ev` (u16 per neuron of the slice).
void emitEventSourceBuffers(mlir::OpBuilder &b, mlir::Location loc, uint32_t rows);

/// After nstep: the indices of the spikes in `_spk` into `_ev`, then every
/// events stream of `sent` as ceil(n/K) messages to mailbox base + (t mod 2).
void emitEventSends(mlir::OpBuilder &b, mlir::Location loc, const graph::ActorGraph &g,
                    const std::vector<graph::Partition> &parts, uint32_t rows,
                    const std::vector<const graph::Message *> &sent);

/// A linear slice fed by an events stream: `_wt` [in][rows] (transposed),
/// `_b`, `_ev` (one message), `_acc`, `_out`.
void emitEventLinearBuffers(mlir::OpBuilder &b, mlir::Location loc, const graph::Actor &a,
                            const graph::Partition &p, uint32_t eventsPerMessage);

/// acc = bias; for every event of the previous step's mailbox (poll, recv)
/// add its weight column with vmacs; then requantise into `_out`.
void emitEventLinearStep(mlir::OpBuilder &b, mlir::Location loc, const graph::Actor &a,
                         const graph::Partition &p, const graph::Message &in);

} // namespace xpu::transforms
