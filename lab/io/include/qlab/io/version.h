// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include "qlab/version.h"  // generated from project(qlab VERSION ...)

namespace qlab::io {
inline constexpr const char* kVersion = QLAB_VERSION_STRING;
}  // namespace qlab::io
