// Alipay's HTTP binding: the v2 gateway (/gateway.do), the OpenAPI v3 paths (/v3/alipay/...), the
// admin controls, and the emulator::Service that wires fixtures, tables and the outbox channel.
#pragma once

#include <memory>

#include "emulator/service.hpp"

namespace mpemu::alipay {

std::unique_ptr<emulator::Service> make_service();

}  // namespace mpemu::alipay
