// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

namespace qlab::io {
inline constexpr const char* kVersion = "0.1.0";
}  // namespace qlab::io
