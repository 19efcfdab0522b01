// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Test helpers for bad-input checks: the one-line diagnostic a call's InputError prints.
#pragma once

#include <string>

#include "qlab/io/input_error.h"

namespace qlab::testing {

// The InputError `f` throws, formatted as the CLI prints it; "" when it throws none.
template <typename F>
std::string ErrorOf(F&& f) {
  try {
    f();
  } catch (const io::InputError& e) {
    return e.Format();
  }
  return "";
}

inline bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace qlab::testing
