// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
// `qlab targets`: the Highway targets compiled in, which this CPU supports, and which one runs.
#include <nlohmann/json.hpp>

#include <memory>

#include "command.h"
#include "qlab/kernels.h"

namespace qlab::cli {
namespace {

struct TargetsOptions {
  bool json = false;
  std::string isa;
};

const Registrar kTargets(90, "targets", "List the SIMD targets compiled in and supported here",
                         [](CLI::App& sub) -> Action {
                           auto opt = std::make_shared<TargetsOptions>();
                           sub.add_flag("--json", opt->json, "Print one JSON object");
                           AddIsaOption(sub, opt->isa);
                           return [opt]() {
                             ApplyIsa(opt->isa);
                             nlohmann::json j;
                             j["compiled"] = nlohmann::json::array();
                             j["supported"] = nlohmann::json::array();
                             for (const auto& t : kernels::CompiledTargets()) {
                               j["compiled"].push_back(t.name);
                             }
                             for (const auto& t : kernels::SupportedTargets()) {
                               j["supported"].push_back(t.name);
                             }
                             j["active"] = kernels::ActiveTarget();
                             if (opt->json) {
                               Out() << j.dump() << "\n";
                             } else {
                               Out() << "compiled:  " << j["compiled"].dump() << "\n"
                                     << "supported: " << j["supported"].dump() << "\n"
                                     << "active:    " << kernels::ActiveTarget() << "\n";
                             }
                             return kExitOk;
                           };
                         });

}  // namespace
}  // namespace qlab::cli
